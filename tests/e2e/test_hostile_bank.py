"""The hostile bank in a real browser (issue 12, item 9): its names carry spreadsheet formulas, Markdown
images and links, HTML, Plotly templates, escape sequences, right-to-left overrides and 1 KB strings
(core/emulator/hostile.py). Connected and synced by Finboard, then walked through every page, with rows
selected, charts hovered, menus opened: the browser must never contact a host other than the dashboard's
(every request is intercepted; foreign ones are recorded and refused), and no link or image in the page may
come from that text. The text itself must be on screen, as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from core.analytics.categorize import add_rule
from core.analytics.filters import Filters
from core.analytics.saved_views import save_view
from core.config import load_settings
from core.emulator import hostile
from core.items import connect_sandbox
from core.sync import sync_items
from core.webhooks.audit import WebhookEvent, record_events
from core.workspace import EMULATOR_URL_ENV, Workspace
from tests.e2e.conftest import RequestLog, origin, screenshot, wait_for_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ("", "cash_flow", "categories", "balances", "transactions", "connections", "settings")
CHART_PAGES = ("", "cash_flow", "categories", "balances")
EVERYTHING = "?period=all&pending=1&transfers=1"
ROW_PICKS = ("pixel", "evil.example/anchor", "gnp.exe")  # first rows: a Markdown image, HTML, an RLO

# Every URL-like attribute in the document (HTML and SVG), inline styles' url(...), and scripts' text.
DOM_REFERENCES = """() => {
  const refs = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (/^(href|src|srcset|xlink:href|action|formaction|poster|data|background|style)$/i.test(attr.name)) {
        refs.push(`<${el.tagName.toLowerCase()} ${attr.name}="${attr.value}">`);
      }
    }
    if (el.tagName === 'SCRIPT' && el.textContent) refs.push(`<script>${el.textContent.slice(0, 200)}`);
  }
  return refs;
}"""


@pytest.fixture
def hostile_bank(dashboard, monkeypatch) -> Workspace:
    """The hostile bank connected and synced, a rule and a saved view named after its text, and a forged
    webhook whose claimed fields are hostile too."""
    monkeypatch.setenv(EMULATOR_URL_ENV, dashboard.emulator.url)
    ws = Workspace(load_settings(dashboard.env))
    item_id = connect_sandbox(ws, hostile.INSTITUTION_ID)
    assert all(r.ok for r in sync_items(ws, [item_id]))
    add_rule(ws.store, hostile.NAMES[7], "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE")  # the Markdown image
    save_view(ws.store, "![v](http://127.0.0.1:9/view.png) <a href=x>", Filters(period="all"))
    forged = WebhookEvent(
        "forged-1", datetime.now(), "[w](http://evil.example/webhook)", "<img src=http://127.0.0.1:9/w.png>",
        item_id, False, "rejected: \x1b[31m![p](http://127.0.0.1:9/p.png)", None,
    )  # fmt: skip
    record_events(ws.store, [forged])
    ws.store.bump_data_version()
    return ws


@pytest.fixture
def watched(browser, dashboard) -> Iterator[tuple[object, list[str], RequestLog]]:
    """A page whose requests to any other origin are refused and recorded (and every request logged)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1800})
    context.set_default_timeout(30_000)
    refused: list[str] = []
    home = origin(dashboard.url)

    def intercept(route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or origin(url) == home:
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", intercept)
    requests = RequestLog()
    requests.watch(context)  # also sees websockets, which routes do not
    yield context.new_page(), refused, requests
    context.close()


def leaks(page) -> list[str]:
    """References in the page that point at the hostile bank's hosts, or a script it smuggled in."""
    markers = (*hostile.HOSTILE_HOSTS, "alert(")
    return [ref for ref in page.evaluate(DOM_REFERENCES) if any(m in ref for m in markers)]


SHOWN_TEXT = """() => document.body.innerText + ' '
  + [...document.querySelectorAll('svg text')].map(t => t.textContent).join(' ')"""


def shown_text(page) -> str:
    """Everything drawn as text, including the charts' SVG text."""
    return str(page.evaluate(SHOWN_TEXT))


CHARTS_DRAWN = """() => {
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  return charts.length > 0 && [...charts].every(c => c.querySelector('.main-svg text'));
}"""


def wait_for_charts(page) -> None:
    """Plotly draws after the script has run: wait until every chart on the page has drawn its marks."""
    page.wait_for_function(CHARTS_DRAWN)


def hover_every_chart(page) -> int:
    """Move the mouse over each chart's plot area (Plotly draws its hover labels from the data)."""
    areas = page.locator(".nsewdrag")
    for i in range(areas.count()):
        box = areas.nth(i).bounding_box()
        if box and box["width"] > 20:
            for fx, fy in ((0.3, 0.2), (0.7, 0.6)):
                page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
                page.wait_for_timeout(150)
    return areas.count()


def select_first_row(page) -> None:
    """Tick the first row's checkbox (under a 35 px header) until the page shows the selected transaction:
    a click that lands while the grid is still being drawn is lost, so it is tried again."""
    from playwright.sync_api import TimeoutError as NotShown

    grid = page.get_by_test_id("stDataFrame").first
    grid.locator("canvas").first.wait_for(state="attached")
    for _ in range(3):
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
        wait_for_streamlit(page)
        try:
            page.get_by_text("New category").wait_for(timeout=5_000)
            return
        except NotShown:
            continue  # the click was lost
    raise AssertionError("selecting a row showed no transaction details")


def test_the_hostile_bank_is_shown_as_text_and_contacts_no_one(hostile_bank, dashboard, watched):
    page, refused, requests = watched
    found: dict[str, list[str]] = {}
    seen_text: dict[str, bool] = {}

    def check(where: str) -> None:
        found[where] = leaks(page)
        seen_text[where] = any(host in shown_text(page) for host in hostile.HOSTILE_HOSTS)

    for path in PAGES:
        name = path or "overview"
        page.goto(f"{dashboard.url}/{path}{EVERYTHING}")
        wait_for_streamlit(page)
        if path in CHART_PAGES:
            wait_for_charts(page)
        page.wait_for_timeout(500)
        check(name)
        if hover_every_chart(page):
            check(f"{name} (charts hovered)")
        screenshot(page, f"hostile-{name}")

    page.goto(f"{dashboard.url}/balances{EVERYTHING}")
    wait_for_streamlit(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Saved views").click()
    sidebar.get_by_test_id("stMultiSelect").first.click()  # the accounts menu lists the hostile account names
    page.wait_for_timeout(500)
    check("sidebar menus open")
    page.keyboard.press("Escape")

    for search in ROW_PICKS:
        page.goto(f"{dashboard.url}/transactions{EVERYTHING}&q={search}")
        wait_for_streamlit(page)
        select_first_row(page)
        page.get_by_text("Category rules").click()
        page.wait_for_timeout(300)
        check(f"transaction selected ({search})")
        screenshot(page, f"hostile-transaction-{search.replace('/', '-')}")

    assert {where: refs for where, refs in found.items() if refs} == {}, "links or images from the bank's text"
    assert refused == [], "the browser tried to contact another host"
    assert [url for _, url in requests.requests if origin(url) != origin(dashboard.url)
            and not url.startswith(("data:", "blob:"))] == []  # fmt: skip
    # The walk saw the hostile text, as text, where names are shown: not an empty or broken page.
    assert all(seen_text[p] for p in ("categories", "balances", "connections")), seen_text
    assert all(seen_text[f"{p} (charts hovered)"] for p in ("categories", "balances")), seen_text
    assert all(seen_text[f"transaction selected ({s})"] for s in ROW_PICKS), seen_text
    assert seen_text["sidebar menus open"]
