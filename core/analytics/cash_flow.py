"""Cash flow: income and spending per period with the net and its running total, and the money
flows from income sources to spending categories and savings (the Sankey).

Definitions (Plaid's sign flipped, so money in is positive):
- income = money in categorized INCOME (a reversed paycheck lowers it);
- spending = money out in every other category, net of refunds;
- net = income - spending = all money in minus all money out; savings rate = net / income.
Transfers between own accounts and credit-card payments are left out unless the filters
include them (see core/analytics/ledger.py). Amounts of different currencies are never added:
every row carries its currency.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from core.analytics.categories import INCOME, label
from core.analytics.filters import Filters, Window, ledger_where
from core.analytics.intervals import Interval, fit_interval
from core.analytics.ledger import bounded

INCOME_HUB = "Income"
SAVED = "Saved"
DRAWN = "Drawn from savings"

_INTERVAL_STEP = {"day": "1 day", "week": "7 days", "month": "1 month", "quarter": "3 months", "year": "1 year"}


def cash_flow(
    con: duckdb.DuckDBPyConnection, filters: Filters, today: date, interval: Interval
) -> tuple[pd.DataFrame, Interval]:
    """Per period and currency: income, spending, net, cumulative_net; periods with no money show 0.

    Returns the frame and the interval used (coarser than asked if the chart would exceed MAX_POINTS).
    """
    window = bounded(con, filters.window(today))
    if window.start is None or window.end is None:
        return pd.DataFrame(columns=["period", "currency", "income", "spending", "net", "cumulative_net"]), interval
    interval = fit_interval(window, interval, series=3)
    where = ledger_where(filters, window)
    frame = con.execute(
        f"""
        WITH totals AS (
            SELECT date_trunc($interval, l.date)::DATE AS period, l.currency,
                   sum(CASE WHEN l.category_primary = '{INCOME}' THEN -l.amount ELSE 0 END) AS income,
                   sum(CASE WHEN l.category_primary <> '{INCOME}' THEN l.amount ELSE 0 END) AS spending
            FROM {where.table} l WHERE {where.sql}
            GROUP BY ALL),
        spine AS (
            SELECT unnest(generate_series(date_trunc($interval, $first::DATE), $last::DATE, $step::INTERVAL))::DATE
                   AS period),
        grid AS (SELECT s.period, c.currency FROM spine s CROSS JOIN (SELECT DISTINCT currency FROM totals) c)
        SELECT g.period, g.currency,
               coalesce(t.income, 0)::DECIMAL(38,2) AS income, coalesce(t.spending, 0)::DECIMAL(38,2) AS spending,
               (coalesce(t.income, 0) - coalesce(t.spending, 0))::DECIMAL(38,2) AS net,
               sum(coalesce(t.income, 0) - coalesce(t.spending, 0))
                   OVER (PARTITION BY g.currency ORDER BY g.period)::DECIMAL(38,2) AS cumulative_net
        FROM grid g LEFT JOIN totals t USING (period, currency)
        ORDER BY g.currency, g.period
        """,
        where.bind(interval=interval, first=window.start, last=window.end, step=_INTERVAL_STEP[interval]),
    ).df()
    return frame, interval


def totals(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> pd.DataFrame:
    """Per currency over the filters' window: income, spending, net, savings_rate, and the same over
    the previous window as previous_income, previous_spending, previous_net, previous_savings_rate
    (NULL when there is no previous window or nothing happened in it, so no change is claimed)."""
    window = filters.window(today)
    previous = filters.previous_window(today)
    span = window if previous is None else Window(previous.start, window.end)
    where = ledger_where(filters, span)
    now = "true" if previous is None else "l.date >= $current_start"
    before = "false" if previous is None else "l.date < $current_start"
    params = where.params if previous is None else where.bind(current_start=window.start)
    return con.execute(
        f"""
        WITH sums AS (
            SELECT l.currency,
                   coalesce(sum(-l.amount) FILTER (WHERE {now} AND l.category_primary = '{INCOME}'), 0) AS income,
                   coalesce(sum(l.amount) FILTER (WHERE {now} AND l.category_primary <> '{INCOME}'), 0) AS spending,
                   coalesce(sum(-l.amount) FILTER (WHERE {before} AND l.category_primary = '{INCOME}'), 0) AS p_income,
                   coalesce(sum(l.amount) FILTER (WHERE {before} AND l.category_primary <> '{INCOME}'), 0)
                       AS p_spending,
                   {where.count} FILTER (WHERE {before}) AS p_count
            FROM {where.table} l WHERE {where.sql}
            GROUP BY ALL)
        SELECT currency,
               income::DECIMAL(38,2) AS income, spending::DECIMAL(38,2) AS spending,
               (income - spending)::DECIMAL(38,2) AS net,
               CASE WHEN income > 0 THEN (income - spending) / income END AS savings_rate,
               CASE WHEN p_count > 0 THEN p_income::DECIMAL(38,2) END AS previous_income,
               CASE WHEN p_count > 0 THEN p_spending::DECIMAL(38,2) END AS previous_spending,
               CASE WHEN p_count > 0 THEN (p_income - p_spending)::DECIMAL(38,2) END AS previous_net,
               CASE WHEN p_count > 0 AND p_income > 0 THEN (p_income - p_spending) / p_income END
                   AS previous_savings_rate
        FROM sums ORDER BY currency
        """,
        params,
    ).df()


def money_flows(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> pd.DataFrame:
    """Edges of the Sankey per currency: source, target, amount (> 0), kind, category (PFC code, for colors).

    Income sources (detailed INCOME categories) flow into the income hub, which flows out to
    spending categories (primary) and to Saved. A spending category with more refunds than
    purchases feeds the hub instead; when spending exceeds money in, "Drawn from savings" feeds
    it. Money into the hub equals money out of it; Saved (or Drawn) is the period's net.
    """
    where = ledger_where(filters, filters.window(today))
    buckets = con.execute(
        f"""
        WITH rows AS (
            SELECT l.currency, l.category_primary = '{INCOME}' AS is_income, l.category_primary,
                   CASE WHEN l.category_primary = '{INCOME}' THEN coalesce(l.category_detailed, l.category_primary)
                        ELSE l.category_primary END AS category_detailed,
                   l.amount
            FROM {where.table} l WHERE {where.sql}),
        buckets AS (
            SELECT currency, is_income, category_primary, category_detailed, -sum(amount) AS money_in
            FROM rows GROUP BY ALL HAVING sum(amount) <> 0)
        SELECT *, sum(money_in) OVER (PARTITION BY currency) AS net
        FROM buckets ORDER BY currency, money_in DESC, category_detailed
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
    return pd.DataFrame(edges, columns=["currency", "source", "target", "amount", "kind", "category"])


def _edge(currency: object, source: str, target: str, amount: float, kind: str, category: str) -> dict[str, object]:
    return {"currency": currency, "source": source, "target": target, "amount": amount, "kind": kind,
            "category": category}  # fmt: skip
