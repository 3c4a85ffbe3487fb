"""Saved queries (named, in the database, like saved views) and the links that share a query.

A link is the SQL page's address with the query in `sql`, the chart in `chart`, `x`, `y` and
`color`, and the sidebar filters that define `filtered_transactions`: opening it shows the same
query, result and chart. A saved query keeps the SQL and the chart's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

import duckdb

from core.analytics.filters import Filters
from core.errors import FinboardError
from core.store import Store
from core.workbench.chart import CHART_KEYS, ChartSpec

MAX_NAME = 60
MAX_SQL = 20_000  # characters: what a link carries comfortably, and more than any query typed by hand
SQL_KEY = "sql"
LINK_KEYS = (SQL_KEY, *CHART_KEYS)


@dataclass(frozen=True)
class SavedQuery:
    name: str
    sql: str
    chart: str  # the chart's URL parameters, '' for none

    def params(self) -> dict[str, list[str]]:
        """The SQL page's parameters for this query (without filters)."""
        return {SQL_KEY: [self.sql], **parse_qs(self.chart)}


def saved_queries(con: duckdb.DuckDBPyConnection) -> list[SavedQuery]:
    rows = con.execute("SELECT name, sql, chart FROM saved_queries ORDER BY lower(name)").fetchall()
    return [SavedQuery(str(name), str(sql), str(chart)) for name, sql, chart in rows]


def save_query(store: Store, name: str, sql: str, chart: ChartSpec | None) -> SavedQuery:
    """Save (or overwrite) the query `name`."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise FinboardError(f"A saved query needs a name of 1 to {MAX_NAME} characters.")
    check_sql(sql)
    query = SavedQuery(name, sql.strip(), urlencode(chart.to_query(), doseq=True) if chart else "")
    with store.transaction() as con:
        con.execute(
            "INSERT OR REPLACE INTO saved_queries (name, sql, chart, saved_at) VALUES (?, ?, ?, current_timestamp)",
            [query.name, query.sql, query.chart],
        )
    return query


def delete_query(store: Store, name: str) -> None:
    with store.transaction() as con:
        con.execute("DELETE FROM saved_queries WHERE name = ?", [name])


def check_sql(sql: str) -> None:
    if not sql.strip():
        raise FinboardError("There is no query to save: write one first.")
    if len(sql) > MAX_SQL:
        raise FinboardError(f"The query is {len(sql):,} characters long; at most {MAX_SQL:,} can be saved or shared.")


def link_query(sql: str, chart: ChartSpec | None, filters: Filters) -> str:
    """The SQL page's query string for this query, chart and filters."""
    params: dict[str, list[str]] = {**filters.to_query(), SQL_KEY: [sql.strip()]}
    if chart is not None:
        params.update(chart.to_query())
    return urlencode(params, doseq=True)
