"""The workbench's DuckDB instance: contained by DuckDB's own switches, limited in time, cancellable,
and unable to change the file or what any other query sees."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from core.analytics import ledger
from core.analytics.filters import Filters
from core.analytics.transactions import transactions_page
from core.store import Store
from core.workbench import session
from core.workbench.readmodel import copy_read_model
from core.workbench.session import QueryError, QueryStopped, Workbench
from tests.worlds import SMALL_TRANSACTIONS, big_world, small_world

TODAY = date(2025, 3, 10)
NO_FILES = "file system operations are disabled by configuration"
LOCKED = "the configuration has been locked"


@pytest.fixture
def store(db_env):
    return small_world(Store(db_env))


@pytest.fixture
def workbench(store):
    with Workbench(copy_read_model(store).tables, time_limit=10) as wb:
        yield wb


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("COPY transactions TO '{tmp}/out.csv'", NO_FILES),
        ("COPY (SELECT * FROM accounts) TO '{tmp}/out.parquet' (FORMAT parquet)", NO_FILES),
        ("ATTACH '{tmp}/other.duckdb' AS other", NO_FILES),
        ("ATTACH '{db}' AS finboard (READ_ONLY)", NO_FILES),
        ("INSTALL httpfs", NO_FILES),
        ("LOAD httpfs", "Loading external extensions is disabled"),
        ("SELECT * FROM read_csv('/etc/passwd')", NO_FILES),
        ("SELECT * FROM read_text('/etc/hostname')", NO_FILES),
        ("SELECT * FROM read_parquet('http://127.0.0.1:9/x.parquet')", NO_FILES),
        ("SELECT * FROM read_json('https://example.com/x.json')", NO_FILES),
        ("SELECT * FROM glob('/etc/*')", NO_FILES),
        ("EXPORT DATABASE '{tmp}/export'", NO_FILES),
        ("SET enable_external_access = true", LOCKED),
        ("RESET enable_external_access", LOCKED),
        ("SET memory_limit = '100GB'", LOCKED),
        ("SET temp_directory = '{tmp}'", LOCKED),
        ("PRAGMA memory_limit = '100GB'", LOCKED),
        ("SET autoinstall_known_extensions = true", LOCKED),
        ("SELECT count(*) FROM accounts; COPY transactions TO '{tmp}/late.csv'", NO_FILES),
    ],
)
def test_escapes_are_refused_with_duckdbs_own_message(workbench, store, tmp_path, sql, refusal):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(QueryError, match=refusal):
        workbench.run(sql.format(tmp=out, db=store.path))
    assert not any(out.iterdir()), "nothing was written"


def test_a_query_cannot_read_python_variables_by_name(workbench):
    secret_frame = pa.table({"token": ["access-sandbox-secret"]})  # noqa: F841 - what a replacement scan would find
    with pytest.raises(QueryError, match="secret_frame does not exist"):
        workbench.run("SELECT * FROM secret_frame")


def _file_state(store: Store) -> tuple[bytes, str]:
    with store.connect() as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        digest = hashlib.sha256()
        for table in tables:
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            digest.update(repr((table, sorted(map(repr, rows)))).encode())
    return store.path.read_bytes(), digest.hexdigest()


def test_create_delete_drop_change_nothing_outside_the_run(store):
    copy = copy_read_model(store)
    with ledger.reading(store) as con:
        page_before = transactions_page(con, Filters(period="all"), TODAY)
    before = _file_state(store)
    version = store.data_version()
    vandal = """
        CREATE TABLE stolen AS SELECT * FROM transactions;
        DELETE FROM stolen;
        UPDATE stolen SET amount = 0;
        DROP VIEW transactions;
        CREATE TABLE transactions AS SELECT 1 AS nothing;
        DROP VIEW accounts;
        CREATE SCHEMA mine;
        CREATE MACRO amount_of(x) AS 42;
        SELECT count(*) FROM transactions
    """
    with Workbench(copy.tables, time_limit=10) as first:
        assert first.run(vandal).table.column(0).to_pylist() == [1]
    with Workbench(copy.tables, time_limit=10) as second:  # the next run (or another person's) sees the copy as it was
        assert second.run("SELECT count(*) FROM transactions").table.column(0).to_pylist() == [len(SMALL_TRANSACTIONS)]
        assert second.run("SELECT count(*) FROM accounts").table.column(0).to_pylist() == [4]
        with pytest.raises(QueryError, match="stolen does not exist"):
            second.run("SELECT * FROM stolen")
    assert _file_state(store) == before, "the database file did not change"
    assert store.data_version() == version
    assert copy_read_model(store).tables["transactions"].equals(copy.tables["transactions"])
    with ledger.reading(store) as con:
        page_after = transactions_page(con, Filters(period="all"), TODAY)
    assert (page_after.total, page_after.money_in, page_after.money_out) == (
        page_before.total,
        page_before.money_in,
        page_before.money_out,
    )


def test_deleting_from_a_copied_relation_is_refused(workbench):
    with pytest.raises(QueryError):
        workbench.run("DELETE FROM transactions")
    assert workbench.run("SELECT count(*) FROM transactions").table.column(0).to_pylist() == [len(SMALL_TRANSACTIONS)]


def test_a_cross_join_of_the_ledger_with_itself_stops_at_the_time_limit(tmp_path):
    big = big_world(Store(tmp_path / "big.duckdb"), 100_000, 20, today=TODAY)
    with Workbench(copy_read_model(big).tables, time_limit=1) as wb:
        with pytest.raises(QueryStopped, match="Stopped after 1 s, the time limit"):
            wb.run("SELECT count(*) FROM transactions a, transactions b WHERE a.amount < b.amount")
        assert wb.run("SELECT count(*) AS n FROM transactions").table.column(0).to_pylist() == [100_000]


def test_the_limit_also_stops_the_statements_after_an_interrupted_one():
    big = pa.table({"n": pa.array(range(300_000), pa.int64())})
    with Workbench({"big": big}, time_limit=1) as wb:
        script = "SELECT count(*) FROM big a, big b WHERE a.n + b.n < 0; CREATE TABLE after AS SELECT 1; SELECT 2"
        with pytest.raises(QueryStopped):
            wb.run(script)
        with pytest.raises(QueryError, match="after does not exist"):
            wb.run("SELECT * FROM after")


def test_a_running_query_can_be_cancelled_from_another_thread():
    big = pa.table({"n": pa.array(range(300_000), pa.int64())})
    with Workbench({"big": big}, time_limit=600) as wb:
        timer = threading.Timer(0.5, wb.cancel)
        timer.start()
        with pytest.raises(QueryStopped, match=r"Cancelled after \d+\.\d s"):
            wb.run("SELECT count(*) FROM big a, big b WHERE a.n + b.n < 0")


def test_memory_is_limited_with_a_message():
    with (
        Workbench({}, time_limit=60, memory_limit="64MB") as wb,
        pytest.raises(QueryError, match="Out of Memory") as refused,
    ):
        wb.run("SELECT list(range) FROM range(50000000)")
    assert str(refused.value).endswith("Each query may use up to 64MB of memory: aggregate in SQL, or add a LIMIT.")
    assert "SET memory_limit" not in str(refused.value)  # DuckDB's advice cannot be followed here


def test_a_result_bigger_than_the_limit_keeps_its_first_rows(monkeypatch):
    monkeypatch.setattr(session, "MAX_RESULT_BYTES", 1_000_000)
    with Workbench({}, time_limit=60) as wb:
        result = wb.run("SELECT range AS n FROM range(10000000)")
    assert result.truncated
    assert 0 < result.rows < 10_000_000
    assert result.table.column("n").to_pylist()[:3] == [0, 1, 2]


def test_a_script_returns_its_last_statement_and_names_stay_distinct(workbench):
    result = workbench.run(
        "CREATE TEMP TABLE t AS SELECT 1 AS a; INSERT INTO t VALUES (2); SELECT a, a, a * 10 AS a FROM t"
    )
    assert result.columns == ["a", "a (2)", "a (3)"]
    assert result.rows == 2
    assert workbench.run("CREATE TABLE u (x INTEGER)").columns == ["Count"]


def test_empty_and_broken_sql_get_a_message(workbench):
    with pytest.raises(QueryError, match="Nothing to run"):
        workbench.run("  \n ")
    with pytest.raises(QueryError, match='syntax error at or near "SELEC"'):
        workbench.run("SELEC 1")


def test_the_catalog_lists_what_queries_can_read(workbench):
    catalog = {r.name: dict(r.columns) for r in workbench.catalog()}
    assert set(catalog) == {
        "items", "accounts", "transactions", "balance_history", "transaction_flows", "recurring_streams",
        "recurring_stream_transactions",
    }  # fmt: skip
    assert catalog["transactions"]["amount"] == "DECIMAL(18,2)"
    assert catalog["recurring_streams"]["yearly_amount"] == "DECIMAL(18,2)"
    assert catalog["recurring_streams"]["next_date"] == "DATE"
    assert catalog["transactions"]["date"] == "DATE"


def test_nothing_is_written_next_to_the_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    big = pa.table({"s": [str(i) * 20 for i in range(200_000)]})
    query = "SELECT t FROM (SELECT s || repeat('x', 300) AS t FROM big ORDER BY t) LIMIT 1 OFFSET 100000"
    with Workbench({"big": big}, time_limit=30, memory_limit="30MB") as wb:
        with contextlib.suppress(QueryError):  # running out of memory is fine; spilling to disk is not
            wb.run(query)
        assert list(Path(tmp_path).iterdir()) == []  # DuckDB's default would have made ./.tmp (removed at close)
