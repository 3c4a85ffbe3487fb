"""Saved queries in the database, and the link that shares a query with its chart and filters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs

import pyarrow as pa
import pytest

from core.analytics.filters import Filters, parse_query
from core.errors import FinboardError
from core.store import Store
from core.workbench.chart import ChartSpec, parse_chart
from core.workbench.saved import MAX_SQL, delete_query, link_query, save_query, saved_queries

SQL = "SELECT category_primary, sum(amount) AS spent\nFROM filtered_transactions\nWHERE name <> 'a&b=c'\nGROUP BY ALL"
SPEC = ChartSpec("bar", "category_primary", "spent")
RESULT = pa.table({"category_primary": ["FOOD"], "spent": pa.array([Decimal("1.00")], pa.decimal128(18, 2))})


@pytest.fixture
def store(db_env):
    return Store(db_env)


def test_a_saved_query_round_trips_through_the_database(store):
    save_query(store, "  Food   by month ", SQL, SPEC)
    save_query(store, "plain", "SELECT 1", None)
    with store.connect() as con:
        queries = saved_queries(con)
    assert [q.name for q in queries] == ["Food by month", "plain"]
    food = queries[0]
    assert food.sql == SQL
    assert parse_chart(parse_qs(food.chart), RESULT) == (SPEC, [])
    assert queries[1].chart == ""


def test_saving_under_an_existing_name_replaces_it_and_delete_removes_it(store):
    save_query(store, "q", "SELECT 1", None)
    save_query(store, "q", "SELECT 2", SPEC)
    with store.connect() as con:
        assert [(q.name, q.sql) for q in saved_queries(con)] == [("q", "SELECT 2")]
    delete_query(store, "q")
    with store.connect() as con:
        assert saved_queries(con) == []


@pytest.mark.parametrize(
    ("name", "sql", "message"),
    [
        ("   ", "SELECT 1", "needs a name"),
        ("x" * 61, "SELECT 1", "needs a name"),
        ("ok", "  ", "no query to save"),
        ("ok", "SELECT 1 -- " + "x" * MAX_SQL, "characters long"),
    ],
)
def test_bad_names_and_queries_are_refused(store, name, sql, message):
    with pytest.raises(FinboardError, match=message):
        save_query(store, name, sql, None)


def test_a_link_carries_the_query_its_chart_and_the_filters():
    filters = Filters(period="custom", start=date(2025, 1, 1), end=date(2025, 3, 31), currency="USD",
                      merchant="whole foods", include_pending=True)  # fmt: skip
    params = parse_qs(link_query(SQL, SPEC, filters))
    assert params["sql"] == [SQL]
    assert parse_chart(params, RESULT) == (SPEC, [])
    assert parse_query(params).filters == filters


def test_a_saved_query_opens_as_its_link_does(store):
    saved = save_query(store, "food", SQL, SPEC)
    params = saved.params()
    assert params["sql"] == [SQL]
    assert parse_chart(params, RESULT) == (SPEC, [])
