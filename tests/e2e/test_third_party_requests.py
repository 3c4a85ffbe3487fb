"""A browser on the dashboard contacts no one but the dashboard (issue 12, item 3).

The only other origin allowed is the Plaid host's while Link is open: offline, the emulator's Link look-alike
on 127.0.0.1. Every request of the browser is recorded (documents, scripts, styles, fonts, images, the favicon,
websockets, iframes) over every page before and after a bank is connected through Link.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import RequestLog, origin, wait_for_streamlit
from tests.e2e.test_link import FIRST_PLATYPUS, finish_link, link_frame, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ("", "cash_flow", "categories", "balances", "transactions", "connections", "settings")


def visit_every_page(page, url: str) -> None:
    for path in PAGES:
        page.goto(f"{url}/{path}")
        wait_for_streamlit(page)
        page.wait_for_timeout(500)  # late requests: the favicon, chart fonts, images


def test_no_request_leaves_the_dashboard_except_to_link(dashboard, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    requests = RequestLog()
    requests.watch(context)
    page = context.new_page()

    requests.phase = "empty"
    visit_every_page(page, dashboard.url)

    page.goto(dashboard.url + "/connections")
    wait_for_streamlit(page)
    requests.phase = "link"
    page.get_by_role("button", name="Connect a bank").click()
    link = link_frame(page)
    link.get_by_role("button", name=FIRST_PLATYPUS[1]).click()
    log_in(link)
    finish_link(link)
    expect(page.get_by_text(f"{FIRST_PLATYPUS[1]} is connected.")).to_be_visible()
    expect(page.locator('iframe[title="Plaid Link"]')).to_have_count(0)
    wait_for_streamlit(page)

    requests.phase = "synced"
    visit_every_page(page, dashboard.url)
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()  # the walk reached the last page
    context.close()

    home, emulator = origin(dashboard.url), origin(dashboard.emulator.url)
    phases = {phase for phase, _ in requests.requests}
    assert {"empty", "link", "synced"} <= phases, "the browser's requests were not recorded"
    assert any(origin(url) == emulator for phase, url in requests.requests if phase == "link"), (
        "Link did not load from the emulator: the test did not see the flow it checks"
    )
    assert requests.foreign({"empty": {home}, "link": {home, emulator}, "synced": {home}}) == []
