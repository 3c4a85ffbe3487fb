"""Balances: current balances per account (assets vs liabilities), balance history per account,
net worth over time, credit utilization.

Credit cards and loans are liabilities: Plaid reports what is owed as a positive balance, so they
count negatively in net worth. History comes from `balance_history`, one row per account per
day: a day without a row carries the last known balance forward. Rows walked back from
transactions rather than observed are `derived`; every series says whether it relies on them.
Balances in different currencies are never added.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from core.analytics.filters import Filters, Window
from core.analytics.intervals import Interval, fit_interval, sample_days

_CURRENCY = "coalesce(a.iso_currency_code, a.unofficial_currency_code, 'XXX')"
_SIGNED = "CASE WHEN a.type IN ('credit', 'loan') THEN -{0} ELSE {0} END"


def _account_where(filters: Filters) -> tuple[str, dict[str, object]]:
    parts, params = ["true"], dict[str, object]()
    if filters.accounts:
        parts.append("list_contains($accounts::VARCHAR[], a.account_id)")
        params["accounts"] = list(filters.accounts)
    if filters.currency:
        parts.append(f"{_CURRENCY} = $currency")
        params["currency"] = filters.currency
    return " AND ".join(parts), params


def accounts(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Current balance of every account the filters cover, assets first, with net_balance signed for net worth."""
    where, params = _account_where(filters)
    return con.execute(
        f"""
        SELECT a.account_id, coalesce(i.institution_name, i.institution_id, a.item_id) AS institution,
               a.name, a.mask, a.type, a.subtype, {_CURRENCY} AS currency,
               a.current_balance, a.available_balance, a.credit_limit,
               CASE WHEN a.type IN ('credit', 'loan') THEN 'liability' ELSE 'asset' END AS side,
               {_SIGNED.format("a.current_balance")} AS net_balance,
               CASE WHEN a.type = 'credit' AND a.credit_limit > 0 THEN a.current_balance / a.credit_limit END
                   AS utilization,
               a.updated_at
        FROM accounts a LEFT JOIN items i USING (item_id)
        WHERE {where}
        ORDER BY side, currency, net_balance DESC, institution, a.name
        """,
        params,
    ).df()


def net_worth(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Net worth now per currency: currency, assets, liabilities (positive, what is owed), net_worth, accounts."""
    where, params = _account_where(filters)
    return con.execute(
        f"""
        SELECT {_CURRENCY} AS currency,
               coalesce(sum(a.current_balance) FILTER (WHERE a.type NOT IN ('credit', 'loan')), 0) AS assets,
               coalesce(sum(a.current_balance) FILTER (WHERE a.type IN ('credit', 'loan')), 0) AS liabilities,
               coalesce(sum({_SIGNED.format("a.current_balance")}), 0) AS net_worth,
               count(*) AS accounts
        FROM accounts a WHERE {where}
        GROUP BY ALL ORDER BY currency
        """,
        params,
    ).df()


def _balances_on(where: str) -> str:
    """CTEs ending in `balances_on(day, account_id, account, type, currency, balance, derived)`: each
    account's last known balance on or before each of `$days` (balance NULL before its history starts).

    A window over history rows and one probe row per (account, day) carries the last balance
    forward; DuckDB's ASOF join gave the same answer but took seconds on a dense daily history.
    """
    return f"""
        days AS (SELECT unnest($days::DATE[]) AS day),
        accts AS (SELECT a.account_id, a.name || coalesce(' ••' || a.mask, '') AS account, a.type,
                         {_CURRENCY} AS currency FROM accounts a WHERE {where}),
        rows AS (
            SELECT b.account_id, b.date, b.current_balance AS balance, b.derived, false AS probe
            FROM balance_history b SEMI JOIN accts USING (account_id)
            WHERE b.current_balance IS NOT NULL AND b.date <= (SELECT max(day) FROM days)
            UNION ALL
            SELECT a.account_id, d.day, NULL, NULL, true FROM days d CROSS JOIN accts a),
        carried AS (
            SELECT account_id, date AS day, probe,
                   last_value(balance IGNORE NULLS) OVER w AS balance,
                   last_value(derived IGNORE NULLS) OVER w AS derived
            FROM rows
            WINDOW w AS (PARTITION BY account_id ORDER BY date, probe ROWS UNBOUNDED PRECEDING)),
        balances_on AS (
            SELECT c.day, a.account_id, a.account, a.type, a.currency, c.balance, c.derived
            FROM carried c JOIN accts a USING (account_id) WHERE c.probe)
    """


def net_worth_on(con: duckdb.DuckDBPyConnection, filters: Filters, days: list[date]) -> pd.DataFrame:
    """Net worth on each of `days` from balance history: day, currency, net_worth, complete, derived.

    `complete` is false when some account has no balance yet on that day (its history starts
    later); such a net worth is a lower or upper bound, not the truth.
    """
    where, params = _account_where(filters)
    return con.execute(
        f"""
        WITH {_balances_on(where)}
        SELECT day, currency,
               sum(CASE WHEN type IN ('credit', 'loan') THEN -balance ELSE balance END) AS net_worth,
               count(balance) = count(*) AS complete,
               coalesce(bool_or(derived), false) AS derived
        FROM balances_on
        GROUP BY ALL ORDER BY currency, day
        """,
        {**params, "days": days},
    ).df()


def history_window(con: duckdb.DuckDBPyConnection, window: Window, today: date) -> Window:
    """`window` with open ends closed at the first day of balance history and today."""
    if window.start is not None and window.end is not None:
        return window
    first = (con.execute("SELECT min(date) FROM balance_history").fetchone() or (None,))[0]
    start = window.start or first or today
    return Window(start, window.end or max(today, start))


def net_worth_history(
    con: duckdb.DuckDBPyConnection, filters: Filters, today: date, interval: Interval = "day"
) -> tuple[pd.DataFrame, Interval]:
    """Net worth at the end of each period of the filters' window (see net_worth_on), and the interval used."""
    window = history_window(con, filters.window(today), today)
    interval = fit_interval(window, interval)
    return net_worth_on(con, filters, sample_days(window, interval)), interval


def account_history(
    con: duckdb.DuckDBPyConnection, filters: Filters, today: date, interval: Interval = "day"
) -> tuple[pd.DataFrame, Interval]:
    """Each account's balance at the end of each period: day, account_id, account, currency, balance, derived.

    Days before an account's first balance are left out. The interval is coarsened so that
    accounts x periods stays within the chart point budget.
    """
    window = history_window(con, filters.window(today), today)
    where, params = _account_where(filters)
    count = (con.execute(f"SELECT count(*) FROM accounts a WHERE {where}", params).fetchone() or (0,))[0]
    interval = fit_interval(window, interval, series=int(count))
    frame = con.execute(
        f"""
        WITH {_balances_on(where)}
        SELECT day, account_id, account, type, currency, balance, derived
        FROM balances_on WHERE balance IS NOT NULL
        ORDER BY currency, account, day
        """,
        {**params, "days": sample_days(window, interval)},
    ).df()
    return frame, interval


def credit_utilization(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Credit cards with a limit: account, currency, balance, credit_limit, utilization, plus one
    `All cards` row per currency (total balance over total limit)."""
    where, params = _account_where(filters)
    return con.execute(
        f"""
        WITH cards AS (
            SELECT a.name || coalesce(' ••' || a.mask, '') AS account, {_CURRENCY} AS currency,
                   greatest(a.current_balance, 0) AS balance, a.credit_limit
            FROM accounts a WHERE {where} AND a.type = 'credit' AND a.credit_limit > 0)
        SELECT account, currency, balance, credit_limit, balance / credit_limit AS utilization, false AS total
        FROM cards
        UNION ALL
        SELECT 'All cards', currency, sum(balance), sum(credit_limit), sum(balance) / sum(credit_limit), true
        FROM cards GROUP BY currency
        ORDER BY currency, total, utilization DESC, account
        """,
        params,
    ).df()
