"""/transactions/sync over the item's change log, /transactions/recurring/get from the world's schedules,
/transactions/refresh and /sandbox/transactions/create."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from core.emulator import catalog, recurring
from core.emulator.endpoints.common import ACCESS, Route, load_item
from core.emulator.errors import invalid_field, plaid_error
from core.emulator.ledger import Cursor, CursorError, Ledger
from core.emulator.schema import Field, Schema, opt, req
from core.emulator.service import EmulatorService, iso

TRANSACTIONS_SYNC = Schema(
    {
        **ACCESS,
        "cursor": opt("str"),
        "count": opt("int", low=1, high=500),
        "options": opt(
            "object",
            fields={
                "include_original_description": opt("bool", nullable=True),
                "include_personal_finance_category": opt("bool"),
                "include_logo_and_counterparty_beta": opt("bool"),
                "personal_finance_category_version": opt("str", choices=("v1", "v2")),
                "days_requested": opt("int", low=1, high=730),
                "account_id": opt("str"),
            },
        ),
    }
)
TRANSACTIONS_RECURRING_GET = Schema(
    {
        **ACCESS,
        "account_ids": opt("list", items=Field("str")),
        "options": opt(
            "object",
            fields={
                "include_personal_finance_category": opt("bool"),
                "personal_finance_category_version": opt("str", choices=("v1", "v2")),
            },
        ),
    }
)
SANDBOX_TRANSACTIONS_CREATE = Schema(
    {
        **ACCESS,
        "transactions": req(
            "list",
            high=10,
            items=Field(
                "object",
                fields={
                    "date_transacted": req("date"),
                    "date_posted": req("date"),
                    "amount": req("number"),
                    "description": req("str"),
                    "iso_currency_code": opt("str"),
                },
            ),
        ),
    }
)
# PFC v2 -> v1 where the emulator's categories differ between the versions (pfc-taxonomy-all.csv)
PFC_V1 = {
    "INCOME_SALARY": ("INCOME", "INCOME_WAGES"),
    "BANK_FEES_LATE_FEES": ("BANK_FEES", "BANK_FEES_OTHER_BANK_FEES"),
}


class TransactionEndpoints:
    def __init__(self, service: EmulatorService) -> None:
        self.s = service

    def routes(self) -> dict[str, Route]:
        return {
            "/transactions/sync": (TRANSACTIONS_SYNC, self.sync),
            "/transactions/refresh": (Schema(ACCESS), self.refresh),
            "/transactions/recurring/get": (TRANSACTIONS_RECURRING_GET, self.recurring),
            "/sandbox/transactions/create": (SANDBOX_TRANSACTIONS_CREATE, self.sandbox_create),
        }

    def sync(self, body: dict[str, Any]) -> bytes:
        record = load_item(self.s, body, "/transactions/sync")
        live = self.s.live(record["item_id"])
        options = body.get("options") or {}
        shown = live.visible(record)
        account_filter = 0
        if options.get("account_id") is not None:
            index = next((a.index for a in live.world.accounts if a.account_id == options["account_id"]), None)
            if index is None or (shown is not None and index not in shown):
                raise plaid_error("INVALID_ACCOUNT_ID")
            account_filter, shown = index + 1, frozenset({index})
        cursor = _cursor(live.ledger, body.get("cursor") or "", account_filter)
        if cursor.mid_update:
            injected = self.s.faults.take_pagination_mutation()
            if injected is not None:
                raise injected
            if live.ledger.mutated_since(cursor):
                raise plaid_error("TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION")
        page = live.ledger.page(cursor, body.get("count") or 100, shown)
        added, modified = page.added, page.modified
        original = bool(options.get("include_original_description"))
        v1 = options.get("personal_finance_category_version") == "v1"
        if original or v1:
            added = [_reshape(b, original, v1) for b in added]
            modified = [_reshape(b, original, v1) for b in modified]
        if account_filter:
            accounts = orjson.dumps([live.world.account_json(account_filter - 1)])
        else:
            accounts = live.accounts_bytes(record)
        # Pre-serialized rows joined as bytes: a 500-row page costs a join, not 500 serializations.
        return b"".join(
            (
                b'{"added":[',
                b",".join(added),
                b'],"modified":[',
                b",".join(modified),
                b'],"removed":[',
                b",".join(page.removed),
                b'],"accounts":',
                accounts,
                b',"next_cursor":"',
                live.ledger.encode_cursor(page.next_cursor).encode(),
                b'","has_more":',
                b"true" if page.has_more else b"false",
                b',"transactions_update_status":"HISTORICAL_UPDATE_COMPLETE"}',
            )
        )

    def recurring(self, body: dict[str, Any]) -> dict[str, Any]:
        """The item's recurring streams, straight from the world's schedules (core/emulator/recurring.py)."""
        record = load_item(self.s, body, "/transactions/recurring/get")
        live = self.s.live(record["item_id"])
        shown = live.visible(record)
        wanted = body.get("account_ids")
        if wanted is not None:
            known = {a.account_id for a in live.world.accounts if shown is None or a.index in shown}
            if not set(wanted) <= known:
                raise plaid_error("INVALID_ACCOUNT_ID")
        found = recurring.streams(live, record["item_id"], shown, wanted)
        return {**found, "updated_datetime": iso(self.s.now()), "personal_finance_category_version": "v2"}

    def refresh(self, body: dict[str, Any]) -> dict[str, Any]:
        """Plaid checks the bank for news; here the item's clock moves one day (and SYNC_UPDATES_AVAILABLE fires)."""
        record = load_item(self.s, body)
        self.s.advance(record["item_id"], 1)
        return {}

    def sandbox_create(self, body: dict[str, Any]) -> dict[str, Any]:
        record = load_item(self.s, body)
        if record["username"] not in catalog.DYNAMIC_USERS:
            raise invalid_field(
                "/sandbox/transactions/create only supports Items created with user_transactions_dynamic"
            )
        rows = []
        for i, t in enumerate(body["transactions"]):
            transacted, posted = date.fromisoformat(t["date_transacted"]), date.fromisoformat(t["date_posted"])
            if posted < transacted:
                raise invalid_field(f"transactions[{i}].date_posted must not be before date_transacted")
            cents = round(t["amount"] * 100)
            rows.append(
                [t["date_transacted"], t["date_posted"], cents, t["description"], t.get("iso_currency_code") or "USD"]
            )
        self.s.add_transactions(record["item_id"], rows)
        return {}


def _cursor(ledger: Ledger, text: str, account_filter: int) -> Cursor:
    if text == "":
        return ledger.start(account_filter)
    if text == "now":
        return ledger.now(account_filter)
    try:
        cursor = ledger.decode_cursor(text)
    except CursorError as e:
        raise invalid_field(f"cursor is not valid: {e}") from None
    if cursor.account_filter != account_filter:
        raise invalid_field("cursor was issued for a different options.account_id")
    return cursor


def _reshape(body: bytes, original_description: bool, v1: bool) -> bytes:
    """The optional shapes of a transaction: with original_description, or categorised in PFC v1."""
    t = orjson.loads(body)
    if original_description:
        loc = t["location"]
        parts = [t["name"].upper(), loc["store_number"] and f"#{loc['store_number']}", loc["city"], loc["region"]]
        t["original_description"] = " ".join(p for p in parts if p)
    if v1:
        pfc = t["personal_finance_category"]
        if pfc["detailed"] in PFC_V1:
            pfc["primary"], pfc["detailed"] = PFC_V1[pfc["detailed"]]
        elif pfc["detailed"] == "OTHER_OTHER":
            pfc["primary"] = "TRANSFER_OUT" if t["amount"] > 0 else "TRANSFER_IN"
            pfc["detailed"] = pfc["primary"] + ("_OTHER_TRANSFER_OUT" if t["amount"] > 0 else "_OTHER_TRANSFER_IN")
        pfc["version"] = "v1"
    return orjson.dumps(t)
