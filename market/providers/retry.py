"""Provider errors from the HTTP layer, and the retry policy for them (workflows.retry)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import requests

from market.providers.base import ProviderError, TransientProviderError
from workflows import retry

T = TypeVar("T")

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
    """Retry a provider call on TransientProviderError; the final error says how many attempts were made."""
    try:
        return retry.with_retries(call, retry_on=TransientProviderError, what=what, attempts=attempts,
                                  base_delay=base_delay, max_delay=max_delay, sleep=sleep)
    except TransientProviderError as exc:
        raise TransientProviderError(f"{exc} (gave up after {attempts} attempts)") from exc
