"""Every chart and data set Finboard shows or exports, each declared once: its name (the CLI's WHAT and the
file stem), its title, the function that reads its rows, the figure drawn from them and the pages that show
it. The dashboard's pages, the report bundle and `finboard export` are loops over CHARTS; a data set with no
figure (the period summary, the recurring streams) is exported as data only.

Rows come back in the filters' currency only (every currency when none is chosen): currencies are never
added, so a chart shows one, and the pages do not filter again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from core.analytics import balances, cash_flow, categories, forecast, streams
from core.analytics.filters import Filters
from core.analytics.intervals import Interval
from core.charts import figures

Rows = tuple[pd.DataFrame, Interval]  # the rows and the interval they are grouped by (coarser than asked when
# the asked one would need more than 5,000 points)
Read = Callable[[duckdb.DuckDBPyConnection, Filters, date, Interval], Rows]
Draw = Callable[..., go.Figure]  # (frame, currency, interval, **page options such as height) -> figure

TABLE_FORMATS = ("csv", "parquet", "xlsx")
FIGURE_FORMATS = ("png", "svg", "pdf", "html")


@dataclass(frozen=True)
class Chart:
    """One chart (or data set, without `draw`), declared once."""

    name: str  # CLI name and file stem
    title: str  # on the page, in the bundle and in every exported file
    read: Read
    draw: Draw | None = None  # None: a data set, exported as data only
    pages: tuple[str, ...] = ()  # the dashboard pages that show it (their titles)
    period: bool = True  # False: it is about today (balances now, what is coming), whatever the period filter

    @property
    def formats(self) -> tuple[str, ...]:
        """What it exports as: its figure as an image or HTML page (when it has one), its rows as a table."""
        return (*FIGURE_FORMATS, *TABLE_FORMATS) if self.draw else TABLE_FORMATS

    def rows(self, con: duckdb.DuckDBPyConnection, filters: Filters, today: date, interval: Interval) -> Rows:
        frame, used = self.read(con, filters, today, interval)
        return in_currency(frame, filters.currency), used

    def figure(self, frame: pd.DataFrame, currency: str, interval: Interval, **options: Any) -> go.Figure:
        if self.draw is None:
            raise ValueError(f"{self.name} is a data set: it has no figure")
        return self.draw(frame, currency, interval, **options)


def in_currency(frame: pd.DataFrame, currency: str | None) -> pd.DataFrame:
    """The rows in `currency` (all of them when it is None or the rows have no currency)."""
    if currency is None or "currency" not in frame.columns:
        return frame
    return frame[frame["currency"] == currency].reset_index(drop=True)


def on_page(page: str) -> list[Chart]:
    """The charts a page shows, in registry order."""
    return [c for c in CHARTS.values() if page in c.pages]


def same_rows(name: str) -> str:
    """The first chart reading its rows with the same function as `name`, so one read serves both
    (Income and spending and Cumulative net are two views of the same rows)."""
    read = CHARTS[name].read
    return next(c.name for c in CHARTS.values() if c.read is read)


# -- how each chart reads its rows -----------------------------------------------------------------


def _cash_flow(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return cash_flow.cash_flow(con, f, today, i)


def _summary(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return cash_flow.period_summary(con, f, today), i


def _money_flows(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return cash_flow.money_flows(con, f, today), i


def _main_categories(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return categories.primary_spending(con, f, today), i


def _categories(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return categories.category_spending(con, f, today), i


def _categories_over_time(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return categories.categories_over_time(con, f, today, i)


def _merchants(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return categories.top_merchants(con, f, today), i


def _accounts(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return balances.accounts(con, f), i


def _net_worth(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return balances.net_worth_history(con, f, today, i)


def _balance_history(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return balances.account_history(con, f, today, i)


def _credit_utilization(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return balances.credit_utilization(con, f), i


def _recurring(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return streams.export_frame(con, today, f), i


def _recurring_calendar(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return streams.calendar(streams.streams(con, today, f), today), i


def _forecast(con: duckdb.DuckDBPyConnection, f: Filters, today: date, i: Interval) -> Rows:
    return forecast.forecast(con, today, f, forecast.DEFAULT_DAYS), i


# -- the registry -----------------------------------------------------------------------------------

OVERVIEW, CASH_FLOW, CATEGORIES, BALANCES, RECURRING, FORECAST = (
    "Overview", "Cash flow", "Categories", "Balances", "Recurring", "Forecast")  # fmt: skip

CHARTS: dict[str, Chart] = {
    c.name: c
    for c in (
        Chart("summary", "Income, spending, net and outside transfers per currency, with the previous period",
              _summary),
        Chart("cash-flow", "Income and spending", _cash_flow,
              lambda f, c, i, **o: figures.cash_flow(f, c, i, **o), (OVERVIEW, CASH_FLOW)),
        Chart("cumulative-net", "Cumulative net", _cash_flow,
              lambda f, c, i, **o: figures.cumulative_net(f, c, i, **o), (CASH_FLOW,)),
        Chart("money-flows", "Where the money went", _money_flows,
              lambda f, c, i, **o: figures.money_flows(f, c, **o), (CASH_FLOW,)),
        Chart("main-categories", "Spending by main category", _main_categories,
              lambda f, c, i, **o: figures.spending_by_category(f, c, **o), (OVERVIEW,)),
        Chart("categories", "Spending by category", _categories,
              lambda f, c, i, **o: figures.category_treemap(f, c, **o), (CATEGORIES,)),
        Chart("merchants", "Top merchants", _merchants,
              lambda f, c, i, **o: figures.top_merchants(f, c, **o), (CATEGORIES,)),
        Chart("categories-over-time", "Spending by category over time", _categories_over_time,
              lambda f, c, i, **o: figures.categories_over_time(f, c, i, **o), (CATEGORIES,)),
        Chart("accounts", "Assets and debts", _accounts,
              lambda f, c, i, **o: figures.assets_and_liabilities(f, c, **o), (BALANCES,), period=False),
        Chart("credit-utilization", "Credit utilization", _credit_utilization,
              lambda f, c, i, **o: figures.credit_utilization(f, **o), (BALANCES,), period=False),
        Chart("net-worth", "Net worth over time", _net_worth,
              lambda f, c, i, **o: figures.net_worth(f, c, **o), (OVERVIEW, BALANCES)),
        Chart("balance-history", "Balance per account", _balance_history,
              lambda f, c, i, **o: figures.account_history(f, c, **o), (BALANCES,)),
        Chart("recurring", "Recurring streams, one row each", _recurring, period=False),
        Chart("recurring-calendar", "Recurring: the next 30 days", _recurring_calendar,
              lambda f, c, i, **o: figures.recurring_calendar(f, c, **o), (RECURRING,), period=False),
        Chart("forecast", "Cash forecast", _forecast,
              lambda f, c, i, **o: figures.forecast(f, c, **o), (FORECAST,), period=False),
    )
}  # fmt: skip
