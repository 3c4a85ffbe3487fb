"""Cached data for the pages: one cached call per page view, one DuckDB connection per call.

Every cached function takes the database path and its data version (dashboard.context), so a
committed sync or edit refreshes the caches, plus `today`, so a relative period such as "last 30
days" moves at midnight. Filters are frozen dataclasses and hash by value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import streamlit as st

from core.analytics import balances, cash_flow, categories, categorize, ledger, overview, transactions
from core.analytics.choices import FilterChoices, filter_choices
from core.analytics.filters import Filters
from core.analytics.intervals import Interval, auto_interval
from core.analytics.saved_views import SavedView, saved_views
from core.store import Store
from dashboard.context import workspace


@dataclass(frozen=True)
class Source:
    """Which database, at which data version: the part of every cache key that a sync changes."""

    db: str
    version: int


def source() -> Source:
    store = workspace().store
    return Source(str(store.path), store.data_version())


def _store(src: Source) -> Store:
    store = workspace().store
    assert str(store.path) == src.db, "the workspace changed database during a run"
    return store


@st.cache_data(show_spinner=False, max_entries=16)
def choices(src: Source) -> FilterChoices:
    with ledger.reading(_store(src)) as con:
        return filter_choices(con)


@st.cache_data(show_spinner=False, max_entries=16)
def views(src: Source) -> list[SavedView]:
    with ledger.reading(_store(src)) as con:
        return saved_views(con)


@dataclass(frozen=True)
class OverviewData:
    summary: pd.DataFrame
    attention: pd.DataFrame
    flow: pd.DataFrame
    flow_interval: Interval
    spending: pd.DataFrame
    worth: pd.DataFrame
    worth_interval: Interval


@st.cache_data(show_spinner=False, max_entries=32)
def overview_data(src: Source, filters: Filters, today: date) -> OverviewData:
    with ledger.reading(_store(src)) as con:
        window = ledger.bounded(con, filters.window(today))
        trend = auto_interval(window) if window.start else "month"
        flow, flow_interval = cash_flow.cash_flow(con, filters, today, trend)
        worth, worth_interval = balances.net_worth_history(con, filters, today, "day")
        return OverviewData(
            summary=overview.summary(con, filters, today),
            attention=overview.items_needing_attention(con, today),
            flow=flow,
            flow_interval=flow_interval,
            spending=categories.primary_spending(con, filters, today),
            worth=worth,
            worth_interval=worth_interval,
        )


@dataclass(frozen=True)
class CashFlowData:
    flow: pd.DataFrame
    interval: Interval
    totals: pd.DataFrame
    edges: pd.DataFrame


@st.cache_data(show_spinner=False, max_entries=32)
def cash_flow_data(src: Source, filters: Filters, today: date, interval: Interval) -> CashFlowData:
    with ledger.reading(_store(src)) as con:
        flow, used = cash_flow.cash_flow(con, filters, today, interval)
        return CashFlowData(
            flow, used, cash_flow.totals(con, filters, today), cash_flow.money_flows(con, filters, today)
        )


@dataclass(frozen=True)
class CategoriesData:
    spending: pd.DataFrame
    over_time: pd.DataFrame
    interval: Interval
    merchants: pd.DataFrame


@st.cache_data(show_spinner=False, max_entries=32)
def categories_data(src: Source, filters: Filters, today: date, interval: Interval) -> CategoriesData:
    with ledger.reading(_store(src)) as con:
        over_time, used = categories.categories_over_time(con, filters, today, interval)
        return CategoriesData(
            categories.category_spending(con, filters, today),
            over_time,
            used,
            categories.top_merchants(con, filters, today),
        )


@dataclass(frozen=True)
class BalancesData:
    accounts: pd.DataFrame  # in every currency, so the page can say which it leaves out
    net_worth: pd.DataFrame
    utilization: pd.DataFrame


@st.cache_data(show_spinner=False, max_entries=32)
def balances_data(src: Source, filters: Filters) -> BalancesData:
    with ledger.reading(_store(src)) as con:
        return BalancesData(
            balances.accounts(con, replace(filters, currency=None)),
            balances.net_worth(con, filters),
            balances.credit_utilization(con, filters),
        )


@dataclass(frozen=True)
class HistoryData:
    worth: pd.DataFrame
    worth_interval: Interval
    accounts: pd.DataFrame
    accounts_interval: Interval


@st.cache_data(show_spinner=False, max_entries=32)
def history_data(src: Source, filters: Filters, today: date, interval: Interval) -> HistoryData:
    with ledger.reading(_store(src)) as con:
        worth, worth_interval = balances.net_worth_history(con, filters, today, interval)
        accounts, accounts_interval = balances.account_history(con, filters, today, interval)
        return HistoryData(worth, worth_interval, accounts, accounts_interval)


@st.cache_data(show_spinner=False, max_entries=64)
def transactions_data(
    src: Source, filters: Filters, today: date, search: str, sort: transactions.SortKey, descending: bool, page: int
) -> transactions.TransactionPage:
    with ledger.reading(_store(src)) as con:
        return transactions.transactions_page(
            con, filters, today, search=search, sort=sort, descending=descending, page=page
        )


@dataclass(frozen=True)
class CategorizeData:
    rules: pd.DataFrame
    categories: pd.DataFrame  # (category_primary, category_detailed) pairs for pickers


@st.cache_data(show_spinner=False, max_entries=8)
def categorize_data(src: Source) -> CategorizeData:
    with ledger.reading(_store(src)) as con:
        return CategorizeData(categorize.rules(con), categories.category_choices(con))


def transaction(src: Source, transaction_id: str) -> pd.DataFrame:
    """One transaction, uncached: it is read right before it is edited."""
    with ledger.reading(_store(src)) as con:
        return transactions.transaction(con, transaction_id)
