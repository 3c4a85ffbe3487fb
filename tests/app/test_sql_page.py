"""The SQL page in AppTest on the hand-made world: run, refusals, paging, the chart, links, saved queries."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from core.store import Store
from dashboard.workbench import EXAMPLES
from tests.conftest import ROOT
from tests.worlds import SMALL_TRANSACTIONS, small_world

APP = str(ROOT / "dashboard" / "app.py")
ALL = {"period": "all"}  # the small world is from early 2025


@pytest.fixture
def world(db_env):
    small_world(Store(db_env))
    return db_env


def open_sql(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("../pages/sql.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def run_sql(at: AppTest, sql: str) -> AppTest:
    at.text_area(key="u_sql").set_value(sql)
    button(at, "Run").click()
    return at.run()


def summary(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "row" in m.value and "ran in" in m.value)


def test_a_query_shows_its_rows_and_goes_into_the_address(world):
    at = run_sql(open_sql(**ALL), "SELECT account_id, current_balance FROM accounts ORDER BY account_id")
    assert not at.exception, at.exception
    assert summary(at).startswith("**4** rows · 2 columns · ran in **")
    assert list(at.dataframe[0].value["account_id"]) == ["card", "chk", "eur", "sav"]
    assert at.query_params["sql"] == "SELECT account_id, current_balance FROM accounts ORDER BY account_id"
    assert not any(b.label == "Cancel" for b in at.button), "Cancel is shown only while a query runs"
    assert not any("Running" in c.value for c in at.caption)


def test_filtered_transactions_follow_the_sidebar(world):
    at = run_sql(open_sql(**{"from": "2025-01-01", "to": "2025-01-31"}, currency="USD"),
                 "SELECT count(*) AS n FROM filtered_transactions")  # fmt: skip
    assert at.dataframe[0].value["n"].tolist() == [9]  # the January USD rows the Transactions page lists
    at.sidebar.toggle(key="f_pending").set_value(True)
    at = run_sql(at.run(), "SELECT count(*) AS n FROM filtered_transactions")
    assert at.dataframe[0].value["n"].tolist() == [10]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("COPY transactions TO '/tmp/finboard-sql-page.csv'", "file system operations are disabled"),
        ("SELECT * FROM read_csv('/etc/passwd')", "file system operations are disabled"),
        ("SELECT * FROM item_tokens", "Table with name item_tokens does not exist"),
        ("SET enable_external_access = true", "the configuration has been locked"),
        ("SELEC 1", 'syntax error at or near "SELEC"'),
    ],
)
def test_refusals_show_duckdbs_message(world, sql, message):
    at = run_sql(open_sql(**ALL), sql)
    assert not at.exception, at.exception
    assert "DuckDB could not run the query" in at.error[0].value
    assert message in at.code[0].value


def test_a_query_that_drops_and_deletes_changes_nothing_for_the_next_one(world):
    at = run_sql(open_sql(**ALL), "DROP VIEW transactions; CREATE TABLE transactions AS SELECT 1 AS x; SELECT 1")
    assert not at.error
    at = run_sql(at, "SELECT count(*) AS n FROM transactions")
    assert at.dataframe[0].value["n"].tolist() == [len(SMALL_TRANSACTIONS)]


def test_the_time_limit_stops_a_query_with_a_message(world, monkeypatch):
    monkeypatch.setenv("FINBOARD_SQL_TIME_LIMIT", "1")
    at = run_sql(open_sql(**ALL), "SELECT count(*) FROM range(300000) a, range(300000) b WHERE a.range + b.range < 0")
    assert "Stopped after 1 s, the time limit" in at.warning[0].value


def test_a_big_result_is_sent_one_page_at_a_time(world):
    at = run_sql(open_sql(**ALL), "SELECT range AS n FROM range(250)")
    assert summary(at).startswith("**250** rows")
    assert len(at.dataframe[0].value) == 100
    assert "Rows 1–100 of 250" in [c.value for c in at.caption]
    button(at, "Next").click()
    at.run()
    assert at.dataframe[0].value["n"].tolist()[0] == 100
    assert "Rows 101–200 of 250" in [c.value for c in at.caption]


def test_one_click_draws_a_chart_with_defaults_and_puts_it_in_the_address(world):
    sql = "SELECT category_primary, iso_currency_code, sum(amount) AS spent FROM transactions GROUP BY ALL"
    at = run_sql(open_sql(**ALL), sql)
    at.toggle(key="sql_chart").set_value(True)
    at.run()
    assert not at.exception, at.exception
    assert at.get("plotly_chart")
    assert (at.selectbox(key="sql_kind").value, at.selectbox(key="sql_x").value) == ("bar", "category_primary")
    assert (at.selectbox(key="sql_y").value, at.selectbox(key="sql_color").value) == ("spent", "iso_currency_code")
    assert at.query_params["chart"] == "bar" and at.query_params["color"] == "iso_currency_code"
    at.selectbox(key="sql_kind").set_value("line")
    at.selectbox(key="sql_color").set_value("")
    at.run()
    assert at.query_params["chart"] == "line" and "color" not in at.query_params
    assert any("kept apart (by iso_currency_code)" in c.value.replace("\\", "") for c in at.caption)
    at = run_sql(run_sql(at, "SELEC oops"), sql)  # an error in between draws no chart, and forgets nothing
    assert at.toggle(key="sql_chart").value and at.get("plotly_chart")


def test_a_link_opens_the_query_with_its_chart_and_filters(world):
    sql = "SELECT date, amount FROM filtered_transactions ORDER BY date"
    at = open_sql(sql=sql, chart="scatter", x="date", y="amount", currency="EUR", period="all")
    assert not at.exception, at.exception
    assert at.text_area(key="u_sql").value == sql
    assert summary(at).startswith("**2** rows")  # the EUR transactions: it ran by itself, with the link's filters
    assert at.toggle(key="sql_chart").value
    assert (at.selectbox(key="sql_kind").value, at.selectbox(key="sql_x").value) == ("scatter", "date")
    assert at.get("plotly_chart")


def test_a_bad_chart_in_a_link_is_explained_as_plain_text(world):
    at = open_sql(sql="SELECT 1 AS n", chart="pie", x="n", **ALL)
    assert any("`chart=pie` is not a chart type" in w.value.replace("\\", "") for w in at.warning)
    at = open_sql(sql="SELECT 1 AS n", chart="bar", x="[click](https://evil.example)", **ALL)
    warning = next(w.value for w in at.warning if "evil" in w.value)
    assert "[click](https" not in warning and "\\[click\\]\\(https" in warning  # shown, never a link


def test_a_saved_query_runs_again_with_its_chart_and_has_a_link(world):
    sql = "SELECT category_primary, sum(amount) AS spent FROM transactions GROUP BY ALL"
    at = run_sql(open_sql(**ALL), sql)
    at.toggle(key="sql_chart").set_value(True)
    at.run()
    at.text_input(key="sql_save_name").set_value("By category")
    button(at, "Save").click()
    at.run()
    assert any(b.label == "By category" for b in at.button)
    link = next(c.value for c in at.code if "sql=" in c.value)
    params = parse_qs(link.split("?", 1)[1])
    assert params["sql"] == [sql] and params["chart"] == ["bar"] and params["period"] == ["all"]

    fresh = open_sql(**ALL)  # another visit: one click runs it and draws its chart
    button(fresh, "By category").click()
    fresh.run()
    assert fresh.text_area(key="u_sql").value == sql
    assert summary(fresh).startswith("**")
    assert fresh.toggle(key="sql_chart").value and fresh.get("plotly_chart")

    next(b for b in fresh.button if b.key == "sql_delete_By category").click()
    fresh.run()
    assert not any(b.label == "By category" for b in fresh.button)


def test_the_page_lists_the_tables_from_the_copy(world):
    at = open_sql(**ALL)
    titles = [e.label for e in at.expander]
    assert f"`transactions` · {len(SMALL_TRANSACTIONS)} rows" in titles and "`items` · 2 rows" in titles
    assert "`filtered_transactions` · the sidebar's selection" in titles
    assert not any("item_tokens" in t or "account_numbers" in t for t in titles)


def test_a_result_says_when_the_data_changed_since(world):
    at = run_sql(open_sql(**ALL), "SELECT count(*) AS n FROM transactions")
    Store(world).bump_data_version()
    at.run()
    assert "The data changed since this ran" in summary(at)


@pytest.mark.parametrize("title", list(EXAMPLES))
def test_every_example_runs(world, title):
    at = open_sql(**ALL)
    button(at, title).click()
    at.run()
    assert not at.exception and not at.error
    assert at.text_area(key="u_sql").value == EXAMPLES[title]
    assert "ran in" in summary(at)
