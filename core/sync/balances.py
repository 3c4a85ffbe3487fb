"""Accounts, balance snapshots and the balance history derived from transactions.

After every sync the accounts from /accounts/get (cached balances, free) are stored with one
snapshot per account per day. For days without a snapshot (before the first one, or gaps
between syncs) the balance is derived by walking the transactions back from the next observed
balance, and marked derived. Real-time balances (/accounts/balance/get) are on demand only:
Plaid allows 5 calls per item per minute, which Finboard enforces itself across processes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from core.errors import FinboardError
from core.items import ItemNotFound, access_token, get_item
from core.plaid_gateway import PlaidApiError
from core.products.accounts import accounts_table
from core.workspace import Workspace

Json = dict[str, Any]

BALANCE_CALLS_PER_MINUTE = 5


class BalanceRateLimited(FinboardError):
    """Real-time balances were requested more often than Plaid allows for this item."""


def utc_now() -> datetime:
    """Timestamps in the database are naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def require_item(con: duckdb.DuckDBPyConnection, item_id: str) -> None:
    """Inside a write: refuse to store anything for an item removed while Plaid was being asked."""
    if not con.execute("SELECT count(*) FROM items WHERE item_id = ?", [item_id]).fetchall()[0][0]:
        raise ItemNotFound(f"The connection {item_id} was removed meanwhile; nothing was stored for it.")


def local_today() -> date:
    """The day a balance snapshot belongs to: the person's calendar day, as on bank statements."""
    return date.today()


UPSERT_ACCOUNTS = """
INSERT INTO accounts (account_id, item_id, name, official_name, mask, type, subtype, current_balance,
                      available_balance, credit_limit, iso_currency_code, unofficial_currency_code, updated_at)
SELECT account_id, $item_id, name, official_name, mask, type, subtype, CAST(current AS DECIMAL(18,2)),
       CAST(available AS DECIMAL(18,2)), CAST("limit" AS DECIMAL(18,2)), iso_currency_code,
       unofficial_currency_code, $now
FROM incoming_accounts
ON CONFLICT (account_id) DO UPDATE SET
    item_id = excluded.item_id, name = excluded.name, official_name = excluded.official_name,
    mask = excluded.mask, type = excluded.type, subtype = excluded.subtype,
    current_balance = excluded.current_balance, available_balance = excluded.available_balance,
    credit_limit = excluded.credit_limit, iso_currency_code = excluded.iso_currency_code,
    unofficial_currency_code = excluded.unofficial_currency_code, updated_at = excluded.updated_at
"""

# The latest observation of the day wins: one row per account per day.
SNAPSHOT = """
INSERT OR REPLACE INTO balance_history (account_id, date, current_balance, available_balance, derived)
SELECT account_id, $today, CAST(current AS DECIMAL(18,2)), CAST(available AS DECIMAL(18,2)), false
FROM incoming_accounts
"""


def store_accounts(con: duckdb.DuckDBPyConnection, item_id: str, accounts: pa.Table, now: datetime) -> None:
    """Upsert the item's accounts and today's snapshot (inside the caller's transaction)."""
    con.register("incoming_accounts", accounts)
    try:
        con.execute(UPSERT_ACCOUNTS, {"item_id": item_id, "now": now})
        con.execute(SNAPSHOT, {"today": local_today()})
    finally:
        con.unregister("incoming_accounts")


# For each day d without a snapshot, from the day before the item's first transaction to the
# account's latest snapshot (an account with no transactions, such as a brokerage account whose
# holdings Plaid reports elsewhere, keeps its balance flat: all its transactions imply):
#   balance(d) = observed balance at the next snapshot day a
#                + sign * (sum of posted amounts dated in (d, a])
# Plaid's amounts are positive for money leaving the account. A depository balance fell by them,
# so walking back adds them (sign +1); a credit or loan balance is what is owed and rose by
# them, so walking back subtracts them (sign -1). Pending transactions are not in `current`.
# The walk runs over a dense calendar with window functions: upto(d) is the running sum of
# amounts, and the next snapshot's balance and upto are looked ahead with first_value.
DERIVE_HISTORY = """
INSERT INTO balance_history (account_id, date, current_balance, available_balance, derived)
WITH acct AS (
    SELECT account_id, CASE WHEN type IN ('credit', 'loan') THEN -1 ELSE 1 END AS sign
    FROM accounts WHERE item_id = $item_id
),
snapshots AS (
    SELECT account_id, date, current_balance FROM balance_history JOIN acct USING (account_id) WHERE NOT derived
),
daily AS (
    SELECT account_id, date, sum(amount) AS total FROM plaid_transactions JOIN acct USING (account_id)
    WHERE item_id = $item_id AND NOT pending GROUP BY account_id, date
),
bounds AS (
    SELECT account_id, first_day, last_snapshot
    FROM (SELECT min(date) - 1 AS first_day FROM daily)
    CROSS JOIN (SELECT account_id, max(date) AS last_snapshot FROM snapshots WHERE current_balance IS NOT NULL
                GROUP BY account_id)
    WHERE first_day < last_snapshot
),
calendar AS (
    SELECT account_id, CAST(unnest(range(first_day, last_snapshot + 1, INTERVAL 1 DAY)) AS DATE) AS date
    FROM bounds
),
walk AS (
    SELECT c.account_id, c.date, s.date IS NOT NULL AS has_snapshot, s.current_balance AS snapshot_balance,
           sum(coalesce(d.total, 0)) OVER (PARTITION BY c.account_id ORDER BY c.date) AS upto
    FROM calendar c
    LEFT JOIN daily d USING (account_id, date)
    LEFT JOIN snapshots s USING (account_id, date)
),
anchored AS (
    SELECT account_id, date, has_snapshot, upto,
           first_value(snapshot_balance IGNORE NULLS) OVER ahead AS anchor_balance,
           first_value(CASE WHEN snapshot_balance IS NOT NULL THEN upto END IGNORE NULLS) OVER ahead AS anchor_upto
    FROM walk
    WINDOW ahead AS (PARTITION BY account_id ORDER BY date ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
)
SELECT account_id, date, anchor_balance + sign * (anchor_upto - upto), NULL, true
FROM anchored JOIN acct USING (account_id)
WHERE NOT has_snapshot
"""


def derive_history(con: duckdb.DuckDBPyConnection, item_id: str) -> None:
    """Replace the item's derived balance rows with ones computed from the current transactions."""
    item_accounts = "SELECT account_id FROM accounts WHERE item_id = ?"
    con.execute(f"DELETE FROM balance_history WHERE derived AND account_id IN ({item_accounts})", [item_id])
    con.execute(DERIVE_HISTORY, {"item_id": item_id})


# -- real-time balances -------------------------------------------------------------------------


def refresh_balances(ws: Workspace, item_id: str) -> int:
    """Fetch real-time balances for one item and store them as today's snapshot; returns accounts updated.

    Raises BalanceRateLimited (with how long to wait) instead of exceeding Plaid's 5 calls per
    item per minute, counting calls from every Finboard process on this database.
    """
    item = get_item(ws, item_id)
    token = access_token(ws, item_id)
    claim_balance_call(ws, item_id, label=item.label)
    try:
        body = ws.gateway.get_balances(token)
    except PlaidApiError as e:
        if e.error_type == "RATE_LIMIT_EXCEEDED" or e.status == 429:
            raise BalanceRateLimited(
                f"Plaid refused more real-time balance requests for {item.label} right now. "
                "Wait a minute and try again; the balances from the last sync are still shown."
            ) from None
        raise
    table = accounts_table(body.get("accounts"))
    with ws.store.transaction() as con:
        require_item(con, item_id)
        store_accounts(con, item_id, table, utc_now())
        derive_history(con, item_id)
    ws.store.bump_data_version()
    return int(table.num_rows)


def claim_balance_call(ws: Workspace, item_id: str, *, label: str) -> None:
    """Record a balance call if the item has one left this minute; else raise BalanceRateLimited."""
    now = utc_now()
    window_start = now - timedelta(minutes=1)
    with ws.store.transaction() as con:
        con.execute("DELETE FROM balance_requests WHERE requested_at <= ?", [window_start])
        recent = [
            r[0]
            for r in con.execute(
                "SELECT requested_at FROM balance_requests WHERE item_id = ? ORDER BY requested_at", [item_id]
            ).fetchall()
        ]
        if len(recent) >= BALANCE_CALLS_PER_MINUTE:
            wait = max(1, int((recent[0] - window_start).total_seconds()) + 1)
            raise BalanceRateLimited(
                f"Real-time balances for {label} were refreshed {len(recent)} times in the last minute; "
                f"Plaid allows {BALANCE_CALLS_PER_MINUTE}. Try again in {wait} s."
            )
        con.execute("INSERT INTO balance_requests (item_id, requested_at) VALUES (?, ?)", [item_id, now])
