"""Connecting a bank in a real browser: Plaid Link (the emulator's look-alike) over `finboard run`, offline."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot, wait_for_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST_PLATYPUS = "First Platypus Bank"


def link_frame(page):
    return page.frame_locator('iframe[title="Plaid Link"]')


def log_in_through_link(page, bank: str) -> None:
    link = link_frame(page)
    link.get_by_role("button", name=bank).click()
    link.get_by_label("Username").fill("user_good")
    link.get_by_label("Password").fill("pass_good")
    link.get_by_role("button", name="Continue").click()


def test_connect_first_platypus_bank_through_the_modal(dashboard, page, frames):
    from playwright.sync_api import expect

    page.goto(dashboard.url + "/connections")
    wait_for_streamlit(page)
    page.get_by_role("button", name="Connect a bank").click()
    modal = page.locator('iframe[title="Plaid Link"]')
    expect(modal).to_be_visible()
    assert modal.bounding_box() == {"x": 0, "y": 0, "width": 1280, "height": 900}
    link = link_frame(page)
    expect(link.get_by_role("heading", name="Select your bank")).to_be_visible()
    screenshot(page, "link-modal")
    log_in_through_link(page, FIRST_PLATYPUS)
    expect(link.get_by_role("heading", name="Select accounts")).to_be_visible()
    link.get_by_role("button", name="Continue").click()
    expect(link.get_by_role("heading", name="Success")).to_be_visible()
    link.get_by_role("button", name="Continue").click()

    expect(page.get_by_text(f"{FIRST_PLATYPUS} is connected.")).to_be_visible(timeout=90_000)
    expect(page).to_have_url(re.compile(r"/$|/overview"))
    wait_for_streamlit(page)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    screenshot(page, "overview-after-connect")
