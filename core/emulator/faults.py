"""Switchable failures: Plaid's per-item rate limits, injected errors, mutation during sync pagination.

These live in the memory of one emulator process (they are test hooks, not world state).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from core.emulator.errors import PlaidApiError, plaid_error, rate_limited

# Plaid's production per-item limits (requests per minute) and the error_code each one answers with.
PRODUCTION_LIMITS: dict[str, int] = {
    "/accounts/balance/get": 5,
    "/accounts/get": 15,
    "/auth/get": 15,
    "/identity/get": 15,
    "/item/get": 15,
    "/item/remove": 30,
    "/transactions/sync": 50,
}
DEFAULT_LIMITS = {"/accounts/balance/get": 5}  # the tight one; the rest would only slow down tests
LIMIT_CODES = {
    "/accounts/balance/get": "BALANCE_LIMIT",
    "/accounts/get": "ACCOUNTS_LIMIT",
    "/auth/get": "AUTH_LIMIT",
    "/identity/get": "IDENTITY_LIMIT",
    "/item/get": "ITEM_GET_LIMIT",
    "/item/remove": "ITEM_REMOVE_LIMIT",
    "/transactions/sync": "TRANSACTIONS_SYNC_LIMIT",
}


class Faults:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.rate_limiting = True
        self.limits: dict[str, int] = dict(DEFAULT_LIMITS)
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._failures: dict[str, list[tuple[str, int]]] = {}  # endpoint -> [(error code, remaining)]
        self._refused: dict[str, str] = {}  # endpoint -> error code every call gets (a product not enabled)
        self._mutations = 0

    def set_rate_limits(self, enabled: bool, limits: dict[str, int] | None = None) -> None:
        with self._lock:
            self.rate_limiting = enabled
            if limits is not None:
                unknown = set(limits) - set(LIMIT_CODES)
                if unknown:
                    raise ValueError(f"no rate limit is defined for {sorted(unknown)}")
                self.limits = dict(limits)
            self._hits.clear()

    def fail_next(self, endpoint: str, times: int = 1, error_code: str = "INTERNAL_SERVER_ERROR") -> None:
        plaid_error(error_code)  # raises KeyError for an unknown code now rather than at request time
        with self._lock:
            self._failures.setdefault(endpoint, []).append((error_code, times))

    def refuse(self, endpoint: str, error_code: str | None) -> None:
        """Every call of `endpoint` fails with `error_code` from now on (None: served again)."""
        if error_code is not None:
            plaid_error(error_code)
        with self._lock:
            if error_code is None:
                self._refused.pop(endpoint, None)
            else:
                self._refused[endpoint] = error_code

    def refused(self, endpoint: str) -> str | None:
        with self._lock:
            return self._refused.get(endpoint)

    def fail_sync_pagination(self, times: int = 1) -> None:
        """The next `times` /transactions/sync calls that continue a paginated update fail with
        TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION."""
        with self._lock:
            self._mutations += times

    def reset(self) -> None:
        with self._lock:
            self.rate_limiting = True
            self.limits = dict(DEFAULT_LIMITS)
            self._hits.clear()
            self._failures.clear()
            self._refused.clear()
            self._mutations = 0

    # ------------------------------------------------------------------------------------------ checks

    def check_injected(self, endpoint: str) -> None:
        refused = self.refused(endpoint)
        if refused is not None:
            raise plaid_error(refused)
        with self._lock:
            queued = self._failures.get(endpoint)
            if not queued:
                return
            code, remaining = queued[0]
            if remaining <= 1:
                queued.pop(0)
            else:
                queued[0] = (code, remaining - 1)
        raise plaid_error(code)

    def check_rate(self, endpoint: str, item_id: str) -> None:
        with self._lock:
            limit = self.limits.get(endpoint) if self.rate_limiting else None
            if limit is None:
                return
            now = self._clock()
            hits = self._hits.setdefault((endpoint, item_id), deque())
            while hits and now - hits[0] >= 60:
                hits.popleft()
            if len(hits) >= limit:
                raise rate_limited(LIMIT_CODES[endpoint])
            hits.append(now)

    def take_pagination_mutation(self) -> PlaidApiError | None:
        with self._lock:
            if self._mutations <= 0:
                return None
            self._mutations -= 1
        return plaid_error("TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION")
