"""Retry only named transient errors, with exponential backoff and full jitter."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import requests

from market.providers.base import ProviderError, TransientProviderError

T = TypeVar("T")
logger = logging.getLogger(__name__)

RETRYABLE_STATUS = {429, 500, 502, 503, 504}


def classify_http_error(exc: Exception, what: str) -> ProviderError:
    """Turn an error from the HTTP layer into a transient or permanent provider error."""
    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return TransientProviderError(f"{what}: {type(exc).__name__}: {exc}")
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
        kind = TransientProviderError if status in RETRYABLE_STATUS else ProviderError
        label = "rate limited (HTTP 429)" if status == 429 else f"HTTP {status}"
        return kind(f"{what}: {label}")
    return ProviderError(f"{what}: {type(exc).__name__}: {exc}")


def with_retries(
    call: Callable[[], T],
    *,
    what: str,
    attempts: int = 4,
    base_delay: float = 0.5,
    max_delay: float = 8.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`; on TransientProviderError wait base*2^n (full jitter) and try again, `attempts` times."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except TransientProviderError as exc:
            if attempt == attempts:
                raise TransientProviderError(f"{exc} (gave up after {attempts} attempts)") from exc
            delay = random.uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))
            logger.warning("%s; retrying in %.1f s (attempt %d of %d)", exc, delay, attempt + 1, attempts)
            sleep(delay)
    raise AssertionError("unreachable")
