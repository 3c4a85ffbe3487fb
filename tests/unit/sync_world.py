"""A tiny in-memory Plaid transactions world for driving the sync engine at the function level.

It keeps the truth (the transactions Plaid would return now) and a change log; a cursor is a
position in the log. `page(cursor, count)` returns raw /transactions/sync JSON for the next
changes, exactly as the engine receives it from the gateway, split into pages of `page_size`
changes. Used by the property test (random change logs) and the apply-logic unit tests.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import orjson

from core.plaid_gateway import PlaidApiError

ACCOUNTS = ("acc-checking", "acc-card")


def plaid_error(code: str, status: int = 400, error_type: str = "TRANSACTIONS_ERROR") -> PlaidApiError:
    return PlaidApiError(
        operation="transactions_sync",
        status=status,
        error_type=error_type,
        error_code=code,
        error_message=code,
        display_message=None,
        request_id="req-test",
    )


class ChangeLogWorld:
    def __init__(self, page_size: int = 3) -> None:
        self.page_size = page_size
        self.truth: dict[str, dict] = {}
        self.log: list[tuple[str, dict]] = []  # (added | modified | removed, transaction or removal)
        self.requested_cursors: list[str] = []
        self.fail_requests: set[int] = set()  # request numbers (1-based) that fail with a mutation
        self.update_status = "HISTORICAL_UPDATE_COMPLETE"  # transactions_update_status on every page
        self._ids = itertools.count(1)

    # -- changes ------------------------------------------------------------------------------

    def add(self, *, pending: bool = False, amount_cents: int = 1234, day: int = 0, account: int = 0,
            pending_transaction_id: str | None = None, name: str = "Coffee") -> str:  # fmt: skip
        txn_id = f"txn-{next(self._ids):05d}"
        txn = {
            "transaction_id": txn_id,
            "account_id": ACCOUNTS[account % len(ACCOUNTS)],
            "date": (date(2024, 1, 1) + timedelta(days=day)).isoformat(),
            "authorized_date": None,
            "name": name,
            "merchant_name": name.upper(),
            "amount": amount_cents / 100,
            "iso_currency_code": "USD",
            "unofficial_currency_code": None,
            "pending": pending,
            "pending_transaction_id": pending_transaction_id,
            "payment_channel": "in store",
            "personal_finance_category": {"primary": "FOOD_AND_DRINK", "detailed": "FOOD_AND_DRINK_COFFEE"},
            "location": {"city": None, "region": None, "country": None},
            "some_field_plaid_added_later": {"nested": [1, 2, 3]},
        }
        self.truth[txn_id] = txn
        self.log.append(("added", dict(txn)))
        return txn_id

    def modify(self, txn_id: str, **fields: object) -> None:
        self.truth[txn_id].update(fields)
        self.log.append(("modified", dict(self.truth[txn_id])))

    def remove(self, txn_id: str) -> None:
        txn = self.truth.pop(txn_id)
        self.log.append(("removed", {"transaction_id": txn_id, "account_id": txn["account_id"]}))

    def post(self, pending_id: str, *, amount_cents: int | None = None) -> str:
        """The pending transaction settles: Plaid removes it and adds a posted one pointing to it."""
        pending = self.truth[pending_id]
        cents = amount_cents if amount_cents is not None else round(pending["amount"] * 100)
        self.remove(pending_id)
        return self.add(
            amount_cents=cents,
            day=(date.fromisoformat(pending["date"]) - date(2024, 1, 1)).days + 1,
            account=ACCOUNTS.index(pending["account_id"]),
            pending_transaction_id=pending_id,
            name=pending["name"],
        )

    # -- the API ------------------------------------------------------------------------------

    def page(self, cursor: str, count: int) -> bytes:
        self.requested_cursors.append(cursor)
        if len(self.requested_cursors) in self.fail_requests:
            raise plaid_error("TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION")
        start = int(cursor or 0)
        end = min(start + min(count, self.page_size), len(self.log))
        body: dict[str, object] = {"added": [], "modified": [], "removed": [], "accounts": []}
        for kind, entry in self.log[start:end]:
            body[kind].append(entry)  # type: ignore[union-attr]
        body.update(next_cursor=str(end), has_more=end < len(self.log), request_id="req",
                    transactions_update_status=self.update_status)  # fmt: skip
        return orjson.dumps(body)

    def expected_rows(self) -> set[tuple]:
        """The truth in the shape of rows read back from the `transactions` view."""
        return {
            (
                t["transaction_id"],
                t["account_id"],
                date.fromisoformat(t["date"]),
                t["name"],
                Decimal(round(t["amount"] * 100)) / 100,
                t["pending"],
                t["pending_transaction_id"],
            )
            for t in self.truth.values()
        }


VIEW_COLUMNS = "transaction_id, account_id, date, name, amount, pending, pending_transaction_id"


def store_with_item(path, item_id: str = "item-1"):
    """A fresh database with one item and no data, as after connecting a bank."""
    from core.store import Store

    store = Store(path)
    with store.transaction() as con:
        con.execute("INSERT INTO items (item_id, institution_name) VALUES (?, 'Test Bank')", [item_id])
    return store


def stored_rows(store) -> set[tuple]:
    with store.connect() as con:
        return set(con.execute(f"SELECT {VIEW_COLUMNS} FROM transactions").fetchall())


def stored_cursor(store, item_id: str = "item-1") -> str:
    with store.connect() as con:
        return con.execute("SELECT cursor FROM items WHERE item_id = ?", [item_id]).fetchone()[0]


def annotate(store, txn_id: str, note: str, **fields) -> None:
    """What the analytics issue's editing UI will do: write the user's fields for one transaction."""
    with store.transaction() as con:
        con.execute(
            "INSERT OR REPLACE INTO transaction_annotations (transaction_id, note, category_primary, tags) "
            "VALUES (?, ?, ?, ?)",
            [txn_id, note, fields.get("category_primary"), fields.get("tags")],
        )


class FakeGateway:
    """The gateway calls a sync makes, answered from a ChangeLogWorld (no HTTP)."""

    def __init__(self, world: ChangeLogWorld) -> None:
        self.world = world

    def transactions_sync_page(self, access_token: str, cursor: str, count: int = 500) -> bytes:
        return self.world.page(cursor, count)

    def get_accounts(self, access_token: str) -> dict:
        accounts = [
            {"account_id": a, "name": a, "type": "depository", "balances": {"current": 100.0, "available": 90.0}}
            for a in ACCOUNTS
        ]
        return {"accounts": accounts, "item": {"products": ["transactions"], "billed_products": ["transactions"]}}

    def fetch_product(self, endpoint: str, access_token: str) -> dict:
        """Every sync of a complete history also asks for Plaid's recurring streams: this world has none."""
        assert endpoint == "/transactions/recurring/get", endpoint
        return {"inflow_streams": [], "outflow_streams": [], "updated_datetime": "2024-01-01T00:00:00Z"}


def workspace_with_item(tmp_path, gateway, item_id: str = "item-1"):
    """An offline workspace whose database holds one item (with an encrypted token) and whose
    gateway is `gateway`."""
    from core.config import load_settings
    from core.workspace import Workspace

    ws = Workspace(load_settings({"FINBOARD_DB": str(tmp_path / "fb.duckdb")}, tmp_path / "none.toml"))
    token = ws.vault.encrypt("access-sandbox-fake")
    with ws.store.transaction() as con:
        con.execute(  # connected with the configured webhook address, as connect_public_token records it
            "INSERT INTO items (item_id, institution_name, webhook_url) VALUES (?, 'Test Bank', ?)",
            [item_id, ws.webhook_url],
        )
        con.execute("INSERT INTO item_tokens VALUES (?, ?)", [item_id, token])
    ws.__dict__["gateway"] = gateway  # Workspace.gateway is a cached_property
    return ws
