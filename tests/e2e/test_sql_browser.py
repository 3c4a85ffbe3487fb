"""The SQL page in chromium against a running `finboard run`: run a query, build a chart, download the
CSV of the whole result, share it by its address, and cancel a query that would run for ever."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.analytics.filters import Filters
from core.store import Store
from core.workbench.readmodel import FILTERED, copy_read_model, filtered_transactions
from core.workbench.session import Workbench
from tests.e2e.conftest import ARTIFACTS, wait_for_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUERY = (
    "SELECT category_primary, iso_currency_code, sum(amount) AS spent, count(*) AS transactions\n"
    "FROM filtered_transactions\n"
    "WHERE amount > 0\n"
    "GROUP BY ALL\n"
    "ORDER BY spent DESC, category_primary"
)
FOREVER = "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range < 0"


def editor(page):
    return page.get_by_test_id("stTextArea").locator("textarea")


def run(page, sql: str) -> None:
    editor(page).fill(sql)
    page.get_by_role("button", name="Run").click()
    wait_for_streamlit(page)


def test_run_a_query_chart_it_download_it_and_share_it(synced_dashboard, browser, page, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{synced_dashboard.url}/sql?period=all&pending=1&transfers=1")
    wait_for_streamlit(page)
    run(page, QUERY)
    summary = page.get_by_test_id("stMarkdown").filter(has_text="ran in").first.inner_text()
    assert " rows · 4 columns · ran in " in summary

    page.get_by_test_id("stMain").get_by_label("Chart", exact=True).check(force=True)
    wait_for_streamlit(page)
    chart = page.get_by_test_id("stPlotlyChart").first
    chart.locator(".bars .point").first.wait_for()
    assert "chart=bar" in page.url and "x=category_primary" in page.url
    page.wait_for_timeout(500)  # let Plotly finish drawing
    page.screenshot(path=str(ARTIFACTS / "sql-page.png"), full_page=True)

    with page.expect_download() as info:
        page.locator(".st-key-sql_download_csv button").click()
    download = info.value
    assert download.suggested_filename.startswith("finboard-query-") and download.suggested_filename.endswith(".csv")
    download.save_as(tmp_path / "result.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "result.csv").read_text())))
    store = Store(synced_dashboard.db)
    copy = copy_read_model(store)
    sidebar = Filters(period="all", include_pending=True, include_transfers=True, currency="USD")  # the page's
    selected = filtered_transactions(store, copy.tables["transactions"], sidebar, date.today())
    with Workbench({**copy.tables, FILTERED: selected}, time_limit=30) as wb:
        expected = wb.run(QUERY).table.to_pylist()
    assert [(r["category_primary"], r["iso_currency_code"], Decimal(r["spent"])) for r in rows] == [
        (e["category_primary"], e["iso_currency_code"], e["spent"]) for e in expected
    ]

    shared = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    shared.goto(page.url)
    shared.get_by_test_id("stMarkdown").filter(has_text="ran in").first.wait_for()  # it runs by itself
    wait_for_streamlit(shared)
    expect(editor(shared)).to_have_value(QUERY)
    shared.get_by_test_id("stPlotlyChart").first.locator(".bars .point").first.wait_for()
    assert (
        shared.get_by_test_id("stMarkdown")
        .filter(has_text="ran in")
        .first.inner_text()
        .startswith(summary.split(" · ")[0])
    )
    shared.context.close()


def test_a_running_query_can_be_cancelled_from_the_page(synced_dashboard, page):
    page.goto(f"{synced_dashboard.url}/sql?period=all")
    wait_for_streamlit(page)
    editor(page).fill(FOREVER)
    page.get_by_role("button", name="Run").click()
    cancel = page.get_by_role("button", name="Cancel")
    cancel.wait_for()
    page.get_by_text("Running…").wait_for()
    cancel.click()
    wait_for_streamlit(page)
    assert "Cancelled after" in page.get_by_test_id("stAlertContentWarning").first.inner_text()
    run(page, "SELECT 42 AS answer")  # the page is usable straight away
    assert "1 row" in page.get_by_test_id("stMarkdown").filter(has_text="ran in").first.inner_text()
