"""Each chart has one title (core.charts.registry): the heading a page shows it under is the one the bundle,
its exported files and `finboard export` use, and every page shows exactly the registry's charts for it."""

from __future__ import annotations

import json
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from core import cli
from core.charts.registry import CHARTS, on_page
from core.store import Store
from tests.conftest import ROOT
from tests.worlds import small_world

APP = str(ROOT / "dashboard" / "app.py")
PAGE_FILES = {"Overview": "overview.py", "Cash flow": "cash_flow.py", "Categories": "categories.py",
              "Balances": "balances.py", "Recurring": "recurring.py", "Forecast": "forecast.py"}  # fmt: skip
SUBJECT = {"forecast": "All USD accounts"}  # the Forecast page opens on the currency total


@pytest.fixture
def world(db_env):
    small_world(Store(db_env))
    return db_env


def test_every_page_named_in_the_registry_is_a_page():
    assert {page for c in CHARTS.values() for page in c.pages} == set(PAGE_FILES)


@pytest.mark.parametrize("page", list(PAGE_FILES))
def test_a_page_shows_its_registry_charts_under_their_titles(world, page):
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(f"../pages/{PAGE_FILES[page]}")
    at.query_params.update({"from": "2025-01-01", "to": "2025-01-31", "currency": "USD"})
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == page
    headings = [h.value for h in at.subheader]
    charts = on_page(page)
    for chart in charts:
        title = f"{chart.title}: {SUBJECT[chart.name]}" if chart.name in SUBJECT else chart.title
        assert title in headings, f"{page} shows {chart.name} under another title: {headings}"
    assert len(at.get("plotly_chart")) == len(charts)


def test_the_bundle_and_finboard_export_use_the_registry_titles_and_names(world, tmp_path):
    out = tmp_path / "report.zip"
    assert cli.main(["export", "bundle", "--from", "2025-01-01", "--to", "2025-01-31", "--no-images",
                     "--out", str(out)]) == 0  # fmt: skip
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        pages = {c["name"]: zf.read(f"charts/{c['name']}.html").decode() for c in manifest["charts"] if c["figure"]}
    assert [(c["name"], c["title"]) for c in manifest["charts"]] == [(c.name, c.title) for c in CHARTS.values()]
    assert set(pages) == {c.name for c in CHARTS.values() if c.draw}
    for name, html in pages.items():
        assert f"<title>{CHARTS[name].title}</title>" in html
        assert CHARTS[name].title in html.split("</head>", 1)[1], "the figure itself carries the title"
    assert set(CHARTS) <= set(cli.ExportChoices())


@pytest.mark.parametrize("page", ["Overview", "Cash flow", "Categories", "Balances"])
def test_a_page_of_several_charts_reads_them_on_one_connection(world, page, monkeypatch):
    from dashboard import data

    def one_by_one(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a chart was read on a connection of its own")

    monkeypatch.setattr(data, "chart_rows", one_by_one)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(f"../pages/{PAGE_FILES[page]}")
    at.query_params.update({"from": "2025-01-01", "to": "2025-01-31", "currency": "USD"})
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == len(on_page(page))
