"""Spending by category: the hierarchy (primary -> detailed), categories over time, top merchants.

Spending is money out net of refunds: the sum of Plaid-signed amounts of every row whose flow is
spending (core/analytics/money_rules.py); with the filters' "include transfers", transfers (between
your accounts and to or from outside) are listed too, as categories of their own. A category whose
refunds exceed its purchases has negative spending; charts that need sizes leave it out and say so.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from core.analytics.filters import Filters, ledger_where
from core.analytics.intervals import Interval, first_label, fit_interval
from core.analytics.ledger import UNCATEGORIZED, bounded

INCOME = "INCOME"
OTHER_CATEGORIES = "OTHER_CATEGORIES"  # the bucket for categories beyond the top N in stacked charts
TOP_CATEGORIES = 8
NOT_INCOME = "l.flow <> 'income'"  # spending, and transfers when the filters list them
_ACRONYMS = {"ATM", "TV", "EWA", "BNPL", "ACH"}


def label(category: str | None, primary: str | None = None) -> str:
    """A readable name for a PFC code: FOOD_AND_DRINK_COFFEE under FOOD_AND_DRINK -> "Coffee"."""
    if not category or category == UNCATEGORIZED:
        return "Uncategorized"
    if category == OTHER_CATEGORIES:
        return "Other categories"
    text = category
    if primary and category.startswith(primary + "_"):
        text = category[len(primary) + 1 :]
    words = [w if w in _ACRONYMS else w.lower() for w in text.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def full_label(primary: str | None, detailed: object = None) -> str:
    """ "Food and drink › Coffee", or the primary's name alone when there is no detailed category."""
    if isinstance(detailed, str) and detailed and detailed != primary:
        return f"{label(primary)} › {label(detailed, primary)}"
    return label(primary)


def category_spending(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> pd.DataFrame:
    """Spending per detailed category: currency, category_primary, category_detailed, spending, transactions."""
    where = ledger_where(filters, filters.window(today)).and_(NOT_INCOME)
    return con.execute(
        f"""
        SELECT l.currency, l.category_primary,
               coalesce(l.category_detailed, l.category_primary) AS category_detailed,
               sum(l.amount) AS spending, {where.count} AS transactions
        FROM {where.table} l WHERE {where.sql}
        GROUP BY ALL ORDER BY l.currency, spending DESC, category_detailed
        """,
        where.params,
    ).df()


def categories_over_time(
    con: duckdb.DuckDBPyConnection, filters: Filters, today: date, interval: Interval, top: int = TOP_CATEGORIES
) -> tuple[pd.DataFrame, Interval]:
    """Spending per period of the `top` primary categories, the rest summed as OTHER_CATEGORIES.

    Returns (currency, period, category_primary, spending) and the interval used: coarser than
    asked when the finer one would put more points on the chart than MAX_POINTS. A period is labelled
    by the first day of it the window covers.
    """
    asked = filters.window(today)
    window = bounded(con, asked)
    if window.start is None or window.end is None:
        return pd.DataFrame(columns=["currency", "period", "category_primary", "spending"]), interval
    interval = fit_interval(window, interval, series=top + 1)
    where = ledger_where(filters, window).and_(NOT_INCOME)
    frame = con.execute(
        f"""
        WITH rows AS (
            SELECT l.currency, greatest(date_trunc($interval, l.date), $first::DATE)::DATE AS period,
                   l.category_primary, l.amount
            FROM {where.table} l WHERE {where.sql}),
        ranked AS (
            SELECT currency, category_primary,
                   row_number() OVER (PARTITION BY currency ORDER BY sum(amount) DESC, category_primary) AS rank
            FROM rows GROUP BY currency, category_primary)
        SELECT r.currency, r.period,
               CASE WHEN k.rank <= $top THEN r.category_primary ELSE '{OTHER_CATEGORIES}' END AS category_primary,
               sum(r.amount) AS spending
        FROM rows r JOIN ranked k USING (currency, category_primary)
        GROUP BY ALL ORDER BY r.currency, r.period, spending DESC
        """,
        where.bind(interval=interval, top=top, first=first_label(asked, window, interval)),
    ).df()
    return frame, interval


def top_merchants(con: duckdb.DuckDBPyConnection, filters: Filters, today: date, limit: int = 15) -> pd.DataFrame:
    """Merchants with the most spending: currency, merchant, category_primary (their most frequent),
    spending, transactions."""
    where = ledger_where(filters, filters.window(today), merchants=True).and_(NOT_INCOME)
    return con.execute(
        f"""
        WITH by_category AS (
            SELECT l.currency, l.merchant, l.category_primary, sum(l.amount) AS spending, {where.count} AS n
            FROM {where.table} l WHERE {where.sql} GROUP BY ALL)
        SELECT currency, merchant, arg_max(category_primary, n) AS category_primary, sum(spending) AS spending,
               sum(n) AS transactions
        FROM by_category GROUP BY ALL HAVING sum(spending) > 0
        ORDER BY spending DESC, merchant LIMIT $limit
        """,
        where.bind(limit=limit),
    ).df()


def category_choices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every (category_primary, category_detailed) pair in the data, rules and user edits, for pickers."""
    return con.execute(
        """
        SELECT DISTINCT category_primary, category_detailed FROM (
            SELECT category_primary, category_detailed FROM plaid_transactions WHERE category_primary IS NOT NULL
            UNION SELECT category_primary, category_detailed FROM category_rules
            UNION SELECT category_primary, category_detailed FROM transaction_annotations
                  WHERE category_primary IS NOT NULL)
        ORDER BY category_primary, category_detailed NULLS FIRST
        """
    ).df()


def primary_spending(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> pd.DataFrame:
    """Spending per primary category: currency, category_primary, spending, transactions (largest first)."""
    where = ledger_where(filters, filters.window(today)).and_(NOT_INCOME)
    return con.execute(
        f"""
        SELECT l.currency, l.category_primary, sum(l.amount) AS spending, {where.count} AS transactions
        FROM {where.table} l WHERE {where.sql}
        GROUP BY ALL ORDER BY l.currency, spending DESC, l.category_primary
        """,
        where.params,
    ).df()
