"""Connecting a bank in a real browser: Plaid Link (the emulator's look-alike) over `finboard run`, offline.

Every flow ends by scanning what reached the browser (the DOM of every frame and every websocket frame,
both ways) and the dashboard's log for the access tokens the emulator issued.
"""

from __future__ import annotations

import json
import re

import pytest

from core.config import load_settings
from core.items import connect_sandbox
from core.plaid_gateway import PlaidGateway
from core.sync import sync_items
from core.workspace import EMULATOR_URL_ENV, Workspace
from tests.e2e.conftest import screenshot, wait_for_streamlit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST_PLATYPUS = ("ins_109508", "First Platypus Bank")
OAUTH_BANK = ("ins_127287", "Platypus OAuth Bank")


@pytest.fixture
def demo_item(dashboard, monkeypatch) -> str:
    """First Platypus Bank connected as user_good and synced, without a browser; returns the item_id."""
    monkeypatch.setenv(EMULATOR_URL_ENV, dashboard.emulator.url)
    ws = Workspace(load_settings(dashboard.env))
    item_id = connect_sandbox(ws, FIRST_PLATYPUS[0], username="user_good", password="pass_good")
    assert all(r.ok for r in sync_items(ws, [item_id]))
    return item_id


def link_frame(page):
    return page.frame_locator('iframe[title="Plaid Link"]')


def open_connections(page, dashboard) -> None:
    page.goto(dashboard.url + "/connections")
    wait_for_streamlit(page)


def card(page, item_id: str):
    return page.locator(f".st-key-connection_{item_id}")


def log_in(link) -> None:
    link.get_by_label("Username").fill("user_good")
    link.get_by_label("Password").fill("pass_good")
    link.get_by_role("button", name="Continue").click()


def finish_link(link) -> None:
    """Link's last two screens for a new item: accounts (all ticked), then Success."""
    from playwright.sync_api import expect

    expect(link.get_by_role("heading", name="Select accounts")).to_be_visible()
    link.get_by_role("button", name="Continue").click()
    expect(link.get_by_role("heading", name="Success")).to_be_visible()
    link.get_by_role("button", name="Continue").click()


def assert_no_access_token_reached_the_browser(dashboard, page, frames) -> None:
    from playwright.sync_api import expect

    expect(page.locator('iframe[title="Plaid Link"]')).to_have_count(0)  # Link is closed and cleaned up
    tokens = dashboard.access_tokens()
    assert tokens, "the flow should have stored an access token"
    # The scan sees what the dashboard sends: the link token went to the component through these frames.
    assert frames.contain("link-sandbox-"), "websocket frames were not captured"
    documents = [frame.content() for frame in page.frames]
    log = dashboard.log.read_text(errors="replace")
    for token in tokens:
        assert token.startswith("access-")
        assert not frames.contain(token), "an access token travelled over the websocket"
        assert not any(token in html for html in documents), "an access token is in the page"
        assert token not in log, "an access token is in the dashboard's log"


def test_connect_first_platypus_bank_through_the_modal(dashboard, page, frames):
    from playwright.sync_api import expect

    open_connections(page, dashboard)
    page.get_by_role("button", name="Connect a bank").click()
    modal = page.locator('iframe[title="Plaid Link"]')
    expect(modal).to_be_visible()
    assert modal.bounding_box() == {"x": 0, "y": 0, "width": 1280, "height": 900}, "Link covers the viewport"
    link = link_frame(page)
    expect(link.get_by_role("heading", name="Select your bank")).to_be_visible()
    screenshot(page, "link-modal")
    link.get_by_role("button", name=FIRST_PLATYPUS[1]).click()
    log_in(link)
    finish_link(link)

    expect(page.get_by_text(f"{FIRST_PLATYPUS[1]} is connected.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/(overview)?(\?.*)?$"))  # the Overview
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    screenshot(page, "overview-after-connect")
    assert dashboard.query("SELECT institution_id, status FROM items") == [(FIRST_PLATYPUS[0], "healthy")]
    assert dashboard.query("SELECT count(*) FROM transactions")[0][0] > 100

    page.get_by_role("link", name="Connections").click()
    wait_for_streamlit(page)
    expect(page.get_by_role("cell", name="••••0000")).to_be_visible()
    screenshot(page, "connections")
    assert_no_access_token_reached_the_browser(dashboard, page, frames)


def test_reset_login_then_reconnect_in_update_mode(dashboard, demo_item, page, frames):
    from playwright.sync_api import expect

    (token,) = dashboard.access_tokens()
    PlaidGateway(dashboard.emulator.url, "test", "test").sandbox_reset_login(token)  # /sandbox/item/reset_login

    open_connections(page, dashboard)
    item = card(page, demo_item)
    # The ITEM/ERROR webhook may already have told the dashboard; a sync finds out in any case.
    item.get_by_role("button", name="Sync now").click()
    expect(item.get_by_text("The bank needs you to log in again.")).to_be_visible()
    screenshot(page, "connections-login-required")
    item.get_by_role("button", name="Reconnect").click()

    link = link_frame(page)
    expect(link.get_by_role("heading", name=f"Log in to {FIRST_PLATYPUS[1]}")).to_be_visible()
    log_in(link)
    expect(link.get_by_role("heading", name="Success")).to_be_visible()
    link.get_by_role("button", name="Continue").click()

    expect(page.get_by_text(f"Reconnected {FIRST_PLATYPUS[1]}.")).to_be_visible()
    expect(card(page, demo_item).get_by_text("Connected and syncing.")).to_be_visible()
    expect(card(page, demo_item).get_by_role("button", name="Reconnect")).to_have_count(0)
    assert dashboard.query("SELECT status, error_code FROM items") == [("healthy", None)]
    assert dashboard.emulator.control.items()[0]["error_code"] is None
    assert_no_access_token_reached_the_browser(dashboard, page, frames)


def test_disconnect_removes_the_item_and_its_data(dashboard, demo_item, page):
    from playwright.sync_api import expect

    page.goto(dashboard.url)  # the Overview derives the analytics tables from the transactions
    wait_for_streamlit(page)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    assert dashboard.query("SELECT count(*) FROM analytics_ledger")[0][0] > 100
    open_connections(page, dashboard)
    card(page, demo_item).get_by_role("button", name="Disconnect").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("revoke its access to")).to_be_visible()
    screenshot(page, "disconnect-confirm")
    dialog.get_by_role("button", name="Disconnect").click()

    expect(page.get_by_text("No bank connected yet")).to_be_visible()
    stored = ("items", "item_tokens", "accounts", "plaid_transaction_rows", "account_numbers", "account_owners",
              "balance_history", "analytics_ledger", "analytics_daily", "analytics_daily_merchants")  # fmt: skip
    for table in stored:
        assert dashboard.query(f"SELECT count(*) FROM {table}") == [(0,)], table
    assert dashboard.emulator.control.items() == [], "the item is removed at Plaid too"


def test_oauth_bank_round_trip(dashboard, page, frames):
    from playwright.sync_api import expect

    open_connections(page, dashboard)
    page.get_by_role("button", name="Connect a bank").click()
    link = link_frame(page)
    link.get_by_role("button", name=OAUTH_BANK[1]).click()
    log_in(link)  # the emulator's OAuth bank sends the whole tab to the redirect URI

    page.wait_for_url(re.compile(r"oauth_state_id="))
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "finboard_link"]
    assert not cookie["value"].startswith(("link-", "public-", "access-")), "the cookie is a key, not a token"
    finish_link(link_frame(page))  # a new session re-opened Link with the same token and receivedRedirectUri

    expect(page.get_by_text(f"{OAUTH_BANK[1]} is connected.")).to_be_visible()
    expect(page).not_to_have_url(re.compile("oauth_state_id"))
    assert not [c for c in page.context.cookies() if c["name"] == "finboard_link" and c["value"]], "key forgotten"
    assert dashboard.query("SELECT institution_id, status FROM items") == [(OAUTH_BANK[0], "healthy")]
    assert_no_access_token_reached_the_browser(dashboard, page, frames)


def test_an_invalid_link_token_is_replaced_without_the_person_noticing(dashboard, page):
    """Plaid refuses a link token that expired or was used too often; Link re-opens with a fresh one."""
    from playwright.sync_api import expect

    tokens: list[str] = []

    def first_session_refused(route) -> None:
        tokens.append(json.loads(route.request.post_data or "{}")["token"])
        if len(tokens) > 1:
            route.continue_()
            return
        error = {"error_type": "INVALID_INPUT", "error_code": "INVALID_LINK_TOKEN", "display_message": None,
                 "error_message": "provided link token has expired", "request_id": "req-expired"}  # fmt: skip
        route.fulfill(status=400, content_type="application/json", body=json.dumps({"error": error}))

    page.route("**/link/web/api/session", first_session_refused)
    open_connections(page, dashboard)
    page.get_by_role("button", name="Connect a bank").click()
    expect(link_frame(page).get_by_role("heading", name="Select your bank")).to_be_visible()
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    expect(page.get_by_role("alert")).to_have_count(0)
