"""/transactions/sync into DuckDB: every transaction exactly once, each update applied atomically.

An update is every page from the stored cursor until has_more is false. Pages are read as raw
JSON, the fields we use are validated and collected into columns, and the whole update (rows,
removals, the new cursor, refreshed accounts and today's balance snapshot) is applied in one
short DuckDB transaction, so readers see the previous state or the new one, never a mix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from core.errors import FinboardError
from core.items import access_token, list_items
from core.plaid_gateway import PlaidApiError, PlaidUnavailable
from core.workspace import Workspace

log = logging.getLogger(__name__)

PAGE_SIZE = 500
MAX_RESTARTS = 3

# Column name -> (Arrow type, how to read it from one Plaid transaction).
Getter = Callable[[dict[str, Any]], Any]


def _pfc(key: str) -> Getter:
    return lambda t: (t.get("personal_finance_category") or {}).get(key)


def _location(key: str) -> Getter:
    return lambda t: (t.get("location") or {}).get(key)


TRANSACTION_FIELDS: dict[str, tuple[pa.DataType, Getter]] = {
    "transaction_id": (pa.string(), lambda t: t["transaction_id"]),
    "account_id": (pa.string(), lambda t: t["account_id"]),
    "date": (pa.string(), lambda t: t["date"]),
    "authorized_date": (pa.string(), lambda t: t.get("authorized_date")),
    "name": (pa.string(), lambda t: t.get("name")),
    "merchant_name": (pa.string(), lambda t: t.get("merchant_name")),
    "amount": (pa.float64(), lambda t: t["amount"]),
    "iso_currency_code": (pa.string(), lambda t: t.get("iso_currency_code")),
    "unofficial_currency_code": (pa.string(), lambda t: t.get("unofficial_currency_code")),
    "pending": (pa.bool_(), lambda t: t["pending"]),
    "pending_transaction_id": (pa.string(), lambda t: t.get("pending_transaction_id")),
    "category_primary": (pa.string(), _pfc("primary")),
    "category_detailed": (pa.string(), _pfc("detailed")),
    "category_confidence": (pa.string(), _pfc("confidence_level")),
    "payment_channel": (pa.string(), lambda t: t.get("payment_channel")),
    "location_city": (pa.string(), _location("city")),
    "location_region": (pa.string(), _location("region")),
    "location_country": (pa.string(), _location("country")),
}


class SyncError(FinboardError):
    """A sync could not complete; nothing from the failed update was written."""


@dataclass
class SyncProgress:
    """What a progress callback sees: where we are in one item's update."""

    item_id: str
    institution: str
    pages: int = 0
    transactions: int = 0
    done: bool = False


@dataclass
class SyncResult:
    item_id: str
    institution: str
    added: int = 0
    modified: int = 0
    removed: int = 0
    error: str | None = None
    error_code: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Update:
    """One update's pages, collected as columns."""

    columns: dict[str, list[Any]] = field(default_factory=lambda: {name: [] for name in TRANSACTION_FIELDS})
    removed: list[str] = field(default_factory=list)
    added: int = 0
    modified: int = 0
    cursor: str = ""

    def take(self, transactions: Iterable[dict[str, Any]]) -> None:
        for txn in transactions:
            for name, (_, get) in TRANSACTION_FIELDS.items():
                self.columns[name].append(get(txn))

    def table(self) -> pa.Table:
        return pa.table({n: pa.array(self.columns[n], type=t) for n, (t, _) in TRANSACTION_FIELDS.items()})


ProgressCallback = Callable[[SyncProgress], None]


def sync_items(
    ws: Workspace, item_ids: Iterable[str] | None = None, *, progress: ProgressCallback | None = None
) -> list[SyncResult]:
    """Sync the given items (default: all). One failing item never stops the others."""
    items = list_items(ws)
    if item_ids is not None:
        wanted = set(item_ids)
        items = [i for i in items if i.item_id in wanted]
    return [sync_item(ws, item.item_id, item.label, progress=progress) for item in items]


def sync_item(
    ws: Workspace, item_id: str, label: str | None = None, *, progress: ProgressCallback | None = None
) -> SyncResult:
    """Fetch one item's update and apply it atomically; failures are recorded on the item."""
    result = SyncResult(item_id, label or item_id)
    try:
        token = access_token(ws, item_id)
        update = _fetch_update(ws, item_id, token, SyncProgress(item_id, result.institution), progress)
        accounts = ws.gateway.get_accounts(token).get("accounts", [])
        _apply(ws, item_id, update, accounts)
    except (PlaidApiError, PlaidUnavailable, SyncError) as e:
        result.error = str(e)
        result.error_code = getattr(e, "error_code", None)
        _record_failure(ws, item_id, e)
        return result
    result.added, result.modified, result.removed = update.added, update.modified, len(update.removed)
    return result


def _fetch_update(
    ws: Workspace, item_id: str, token: str, state: SyncProgress, progress: ProgressCallback | None
) -> _Update:
    with ws.store.connect() as con:
        row = con.execute("SELECT cursor FROM items WHERE item_id = ?", [item_id]).fetchone()
    start_cursor = row[0] if row else ""
    for _attempt in range(MAX_RESTARTS + 1):
        try:
            return _read_pages(ws, token, start_cursor, state, progress)
        except PlaidApiError as e:
            if e.error_code != "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION":
                raise
            # Plaid's rule: restart the whole update from the cursor it began with.
            log.info("item %s changed during pagination; restarting from the original cursor", item_id)
    raise SyncError(
        f"The bank's data kept changing while we read it ({MAX_RESTARTS + 1} attempts). Try the sync again shortly."
    )


def _read_pages(
    ws: Workspace, token: str, cursor: str, state: SyncProgress, progress: ProgressCallback | None
) -> _Update:
    update = _Update(cursor=cursor)
    state.pages = state.transactions = 0
    while True:
        page = _parse_page(ws.gateway.transactions_sync_page(token, update.cursor, PAGE_SIZE))
        update.take(page["added"])
        update.take(page["modified"])
        update.added += len(page["added"])
        update.modified += len(page["modified"])
        update.removed.extend(r["transaction_id"] for r in page["removed"])
        update.cursor = page["next_cursor"]
        state.pages += 1
        state.transactions += len(page["added"]) + len(page["modified"]) + len(page["removed"])
        if progress:
            progress(state)
        if not page["has_more"]:
            return update


def _parse_page(raw: bytes) -> dict[str, Any]:
    try:
        page = orjson.loads(raw)
        for key in ("added", "modified", "removed"):
            if not isinstance(page[key], list):
                raise TypeError(key)
        if not isinstance(page["next_cursor"], str) or not isinstance(page["has_more"], bool):
            raise TypeError("next_cursor/has_more")
    except (orjson.JSONDecodeError, KeyError, TypeError) as e:
        raise SyncError(f"Plaid sent a /transactions/sync page we cannot read ({e}); nothing was written.") from None
    return dict(page)


APPLY_TRANSACTIONS = """
INSERT INTO plaid_transactions
SELECT transaction_id, account_id, ? AS item_id, CAST(date AS DATE), CAST(authorized_date AS DATE), name,
       merchant_name, CAST(amount AS DECIMAL(18,2)), iso_currency_code, unofficial_currency_code, pending,
       pending_transaction_id, category_primary, category_detailed, category_confidence, payment_channel,
       location_city, location_region, location_country, ? AS updated_at
FROM incoming
QUALIFY row_number() OVER (PARTITION BY transaction_id ORDER BY seq DESC) = 1
"""

# A posted transaction inherits the user's edits made on the pending one it replaces.
CARRY_ANNOTATIONS = """
INSERT INTO transaction_annotations (transaction_id, category_primary, category_detailed, note, tags, updated_at)
SELECT i.transaction_id, a.category_primary, a.category_detailed, a.note, a.tags, a.updated_at
FROM incoming i JOIN transaction_annotations a ON a.transaction_id = i.pending_transaction_id
WHERE i.pending_transaction_id IS NOT NULL
ON CONFLICT (transaction_id) DO NOTHING
"""


def _apply(ws: Workspace, item_id: str, update: _Update, accounts: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = update.table()
    incoming = rows.append_column("seq", pa.array(range(rows.num_rows), type=pa.int64()))
    with ws.store.transaction() as con:
        con.register("incoming", incoming)
        con.register("removed_ids", pa.table({"transaction_id": pa.array(update.removed, type=pa.string())}))
        try:
            con.execute(
                "DELETE FROM plaid_transactions WHERE transaction_id IN "
                "(SELECT transaction_id FROM incoming UNION ALL SELECT transaction_id FROM removed_ids)"
            )
            con.execute(APPLY_TRANSACTIONS, [item_id, now])
            con.execute(CARRY_ANNOTATIONS)
        except duckdb.ConversionException as e:
            raise SyncError(f"A transaction from Plaid has a malformed field ({e}); nothing was written.") from None
        _upsert_accounts(con, item_id, accounts, now)
        con.execute(
            "UPDATE items SET cursor = ?, status = 'healthy', error_code = NULL, error_message = NULL, "
            "last_synced_at = ? WHERE item_id = ?",
            [update.cursor, now, item_id],
        )
    ws.store.bump_data_version()


ACCOUNT_UPSERT = """
INSERT INTO accounts (account_id, item_id, name, official_name, mask, type, subtype, current_balance,
                      available_balance, credit_limit, iso_currency_code, unofficial_currency_code, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account_id) DO UPDATE SET
    name = excluded.name, official_name = excluded.official_name, mask = excluded.mask, type = excluded.type,
    subtype = excluded.subtype, current_balance = excluded.current_balance,
    available_balance = excluded.available_balance, credit_limit = excluded.credit_limit,
    iso_currency_code = excluded.iso_currency_code, unofficial_currency_code = excluded.unofficial_currency_code,
    updated_at = excluded.updated_at
"""


def _upsert_accounts(
    con: duckdb.DuckDBPyConnection, item_id: str, accounts: list[dict[str, Any]], now: datetime
) -> None:
    """Store /accounts/get balances and today's balance snapshot (one row per account per day)."""
    for acc in accounts:
        bal = acc.get("balances") or {}
        con.execute(
            ACCOUNT_UPSERT,
            [
                acc["account_id"], item_id, acc.get("name"), acc.get("official_name"), acc.get("mask"),
                acc.get("type"), acc.get("subtype"), bal.get("current"), bal.get("available"), bal.get("limit"),
                bal.get("iso_currency_code"), bal.get("unofficial_currency_code"), now,
            ],
        )  # fmt: skip
        con.execute(
            "INSERT OR REPLACE INTO balance_history (account_id, date, current_balance, available_balance, derived) "
            "VALUES (?, ?, ?, ?, false)",
            [acc["account_id"], now.date(), bal.get("current"), bal.get("available")],
        )


ITEM_STATUS_FOR_ERROR = {"ITEM_LOGIN_REQUIRED": "login_required", "INVALID_ACCESS_TOKEN": "error"}


def _record_failure(ws: Workspace, item_id: str, error: Exception) -> None:
    code = getattr(error, "error_code", None)
    status = ITEM_STATUS_FOR_ERROR.get(code or "")
    message = str(error)
    if code == "ITEM_LOGIN_REQUIRED":
        message = "The bank needs you to log in again: use Reconnect on the Connections page."
    now = datetime.now(UTC).replace(tzinfo=None)
    with ws.store.transaction() as con:
        con.execute(
            "UPDATE items SET status = coalesce(?, status), error_code = ?, error_message = ?, last_failed_at = ? "
            "WHERE item_id = ?",
            [status, code, message, now, item_id],
        )
    ws.store.bump_data_version()
    log.warning("sync of item %s failed: %s", item_id, code or type(error).__name__)
