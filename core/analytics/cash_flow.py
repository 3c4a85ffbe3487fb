"""Cash flow: income and spending per period with the net and its running total, outside
transfers beside them, and the money flows from income sources to spending categories and savings
(the Sankey).

Definitions (Plaid's sign flipped, so money in is positive; flows in core/analytics/money_rules.py):
- income = money in minus money out of rows whose flow is income (a reversed paycheck lowers it);
- spending = money out minus money in of rows whose flow is spending (refunds lower it);
- net = income - spending; savings rate = net / income (none when income is not positive);
- transfers in / out (outside) = money in / out of outside transfers, shown beside net, never in it;
- transfers between the person's own accounts (internal) are in none of these.
So per currency and window: money in - money out = income - spending + outside in - outside out +
internal in - internal out, exactly. These figures do not depend on the "include transfers" filter,
which only lists transfers among the rows (Transactions, Categories). Currencies are never added.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from core.analytics.categories import INCOME, label
from core.analytics.filters import Filters, Where, Window, ledger_where
from core.analytics.intervals import Interval, first_label, fit_interval
from core.analytics.ledger import bounded

INCOME_HUB = "Income"
SAVED = "Saved"
DRAWN = "Drawn from savings"
OUTSIDE_HUB = "Transfers outside Finboard"
OUTSIDE_KEPT = "Kept from outside transfers"
OUTSIDE_DRAWN = "Outside transfers paid from balances"

_INTERVAL_STEP = {"day": "1 day", "week": "7 days", "month": "1 month", "quarter": "3 months", "year": "1 year"}
FLOW_COLUMNS = ("income", "spending", "transfers_in_outside", "transfers_out_outside")


def flow_where(filters: Filters, window: Window | None, **options: bool) -> Where:
    """The rows behind the money figures: the filters' rows with transfers kept, since every flow has
    its own figure (ledger_where's include_transfers only decides which rows are listed)."""
    return ledger_where(replace(filters, include_transfers=True), window, **options)


def flow_sums(where: Where, condition: str = "true", prefix: str = "") -> str:
    """SQL select items summing each flow of the rows matching `condition` (money in positive)."""
    mi, mo = where.money_in, where.money_out
    return f"""
        coalesce(sum(-l.amount) FILTER (WHERE {condition} AND l.flow = 'income'), 0) AS {prefix}income,
        coalesce(sum(l.amount) FILTER (WHERE {condition} AND l.flow = 'spending'), 0) AS {prefix}spending,
        coalesce(sum({mi}) FILTER (WHERE {condition} AND l.flow = 'transfer_outside'), 0) AS {prefix}outside_in,
        coalesce(sum({mo}) FILTER (WHERE {condition} AND l.flow = 'transfer_outside'), 0) AS {prefix}outside_out,
        coalesce(sum({mi}) FILTER (WHERE {condition} AND l.flow = 'transfer_internal'), 0) AS {prefix}internal_in,
        coalesce(sum({mo}) FILTER (WHERE {condition} AND l.flow = 'transfer_internal'), 0) AS {prefix}internal_out,
        coalesce(sum({mi}) FILTER (WHERE {condition}), 0) AS {prefix}money_in,
        coalesce(sum({mo}) FILTER (WHERE {condition}), 0) AS {prefix}money_out
    """


def cash_flow(
    con: duckdb.DuckDBPyConnection, filters: Filters, today: date, interval: Interval
) -> tuple[pd.DataFrame, Interval]:
    """Per period and currency: income, spending, net, cumulative_net, transfers_in_outside,
    transfers_out_outside; periods with no money show 0. A period is labelled by the first day of it
    the window covers (a week cut by the window's start is labelled by that start).

    Returns the frame and the interval used (coarser than asked if the chart would exceed MAX_POINTS).
    """
    columns = ["period", "currency", "income", "spending", "net", "cumulative_net", *FLOW_COLUMNS[2:]]
    asked = filters.window(today)
    window = bounded(con, asked)
    if window.start is None or window.end is None:
        return pd.DataFrame(columns=columns), interval
    interval = fit_interval(window, interval, series=3)
    first = first_label(asked, window, interval)
    where = flow_where(filters, window)
    frame = con.execute(
        f"""
        WITH totals AS (
            SELECT greatest(date_trunc($interval, l.date), $first::DATE)::DATE AS period, l.currency,
                   {flow_sums(where)}
            FROM {where.table} l WHERE {where.sql}
            GROUP BY ALL),
        spine AS (
            SELECT greatest(unnest(generate_series(date_trunc($interval, $first::DATE), $last::DATE,
                                                   $step::INTERVAL)), $first::DATE)::DATE AS period),
        grid AS (SELECT s.period, c.currency FROM spine s CROSS JOIN (SELECT DISTINCT currency FROM totals) c)
        SELECT g.period, g.currency,
               coalesce(t.income, 0)::DECIMAL(38,2) AS income, coalesce(t.spending, 0)::DECIMAL(38,2) AS spending,
               (coalesce(t.income, 0) - coalesce(t.spending, 0))::DECIMAL(38,2) AS net,
               sum(coalesce(t.income, 0) - coalesce(t.spending, 0))
                   OVER (PARTITION BY g.currency ORDER BY g.period)::DECIMAL(38,2) AS cumulative_net,
               coalesce(t.outside_in, 0)::DECIMAL(38,2) AS transfers_in_outside,
               coalesce(t.outside_out, 0)::DECIMAL(38,2) AS transfers_out_outside
        FROM grid g LEFT JOIN totals t USING (period, currency)
        ORDER BY g.currency, g.period
        """,
        where.bind(interval=interval, first=first, last=window.end, step=_INTERVAL_STEP[interval]),
    ).df()
    return frame, interval


def totals(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> pd.DataFrame:
    """Per currency over the filters' window (core.analytics.filters.period_windows): income, spending,
    net, savings_rate, transfers_in_outside, transfers_out_outside, transfers_in_internal,
    transfers_out_internal, money_in, money_out, money_in_minus_out; and over the previous window previous_income,
    previous_spending, previous_net, previous_savings_rate, previous_transfers_in_outside,
    previous_transfers_out_outside.

    Every currency in the selected accounts gets a row, with 0 where nothing happened. The previous_*
    figures are NULL when there is no previous window, or when Finboard holds no transaction at all in
    that currency in it (before the history starts, say), so no change is claimed against nothing.
    """
    window, previous = filters.window(today), filters.previous_window(today)
    span = window if previous is None else Window(previous.start, window.end)
    where = flow_where(filters, span)
    current = _between(window, "c_start", "c_end")
    before = "false" if previous is None else _between(previous, "p_start", "p_end")
    params = where.bind(**_window_params(window, "c_start", "c_end"), **_window_params(previous, "p_start", "p_end"))
    history = _history_sql(filters, previous)
    return con.execute(
        f"""
        WITH sums AS (
            SELECT l.currency, {flow_sums(where, current)}, {flow_sums(where, before, "p_")}
            FROM {where.table} l WHERE {where.sql}
            GROUP BY ALL),
        history AS ({history}),
        currencies AS ({_currencies_sql(filters)}),
        figures AS (
            SELECT c.currency, coalesce(s.income, 0) AS income, coalesce(s.spending, 0) AS spending,
                   coalesce(s.outside_in, 0) AS outside_in, coalesce(s.outside_out, 0) AS outside_out,
                   coalesce(s.internal_in, 0) AS internal_in, coalesce(s.internal_out, 0) AS internal_out,
                   coalesce(s.money_in, 0) AS money_in, coalesce(s.money_out, 0) AS money_out,
                   coalesce(s.p_income, 0) AS p_income, coalesce(s.p_spending, 0) AS p_spending,
                   coalesce(s.p_outside_in, 0) AS p_outside_in, coalesce(s.p_outside_out, 0) AS p_outside_out,
                   h.currency IS NOT NULL AS has_previous
            FROM currencies c LEFT JOIN sums s USING (currency) LEFT JOIN history h USING (currency))
        SELECT currency,
               income::DECIMAL(38,2) AS income, spending::DECIMAL(38,2) AS spending,
               (income - spending)::DECIMAL(38,2) AS net,
               CASE WHEN income > 0 THEN (income - spending) / income END AS savings_rate,
               outside_in::DECIMAL(38,2) AS transfers_in_outside, outside_out::DECIMAL(38,2) AS transfers_out_outside,
               internal_in::DECIMAL(38,2) AS transfers_in_internal,
               internal_out::DECIMAL(38,2) AS transfers_out_internal,
               money_in::DECIMAL(38,2) AS money_in, money_out::DECIMAL(38,2) AS money_out,
               (money_in - money_out)::DECIMAL(38,2) AS money_in_minus_out,
               CASE WHEN has_previous THEN p_income::DECIMAL(38,2) END AS previous_income,
               CASE WHEN has_previous THEN p_spending::DECIMAL(38,2) END AS previous_spending,
               CASE WHEN has_previous THEN (p_income - p_spending)::DECIMAL(38,2) END AS previous_net,
               CASE WHEN has_previous AND p_income > 0 THEN (p_income - p_spending) / p_income END
                   AS previous_savings_rate,
               CASE WHEN has_previous THEN p_outside_in::DECIMAL(38,2) END AS previous_transfers_in_outside,
               CASE WHEN has_previous THEN p_outside_out::DECIMAL(38,2) END AS previous_transfers_out_outside
        FROM figures ORDER BY currency
        """,
        params,
    ).df()


SUMMARY_COLUMNS = ("currency", "start", "end", "income", "spending", "net", "savings_rate", "transfers_in_outside",
                   "transfers_out_outside", "previous_start", "previous_end", "previous_income", "previous_spending",
                   "previous_net")  # fmt: skip
CENT, RATE = Decimal("0.01"), Decimal("0.0001")


def period_summary(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> pd.DataFrame:
    """`finboard export summary`: one row per currency with exactly SUMMARY_COLUMNS. Dates are the window
    and the previous window (all time: the first and last transaction); amounts have 2 decimals, money in
    positive, spending net of refunds; savings_rate is a fraction, empty when income is not positive;
    previous figures are empty when there is no previous window or no transaction at all in it."""
    window = bounded(con, filters.window(today))
    previous = filters.previous_window(today)
    frame = totals(con, filters, today)
    rows = []
    for r in frame.to_dict("records"):
        rows.append({
            "currency": r["currency"], "start": window.start, "end": window.end,
            **{k: _decimal(r[k], CENT) for k in ("income", "spending", "net")},
            "savings_rate": _decimal(r["savings_rate"], RATE),
            **{k: _decimal(r[k], CENT) for k in ("transfers_in_outside", "transfers_out_outside")},
            "previous_start": previous.start if previous else None, "previous_end": previous.end if previous else None,
            **{k: _decimal(r[k], CENT) for k in ("previous_income", "previous_spending", "previous_net")},
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _decimal(value: object, places: Decimal) -> Decimal | None:
    """A money figure as an exact Decimal with `places`, None when missing (NULL arrives as None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return Decimal(str(value)).quantize(places)


def _between(window: Window, start: str, end: str) -> str:
    """SQL: row `l` is inside `window` (whose ends are bound as $start and $end)."""
    parts = ([f"l.date >= ${start}"] if window.start else []) + ([f"l.date <= ${end}"] if window.end else [])
    return " AND ".join(parts) or "true"


def _window_params(window: Window | None, start: str, end: str) -> dict[str, object]:
    if window is None:
        return {}
    return {**({start: window.start} if window.start else {}), **({end: window.end} if window.end else {})}


def _history_sql(filters: Filters, previous: Window | None) -> str:
    """The currencies with any transaction at all in the previous window (in the selected accounts)."""
    if previous is None:
        return "SELECT NULL::VARCHAR AS currency WHERE false"
    if filters.accounts:
        return (
            "SELECT DISTINCT h.currency FROM analytics_daily_by_account h WHERE h.date >= $p_start "
            "AND h.date <= $p_end AND list_contains($accounts::VARCHAR[], h.account_id)"
        )
    return "SELECT DISTINCT h.currency FROM analytics_daily h WHERE h.date >= $p_start AND h.date <= $p_end"


def _currencies_sql(filters: Filters) -> str:
    """The currencies a summary has a row for: the one asked for, else every one the selected accounts use."""
    if filters.currency:
        return "SELECT $currency::VARCHAR AS currency"
    account_currency = "coalesce(a.iso_currency_code, a.unofficial_currency_code, 'XXX')"
    if filters.accounts:
        return (
            "SELECT DISTINCT h.currency FROM analytics_daily_by_account h "
            "WHERE list_contains($accounts::VARCHAR[], h.account_id) "
            f"UNION SELECT {account_currency} FROM accounts a WHERE list_contains($accounts::VARCHAR[], a.account_id)"
        )
    return f"SELECT DISTINCT h.currency FROM analytics_daily h UNION SELECT {account_currency} FROM accounts a"


def money_flows(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> pd.DataFrame:
    """Edges of the Sankey per currency: source, target, amount (> 0), kind, category (PFC code, for colors).

    Income sources (detailed INCOME categories) flow into the income hub, which flows out to
    spending categories (primary) and to Saved. A spending category with more refunds than
    purchases feeds the hub instead; when spending exceeds money in, "Drawn from savings" feeds
    it. Money into the hub equals money out of it; Saved (or Drawn) is the period's net.

    Outside transfers have a hub of their own beside it, so they never change Saved: money in from
    outside (per detailed category) flows into it, money out to outside flows out of it, and the
    difference is kept (or paid from balances). Transfers between connected accounts are in neither.
    """
    where = flow_where(filters, filters.window(today))
    buckets = con.execute(
        f"""
        WITH rows AS (
            SELECT l.currency, l.flow = 'income' AS is_income, l.category_primary,
                   CASE WHEN l.flow = 'income' THEN coalesce(l.category_detailed, l.category_primary)
                        ELSE l.category_primary END AS category_detailed,
                   l.amount
            FROM {where.table} l WHERE {where.sql} AND l.flow IN ('income', 'spending')),
        buckets AS (
            SELECT currency, is_income, category_primary, category_detailed, -sum(amount) AS money_in
            FROM rows GROUP BY ALL HAVING sum(amount) <> 0)
        SELECT *, sum(money_in) OVER (PARTITION BY currency) AS net
        FROM buckets ORDER BY currency, money_in DESC, category_detailed
        """,
        where.params,
    ).df()
    outside = con.execute(
        f"""
        SELECT l.currency, l.category_primary, coalesce(l.category_detailed, l.category_primary) AS category_detailed,
               sum({where.money_in}) AS money_in, sum({where.money_out}) AS money_out
        FROM {where.table} l WHERE {where.sql} AND l.flow = 'transfer_outside'
        GROUP BY ALL ORDER BY l.currency, money_out DESC, money_in DESC, category_detailed
        """,
        where.params,
    ).df()
    edges: list[dict[str, object]] = []
    for row in buckets.to_dict("records"):
        primary, detailed, is_income = str(row["category_primary"]), str(row["category_detailed"]), row["is_income"]
        name = label(detailed, INCOME) if is_income else label(primary)
        amount = float(row["money_in"])
        if amount > 0:
            source, kind = (name, "income") if is_income else (f"{name} (refunds)", "refund")
            edges.append(_edge(row["currency"], source, INCOME_HUB, amount, kind, primary))
        else:
            target = f"{name} (reversed)" if is_income else name
            edges.append(_edge(row["currency"], INCOME_HUB, target, -amount, "spending", primary))
    for currency, net in buckets.groupby("currency", sort=True)["net"].first().astype(float).items():
        if net > 0:
            edges.append(_edge(currency, INCOME_HUB, SAVED, net, "saved", SAVED))
        elif net < 0:
            edges.append(_edge(currency, DRAWN, INCOME_HUB, -net, "drawn", DRAWN))
    for row in outside.to_dict("records"):
        primary, detailed = str(row["category_primary"]), str(row["category_detailed"])
        name = label(detailed, primary)
        if row["money_in"] > 0:
            edges.append(_edge(row["currency"], f"{name} (in)", OUTSIDE_HUB, float(row["money_in"]), "outside_in",
                               primary))  # fmt: skip
        if row["money_out"] > 0:
            edges.append(_edge(row["currency"], OUTSIDE_HUB, f"{name} (out)", float(row["money_out"]), "outside_out",
                               primary))  # fmt: skip
    for currency, group in outside.groupby("currency", sort=True):
        kept = float(group["money_in"].sum() - group["money_out"].sum())
        if kept > 0:
            edges.append(_edge(currency, OUTSIDE_HUB, OUTSIDE_KEPT, kept, "outside_kept", OUTSIDE_KEPT))
        elif kept < 0:
            edges.append(_edge(currency, OUTSIDE_DRAWN, OUTSIDE_HUB, -kept, "outside_drawn", OUTSIDE_DRAWN))
    return pd.DataFrame(edges, columns=["currency", "source", "target", "amount", "kind", "category"])


def _edge(currency: object, source: str, target: str, amount: float, kind: str, category: str) -> dict[str, object]:
    return {"currency": currency, "source": source, "target": target, "amount": amount, "kind": kind,
            "category": category}  # fmt: skip
