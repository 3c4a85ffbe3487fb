"""The chart registry is the one list: a chart added to it (here a dummy, in the test only) is in the report
bundle and in `finboard export` with no other change; exported charts carry their title and a caption."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest

from core import cli
from core.analytics.filters import Filters
from core.charts import registry
from core.charts.caption import caption
from core.charts.registry import Chart
from core.store import Store
from tests.worlds import small_world

JANUARY = ["--from", "2025-01-01", "--to", "2025-01-31", "--currency", "USD"]


@pytest.fixture
def store(db_env):
    return small_world(Store(db_env))


def dummy_rows(con, filters, today, interval):  # type: ignore[no-untyped-def]
    frame = con.execute("SELECT currency, count(*) AS n FROM analytics_ledger GROUP BY currency ORDER BY 1").df()
    return frame, interval


def dummy_figure(frame, currency, interval, **options):  # type: ignore[no-untyped-def]
    return go.Figure(go.Bar(x=frame["currency"], y=frame["n"]))


@pytest.fixture
def dummy(monkeypatch):
    chart = Chart("dummy-count", "Dummy: transactions per currency", dummy_rows, dummy_figure, ("Overview",))
    monkeypatch.setitem(registry.CHARTS, chart.name, chart)
    return chart


def test_a_chart_added_to_the_registry_is_in_the_bundle(store, dummy, tmp_path):
    out = tmp_path / "report.zip"
    assert cli.main(["export", "bundle", *JANUARY, "--no-images", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        html = zf.read("charts/dummy-count.html").decode()
        data = zf.read("data/dummy-count.csv").decode()
    assert {"charts/dummy-count.html", "data/dummy-count.csv"} <= names
    assert {"name": "dummy-count", "title": dummy.title, "rows": 1, "figure": True} in manifest["charts"]
    assert "<title>Dummy: transactions per currency</title>" in html
    assert data.splitlines()[0] == "currency,n"
    assert [line.split(",")[0] for line in data.splitlines()[1:]] == ["USD"]  # the registry keeps one currency


def test_a_chart_added_to_the_registry_is_exported_by_finboard_export(store, dummy, tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    assert "dummy-count" in capsys.readouterr().out
    out = tmp_path / "dummy.csv"
    assert cli.main(["export", "dummy-count", *JANUARY, "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert frame["currency"].tolist() == ["USD"] and frame["n"].iloc[0] > 0
    assert cli.main(["export", "dummy-count", *JANUARY, "--out", str(tmp_path / "dummy.html")]) == 0
    assert "Dummy: transactions per currency" in (tmp_path / "dummy.html").read_text()
    with pytest.raises(SystemExit) as refused:
        cli.main(["export", "not-a-chart", "--out", str(out)])
    assert refused.value.code == cli.EXIT_USAGE and "'dummy-count'" in capsys.readouterr().err


def test_a_data_set_has_no_picture(store, tmp_path, capsys):
    assert cli.main(["export", "summary", *JANUARY, "--out", str(tmp_path / "s.svg")]) == cli.EXIT_USAGE
    assert "summary is data: export it as csv, parquet or xlsx" in capsys.readouterr().err
    assert not (tmp_path / "s.svg").exists()


def test_the_caption_says_period_dates_filters_currency_and_when(store):
    filters = Filters(period="custom", start=date(2025, 1, 1), end=date(2025, 1, 31), currency="USD",
                      merchant="<b>%{x}</b>", accounts=("chk",))  # fmt: skip
    period, others = caption(filters, date(2025, 3, 10), made=date(2025, 3, 11))
    assert period == "2025-01-01 to 2025-01-31, compared with 2024-12-01 to 2024-12-31"
    assert others.startswith("USD · posted only · 1 account · ")
    assert others.endswith(" · made on 2025-03-11")
    assert "<b>" not in others and "%{" not in others, "a person's text cannot style or template the caption"


def test_an_exported_chart_carries_its_title_and_caption_in_html(store, tmp_path):
    out = tmp_path / "flow.html"
    assert cli.main(["export", "cash-flow", *JANUARY, "--out", str(out)]) == 0
    html = out.read_text()
    assert "<title>Income and spending</title>" in html
    assert_captioned(html.split("</head>", 1)[1])
    assert html.count("<script") >= 2 and 'src="' not in html.split("</head>", 1)[0], "plotly.js inlined"


def test_an_exported_chart_carries_its_title_and_caption_in_svg(store, tmp_path, chromium):
    out = tmp_path / "flow.svg"
    assert cli.main(["export", "cash-flow", *JANUARY, "--out", str(out)]) == 0
    svg = out.read_text()
    assert svg.startswith("<svg") or "<svg" in svg[:200]
    texts = " ".join(re.findall(r"<text[^>]*>(.*?)</text>", svg)) + " " + " ".join(re.findall(r">([^<>]+)<", svg))
    assert_captioned(texts)


def assert_captioned(text: str) -> None:
    assert "Income and spending" in text
    assert "2025-01-01 to 2025-01-31" in text
    assert "USD" in text
    assert f"made on {date.today().isoformat()}" in text


def test_a_chart_about_today_says_so_instead_of_the_period(store, tmp_path):
    assert caption(Filters(period="last_month"), date(2025, 3, 10), period=False)[0] == (
        "As of 2025-03-10 (the period does not apply)"
    )
    out = tmp_path / "accounts.html"
    assert cli.main(["export", "accounts", *JANUARY, "--out", str(out)]) == 0
    html = out.read_text()
    assert f"As of {date.today().isoformat()} (the period does not apply)" in html
    assert "2025-01-01 to 2025-01-31" not in html
