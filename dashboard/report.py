"""The report bundle: every chart for the current filters as HTML and PNG, the data behind each
as CSV, the filtered transactions, and a manifest of the filters. Shared by the dashboard's
"Report bundle" button and `finboard export bundle`, so it does not import Streamlit."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import duckdb

from core import export
from core.analytics import balances, cash_flow, categories, forecast, ledger, streams
from core.analytics.filters import Filters
from core.analytics.intervals import Interval
from core.export import ReportChart
from core.store import Store
from dashboard import charts


def report_charts(
    con: duckdb.DuckDBPyConnection, filters: Filters, today: date, interval: Interval
) -> list[ReportChart]:
    """Every chart of the analytics pages for `filters` (which must name a currency)."""
    currency = filters.currency or ""
    flow, flow_interval = cash_flow.cash_flow(con, filters, today, interval)
    edges = cash_flow.money_flows(con, filters, today)
    spending = categories.category_spending(con, filters, today)
    over_time, over_time_interval = categories.categories_over_time(con, filters, today, interval)
    merchants = categories.top_merchants(con, filters, today)
    accounts = balances.accounts(con, filters)
    worth, _ = balances.net_worth_history(con, filters, today, "day")
    history, _ = balances.account_history(con, filters, today, "day")
    utilization = balances.credit_utilization(con, filters)
    coming = streams.calendar(streams.streams(con, today, filters), today)
    projected = forecast.forecast(con, today, filters, forecast.DEFAULT_DAYS)
    total = projected[projected["account_id"].isna() & (projected["currency"] == currency)]
    return [
        ReportChart("cash-flow", "Income and spending", charts.cash_flow(flow, currency, flow_interval), flow),
        ReportChart("cumulative-net", "Cumulative net", charts.cumulative_net(flow, currency, flow_interval), flow),
        ReportChart("money-flows", "Where the money went", charts.money_flows(edges, currency), edges),
        ReportChart("categories", "Spending by category", charts.category_treemap(spending, currency), spending),
        ReportChart(
            "categories-over-time",
            "Spending by category over time",
            charts.categories_over_time(over_time, currency, over_time_interval),
            over_time,
        ),
        ReportChart("merchants", "Top merchants", charts.top_merchants(merchants, currency), merchants),
        ReportChart("accounts", "Assets and liabilities", charts.assets_and_liabilities(accounts, currency), accounts),
        ReportChart("net-worth", "Net worth", charts.net_worth(worth, currency), worth),
        ReportChart("balance-history", "Balance per account", charts.account_history(history, currency), history),
        ReportChart("credit-utilization", "Credit utilization", charts.credit_utilization(utilization), utilization),
        ReportChart("recurring", "Recurring: the next 30 days", charts.recurring_calendar(coming, currency), coming),
        ReportChart("forecast", f"Cash forecast: all {currency} accounts", charts.forecast(total, currency), projected),
    ]


def write_report(
    store: Store, filters: Filters, today: date, out: Path, *, interval: Interval = "month", images: bool = True
) -> list[str]:
    """Write the bundle zip to `out`; returns the files it holds."""
    with ledger.reading(store) as con:
        items = report_charts(con, filters, today, interval)
    with tempfile.TemporaryDirectory(prefix=".finboard-report-", dir=export.staging_dir(store)) as tmp:
        transactions = Path(tmp) / "transactions.csv"
        count = export.export_transactions(store, "csv", transactions, filters, today)
        manifest: dict[str, object] = {
            "title": "Finboard report",
            "filters": filters.describe(today),
            "interval": interval,
            "transactions": count,
            "data_version": store.data_version(),
        }
        return export.write_bundle(out, items, transactions, manifest, images=images)


def report_bytes(store: Store, filters: Filters, today: date, interval: Interval, *, images: bool = True) -> bytes:
    """The bundle as bytes, for a download button."""
    with tempfile.TemporaryDirectory(prefix=".finboard-report-", dir=export.staging_dir(store)) as tmp:
        out = Path(tmp) / "report.zip"
        write_report(store, filters, today, out, interval=interval, images=images)
        return out.read_bytes()
