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
            )
        )
    return connections


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
