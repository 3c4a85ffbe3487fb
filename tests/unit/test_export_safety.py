"""Exports of the hostile bank's names are data, never formulas: in CSV and XLSX from the CLI, the
dashboard's downloads and the report bundle; Parquet keeps the bank's text exactly."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pytest

from core import cli, export, report
from core.analytics.filters import Filters
from core.charts.registry import CHARTS
from core.emulator import hostile
from core.spreadsheet import TRIGGERS
from core.store import Store
from tests.worlds import SMALL_TRANSACTIONS, hostile_world

TODAY = date(2025, 3, 10)
EVERYTHING = Filters(period="all", include_pending=True, include_transfers=True)
ALL = len(SMALL_TRANSACTIONS)


@pytest.fixture
def store(db_env):
    return hostile_world(Store(db_env))


def text_cells(frame: pd.DataFrame) -> list[str]:
    return [v for column in frame.columns for v in frame[column] if isinstance(v, str)] + list(frame.columns)


def assert_no_formula_text(frame: pd.DataFrame) -> None:
    """No cell a spreadsheet would run: nothing starts with a trigger (a leading apostrophe keeps it text)."""
    runnable = [v for v in text_cells(frame) if v.startswith(TRIGGERS)]
    assert not runnable, runnable[:3]


def assert_no_formula_cell(data: bytes) -> pd.DataFrame:
    """Open the workbook as a spreadsheet would: no cell holds a formula (or an error value)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            formulas = [c.coordinate for c in row if c.data_type in ("f", "e")]
            assert not formulas, f"{sheet.title}: formula cells {formulas}"
            rows.append([c.value for c in row])
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_transactions_csv_quotes_formulas_and_keeps_amounts_numbers(store, tmp_path):
    out = tmp_path / "t.csv"
    assert export.export_transactions(store, "csv", out, EVERYTHING, TODAY) == ALL
    frame = pd.read_csv(out, keep_default_na=False)
    assert_no_formula_text(frame)
    assert "'" + hostile.NAMES[0] in set(frame["name"]) | set(frame["merchant_name"])
    assert "'" + hostile.ACCOUNT_NAMES["checking"][0] in set(frame["account"])
    assert frame["amount"].dtype == float and (frame["amount"] < 0).any()  # negative amounts stay numbers
    assert frame.loc[frame["transaction_id"] == "t-rent", "amount"].item() == 1200.0


def test_transactions_xlsx_of_the_hostile_bank_has_no_formula_and_no_failure(store, tmp_path):
    out = tmp_path / "t.xlsx"
    assert export.export_transactions(store, "xlsx", out, EVERYTHING, TODAY) == ALL
    frame = assert_no_formula_cell(out.read_bytes())
    assert_no_formula_text(frame)
    names = set(frame["name"]) | set(frame["merchant_name"])
    assert "RED[0m bell backspace" in {n.replace("[31m", "") for n in names if isinstance(n, str)}
    assert all(isinstance(a, int | float) for a in frame["amount"])
    assert (frame["amount"] < 0).any()


def test_parquet_keeps_the_banks_text_exactly(store, tmp_path):
    out = tmp_path / "t.parquet"
    export.export_transactions(store, "parquet", out, EVERYTHING, TODAY)
    frame = pd.read_parquet(out)
    assert hostile.NAMES[0] in set(frame["name"]) | set(frame["merchant_name"])
    assert "\x1b[31mRED\x1b[0m\x07 bell\x08 backspace" in set(frame["name"]) | set(frame["merchant_name"])


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_dataset_is_data_in_csv_and_xlsx(store, name):
    data = report.dataset_frame(store, name, EVERYTHING.with_currency("USD"), TODAY, "month")
    assert_no_formula_text(pd.read_csv(io.BytesIO(export.table_bytes(data, "csv")), keep_default_na=False))
    assert_no_formula_cell(export.table_bytes(data, "xlsx", sheet=name))


def test_dashboard_transaction_downloads_are_data(store):
    for fmt in ("csv", "xlsx"):
        data = export.transactions_bytes(store, fmt, EVERYTHING, TODAY)
        frame = pd.read_csv(io.BytesIO(data), keep_default_na=False) if fmt == "csv" else assert_no_formula_cell(data)
        assert_no_formula_text(frame)


def test_report_bundle_data_is_data(store, tmp_path):
    out = tmp_path / "report.zip"
    assert cli.main(["export", "bundle", "--no-images", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        for member in (n for n in zf.namelist() if n.endswith(".csv")):
            assert_no_formula_text(pd.read_csv(io.BytesIO(zf.read(member)), keep_default_na=False))
        html = zf.read("charts/merchants.html").decode()
    assert '<a href="http://evil.example/anchor">' not in html  # chart labels are escaped for Plotly


def test_cli_xlsx_export_of_a_merchant_with_a_control_character_succeeds(store, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert cli.main(["export", "transactions", "--out", str(out)]) == 0
    assert f"Wrote {ALL} transactions" in capsys.readouterr().out
    assert_no_formula_cell(out.read_bytes())
