"""Test and development hooks: move an item's clock, read the emulator's truth, inject failures.

Every hook is also reachable over HTTP as POST /emulator/<hook> with the keyword arguments as a JSON object
(see core/emulator/__init__.py for the list).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from core.emulator import recurring
from core.emulator.errors import PlaidApiError, known_codes
from core.emulator.service import EmulatorService
from core.emulator.world import ADD, MODIFY, REMOVE


class Control:
    def __init__(self, service: EmulatorService) -> None:
        self._s = service

    def items(self) -> list[dict[str, Any]]:
        """Every live item: id, institution, user, clock, error code, webhook."""
        with self._s.lock:
            self._s.refresh()
            out = []
            for item_id, r in self._s.store.state["items"].items():
                if r["removed"]:
                    continue
                out.append(
                    {
                        "item_id": item_id,
                        "institution_id": r["institution_id"],
                        "username": r["username"],
                        "today": r["today"],
                        "days_advanced": sum(e["days"] for e in r["events"] if e["type"] == "advance"),
                        "error_code": r["error"]["error_code"] if r["error"] else None,
                        "webhook": r["webhook"],
                    }
                )
            return out

    def advance(self, item_id: str | None = None, days: int = 1) -> dict[str, dict[str, int]]:
        """Move one item's clock (or every item's) `days` forward; returns added/modified/removed counts."""
        with self._s.lock:
            self._s.refresh()
            targets = [item_id] if item_id is not None else [i["item_id"] for i in self.items()]
            summary = {}
            for target in targets:
                changes = self._s.advance(self._known(target), days)
                summary[target] = {
                    "added": sum(1 for c in changes if c[0] == ADD),
                    "modified": sum(1 for c in changes if c[0] == MODIFY),
                    "removed": sum(1 for c in changes if c[0] == REMOVE),
                }
            return summary

    def truth(self, item_id: str) -> list[dict[str, Any]]:
        """The item's transactions right now, exactly as /transactions/sync would return them."""
        with self._s.lock:
            self._s.refresh()
            record = self._s.record(self._known(item_id))
            live = self._s.live(item_id)
            return [orjson.loads(b) for b in live.ledger.current(live.visible(record))]

    def series(self, item_id: str) -> list[dict[str, Any]]:
        """The recurring series the item's world schedules, the truth /transactions/recurring/get answers from:
        key, role (income, housing, bill, subscription, transfer, interest, deposit), account_id, direction,
        frequency (Plaid's) and the posted transaction_ids of each."""
        with self._s.lock:
            self._s.refresh()
            self._known(item_id)
            return recurring.truth(self._s.live(item_id))

    def accounts(self, item_id: str) -> list[dict[str, Any]]:
        with self._s.lock:
            self._s.refresh()
            record = self._s.record(self._known(item_id))
            return self._s.live(item_id).accounts_json(record)

    def opening_balances(self, item_id: str) -> dict[str, float]:
        """Each account's balance before its first transaction (the truth's flows start from here)."""
        with self._s.lock:
            self._s.refresh()
            world = self._s.live(self._known(item_id)).world
            return {a.account_id: world.opening[a.index] / 100 for a in world.accounts}

    def item_id_for_access_token(self, token: str) -> str:
        with self._s.lock:
            self._s.refresh()
            return self._s.item_id_for_access_token(token)

    def reset_login(self, item_id: str) -> None:
        """Put the item into ITEM_LOGIN_REQUIRED (and fire ITEM/ERROR), like /sandbox/item/reset_login."""
        with self._s.lock:
            self._s.refresh()
            self._s.login_required(self._known(item_id))

    def rate_limits(self, enabled: bool = True, limits: dict[str, int] | None = None) -> None:
        """Switch per-item rate limiting; `limits` replaces the table (endpoint -> requests per minute).
        Default: {"/accounts/balance/get": 5}; faults.PRODUCTION_LIMITS holds all of Plaid's."""
        self._s.faults.set_rate_limits(enabled, limits)

    def fail_next(self, endpoint: str, times: int = 1, error_code: str = "INTERNAL_SERVER_ERROR") -> None:
        """The next `times` calls of `endpoint` (e.g. "/transactions/sync") fail with `error_code`."""
        if error_code not in known_codes():
            raise ValueError(f"unknown error_code {error_code}; known: {', '.join(known_codes())}")
        self._s.faults.fail_next(endpoint, times, error_code)

    def refuse(self, endpoint: str, error_code: str | None = "INVALID_PRODUCT") -> None:
        """Every call of `endpoint` fails with `error_code` until refuse(endpoint, None) or reset_faults: a product
        this client or item does not have, e.g. refuse("/transactions/recurring/get") (Recurring Transactions is an
        add-on; ADDITIONAL_CONSENT_REQUIRED when the user did not consent)."""
        if error_code is not None and error_code not in known_codes():
            raise ValueError(f"unknown error_code {error_code}; known: {', '.join(known_codes())}")
        self._s.faults.refuse(endpoint, error_code)

    def fail_sync_pagination(self, times: int = 1) -> None:
        """The next `times` /transactions/sync calls with a mid-update cursor (page 2 onwards) fail with
        TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION."""
        self._s.faults.fail_sync_pagination(times)

    def reset_faults(self) -> None:
        """Back to defaults: balance rate limit on, nothing injected."""
        self._s.faults.reset()

    def skew_clock(self, seconds: float) -> None:
        """Move the wall clock used for token expiry and rate-limit windows (cumulative; negative allowed)."""
        with self._s.lock:
            self._s.skew += timedelta(seconds=seconds)

    def webhooks(self) -> list[dict[str, Any]]:
        """Webhooks attempted so far (oldest first): url, payload, plaid_verification (the signed JWT header),
        status (HTTP code, None when unreachable), error."""
        return [{k: v for k, v in d.items() if k != "body"} for d in self._s.webhooks.deliveries]

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait until queued webhooks were attempted."""
        return self._s.webhooks.flush(timeout)

    def _known(self, item_id: str) -> str:
        try:
            self._s.record(item_id)
        except KeyError:
            raise LookupError(f"no item {item_id}") from None
        return item_id


HOOKS = (
    "items",
    "advance",
    "truth",
    "series",
    "accounts",
    "opening_balances",
    "item_id_for_access_token",
    "reset_login",
    "rate_limits",
    "fail_next",
    "refuse",
    "fail_sync_pagination",
    "reset_faults",
    "skew_clock",
    "webhooks",
    "flush_webhooks",
)


def call_hook(control: Control, name: str, raw: bytes) -> tuple[int, bytes]:
    """POST /emulator/<name> with JSON keyword arguments; answers {"result": ...} or {"error": "..."}."""
    if name not in HOOKS:
        return 404, orjson.dumps({"error": f"unknown control {name}; known: {', '.join(HOOKS)}"})
    try:
        kwargs = orjson.loads(raw) if raw.strip() else {}
        if not isinstance(kwargs, dict):
            raise ValueError("the body must be a JSON object of keyword arguments")
        result = getattr(control, name)(**kwargs)
    except (TypeError, ValueError, LookupError, PlaidApiError) as e:
        return 400, orjson.dumps({"error": str(e)})
    return 200, orjson.dumps({"result": result})
