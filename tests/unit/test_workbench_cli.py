"""`finboard sql`: output formats, files, the export filters, errors, and the interactive prompt."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core import cli
from core.analytics.filters import Filters
from core.store import Store
from core.workbench.output import format_for, json_lines, text_table
from core.workbench.shell import Shell
from tests.worlds import SMALL_TRANSACTIONS, insert_transaction, small_world

TODAY = date(2025, 3, 10)
MONEY = pa.decimal128(18, 2)
N = len(SMALL_TRANSACTIONS)
MONEY_OUT = sum(Decimal(row[5]) > 0 for row in SMALL_TRANSACTIONS)


@pytest.fixture
def store(db_env):
    return small_world(Store(db_env))


def sql(*args: str) -> int:
    return cli.main(["sql", *args])


def test_a_query_prints_an_aligned_table(store, capsys):
    assert sql("SELECT account_id, current_balance FROM accounts ORDER BY account_id") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["account_id  current_balance", "----------  ---------------"]
    assert out[2] == "card                 300.00"  # numbers to the right
    assert out[-1] == "(4 rows)"


def test_every_format_writes_the_whole_result(store, tmp_path, capsys):
    query = "SELECT transaction_id, amount, date FROM transactions ORDER BY transaction_id"
    assert sql(query, "--format", "csv") == 0
    csv = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(csv) == N and csv.loc[csv["transaction_id"] == "t-rent", "amount"].item() == 1200.0

    assert sql(query, "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out, parse_float=Decimal)
    assert {"transaction_id": "t-ccpay-in", "amount": Decimal("-135.50"), "date": "2025-01-21"} in rows

    assert sql(query, "--out", str(tmp_path / "q.parquet")) == 0
    assert f"Wrote {N} rows" in capsys.readouterr().err
    table = pq.read_table(tmp_path / "q.parquet")
    assert table.num_rows == N and table.schema.field("amount").type == MONEY

    assert sql(query, "--out", str(tmp_path / "q.xlsx")) == 0
    assert len(pd.read_excel(tmp_path / "q.xlsx")) == N
    assert sql(query, "--format", "table", "--out", str(tmp_path / "q.txt")) == 0
    assert (tmp_path / "q.txt").read_text().endswith(f"({N} rows)\n")


def test_sql_comes_from_a_file_or_stdin(store, tmp_path, capsys, monkeypatch):
    (tmp_path / "q.sql").write_text("-- how many\nSELECT count(*) AS n\nFROM transactions;\n")
    assert sql("--file", str(tmp_path / "q.sql"), "--format", "csv") == 0
    assert capsys.readouterr().out == f"n\n{N}\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT count(*) AS n FROM accounts"))
    assert sql("--format", "csv") == 0
    assert capsys.readouterr().out == "n\n4\n"


def test_the_export_filters_define_filtered_transactions(store, capsys):
    query = "SELECT count(*) AS n, sum(amount) AS total FROM filtered_transactions"
    assert sql(query, "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)[0]["n"] == N  # everything by default
    assert sql(query, "--from", "2025-01-01", "--to", "2025-01-31", "--currency", "USD",
               "--no-include-pending", "--no-include-transfers", "--format", "json") == 0  # fmt: skip
    jan = json.loads(capsys.readouterr().out, parse_float=Decimal)[0]
    assert jan["n"] == 9  # as `finboard export transactions` with the same filters
    assert sql(query, "--merchant", "starbucks", "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines()[1] == "2,12.00"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["SELECT * FROM item_tokens"], 1, "Table with name item_tokens does not exist"),
        (["COPY transactions TO '/tmp/x.csv'"], 1, "file system operations are disabled"),
        (["SELECT 1", "--format", "parquet"], 1, "binary format: give a file with --out FILE.parquet"),
        (["SELECT 1", "--file", "q.sql"], 2, "not both"),
        (["--file", "/nonexistent/q.sql"], 1, "Cannot read /nonexistent/q.sql"),
        (["SELECT 1", "--period", "fortnight"], 2, "period=fortnight is not a known period"),
        (["SELECT 1", "--account", "nope"], 2, "account=nope does not exist"),
        (["SELECT 1", "--time-limit", "0"], 2, "--time-limit must be between"),
    ],
)
def test_refusals_are_messages_with_an_exit_code(store, capsys, args, code, message):
    assert sql(*args) == code
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_the_time_limit_option_stops_a_long_query(store, capsys):
    slow = "SELECT count(*) FROM range(300000) a, range(300000) b WHERE a.range + b.range < 0"
    assert sql(slow, "--time-limit", "1") == 1
    assert "Stopped after 1 s, the time limit" in capsys.readouterr().err


def test_a_table_drops_control_characters_and_shows_nulls():
    table = pa.table({"name": ["\x1b[2Jwiped", None], "amount": pa.array([Decimal("1.50"), None], MONEY)})
    text = text_table(table)
    assert "\x1b" not in text and "[2Jwiped" in text
    assert text.splitlines()[3].split() == ["NULL", "NULL"]


def test_a_long_table_on_a_terminal_shows_its_first_rows():
    table = pa.table({"n": list(range(100))})
    text = text_table(table, limit=40)
    assert len(text.splitlines()) == 2 + 40 + 1
    assert text.endswith("(100 rows, the first 40 shown (--format csv or --out FILE for all))\n")


def test_json_keeps_decimals_exact_and_is_valid():
    table = pa.table({"a": pa.array([Decimal("0.10"), Decimal("-3.00")], MONEY), "d": [date(2025, 1, 2), None],
                      "tags": [["x"], []], "s": ['quote " and \\', "é"]})  # fmt: skip
    text = "\n".join(json_lines(table))
    rows = json.loads(text, parse_float=Decimal)
    assert rows == [{"a": Decimal("0.10"), "d": "2025-01-02", "tags": ["x"], "s": 'quote " and \\'},
                    {"a": Decimal("-3.00"), "d": None, "tags": [], "s": "é"}]  # fmt: skip
    assert json.loads("\n".join(json_lines(table.slice(0, 0)))) == []


def test_the_format_follows_the_file_name(tmp_path):
    assert format_for(tmp_path / "a.parquet", None) == "parquet"
    assert format_for(tmp_path / "a.JSON", None) == "json"
    assert format_for(tmp_path / "a.dat", None) == "table"
    assert format_for(None, None) == "table"
    assert format_for(tmp_path / "a.csv", "json") == "json"


# -- the interactive prompt ------------------------------------------------------------------


def feed(lines: list[str]) -> Iterator[str]:
    yield from lines
    raise EOFError


def prompt(store: Store, lines: list[str]) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    source = feed(lines)
    shell = Shell(store, Filters(period="all", include_pending=True, include_transfers=True), TODAY, time_limit=10,
                  stdout=stdout, stderr=stderr, read_line=lambda _: next(source))  # fmt: skip
    assert shell.loop() == 0
    return stdout.getvalue(), stderr.getvalue()


def test_the_prompt_runs_statements_typed_over_several_lines(store):
    out, err = prompt(store, ["SELECT count(*) AS n", "FROM transactions", "WHERE amount > 0;", ".tables", ".help"])
    assert f"\n n\n--\n{MONEY_OUT}\n(1 row)\n1 row in " in out
    assert "filtered_transactions: transaction_id VARCHAR" in out
    assert ".refresh" in out
    assert err == ""


def test_the_prompt_reports_errors_and_keeps_going(store):
    out, err = prompt(
        store, ["SELECT * FROM item_tokens;", ".nope", "SELECT 42 AS answer;", ".quit", "SELECT 'never';"]
    )
    assert "item_tokens does not exist" in err and "Unknown command .nope" in err
    assert "answer\n------\n    42" in out
    assert "never" not in out


def test_what_a_statement_creates_lasts_for_the_session_only(store):
    out, _ = prompt(store, ["CREATE TABLE mine AS SELECT 7 AS x;", "SELECT x FROM mine;"])
    assert "x\n-\n7" in out
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'mine'").fetchone() == (
            0,
        )


def test_the_prompt_copies_the_data_again_when_it_changes(store):
    lines = iter(["SELECT count(*) AS n FROM transactions;", "SELECT count(*) AS n FROM transactions;"])

    def read_line(_: str) -> str:
        line = next(lines, None)
        if line is None:
            raise EOFError
        if "transactions" in line and read_line.calls == 1:  # another process syncs between two statements
            with store.transaction() as con:
                insert_transaction(con, "t-new", "chk", "2025-03-01", "NEW", None, "1.00", "USD", False, "OTHER", None)
            store.bump_data_version()
        read_line.calls += 1
        return line

    read_line.calls = 0  # type: ignore[attr-defined]
    stdout = io.StringIO()
    Shell(store, Filters(period="all"), TODAY, time_limit=10, stdout=stdout, read_line=read_line).loop()
    out = stdout.getvalue()
    assert f"\n{N}\n" in out and "Copied the data again" in out and f"\n{N + 1}\n" in out


def test_ctrl_c_while_typing_drops_the_statement(store):
    steps = iter(["SELECT 1 AS one", KeyboardInterrupt, "SELECT 2 AS two;"])

    def read_line(_: str) -> str:
        step = next(steps, EOFError)
        if isinstance(step, type):
            raise step
        return step

    stdout = io.StringIO()
    Shell(store, Filters(period="all"), TODAY, time_limit=10, stdout=stdout, read_line=read_line).loop()
    out = stdout.getvalue()
    assert "^C" in out and "two" in out and "one" not in out.split("^C")[1]


def test_csv_and_xlsx_results_never_carry_a_formula(store, tmp_path, capsys):
    """The export rule (core/spreadsheet.py) applies to query results: text stays text, numbers stay numbers."""
    query = "SELECT '=HYPERLINK(\"http://evil.example\")' AS name, -5.00 AS amount"
    assert sql(query, "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("\"'=HYPERLINK(")
    assert sql(query, "--out", str(tmp_path / "q.xlsx")) == 0
    frame = pd.read_excel(tmp_path / "q.xlsx")
    assert frame["name"].item().startswith("'=HYPERLINK(") and frame["amount"].item() == -5.0
