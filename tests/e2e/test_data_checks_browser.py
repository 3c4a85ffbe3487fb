"""The Balances page's Data checks in a real browser, on the demo bank, the way a person gets there: Load demo
bank, time passes at the bank (the emulator's clock), Sync now, open Balances. Screenshots of the section land in
test-artifacts/ (data-checks.png, data-checks-failing.png); docs/screenshots/ holds copies."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from core.emulator import Emulator, start_emulator
from core.store import Store
from tests.e2e.conftest import ARTIFACTS, wait_for_streamlit
from tests.e2e.test_check_cli import DEMO_TODAY, advance

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def emulator(tmp_path) -> Iterator[Emulator]:
    """The conftest's emulator, anchored on a fixed day (see DEMO_TODAY) so the figures do not follow the calendar."""
    emu = start_emulator(port=0, state_path=tmp_path / "data" / "emulator-state.json", today=DEMO_TODAY)
    yield emu
    emu.stop()


def test_data_checks_on_the_demo_bank(dashboard, emulator, page):
    from playwright.sync_api import expect

    page.goto(dashboard.url)
    wait_for_streamlit(page)
    page.get_by_role("button", name="Load demo bank").click()
    expect(page.get_by_role("button", name="Load demo bank")).to_have_count(0, timeout=120_000)
    wait_for_streamlit(page)

    open_balances(page, dashboard)
    section = data_checks(page)
    expect(page.get_by_text("Nothing to check yet", exact=False)).to_be_visible()

    advance(emulator.url, 30)  # a month passes at the bank; its webhook may start a sync by itself
    page.goto(dashboard.url + "/connections")
    wait_for_streamlit(page)
    page.get_by_role("button", name="Sync now").click()
    wait_for_streamlit(page)
    wait_until(lambda: dashboard.query(REPORTED_DAYS) == [(2,)])

    open_balances(page, dashboard)
    section = data_checks(page)
    expect(page.get_by_text("Every change reconciles: 4 pairs of reported balances on 4 accounts")).to_be_visible()
    page.get_by_test_id("stExpander").get_by_text("Per account", exact=True).click()
    expect(page.get_by_test_id("stExpander").get_by_test_id("stDataFrame")).to_be_visible()
    section_screenshot(page, section, "data-checks")

    with Store(dashboard.db).transaction() as con:  # a posted purchase between the two reported days vanishes
        con.execute(
            """DELETE FROM plaid_transaction_rows WHERE transaction_id = (
                   SELECT transaction_id FROM transactions JOIN accounts USING (account_id)
                   WHERE accounts.name = 'Plaid Checking' AND NOT pending AND amount > 0
                     AND date > DATE '2040-05-29' ORDER BY date, transaction_id LIMIT 1)"""
        )
    Store(dashboard.db).bump_data_version()
    open_balances(page, dashboard)
    section = data_checks(page)
    expect(
        page.get_by_text("1 of 4 accounts do not reconcile: 1 of 4 pairs of reported balances disagree")
    ).to_be_visible()
    expect(page.get_by_text("Plaid Checking ••0000").first).to_be_visible()
    section_screenshot(page, section, "data-checks-failing")


REPORTED_DAYS = "SELECT count(DISTINCT date) FROM balance_history WHERE NOT derived"


def wait_until(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def open_balances(page, dashboard) -> None:
    page.goto(dashboard.url + "/balances?period=all")
    wait_for_streamlit(page)


def data_checks(page):
    heading = page.get_by_role("heading", name="Data checks")
    heading.scroll_into_view_if_needed()
    return heading


def section_screenshot(page, heading, name: str) -> None:
    """The section from its heading to its last table, as it looks on the page."""
    page.wait_for_timeout(500)  # tables draw on a canvas after the script finished
    heading.evaluate("h => h.scrollIntoView({block: 'start'})")
    top = heading.bounding_box()
    tables = page.get_by_test_id("stDataFrame")
    bottom = tables.nth(tables.count() - 1).bounding_box()
    assert top and bottom
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / f"{name}.png"),
        clip={"x": top["x"] - 16, "y": top["y"] - 16, "width": top["width"] + 32,
              "height": bottom["y"] + bottom["height"] - top["y"] + 32},
    )  # fmt: skip
