"""Exports: filtered transactions, the data behind each chart, the report bundle, and `finboard export`."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pandas as pd
import pytest

from core import cli, export, report
from core.analytics.filters import Filters
from core.charts.registry import CHARTS
from core.store import Store
from tests.worlds import small_world

TODAY = date(2025, 3, 10)
JAN = Filters(period="custom", start=date(2025, 1, 1), end=date(2025, 1, 31), currency="USD")


@pytest.fixture
def store(db_env):
    return small_world(Store(db_env))


def test_transactions_export_follows_the_filters_and_keeps_plaid_sign(store, tmp_path):
    out = tmp_path / "jan.csv"
    assert export.export_transactions(store, "csv", out, JAN, TODAY) == 9
    frame = pd.read_csv(out)
    assert frame.loc[frame["transaction_id"] == "t-rent", "amount"].item() == 1200.0  # money out is positive
    assert not frame["is_transfer"].any() and not frame["pending"].any()
    everything = Filters(period="all", include_pending=True, include_transfers=True)
    assert export.export_transactions(store, "parquet", tmp_path / "all.parquet", everything, TODAY) == 21
    assert len(pd.read_parquet(tmp_path / "all.parquet")) == 21


def test_transactions_export_to_excel(store, tmp_path):
    out = tmp_path / "jan.xlsx"
    assert export.export_transactions(store, "xlsx", out, JAN, TODAY) == 9
    assert len(pd.read_excel(out, sheet_name="transactions")) == 9


def test_too_many_rows_for_excel_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 2)
    with pytest.raises(export.ExportError, match="do not fit in one Excel sheet"):
        export.table_bytes(pd.DataFrame({"a": [1, 2, 3]}), "xlsx")


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_dataset_exports_in_every_format(store, tmp_path, name):
    for fmt in export.FORMATS:
        out = tmp_path / f"{name}.{fmt}"
        rows = report.export_dataset(store, name, fmt, out, JAN, TODAY, "month")
        assert out.stat().st_size > 0
        assert rows == len(report.dataset_frame(store, name, JAN, TODAY, "month"))


def test_chart_data_carries_the_numbers_of_the_chart(store):
    flow = report.dataset_frame(store, "cash-flow", JAN, TODAY, "month")
    assert flow[["income", "spending", "net"]].values.tolist() == [[3012.0, 1347.5, 1664.5]]


def test_images_without_chromium_say_how_to_get_them(monkeypatch):
    monkeypatch.setattr(export, "chromium_path", lambda: None)
    with pytest.raises(export.ImagesUnavailable, match="apt-get install chromium"):
        export.figure_image(object(), "png")


def test_the_cli_lists_every_chart_and_data_set_of_the_registry(capsys):
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    help_text = " ".join(capsys.readouterr().out.split()).replace("- ", "-")  # argparse wraps at hyphens
    assert all(name in help_text for name in CHARTS)
    assert set(CHARTS) | {"transactions", "bundle"} == set(cli.ExportChoices())


def test_cli_exports_with_the_dashboards_filters(store, tmp_path, capsys):
    out = tmp_path / "t.csv"
    code = cli.main(
        [
            "export",
            "transactions",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-31",
            "--currency",
            "USD",
            "--category",
            "FOOD_AND_DRINK",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert sorted(pd.read_csv(out)["transaction_id"]) == ["t-coffee1", "t-grocery", "t-refund"]
    assert "Wrote 3 transactions" in capsys.readouterr().out


def test_cli_transactions_export_defaults_to_everything_for_scripts(store, tmp_path, capsys):
    out = tmp_path / "all.csv"
    assert cli.main(["export", "transactions", "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 21  # pending and transfers included, as in the read model
    assert "pending included, transfers included" in capsys.readouterr().out
    posted = tmp_path / "posted.csv"
    assert (
        cli.main(["export", "transactions", "--no-include-pending", "--no-include-transfers", "--out", str(posted)])
        == 0
    )
    frame = pd.read_csv(posted)
    assert 0 < len(frame) < 21 and not frame["pending"].any() and not frame["is_transfer"].any()


def test_cli_defaults_to_all_time_and_reads_the_format_from_the_name(store, tmp_path):
    out = tmp_path / "flows.parquet"
    assert cli.main(["export", "cash-flow", "--currency", "EUR", "--out", str(out)]) == 0
    assert pd.read_parquet(out)["income"].sum() == 2000.0


def test_cli_refuses_filters_it_cannot_use(store, tmp_path, capsys):
    code = cli.main(
        ["export", "transactions", "--from", "2025-13-01", "--currency", "JPY", "--out", str(tmp_path / "x.csv")]
    )
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "from=2025-13-01 is not a date" in err
    assert "currency=JPY: no account or transaction uses it" in err
    assert not (tmp_path / "x.csv").exists()


def test_report_bundle_holds_charts_data_and_the_filters(store, tmp_path):
    out = tmp_path / "report.zip"
    assert (
        cli.main(["export", "bundle", "--from", "2025-01-01", "--to", "2025-01-31", "--no-images", "--out", str(out)])
        == 0
    )
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        transactions = pd.read_csv(io.BytesIO(zf.read("data/transactions.csv")))
        html = zf.read("charts/cash-flow.html").decode()
    assert {f"charts/{n}.html" for n in ("cash-flow", "money-flows", "categories", "net-worth")} <= names
    assert {f"data/{n}.csv" for n in ("cash-flow", "money-flows", "categories", "merchants")} <= names
    assert manifest["filters"]["from"] == "2025-01-01"
    assert manifest["filters"]["currency"] == "USD"  # the most used currency, since none was given
    assert manifest["transactions"] == len(transactions) == 9
    assert "plotly" in html.lower() and "<title>Income and spending</title>" in html


def test_report_bundle_has_pngs_when_chromium_is_there(store, tmp_path, chromium):
    out = tmp_path / "report.zip"
    assert cli.main(["export", "bundle", "--from", "2025-01-01", "--to", "2025-01-31", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        png = zf.read("charts/cash-flow.png")
        assert json.loads(zf.read("manifest.json"))["notes"] == []
    assert png.startswith(b"\x89PNG")


def test_transactions_export_says_what_each_row_counts_as(store, tmp_path):
    out = tmp_path / "jan.csv"
    export.export_transactions(store, "csv", out, Filters(**{**JAN.__dict__, "include_transfers": True}), TODAY)
    frame = pd.read_csv(out).set_index("transaction_id")
    assert frame.loc[["t-rent", "t-pay-jan", "t-save-out", "t-atm"], "flow"].tolist() == [
        "spending", "income", "transfer_internal", "transfer_outside"
    ]  # fmt: skip
    assert frame.loc["t-save-out", "transfer_pair_id"] == "t-save-in"
    assert frame["is_transfer"].tolist() == frame["flow"].str.startswith("transfer").tolist()
    # the summary's figures come back from the rows: income is money in of income rows, and so on
    income = -frame.loc[frame["flow"] == "income", "amount"].sum()
    spending = frame.loc[frame["flow"] == "spending", "amount"].sum()
    assert (round(income, 2), round(spending, 2)) == (3012.0, 1347.5)


def test_summary_export_has_one_row_per_currency_with_exactly_these_columns(store, tmp_path, capsys):
    out = tmp_path / "summary.csv"
    args = ["export", "summary", "--from", "2025-01-01", "--to", "2025-01-31", "--include-transfers", "--out", str(out)]
    assert cli.main(args) == 0
    assert "2025-01-01 to 2025-01-31, compared with 2024-12-01 to 2024-12-31; posted only" in capsys.readouterr().out
    text = out.read_text().splitlines()
    assert text[0] == (
        "currency,start,end,income,spending,net,savings_rate,transfers_in_outside,transfers_out_outside,"
        "previous_start,previous_end,previous_income,previous_spending,previous_net"
    )
    # --include-transfers changes nothing: internal transfers are never in it, outside ones have columns.
    # December 2024 is before the first transaction: the previous figures are empty, not 0.
    assert text[1:] == [
        "EUR,2025-01-01,2025-01-31,2000.00,30.00,1970.00,0.9850,0.00,0.00,2024-12-01,2024-12-31,,,",
        "USD,2025-01-01,2025-01-31,3012.00,1347.50,1664.50,0.5526,250.00,60.00,2024-12-01,2024-12-31,,,",
    ]


def test_summary_export_compares_and_leaves_previous_columns_empty_without_a_previous_window(store, tmp_path):
    feb = report.dataset_frame(store, "summary", Filters(period="last_month", currency="USD"), TODAY, "month")
    assert feb[["start", "end", "previous_start", "previous_end"]].astype(str).values.tolist() == [
        ["2025-02-01", "2025-02-28", "2025-01-01", "2025-01-31"]
    ]
    assert feb[["income", "spending", "previous_income", "previous_spending", "previous_net"]].astype(
        str
    ).values.tolist() == [["3000.00", "1206.50", "3012.00", "1347.50", "1664.50"]]
    everything = report.dataset_frame(store, "summary", Filters(period="all"), TODAY, "month")
    assert everything[["start", "end"]].astype(str).values.tolist()[0] == ["2025-01-03", "2025-02-07"]
    assert everything[[c for c in everything.columns if c.startswith("previous_")]].isna().all(axis=None)


def test_a_currency_with_nothing_in_the_period_shows_zero_not_a_gap(store):
    """Named case: EUR has no transaction in February; its figures are 0 and its change is shown
    (January had EUR transactions), instead of a dash."""
    feb = report.dataset_frame(store, "summary", Filters(period="last_month"), TODAY, "month").set_index("currency")
    assert feb.loc["EUR", ["income", "spending", "net"]].astype(str).tolist() == ["0.00", "0.00", "0.00"]
    assert pd.isna(feb.loc["EUR", "savings_rate"])  # no income: no rate
    assert feb.loc["EUR", ["previous_income", "previous_spending"]].astype(str).tolist() == ["2000.00", "30.00"]
