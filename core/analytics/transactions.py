"""The transaction list: search, sort and page on the server, so the browser gets one page of rows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import duckdb
import pandas as pd

from core.analytics.filters import Filters, Where, ledger_where
from core.analytics.transfers import LINK_WINDOW_DAYS

SortKey = Literal["date", "amount", "name", "merchant", "category", "account"]
_SORT_SQL: dict[SortKey, str] = {
    "date": "l.date",
    "amount": "-l.amount",  # as displayed: money in positive
    "name": "lower(l.name)",
    "merchant": "lower(l.merchant_name)",
    "category": "l.category_primary, l.category_detailed",
    "account": "lower(a.name)",
}
# The page is cut from the ledger before accounts are joined: DuckDB's top-N then skips row groups
# (a date-sorted ledger means the newest page reads one row group of a million rows, not all).
PAGE_SIZE = 50
MAX_SEARCH = 100

COLUMNS = """
    l.transaction_id, l.date, a.name || coalesce(' ••' || a.mask, '') AS account, l.name, l.merchant_name,
    -l.amount AS amount, l.currency, l.category_primary, l.category_detailed, l.category_source, l.pending,
    l.is_transfer, l.flow, l.transfer_pair_id, l.note, l.account_id
"""
# The other half of each row's transfer pair (at most LINK_WINDOW_DAYS away, so a date range bounds the search).
PAIRS_SQL = """
SELECT l.transaction_id AS transfer_pair_id, l.date AS pair_date,
       a.name || coalesce(' ••' || a.mask, '') AS pair_account
FROM analytics_ledger l LEFT JOIN accounts a USING (account_id)
WHERE l.date BETWEEN $first::DATE - $days::INTEGER AND $last::DATE + $days::INTEGER
  AND list_contains($ids::VARCHAR[], l.transaction_id)
"""


@dataclass(frozen=True)
class TransactionPage:
    """One page of the filtered, searched and sorted transactions, with totals over all of them.

    `rows.amount` is as displayed: money in positive. `hidden_pending` and `hidden_transfers` count
    matching transactions the filters leave out, so the page can say where they went.
    """

    rows: pd.DataFrame
    total: int
    money_in: float
    money_out: float
    page: int
    pages: int
    hidden_pending: int
    hidden_transfers: int


def search_where(filters: Filters, today: date, search: str) -> Where:
    """The filters' condition plus a free-text search in name, merchant, category and note."""
    where = ledger_where(filters, filters.window(today), rows=True)
    text = search.strip()[:MAX_SEARCH]
    if not text:
        return where
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return where.and_(
        "(l.name ILIKE $search ESCAPE '\\' OR l.merchant_name ILIKE $search ESCAPE '\\'"
        " OR l.category_detailed ILIKE $search ESCAPE '\\' OR l.note ILIKE $search ESCAPE '\\')",
        search=f"%{escaped}%",
    )


def transactions_page(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    today: date,
    *,
    search: str = "",
    sort: SortKey = "date",
    descending: bool = True,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> TransactionPage:
    """Page `page` (1-based, clamped to the last page) of the transactions the filters and search select."""
    where = search_where(filters, today, search)
    wide = search_where(replace(filters, include_pending=True, include_transfers=True), today, search)
    pending_ok = "true" if filters.include_pending else "NOT l.pending"
    transfer_ok = "true" if filters.include_transfers else "NOT l.is_transfer"
    row = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE {pending_ok} AND {transfer_ok}),
               coalesce(sum(-l.amount) FILTER (WHERE {pending_ok} AND {transfer_ok} AND l.amount < 0), 0),
               coalesce(sum(l.amount) FILTER (WHERE {pending_ok} AND {transfer_ok} AND l.amount > 0), 0),
               count(*) FILTER (WHERE NOT ({pending_ok})),
               count(*) FILTER (WHERE {pending_ok} AND NOT ({transfer_ok}))
        FROM analytics_ledger l WHERE {wide.sql}
        """,
        wide.params,
    ).fetchone()
    total, money_in, money_out, hidden_pending, hidden_transfers = row or (0, 0, 0, 0, 0)
    pages = max(1, -(-int(total) // page_size))
    page = min(max(page, 1), pages)
    direction = "DESC" if descending else "ASC"
    order = ", ".join(f"{part.strip()} {direction} NULLS LAST" for part in _SORT_SQL[sort].split(","))
    accounts_first = sort == "account"
    page_sql = f"""
        SELECT l.* FROM analytics_ledger l {"LEFT JOIN accounts a USING (account_id)" if accounts_first else ""}
        WHERE {where.sql} ORDER BY {order}, l.transaction_id {direction} LIMIT $limit OFFSET $offset
    """
    rows = con.execute(
        f"""
        SELECT {COLUMNS} FROM ({page_sql}) l LEFT JOIN accounts a USING (account_id)
        ORDER BY {order}, l.transaction_id {direction}
        """,
        where.bind(limit=page_size, offset=(page - 1) * page_size),
    ).df()
    rows = with_pairs(con, rows)
    return TransactionPage(
        rows, int(total), float(money_in), float(money_out), page, pages, int(hidden_pending), int(hidden_transfers)
    )


def with_pairs(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` plus pair_date and pair_account: where the other half of each transfer pair is."""
    ids = [str(i) for i in rows["transfer_pair_id"].dropna()]
    if not ids:
        return rows.assign(pair_date=None, pair_account=None)
    pairs = con.execute(
        PAIRS_SQL, {"ids": ids, "first": rows["date"].min(), "last": rows["date"].max(), "days": LINK_WINDOW_DAYS}
    ).df()
    return rows.merge(pairs, on="transfer_pair_id", how="left")


def transaction(con: duckdb.DuckDBPyConnection, transaction_id: str) -> pd.DataFrame:
    """One transaction as the list shows it, plus Plaid's own category and where its pair is (empty frame if
    unknown)."""
    return with_pairs(con, con.execute(
        f"""
        SELECT {COLUMNS}, p.category_primary AS plaid_category_primary, p.category_detailed AS plaid_category_detailed
        FROM analytics_ledger l LEFT JOIN accounts a USING (account_id)
        LEFT JOIN plaid_transactions p USING (transaction_id)
        WHERE l.transaction_id = $id
        """,
        {"id": transaction_id},
    ).df())
