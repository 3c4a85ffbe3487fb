"""The Recurring and Forecast pages in a real browser over `finboard run`, as a new user gets there: offline,
"Load demo bank" on the Overview, then the pages. The next dates the page shows for the demo bank's salary,
rent or mortgage and subscriptions are checked against what the emulator posts when its clock then moves.
Screenshots land in test-artifacts/ (docs/screenshots/ holds copies)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from tests.e2e.conftest import screenshot, wait_for_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TALL = {"width": 1280, "height": 2600}


def load_demo_bank(page, dashboard) -> str:
    from playwright.sync_api import expect

    page.goto(dashboard.url)
    wait_for_streamlit(page)
    page.get_by_role("button", name="Load demo bank").click()
    expect(page.get_by_text("Net worth").first).to_be_visible(timeout=120_000)
    wait_for_streamlit(page)
    return str(dashboard.query("SELECT item_id FROM items")[0][0])


def next_expected(page, dashboard, stream_id: str) -> date:
    page.goto(f"{dashboard.url}/recurring?stream={stream_id}")
    wait_for_streamlit(page)
    text = page.get_by_text("next expected").inner_text()
    found = re.search(r"next expected \w{3} (\w{3} \d{2}, \d{4})", text)
    assert found, text
    return datetime.strptime(found[1], "%b %d, %Y").date()


def test_the_demo_banks_recurring_page_and_forecast(dashboard, page):
    from playwright.sync_api import expect

    item = load_demo_bank(page, dashboard)
    page.set_viewport_size(TALL)
    page.goto(f"{dashboard.url}/recurring")
    wait_for_streamlit(page)
    headings = ("Subscriptions and bills", "Income", "Transfers between your accounts", "Recurring: the next 30 days")
    for heading in headings:
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
    assert "Traceback" not in page.content()
    screenshot(page, "recurring")

    page.goto(f"{dashboard.url}/forecast")
    wait_for_streamlit(page)
    expect(page.get_by_text("Look ahead")).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    screenshot(page, "forecast")
    page.get_by_text("90 days", exact=True).click()
    wait_for_streamlit(page)
    expect(page.get_by_text("In 90 days").first).to_be_visible()
    page.goto(f"{dashboard.url}/connections")
    wait_for_streamlit(page)
    expect(page.get_by_text("Recurring payments: from Plaid's Recurring Transactions")).to_be_visible()

    streams = dashboard.query(
        "SELECT stream_id, merchant FROM recurring_streams WHERE direction = 'inflow' AND category_primary = 'INCOME' "
        "AND cadence = 'biweekly' OR merchant IN ('Netflix', 'Spotify', 'Greystar', 'GEICO') "
        "OR merchant LIKE 'Mortgage Payment%'"
    )
    shown = {str(merchant): next_expected(page, dashboard, str(sid)) for sid, merchant in streams}
    assert len(shown) >= 5  # salary, rent or mortgage, Netflix, Spotify, GEICO
    today = dashboard.emulator.control.items()[0]["today"]
    dashboard.emulator.control.advance(item, days=35)
    posted: dict[str, date] = {}
    for t in sorted(dashboard.emulator.control.truth(item), key=lambda t: t["date"]):
        day = date.fromisoformat(t["date"])
        merchant = t.get("merchant_name") or t["name"]
        if day > date.fromisoformat(today) and merchant in shown and not t["pending"]:
            posted.setdefault(merchant, day)
    assert posted == shown
    assert all(d <= date.fromisoformat(today) + timedelta(days=31) for d in shown.values())
