"""Reviewing transfers: the person confirms a suggested pair, links two rows, or says a row is not a
transfer between their accounts.

Decisions live in `transfer_decisions` (user-owned: they survive re-syncs and follow a pending
transaction to the posted one, see core/sync/apply.py) and win over the automatic matching in
core/analytics/matching.py. Each edit patches the ledger in the same transaction (ledger.edit).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from core.analytics import ledger
from core.analytics.filters import Filters
from core.errors import FinboardError
from core.store import Store

LINK_WINDOW_DAYS = 31  # how far apart two rows offered for a manual link may be
REVIEW_LIMIT = 50

_FORGET = (
    "DELETE FROM transfer_decisions "
    "WHERE list_contains($ids::VARCHAR[], transaction_id) OR list_contains($ids::VARCHAR[], pair_id)"
)
_AFFECTED = "(list_contains($ids::VARCHAR[], x.transaction_id) OR list_contains($ids::VARCHAR[], x.transfer_pair_id))"


class TransferError(FinboardError):
    """A transfer decision cannot be saved; the message says why."""


def link(store: Store, transaction_id: str, other_id: str) -> None:
    """Make two transactions the halves of one transfer between your accounts (also: confirm a suggested
    pair). Each leaves any pair it had; the pair stands whatever the automatic rule says."""
    _check_pair(store, transaction_id, other_id)
    ids = [transaction_id, other_id]

    def change(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(_FORGET, {"ids": ids})
        con.execute(
            "INSERT INTO transfer_decisions (transaction_id, decision, pair_id) "
            "VALUES ($a, 'pair', $b), ($b, 'pair', $a)",
            {"a": transaction_id, "b": other_id},
        )

    ledger.edit(store, change, _AFFECTED, {"ids": ids})


def mark_not_transfer(store: Store, *transaction_ids: str) -> None:
    """Say these transactions are not transfers between your accounts: they never pair automatically
    and count by their category (an outside transfer stays one: change its category to count it as spending)."""
    ids = list(transaction_ids)
    for transaction_id in ids:
        _require(store, transaction_id)

    def change(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(_FORGET, {"ids": ids})
        con.executemany(
            "INSERT INTO transfer_decisions (transaction_id, decision) VALUES (?, 'not_transfer')", [[i] for i in ids]
        )

    ledger.edit(store, change, _AFFECTED, {"ids": ids})


def forget(store: Store, transaction_id: str) -> None:
    """Drop your decision about this transaction (and the other half of a pair you made): the automatic rule applies."""

    def change(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(_FORGET, {"ids": [transaction_id]})

    ledger.edit(store, change, _AFFECTED, {"ids": [transaction_id]})


def decision(con: duckdb.DuckDBPyConnection, transaction_id: str) -> str | None:
    """'pair' or 'not_transfer' when the person decided about this transaction, else None."""
    row = con.execute("SELECT decision FROM transfer_decisions WHERE transaction_id = ?", [transaction_id]).fetchone()
    return str(row[0]) if row else None


_SIDE = """
    {s}.transaction_id AS {p}_id, {s}.date AS {p}_date, {s}.name AS {p}_name, {s}.merchant_name AS {p}_merchant,
    {a}.name || coalesce(' ••' || {a}.mask, '') AS {p}_account
"""


def review_pairs(
    con: duckdb.DuckDBPyConnection, filters: Filters, today: date, limit: int = REVIEW_LIMIT
) -> pd.DataFrame:
    """Transfer pairs with a half in the filters' window (and currency, accounts), suggested ones first,
    newest first: out_* and in_* (id, date, name, merchant, account), amount (> 0), currency, gap_days,
    confirmed (the person confirmed or linked it), and total (how many pairs there are in all)."""
    window = filters.window(today)
    params: dict[str, object] = {"limit": limit}
    parts = ["o.amount > 0"]
    if window.start is not None:
        parts.append("greatest(o.date, i.date) >= $start")
        params["start"] = window.start
    if window.end is not None:
        parts.append("least(o.date, i.date) <= $end")
        params["end"] = window.end
    if filters.currency:
        parts.append("o.currency = $currency")
        params["currency"] = filters.currency
    if filters.accounts:
        parts.append(
            "(list_contains($accounts::VARCHAR[], o.account_id) OR list_contains($accounts::VARCHAR[], i.account_id))"
        )
        params["accounts"] = list(filters.accounts)
    return con.execute(
        f"""
        SELECT {_SIDE.format(s="o", a="oa", p="out")}, {_SIDE.format(s="i", a="ia", p="in")},
               o.amount, o.currency, abs(i.date - o.date) AS gap_days, d.decision IS NOT NULL AS confirmed,
               count(*) OVER () AS total
        FROM analytics_ledger o
        JOIN analytics_ledger i ON i.transaction_id = o.transfer_pair_id
        LEFT JOIN accounts oa ON oa.account_id = o.account_id
        LEFT JOIN accounts ia ON ia.account_id = i.account_id
        LEFT JOIN transfer_decisions d ON d.transaction_id = o.transaction_id AND d.decision = 'pair'
        WHERE {" AND ".join(parts)}
        ORDER BY confirmed, greatest(o.date, i.date) DESC, o.transaction_id
        LIMIT $limit
        """,
        params,
    ).df()


def link_candidates(
    con: duckdb.DuckDBPyConnection, transaction_id: str, days: int = LINK_WINDOW_DAYS, limit: int = 20
) -> pd.DataFrame:
    """Rows this one could be linked with: the opposite amount in the same currency, in another account,
    at most `days` apart, closest first: transaction_id, date, name, merchant_name, account, amount
    (money in positive), paired (already in a pair)."""
    return con.execute(
        """
        SELECT c.transaction_id, c.date, c.name, c.merchant_name, a.name || coalesce(' ••' || a.mask, '') AS account,
               -c.amount AS amount, c.transfer_pair_id IS NOT NULL AS paired
        FROM analytics_ledger t
        JOIN analytics_ledger c
          ON c.currency = t.currency AND c.amount = -t.amount AND c.account_id <> t.account_id
         AND c.date BETWEEN t.date - $days::INTEGER AND t.date + $days::INTEGER
        LEFT JOIN accounts a ON a.account_id = c.account_id
        WHERE t.transaction_id = $id AND t.amount <> 0
          AND c.transaction_id IS DISTINCT FROM t.transfer_pair_id
        ORDER BY abs(c.date - t.date), c.transaction_id
        LIMIT $limit
        """,
        {"id": transaction_id, "days": days, "limit": limit},
    ).df()


def _require(store: Store, transaction_id: str) -> None:
    with store.connect() as con:
        found = con.execute("SELECT 1 FROM plaid_transactions WHERE transaction_id = ?", [transaction_id]).fetchone()
        if found is None:
            raise TransferError(f"No transaction {transaction_id}; it may have been removed by the bank.")


def _check_pair(store: Store, transaction_id: str, other_id: str) -> None:
    """Two rows can be a transfer when they are in different accounts and move the same amount, in the
    same currency, out of one and into the other."""
    if transaction_id == other_id:
        raise TransferError("A transfer needs two different transactions.")
    with ledger.reading(store) as con:
        rows = con.execute(
            "SELECT transaction_id, account_id, amount, currency, date FROM analytics_ledger "
            "WHERE transaction_id IN (?, ?)",
            [transaction_id, other_id],
        ).fetchall()
    found = {r[0]: r for r in rows}
    for wanted in (transaction_id, other_id):
        if wanted not in found:
            raise TransferError(f"No transaction {wanted}; it may have been removed by the bank.")
    (_, account_a, amount_a, currency_a, day_a), (_, account_b, amount_b, currency_b, day_b) = (
        found[transaction_id], found[other_id]
    )
    if account_a == account_b:
        raise TransferError("Both transactions are in the same account; a transfer moves money between two accounts.")
    if currency_a != currency_b:
        raise TransferError(f"One is in {currency_a} and the other in {currency_b}; currencies are never added.")
    if abs((day_a - day_b).days) > LINK_WINDOW_DAYS:
        raise TransferError(f"The two are more than {LINK_WINDOW_DAYS} days apart ({day_a} and {day_b}).")
    if amount_a == 0 or amount_a != -amount_b:
        raise TransferError(
            f"A transfer moves the same amount out of one account and into the other; these move {-amount_a} "
            f"and {-amount_b} (money in positive)."
        )
