"""Cached data for the pages: one cached call per page view, one DuckDB connection per call.

Every cached function takes the database path and its data version (dashboard.context), so a
committed sync or edit refreshes the caches, plus `today`, so a relative period such as "last 30
days" moves at midnight. Filters are frozen dataclasses and hash by value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from core.analytics import (
    balances,
    cash_flow,
    categories,
    categorize,
    forecast,
    ledger,
    overview,
    streams,
    transactions,
    transfers,
)
from core.analytics.balance_checks import BalanceChecks, check_balances
from core.analytics.choices import FilterChoices, filter_choices
from core.analytics.filters import Filters
from core.analytics.intervals import Interval, auto_interval
from core.analytics.saved_views import SavedView, saved_views
from core.charts.registry import CHARTS, Rows, in_currency, same_rows
from core.store import Store
from dashboard.context import workspace

T = TypeVar("T")


@dataclass(frozen=True)
class Source:
    """Which database, at which data version: the part of every cache key that a sync changes."""

    db: str
    version: int


def source() -> Source:
    """The current database and data version; after a change, first brings the analytics up to date
    (visibly: with a million transactions that takes a few seconds)."""
    store = workspace().store
    src = Source(str(store.path), store.data_version())
    if st.session_state.get("_fb_ledger_checked") != src:
        with st.spinner("Updating the analytics with the latest data…"):
            ledger.refresh(store)
        st.session_state["_fb_ledger_checked"] = src
    return src


def _store(src: Source) -> Store:
    store = workspace().store
    assert str(store.path) == src.db, "the workspace changed database during a run"
    return store


@st.cache_data(show_spinner=False, max_entries=16)
def choices(src: Source) -> FilterChoices:
    return _read(src, filter_choices)


@st.cache_data(show_spinner=False, max_entries=16)
def views(src: Source) -> list[SavedView]:
    return _read(src, saved_views)


def _read(src: Source, load: Callable[..., T], *args: Any) -> T:
    """Run one page's loader on one connection over an up-to-date analytics ledger."""
    with ledger.reading(_store(src)) as con:
        return load(con, *args)


@dataclass(frozen=True)
class OverviewData:
    summary: pd.DataFrame  # in the filters' currency
    attention: pd.DataFrame
    interval: Interval  # a readable one for the period's trends


def load_overview(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> OverviewData:
    window = ledger.bounded(con, filters.window(today))
    return OverviewData(
        summary=in_currency(overview.summary(con, filters, today), filters.currency),
        attention=overview.items_needing_attention(con, today),
        interval=auto_interval(window) if window.start else "month",
    )


@st.cache_data(show_spinner=False, max_entries=32)
def overview_data(src: Source, filters: Filters, today: date) -> OverviewData:
    return _read(src, load_overview, filters, today)


ChartKey = tuple[str, Interval]  # a chart's rows: the chart that reads them (registry.same_rows) and the interval


def chart_rows(src: Source, name: str, filters: Filters, today: date, interval: Interval) -> Rows:
    """The rows of the registry's chart `name` (core.charts.registry), in the filters' currency, and the
    interval they are grouped by. Charts drawn from the same rows share one read."""
    return _rows(src, same_rows(name), filters, today, interval)


@st.cache_data(show_spinner=False, max_entries=64)
def _rows(src: Source, name: str, filters: Filters, today: date, interval: Interval) -> Rows:
    return _read(src, CHARTS[name].rows, filters, today, interval)


@st.cache_data(show_spinner=False, max_entries=32)
def charts_rows(src: Source, charts: tuple[ChartKey, ...], filters: Filters, today: date) -> dict[ChartKey, Rows]:
    """The rows of several registry charts (a page's) on one connection, each distinct read once: opening the
    database costs about 25 ms, which a page of four charts would otherwise pay four times."""

    def load(con: duckdb.DuckDBPyConnection) -> dict[ChartKey, Rows]:
        out: dict[ChartKey, Rows] = {}
        for name, interval in charts:
            key = (same_rows(name), interval)
            if key not in out:
                out[key] = CHARTS[key[0]].rows(con, filters, today, interval)
        return out

    return _read(src, load)


@st.cache_data(show_spinner=False, max_entries=32)
def cash_flow_totals(src: Source, filters: Filters, today: date) -> pd.DataFrame:
    """The period's totals against the previous period, in the filters' currency."""
    return in_currency(_read(src, cash_flow.totals, filters, today), filters.currency)


@dataclass(frozen=True)
class BalancesData:
    net_worth: pd.DataFrame  # now, in the filters' currency
    other_accounts: pd.DataFrame  # the accounts in other currencies, so the page can say which it leaves out


def load_balances(con: duckdb.DuckDBPyConnection, filters: Filters) -> BalancesData:
    every = balances.accounts(con, replace(filters, currency=None))
    return BalancesData(
        in_currency(balances.net_worth(con, filters), filters.currency),
        every[every["currency"] != filters.currency].reset_index(drop=True),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def balances_data(src: Source, filters: Filters) -> BalancesData:
    return _read(src, load_balances, filters)


@st.cache_data(show_spinner=False, max_entries=16)
def balance_checks_data(src: Source, accounts: tuple[str, ...]) -> BalanceChecks:
    """The balance checks over `accounts` (all when empty), whatever the other filters."""
    return _read(src, check_balances, accounts)


@st.cache_data(show_spinner=False, max_entries=64)
def transactions_data(
    src: Source, filters: Filters, today: date, search: str, sort: transactions.SortKey, descending: bool, page: int
) -> transactions.TransactionPage:
    return _read(
        src,
        lambda con: transactions.transactions_page(
            con, filters, today, search=search, sort=sort, descending=descending, page=page
        ),
    )


@dataclass(frozen=True)
class CategorizeData:
    rules: pd.DataFrame
    categories: pd.DataFrame  # (category_primary, category_detailed) pairs for pickers


@st.cache_data(show_spinner=False, max_entries=8)
def categorize_data(src: Source) -> CategorizeData:
    return _read(src, lambda con: CategorizeData(categorize.rules(con), categories.category_choices(con)))


def transaction(src: Source, transaction_id: str) -> pd.DataFrame:
    """One transaction, uncached: it is read right before it is edited."""
    return _read(src, transactions.transaction, transaction_id)


@dataclass(frozen=True)
class RecurringData:
    streams: pd.DataFrame  # visible streams the filters cover (core.analytics.streams.COLUMNS)
    hidden: pd.DataFrame  # those marked not recurring
    alerts: pd.DataFrame


def load_recurring(con: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> RecurringData:
    every = streams.streams(con, today, filters, hidden=True)
    visible = every[~every["not_recurring"]].reset_index(drop=True)
    return RecurringData(
        visible,
        every[every["not_recurring"]].reset_index(drop=True),
        streams.alerts(visible, today),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def recurring_data(src: Source, filters: Filters, today: date) -> RecurringData:
    return _read(src, load_recurring, filters, today)


@st.cache_data(show_spinner=False, max_entries=32)
def stream_transactions(src: Source, stream_id: str) -> pd.DataFrame:
    return _read(src, streams.stream_transactions, stream_id)


@dataclass(frozen=True)
class ForecastData:
    forecast: pd.DataFrame  # every depository account and the currency total, day by day, in the filters' currency
    lowest: pd.DataFrame
    accounts: pd.DataFrame  # the depository accounts with their thresholds


def load_forecast(con: duckdb.DuckDBPyConnection, filters: Filters, today: date, days: int) -> ForecastData:
    frame = in_currency(forecast.forecast(con, today, filters, days), filters.currency)
    return ForecastData(frame, forecast.lowest(frame), in_currency(forecast.accounts(con, filters), filters.currency))


@st.cache_data(show_spinner=False, max_entries=32)
def forecast_data(src: Source, filters: Filters, today: date, days: int) -> ForecastData:
    return _read(src, load_forecast, filters, today, days)


@dataclass(frozen=True)
class OverviewAlerts:
    streams: pd.DataFrame  # core.analytics.streams.alerts, every currency
    low_balances: pd.DataFrame  # core.analytics.forecast.warnings


def load_overview_alerts(con: duckdb.DuckDBPyConnection, today: date) -> OverviewAlerts:
    return OverviewAlerts(streams.alerts(streams.streams(con, today), today), forecast.warnings(con, today))


@st.cache_data(show_spinner=False, max_entries=16)
def overview_alerts(src: Source, today: date) -> OverviewAlerts:
    return _read(src, load_overview_alerts, today)


@dataclass(frozen=True)
class TransferReview:
    pairs: pd.DataFrame  # transfers.review_pairs
    decision: str | None  # the person's decision about the selected transaction
    candidates: pd.DataFrame  # rows the selected transaction could be linked with


def transfer_review(src: Source, filters: Filters, today: date, selected: str | None) -> TransferReview:
    """The pairs to review and, for the selected transaction, its decision and link candidates; uncached,
    since the person acts on them."""

    def load(con: duckdb.DuckDBPyConnection) -> TransferReview:
        pairs = transfers.review_pairs(con, filters, today)
        if selected is None:
            return TransferReview(pairs, None, pd.DataFrame())
        return TransferReview(pairs, transfers.decision(con, selected), transfers.link_candidates(con, selected))

    return _read(src, load)
