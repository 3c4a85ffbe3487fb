"""What the Connections page shows: each item with its accounts and what the person can do about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from core.item_status import ItemStatus
from core.items import Item, list_items
from core.workspace import Workspace

RECONNECT_STATUSES = (ItemStatus.LOGIN_REQUIRED, ItemStatus.PENDING_DISCONNECT)
HISTORY_LOADING = ("NOT_READY", "INITIAL_UPDATE_COMPLETE")  # transactions_update_status before the full history
REFUSAL_TEXT = {
    "INVALID_PRODUCT": "Plaid's Recurring Transactions is not enabled for these Plaid keys",
    "ADDITIONAL_CONSENT_REQUIRED": "you did not allow Recurring Transactions when connecting this bank",
    "PRODUCTS_NOT_SUPPORTED": "this bank does not support Plaid's Recurring Transactions",
    "PRODUCT_NOT_ENABLED": "Plaid's Recurring Transactions is not enabled for this bank",
}


@dataclass(frozen=True)
class Account:
    name: str | None
    type: str | None
    subtype: str | None
    mask: str | None


@dataclass(frozen=True)
class Connection:
    item: Item
    accounts: tuple[Account, ...]
    transactions: int
    new_accounts_available: bool = False
    pending_disconnect_at: datetime | None = None
    update_status: str | None = None  # Plaid's transactions_update_status at the last sync
    recurring_refused: str | None = None  # Plaid's error code when it refused Recurring Transactions for the item
    recurring_streams: int | None = None  # Plaid's streams stored for the item (None: never fetched)

    @property
    def recurring_source(self) -> str:
        """Where this bank's recurring payments come from, in a sentence for the Connections page."""
        if self.recurring_refused is not None:
            why = REFUSAL_TEXT.get(self.recurring_refused, f"Plaid answered {self.recurring_refused}")
            return f"Recurring payments: found by Finboard ({why})."
        if self.recurring_streams is None:
            return "Recurring payments: found by Finboard until Plaid has this bank's whole history."
        return f"Recurring payments: from Plaid's Recurring Transactions ({self.recurring_streams} streams)."

    @property
    def history_loading(self) -> bool:
        """Plaid has sent recent transactions at most; older history is still on its way."""
        return self.update_status in HISTORY_LOADING

    @property
    def needs_reconnect(self) -> bool:
        """The bank wants the person to log in again (Link update mode fixes it)."""
        return self.item.status in RECONNECT_STATUSES


def list_connections(ws: Workspace) -> list[Connection]:
    """Every item, oldest first, with its accounts (masks only) and transaction count."""
    items = list_items(ws)
    with ws.store.connect() as con:
        accounts: dict[str, list[Account]] = {}
        for item_id, *fields in con.execute(
            "SELECT item_id, name, type, subtype, mask FROM accounts ORDER BY item_id, type, name"
        ).fetchall():
            accounts.setdefault(item_id, []).append(Account(*fields))
        counts = dict(con.execute("SELECT item_id, count(*) FROM plaid_transactions GROUP BY item_id").fetchall())
        facts = _item_facts(con)
        recurring = {r[0]: (r[1], r[2]) for r in con.execute(RECURRING_SQL).fetchall()}
    connections = []
    for item in items:
        new_accounts, pending_at, update_status = facts.get(item.item_id, (False, None, None))
        connections.append(
            Connection(
                item=item,
                accounts=tuple(accounts.get(item.item_id, [])),
                transactions=int(counts.get(item.item_id, 0)),
                new_accounts_available=new_accounts,
                pending_disconnect_at=pending_at,
                update_status=update_status,
                recurring_refused=recurring.get(item.item_id, (None, None))[0],
                recurring_streams=recurring.get(item.item_id, (None, None))[1],
            )
        )
    return connections


# Per item: Plaid's refusal of Recurring Transactions, or how many streams it gave (NULL: never fetched).
RECURRING_SQL = """
SELECT i.item_id, p.error_code,
       CASE WHEN p.item_id IS NOT NULL AND p.error_code IS NULL
            THEN (SELECT count(*) FROM plaid_recurring_streams s WHERE s.item_id = i.item_id) END
FROM items i JOIN product_refreshes p
  ON p.item_id = i.item_id AND p.product = 'recurring' AND p.item_created_at IS NOT DISTINCT FROM i.created_at
"""


def item_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The items table's columns: the webhooks schema adds some that older databases lack."""
    sql = "SELECT column_name FROM information_schema.columns WHERE table_name = 'items'"
    return {str(r[0]) for r in con.execute(sql).fetchall()}


def _item_facts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[bool, datetime | None, str | None]]:
    """new_accounts_available, pending_disconnect_at and transactions_update_status per item, in one query;
    (False, None, None) for the columns a database lacks."""
    columns = item_columns(con)
    defaults = {"new_accounts_available": "false", "pending_disconnect_at": "NULL::TIMESTAMP",
                "transactions_update_status": "NULL::VARCHAR"}  # fmt: skip
    selected = ", ".join(name if name in columns else default for name, default in defaults.items())
    rows = con.execute(f"SELECT item_id, {selected} FROM items").fetchall()
    return {item_id: (bool(new), when, status) for item_id, new, when, status in rows}
