"""Which Plaid failures are worth another try, and how long to wait before it.

Transient failures (rate limits, Plaid or bank outages, data not ready yet, the network) are
retried with exponential backoff and jitter, a bounded number of times. Everything else (a
login the person must repair, a revoked or invalid token, a bad request) fails at once: waiting
would not change the answer.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from core.plaid_gateway import PlaidApiError, PlaidUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_CODES = frozenset(
    {
        "RATE_LIMIT_EXCEEDED",
        "PRODUCT_NOT_READY",
        "INSTITUTION_DOWN",
        "INSTITUTION_NOT_RESPONDING",
        "INTERNAL_SERVER_ERROR",
        "PLANNED_MAINTENANCE",
    }
)


def is_transient(error: Exception) -> bool:
    """True for failures that may succeed if the same request is sent again later."""
    if isinstance(error, PlaidUnavailable):
        return True
    if isinstance(error, PlaidApiError):
        return (
            error.status == 429
            or error.status >= 500
            or error.error_type == "RATE_LIMIT_EXCEEDED"
            or error.error_code in TRANSIENT_CODES
        )
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt n waits about base * 2**n seconds, capped."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, retry: int) -> float:
        """Seconds before retry number `retry` (0-based): half fixed, half random ("equal jitter")."""
        ceiling = min(self.max_delay, self.base_delay * 2.0**retry)
        return ceiling / 2 + ceiling / 2 * self.jitter()

    def call(self, operation: str, request: Callable[[], T]) -> T:
        """Run `request`, retrying transient failures; the last failure is raised as is."""
        retry = 0
        while True:
            try:
                return request()
            except (PlaidApiError, PlaidUnavailable) as e:
                if not is_transient(e) or retry + 1 >= self.attempts:
                    raise
                wait = self.delay(retry)
                log.info("%s: %s, retrying in %.1f s", operation, _code(e), wait)
                self.sleep(wait)
                retry += 1


def _code(error: Exception) -> str:
    return getattr(error, "error_code", None) or type(error).__name__
