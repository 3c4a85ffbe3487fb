"""The analytics pages in a real browser against a real `finboard run`: a filtered URL reproduces the
view, chart PNG/SVG downloads, data CSV download, category drill-down, and a screenshot of every page.

Data comes the way a user gets it: the emulator's banks connected and synced by Finboard's own code.
Screenshots land in test-artifacts/ (git-ignored); docs/ holds copies of the main ones.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from core.analytics import cash_flow, ledger
from core.analytics.filters import parse_query_string
from core.charts.figures import money
from core.config import load_settings
from core.emulator import start_emulator
from core.items import connect_sandbox
from core.sync import sync_items
from core.workspace import Workspace
from tests.conftest import CHROMIUM_ARGS, ROOT
from tests.support import free_port

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
PAGES = {
    "overview": "",
    "cash-flow": "cash_flow",
    "categories": "categories",
    "balances": "balances",
    "transactions": "transactions",
}
BANKS = ("ins_109508", "ins_109509", "ins_43")  # two US banks and a Canadian one (a CAD account)


@pytest.fixture(scope="module")
def synced_db(tmp_path_factory) -> Path:
    """A database filled through Finboard's connect and sync, from the emulator's banks."""
    db = tmp_path_factory.mktemp("analytics-e2e") / "data" / "finboard.duckdb"
    emulator = start_emulator(seed=11)
    try:
        env = {
            "PLAID_CLIENT_ID": "e2e",
            "PLAID_SECRET": "e2e",
            "PLAID_ENV": "sandbox",
            "PLAID_BASE_URL": emulator.url,
            "PLAID_COUNTRY_CODES": "US,CA",
            "FINBOARD_DB": str(db),
        }
        ws = Workspace(load_settings(env, secrets_path=db.parent / "none.toml"))
        for bank in BANKS:
            connect_sandbox(ws, bank)
        assert all(r.ok for r in sync_items(ws))
    finally:
        emulator.stop()
    return db


@pytest.fixture(scope="module")
def server(synced_db) -> Iterator[str]:
    """`finboard run` on a free port over the synced database (offline mode, as on a fresh machine)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))}
    env.update(FINBOARD_DB=str(synced_db), FINBOARD_SECRETS=str(synced_db.parent / "none.toml"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "run", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                output = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"finboard run did not start:\n{output}") from None
            time.sleep(0.3)
    yield url
    stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop `finboard run` and the Streamlit server it started (its process group), forcibly if slow."""
    os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        proc.poll()  # reap the launcher so only live processes keep the group alive
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1800}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(60_000)
    yield p
    context.close()


def wait_for_streamlit(page) -> None:
    """Streamlit's own e2e recipe: connected, the script not running, no skeletons."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for(state="attached")
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached")
    page.wait_for_selector('[data-testid="stSkeleton"]', state="detached")


def metric(page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def test_a_filtered_url_reproduces_the_view(server, synced_db, browser, page):
    query = "period=last_90_days&currency=USD&interval=week&merchant=a"
    filters = parse_query_string(query).filters
    from core.store import Store

    with ledger.reading(Store(synced_db)) as con:  # the server holds no connection between runs
        expected = cash_flow.totals(con, filters, date.today()).iloc[0]
    page.goto(f"{server}/cash_flow?{query}")
    wait_for_streamlit(page)
    assert metric(page, "Income") == money(float(expected["income"]), "USD")
    assert metric(page, "Spending") == money(float(expected["spending"]), "USD")
    assert (
        page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first.inner_text().startswith("Last 90 days")
    )

    # change a filter in the sidebar: the URL follows, and the copied URL opens the same view elsewhere
    page.get_by_test_id("stSidebar").get_by_label("Include pending").check(force=True)
    wait_for_streamlit(page)
    assert "pending=1" in page.url
    spending = metric(page, "Spending")
    other = browser.new_context(viewport={"width": 1440, "height": 1200}).new_page()
    other.goto(page.url)
    wait_for_streamlit(other)
    assert metric(other, "Spending") == spending
    assert other.get_by_test_id("stSidebar").get_by_label("Include pending").is_checked()
    other.context.close()


def test_invalid_url_parameters_show_a_warning(server, page):
    page.goto(f"{server}/categories?period=fortnight&min=abc")
    wait_for_streamlit(page)
    warning = page.get_by_test_id("stAlertContentWarning").first.inner_text()
    assert "period=fortnight" in warning and "min=abc" in warning
    assert "period=" not in page.url and "min=" not in page.url


def download_from_modebar(page, chart):
    chart.hover()
    with page.expect_download() as info:
        chart.locator('.modebar-btn[data-title^="Download plot"]').click()
    return info.value


def test_chart_downloads_png_and_svg_from_its_toolbar(server, page, tmp_path):
    page.goto(f"{server}/cash_flow?period=last_12_months&currency=USD")
    wait_for_streamlit(page)
    chart = page.get_by_test_id("stPlotlyChart").first
    png = download_from_modebar(page, chart)
    assert png.suggested_filename.startswith("finboard-cash-flow-") and png.suggested_filename.endswith("_USD.png")
    png.save_as(tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")

    page.get_by_test_id("stSidebar").get_by_role("radio", name="SVG").click()
    wait_for_streamlit(page)
    assert "image=svg" in page.url
    svg = download_from_modebar(page, page.get_by_test_id("stPlotlyChart").first)
    assert svg.suggested_filename.endswith("_USD.svg")
    svg.save_as(tmp_path / "chart.svg")
    assert b"<svg" in (tmp_path / "chart.svg").read_bytes()[:500]


def test_chart_data_downloads_as_csv(server, page, tmp_path):
    page.goto(f"{server}/cash_flow?period=last_12_months&currency=USD")
    wait_for_streamlit(page)
    page.get_by_test_id("stPopover").filter(has_text="Download").first.click()
    with page.expect_download() as info:
        page.get_by_test_id("stPopoverBody").get_by_role("button", name="CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("finboard-cash-flow-")
    download.save_as(tmp_path / "flow.csv")
    header = (tmp_path / "flow.csv").read_text().splitlines()[0]
    assert header == "period,currency,income,spending,net,cumulative_net,transfers_in_outside,transfers_out_outside"


def test_clicking_a_category_lists_its_transactions(server, page):
    page.goto(f"{server}/categories?period=last_12_months&currency=USD")
    wait_for_streamlit(page)
    page.locator('[data-testid="stPlotlyChart"] g.slice').nth(1).click(force=True)
    wait_for_streamlit(page)
    heading = page.get_by_role("heading", name="Transactions in")
    heading.wait_for()
    assert page.get_by_test_id("stDataFrame").count() >= 1
    assert (
        "transactions · money in"
        in page.get_by_test_id("stMarkdown").filter(has_text="transactions ·").first.inner_text()
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_screenshot_of_every_page(server, page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{server}/{PAGES[name]}?period=last_12_months&currency=USD")
    wait_for_streamlit(page)
    page.wait_for_timeout(1000)  # let Plotly finish drawing
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(ARTIFACTS / f"analytics-{name}.png"), full_page=True)


@pytest.mark.parametrize(("period", "name"), [("this_month", "this-month"), ("year_to_date", "year-to-date")])
def test_the_overview_says_which_dates_it_compares(server, synced_db, page, period, name):
    from core.analytics.filters import Filters, describe_period
    from core.store import Store

    filters = Filters(period=period, currency="USD")
    with ledger.reading(Store(synced_db)) as con:
        expected = cash_flow.totals(con, filters, date.today()).iloc[0]
    page.goto(f"{server}/?period={period}&currency=USD")
    wait_for_streamlit(page)
    page.wait_for_timeout(1000)  # let Plotly finish drawing
    caption = page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first.inner_text()
    assert caption.startswith(describe_period(filters, date.today()))
    assert metric(page, "Income") == money(float(expected["income"]), "USD")  # 0, not a dash, early in a month
    assert "came in from" in page.get_by_test_id("stMain").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"analytics-overview-{name}.png"), full_page=True)


def test_the_sankey_shows_transfers_to_and_from_outside_beside_income(server, page):
    page.goto(f"{server}/cash_flow?period=last_12_months&currency=USD")
    wait_for_streamlit(page)
    sankey = page.get_by_test_id("stPlotlyChart").nth(2)
    sankey.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    labels = [t.strip() for t in sankey.locator("g.sankey-node text").all_text_contents()]
    assert "Income" in labels and ("Saved" in labels or "Drawn from savings" in labels)
    assert "Transfers outside Finboard" in labels
    assert any(label.endswith("(out)") for label in labels)  # ATM cash, investments
    sankey.screenshot(path=str(ARTIFACTS / "analytics-sankey-outside-transfers.png"))


def test_a_suggested_transfer_pair_is_confirmed_in_the_browser(server, synced_db, page):
    from core.store import Store

    page.goto(f"{server}/transactions?period=last_12_months&currency=USD")
    wait_for_streamlit(page)
    review = page.get_by_test_id("stDataFrame").last
    review.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = review.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 38 + 17)  # the first pair's selection box
    wait_for_streamlit(page)
    confirm = page.get_by_role("button", name="Confirm pair")
    confirm.scroll_into_view_if_needed()
    page.get_by_role("heading", name="Transfers between your accounts").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "analytics-transfer-review.png"))
    confirm.click()
    wait_for_streamlit(page)
    with Store(synced_db).connect() as con:
        decided = con.execute("SELECT count(*) FROM transfer_decisions WHERE decision = 'pair'").fetchone()
    assert decided == (2,)  # both halves, each pointing at the other
