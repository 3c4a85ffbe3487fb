"""`finboard export recurring` and `finboard export forecast`, and both charts in the report bundle."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest

from core import cli, export, report
from core.analytics.filters import Filters
from core.analytics.streams import EXPORT_COLUMNS
from core.store import Store
from tests.recurring_worlds import TODAY, recurring_world

EXACT = ["stream_id", "source", "direction", "account_id", "merchant", "frequency", "average_amount", "last_amount",
         "currency", "first_date", "last_date", "next_date", "status", "transactions"]  # fmt: skip


@pytest.fixture
def store(db_env):
    return recurring_world(Store(db_env))


def test_recurring_has_one_row_per_stream_with_exactly_the_issues_columns(store, tmp_path):
    out = tmp_path / "recurring.csv"
    assert report.export_dataset(store, "recurring", "csv", out, Filters(currency="USD"), TODAY, "month") == 11
    frame = pd.read_csv(out).set_index("merchant")
    assert list(pd.read_csv(out).columns) == EXACT == EXPORT_COLUMNS
    assert set(frame["source"]) == {"finboard"}
    assert (frame[["average_amount", "last_amount"]] > 0).all().all()  # positive money; direction gives the sign
    acme = frame.loc["Acme", ["direction", "frequency", "last_amount", "next_date", "status", "transactions"]]
    assert acme.tolist() == ["inflow", "biweekly", 2500.0, "2025-06-20", "active", 12]
    assert frame.loc["Netflix", ["average_amount", "last_amount", "first_date", "last_date"]].tolist() == [
        16.32, 17.99, "2025-01-07", "2025-06-07"]  # (4 × 15.49 + 2 × 17.99) / 6 = 16.3233  # fmt: skip
    assert frame.loc["Hulu", "status"] == "stopped" and pd.isna(frame.loc["Hulu", "next_date"])


def test_recurring_follows_the_filters(store, tmp_path):
    out = tmp_path / "r.parquet"
    assert report.export_dataset(store, "recurring", "parquet", out, Filters(accounts=("card",)), TODAY, "month") == 4
    assert set(pd.read_parquet(out)["account_id"]) == {"card"}
    assert report.export_dataset(store, "recurring", "xlsx", tmp_path / "e.xlsx", Filters(currency="EUR"), TODAY,
                                 "month") == 1  # fmt: skip


@pytest.mark.parametrize("days", [30, 60, 90])
def test_forecast_has_one_row_per_account_and_day(store, tmp_path, days):
    out = tmp_path / "f.csv"
    rows = export.export_forecast(store, "csv", out, Filters(currency="USD"), TODAY, days)
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["account_id", "account", "currency", "date", "balance", "low", "high", "recurring"]
    assert rows == len(frame) == 3 * days  # checking, savings and their USD total
    checking = frame[frame["account_id"] == "chk"]
    assert len(checking) == days and checking["date"].iloc[0] == "2025-06-11"
    assert (checking["low"] <= checking["balance"]).all() and (checking["balance"] <= checking["high"]).all()


def test_the_cli_writes_both_and_refuses_days_elsewhere(store, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert cli.main(["export", "recurring", "--out", str(out)]) == 0
    assert list(pd.read_csv(out).columns) == EXACT
    assert "recurring streams" in capsys.readouterr().out
    assert cli.main(["export", "forecast", "--days", "60", "--account", "chk", "--out", str(tmp_path / "f.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "f.csv")) == 2 * 60  # the account and its currency total
    assert cli.main(["export", "recurring", "--days", "60", "--out", str(out)]) == 2
    assert "--days applies to `export forecast` only" in capsys.readouterr().err


def test_the_bundle_holds_the_recurring_and_forecast_charts(store, tmp_path):
    out = tmp_path / "report.zip"
    assert cli.main(["export", "bundle", "--no-images", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    # The streams list is a data set (no figure); the next 30 days are the recurring chart (registry names).
    assert {"charts/recurring-calendar.html", "charts/forecast.html", "data/recurring.csv"} <= names
    assert {"data/recurring-calendar.csv", "data/forecast.csv"} <= names
    assert "charts/recurring.html" not in names
    assert {"recurring", "recurring-calendar", "forecast"} <= {c["name"] for c in manifest["charts"]}
