"""Retry only named transient errors, with exponential backoff and full jitter (never a blanket retry)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)


def with_retries(
    call: Callable[[], T],
    *,
    retry_on: type[Exception] | tuple[type[Exception], ...],
    what: str,
    attempts: int = 4,
    base_delay: float = 0.5,
    max_delay: float = 8.0,
    sleep: Callable[[float], None] | None = None,
    before_retry: Callable[[Exception], None] | None = None,
) -> T:
    """Run `call`; on a `retry_on` error wait base*2^n (full jitter) and try again, `attempts` times in all.

    The last error is re-raised as it was, with the attempt count added to its message's context in the log.
    `before_retry` runs between attempts (e.g. log in again after an expired session).
    """
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except retry_on as exc:
            if attempt == attempts:
                logger.warning("%s: %s; gave up after %d attempts", what, exc, attempts)
                raise
            delay = random.uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))
            logger.warning("%s: %s; retrying in %.1f s (attempt %d of %d)", what, exc, delay, attempt + 1, attempts)
            (sleep or time.sleep)(delay)
            if before_retry is not None:
                before_retry(exc)
    raise AssertionError("unreachable")
