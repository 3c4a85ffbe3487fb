"""The emulator's operations on items and tokens, shared by the Plaid API, the Link UI backend and the controls.

Everything durable goes through the StateStore; LiveItems (worlds and logs) are rebuilt from it on demand.
All methods are called with `lock` held by the HTTP layer or the control hooks.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.emulator import catalog
from core.emulator.errors import PlaidApiError, plaid_error
from core.emulator.faults import Faults
from core.emulator.ids import KIND_ITEM, IdFactory, new_token, token_hash
from core.emulator.items import LiveItem
from core.emulator.state import StateStore
from core.emulator.webhooks import WebhookDispatcher, WebhookSigner, new_signing_key
from core.emulator.world import Change

PUBLIC_TOKEN_TTL = timedelta(minutes=30)
LINK_TOKEN_TTL = timedelta(hours=4)
UPDATE_LINK_TOKEN_TTL = timedelta(minutes=30)


def iso(moment: datetime) -> str:
    """Plaid's date-time format: full ISO-8601 in UTC with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EmulatorService:
    def __init__(
        self,
        *,
        seed: int,
        state: StateStore,
        credentials: tuple[str, str] | None,
        transactions: int | None,
        today: date | None,
    ) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.credentials = credentials
        self.transactions = transactions
        self.today = today
        self.skew = timedelta()  # test hook: moves the wall clock used for token expiry and rate limits
        self.base_url = ""  # set once the HTTP server is bound
        # Public tokens a Link session issued, by link_session_id, for /link/token/get. Memory only: the state file
        # keeps tokens hashed, so another process reports such a session without its token.
        self.session_public_tokens: dict[str, str] = {}
        self.store = state
        self.faults = Faults(clock=lambda: self.now().timestamp())
        self._ids: dict[int, IdFactory] = {}
        self._live: dict[str, LiveItem] = {}
        self._access: dict[str, str] = {}  # access token hash -> item id
        self._access_generation = -1
        if self.store.state["signing_key"] is None:
            key = new_signing_key(int(time.time()))
            self.store.update(lambda s: s.__setitem__("signing_key", s["signing_key"] or key))
        self.signer = WebhookSigner(self.store.state["signing_key"])
        self.webhooks = WebhookDispatcher(self.signer)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skew

    @staticmethod
    def from_timestamp(ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC)

    @staticmethod
    def from_date(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    def refresh(self) -> None:
        """Pick up writes other processes made to the shared state file (live items catch up when next used)."""
        if self.store.refresh():
            items = self.store.state["items"]
            for item_id in [i for i in self._live if i not in items or items[i]["removed"]]:
                del self._live[item_id]

    # ------------------------------------------------------------------------------------------ items

    def record(self, item_id: str) -> dict[str, Any]:
        record = self.store.state["items"].get(item_id)
        if record is None or record["removed"]:
            raise KeyError(item_id)
        return record  # type: ignore[no-any-return]

    def item_id_for_access_token(self, token: object) -> str:
        if self._access_generation != self.store.generation:
            self._access = {
                h: item_id
                for item_id, r in self.store.state["items"].items()
                if not r["removed"]
                for h in r["access_token_sha256"]
            }
            self._access_generation = self.store.generation
        item_id = self._access.get(token_hash(token)) if isinstance(token, str) else None
        if item_id is None:
            if isinstance(token, str) and not token.startswith("access-"):
                raise plaid_error(
                    "INVALID_ACCESS_TOKEN",
                    "provided access token is in an invalid format. expected format: access-<environment>-<identifier>",
                )
            raise plaid_error("INVALID_ACCESS_TOKEN")
        return item_id

    def live(self, item_id: str) -> LiveItem:
        record = self.record(item_id)
        item = self._live.get(item_id)
        if item is None:
            item = self._live[item_id] = LiveItem(record, self._id_factory(record["seed"]))
        elif item.applied < len(record["events"]):
            item.catch_up(record)
        return item

    def create_item(
        self,
        institution_id: str,
        username: str,
        products: list[str],
        webhook: str | None,
        account_ids: list[str] | None = None,
    ) -> str:
        """A new item in the state (no access token until its public token is exchanged)."""
        today = (self.today or self.now().date()).isoformat()

        def add(state: dict[str, Any]) -> str:
            ordinal = state["next_ordinal"]
            state["next_ordinal"] = ordinal + 1
            item_id = self._id_factory(self.seed).make(KIND_ITEM, ordinal, 0)
            state["items"][item_id] = {
                "item_id": item_id,
                "seed": self.seed,
                "ordinal": ordinal,
                "today": today,
                "transactions": self.transactions,
                "institution_id": institution_id,
                "username": username,
                "products": sorted(set(products)),
                "webhook": webhook,
                "account_ids": account_ids,
                "access_token_sha256": [],
                "error": None,
                "events": [],
                "created_at": iso(self.now()),
                "removed": False,
            }
            return item_id

        return self.store.update(add)

    def update_item(self, item_id: str, **fields: Any) -> dict[str, Any]:
        def change(state: dict[str, Any]) -> dict[str, Any]:
            record: dict[str, Any] = state["items"][item_id]
            record.update(fields)
            return record

        return self.store.update(change)

    def remove_item(self, item_id: str) -> None:
        """The access tokens stop working; the record stays so the item's id and ordinal are never reused."""
        self.update_item(item_id, removed=True, access_token_sha256=[])
        self._live.pop(item_id, None)

    def advance(self, item_id: str, days: int) -> list[Change]:
        """Move the item's clock; fires SYNC_UPDATES_AVAILABLE when a webhook is set."""
        if days < 1:
            raise ValueError("days must be at least 1")
        return self._append_event(item_id, {"type": "advance", "days": days})

    def add_transactions(self, item_id: str, rows: list[list[Any]]) -> list[Change]:
        return self._append_event(item_id, {"type": "transactions", "rows": rows})

    def _append_event(self, item_id: str, event: dict[str, Any]) -> list[Change]:
        item = self.live(item_id)  # built and caught up first, so `changes` below covers just this event

        def append(state: dict[str, Any]) -> None:
            state["items"][item_id]["events"].append(event)

        self.store.update(append)
        changes = item.catch_up(self.record(item_id))
        self.fire(
            item_id,
            "TRANSACTIONS",
            "SYNC_UPDATES_AVAILABLE",
            initial_update_complete=True,
            historical_update_complete=True,
        )
        return changes

    def _id_factory(self, seed: int) -> IdFactory:
        ids = self._ids.get(seed)
        if ids is None:
            ids = self._ids[seed] = IdFactory(seed)
        return ids

    # ------------------------------------------------------------------------------------------ tokens

    def issue_public_token(self, item_id: str) -> str:
        token = new_token("public")
        expires = (self.now() + PUBLIC_TOKEN_TTL).timestamp()

        def add(state: dict[str, Any]) -> None:
            self._prune(state)
            state["public_tokens"][token_hash(token)] = {"item_id": item_id, "expires_at": expires}

        self.store.update(add)
        return token

    def exchange_public_token(self, token: str) -> tuple[str, str, bool]:
        """Single use, 30 minutes: returns (access token, item id, whether it is the item's first token)."""
        access = new_token("access")
        now = self.now().timestamp()

        def exchange(state: dict[str, Any]) -> tuple[str, bool]:
            entry = state["public_tokens"].pop(token_hash(token), None)
            if entry is None:
                if not token.startswith("public-"):
                    raise plaid_error(
                        "INVALID_PUBLIC_TOKEN",
                        "provided public token is in an invalid format. "
                        "expected format: public-<environment>-<identifier>",
                    )
                raise plaid_error("INVALID_PUBLIC_TOKEN")
            if entry["expires_at"] <= now:
                raise plaid_error(
                    "INVALID_PUBLIC_TOKEN",
                    "provided public token is expired. Public tokens expire 30 "
                    "minutes after creation at which point they can no longer be exchanged",
                )
            record = state["items"].get(entry["item_id"])
            if record is None or record["removed"]:
                raise plaid_error("INVALID_PUBLIC_TOKEN")
            first = not record["access_token_sha256"]
            record["access_token_sha256"].append(token_hash(access))
            return str(entry["item_id"]), first

        item_id, first = self.store.update(exchange)
        return access, item_id, first

    def add_link_token(self, token: str, record: dict[str, Any]) -> None:
        def add(state: dict[str, Any]) -> None:
            self._prune(state)
            state["link_tokens"][token_hash(token)] = record

        self.store.update(add)

    def link_token(self, token: object, *, allow_expired: bool = False) -> dict[str, Any]:
        """The link token's record; INVALID_LINK_TOKEN when unknown or (unless allowed) expired."""
        record = self.store.state["link_tokens"].get(token_hash(token)) if isinstance(token, str) else None
        if record is None:
            raise plaid_error("INVALID_LINK_TOKEN")
        if not allow_expired and record["expires_at"] <= self.now().timestamp():
            raise plaid_error("INVALID_LINK_TOKEN", "provided link token has expired")
        return record  # type: ignore[no-any-return]

    def _prune(self, state: dict[str, Any]) -> None:
        now = self.now().timestamp()
        state["public_tokens"] = {h: t for h, t in state["public_tokens"].items() if t["expires_at"] > now}
        # link tokens stay a day past expiry so /link/token/get can still report on them
        state["link_tokens"] = {h: t for h, t in state["link_tokens"].items() if t["expires_at"] + 86400 > now}

    # ------------------------------------------------------------------------------------------ webhooks

    def fire(self, item_id: str, webhook_type: str, webhook_code: str, **fields: Any) -> bool:
        """Send a webhook to the item's URL; False when the item has none."""
        url = self.record(item_id)["webhook"]
        if not url:
            return False
        payload = {
            "webhook_type": webhook_type,
            "webhook_code": webhook_code,
            "item_id": item_id,
            **fields,
            "environment": catalog.ENVIRONMENT,
        }
        self.webhooks.send(url, payload)
        return True

    def login_required(self, item_id: str) -> None:
        """What /sandbox/item/reset_login does: ITEM_LOGIN_REQUIRED and an ITEM ERROR webhook."""
        error = self.login_required_error()
        self.update_item(item_id, error=error)
        self.fire(item_id, "ITEM", "ERROR", error=error)

    @staticmethod
    def login_required_error() -> dict[str, Any]:
        return plaid_error("ITEM_LOGIN_REQUIRED").item_error()

    def check_item_healthy(self, record: dict[str, Any]) -> None:
        error = record["error"]
        if error is not None:
            raise PlaidApiError(
                error["error_type"],
                error["error_code"],
                error["error_message"],
                error["display_message"],
                error["status"],
            )
