"""The data behind every chart, by name: what `finboard export NAME`, the report bundle and the
dashboard's download buttons write. Money columns follow each function's docstring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from core.analytics import balances, cash_flow, categories, forecast, streams
from core.analytics.filters import Filters
from core.analytics.intervals import Interval

Build = Callable[[duckdb.DuckDBPyConnection, Filters, date, Interval], pd.DataFrame]


@dataclass(frozen=True)
class Dataset:
    name: str  # file stem and CLI name
    title: str
    build: Build


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("cash-flow", "Income, spending and net per period",
                lambda con, f, today, i: cash_flow.cash_flow(con, f, today, i)[0]),
        Dataset("summary", "Income, spending, net and outside transfers per currency, with the previous period",
                lambda con, f, today, i: cash_flow.period_summary(con, f, today)),
        Dataset("money-flows", "Income sources to spending categories and savings",
                lambda con, f, today, i: cash_flow.money_flows(con, f, today)),
        Dataset("categories", "Spending per category",
                lambda con, f, today, i: categories.category_spending(con, f, today)),
        Dataset("categories-over-time", "Spending per category per period",
                lambda con, f, today, i: categories.categories_over_time(con, f, today, i)[0]),
        Dataset("merchants", "Top merchants by spending",
                lambda con, f, today, i: categories.top_merchants(con, f, today)),
        Dataset("accounts", "Current balance per account",
                lambda con, f, today, i: balances.accounts(con, f)),
        Dataset("net-worth", "Net worth over time",
                lambda con, f, today, i: balances.net_worth_history(con, f, today, i)[0]),
        Dataset("balance-history", "Balance per account over time",
                lambda con, f, today, i: balances.account_history(con, f, today, i)[0]),
        Dataset("credit-utilization", "Credit card utilization",
                lambda con, f, today, i: balances.credit_utilization(con, f)),
        Dataset("recurring", "Recurring streams, one row each",
                lambda con, f, today, i: streams.export_frame(con, today, f)),
        Dataset("forecast", "Projected balance per account and day",
                lambda con, f, today, i: forecast.forecast(con, today, f, forecast.DEFAULT_DAYS)),
    )
}  # fmt: skip
