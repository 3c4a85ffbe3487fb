"""The Connections page and the Link flow in AppTest (offline, the embedded emulator in this process).

AppTest cannot run the component's JavaScript, so these tests put what Link would report (a success or
an exit) where the component's callback puts it, and check what the person then sees and what is stored.
The browser tests (tests/e2e/test_link.py) drive the real component.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.config import load_settings
from core.items import access_token, connect_sandbox, list_items
from core.link import Purpose
from core.sync import sync_items
from core.text import markdown_text
from core.workspace import Workspace
from dashboard.link import LAUNCH, OUTCOME, Launch
from tests.conftest import ROOT

APP = str(ROOT / "dashboard" / "app.py")
FIRST_PLATYPUS = "ins_109508"


@pytest.fixture
def ws(db_env) -> Workspace:
    return Workspace(load_settings())


@pytest.fixture
def item_id(ws) -> str:
    item = connect_sandbox(ws, FIRST_PLATYPUS, username="user_good", password="pass_good")
    assert all(r.ok for r in sync_items(ws, [item]))
    return item


def connections_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("../pages/connections.py")
    at.run()
    assert not at.exception, at.exception
    return at


def link_data(at: AppTest) -> dict[str, Any]:
    """What the Link component receives (its `data`); fails when Link is not open."""
    (component,) = at.get("bidi_component")
    return dict(json.loads(component.proto.json))


def report(at: AppTest, trigger: str, **payload: Any) -> AppTest:
    """Link reports `trigger` (success/exit) for the open launch, as the component's callback would."""
    launch: Launch = at.session_state[LAUNCH]
    at.session_state[OUTCOME] = {"trigger": trigger, "key": launch.key, "events": [], **payload}
    at.run()
    assert not at.exception, at.exception
    return at


def set_item(ws: Workspace, item_id: str, sql: str) -> None:
    with ws.store.transaction() as con:
        con.execute(f"UPDATE items SET {sql} WHERE item_id = ?", [item_id])


def texts(at: AppTest) -> str:
    return " ".join(e.value for kind in (at.markdown, at.info, at.warning, at.error, at.success) for e in kind)


def test_empty_page_offers_connect_and_the_demo_bank(db_env):
    at = connections_page()
    assert "No bank connected yet" in texts(at)
    assert [b.label for b in at.button] == ["Connect a bank", "Load demo bank"]


def test_connect_a_bank_opens_link_with_a_server_side_token(db_env):
    at = connections_page()
    at.button(key="empty_state_connect").click().run()
    data = link_data(at)
    assert data["link_token"].startswith("link-sandbox-")
    assert data["script_src"].endswith("/link/v2/stable/link-initialize.js")
    assert set(data) == {"key", "link_token", "script_src", "resume", "cookie", "cookie_expires"}


def test_a_connection_shows_accounts_status_last_sync_and_actions(ws, item_id):
    at = connections_page()
    assert "First Platypus Bank" in [s.value for s in at.subheader]
    assert "Connected and syncing." in texts(at)
    assert any("Last synced 20" in c.value and "transactions" in c.value for c in at.caption)
    (table,) = at.table
    accounts = table.value
    assert "Plaid Checking" in accounts["Account"].tolist()
    assert "••••0000" in accounts["Number"].tolist()
    assert "depository / checking" in accounts["Type"].tolist()
    labels = [b.label for b in at.button]
    assert {"Sync now", "Disconnect"} <= set(labels) and "Reconnect" not in labels


def test_login_required_offers_reconnect_in_update_mode(ws, item_id):
    set_item(ws, item_id, "status = 'login_required', error_code = 'ITEM_LOGIN_REQUIRED'")
    at = connections_page()
    assert "The bank needs you to log in again. Use Reconnect." in texts(at)
    at.button(key=f"reconnect_{item_id}").click().run()
    launch: Launch = at.session_state[LAUNCH]
    assert (launch.token.purpose, launch.token.item_id) == (Purpose.RECONNECT, item_id)
    assert access_token(ws, item_id) not in json.dumps(link_data(at))


def test_reconnect_success_makes_the_item_healthy_and_syncs(ws, item_id):
    set_item(ws, item_id, "status = 'login_required', error_code = 'ITEM_LOGIN_REQUIRED', error_message = 'x'")
    at = connections_page()
    at.button(key=f"reconnect_{item_id}").click().run()
    report(at, "success", public_token="public-sandbox-unused", institution=None, accounts=[])
    (item,) = list_items(ws)
    assert (item.status, item.error_code, item.error_message) == ("healthy", None, None)
    assert any("Reconnected First Platypus Bank." in s.value for s in at.success)
    assert LAUNCH not in at.session_state


def test_new_accounts_available_offers_add_accounts(ws, item_id):
    with ws.store.transaction() as con:  # the webhooks schema's column, added here if it is not there yet
        con.execute("ALTER TABLE items ADD COLUMN IF NOT EXISTS new_accounts_available BOOLEAN DEFAULT false")
    set_item(ws, item_id, "new_accounts_available = true")
    at = connections_page()
    at.button(key=f"add_accounts_{item_id}").click().run()
    launch: Launch = at.session_state[LAUNCH]
    assert launch.token.purpose is Purpose.ADD_ACCOUNTS
    report(at, "success", public_token="public-sandbox-unused", institution=None, accounts=[])
    with ws.store.connect() as con:
        assert con.execute("SELECT new_accounts_available FROM items").fetchall() == [(False,)]
    assert not any(b.label == "Add accounts" for b in at.button)


def test_link_success_connects_syncs_and_lands_on_the_overview(ws):
    at = connections_page()
    at.button(key="empty_state_connect").click().run()
    public_token = ws.gateway.sandbox_public_token(FIRST_PLATYPUS, ws.settings.products)
    report(
        at,
        "success",
        public_token=public_token,
        institution={"institution_id": FIRST_PLATYPUS, "name": "First Platypus Bank"},
        accounts=[{"name": "Plaid Checking", "mask": "0000", "type": "depository", "subtype": "checking"}],
    )
    (item,) = list_items(ws)
    assert (item.institution_id, item.status, item.last_synced_at is not None) == (FIRST_PLATYPUS, "healthy", True)
    assert [t.value for t in at.title] == ["Overview"]
    assert any("First Platypus Bank is connected." in s.value for s in at.success)


def test_connecting_a_connected_bank_warns_and_offers_reconnect(ws, item_id):
    at = connections_page()
    at.button(key="connections_connect").click().run()
    report(
        at,
        "success",
        public_token=ws.gateway.sandbox_public_token(FIRST_PLATYPUS, ws.settings.products),
        institution={"institution_id": FIRST_PLATYPUS, "name": "First Platypus Bank"},
        accounts=[{"name": "Plaid Checking", "mask": "0000", "type": "depository", "subtype": "checking"}],
    )
    assert [i.item_id for i in list_items(ws)] == [item_id]
    assert any("First Platypus Bank is already connected" in w.value for w in at.warning)
    at.button(key="link_notice_action").click().run()
    launch: Launch = at.session_state[LAUNCH]
    assert (launch.token.purpose, launch.token.item_id) == (Purpose.RECONNECT, item_id)


def test_exit_with_an_error_shows_plaids_message_and_a_retry(db_env):
    at = connections_page()
    at.button(key="empty_state_connect").click().run()
    first = at.session_state[LAUNCH]
    error = {"error_type": "INSTITUTION_ERROR", "error_code": "INSTITUTION_DOWN", "error_message": "down",
             "display_message": "This bank is not responding right now."}  # fmt: skip
    report(at, "exit", error=error, request_id="req-1")
    # Plaid's words are escaped for Markdown (the underscore in the code is shown, not read as emphasis)
    shown = [e.value for e in at.error]
    assert any("This bank is not responding right now." in e and markdown_text("INSTITUTION_DOWN") in e for e in shown)
    assert LAUNCH not in at.session_state
    at.button(key="link_notice_action").click().run()
    assert at.session_state[LAUNCH].key != first.key
    assert not at.error


def test_closing_link_without_an_error_says_nothing(db_env):
    at = connections_page()
    at.button(key="empty_state_connect").click().run()
    report(at, "exit", error=None, status="requires_credentials")
    assert not at.error and not at.warning
    assert LAUNCH not in at.session_state


def test_invalid_link_token_reopens_link_with_a_fresh_token_unnoticed(db_env):
    at = connections_page()
    at.button(key="empty_state_connect").click().run()
    first = at.session_state[LAUNCH]
    error = {"error_type": "INVALID_INPUT", "error_code": "INVALID_LINK_TOKEN", "error_message": "expired",
             "display_message": None}  # fmt: skip
    report(at, "exit", error=error)
    again: Launch = at.session_state[LAUNCH]
    assert again.refreshes == 1 and again.token.token != first.token.token
    assert link_data(at)["link_token"] == again.token.token
    assert not at.error and not at.warning


def test_oauth_return_without_a_link_in_progress_says_what_to_do(db_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["oauth_state_id"] = "f0e1d2c3"
    at.run()
    assert any("You came back from your bank" in w.value for w in at.warning)
    assert "oauth_state_id" not in at.query_params
    assert not at.get("bidi_component")


def test_live_balances_are_saved_and_the_per_minute_limit_is_explained(ws, item_id):
    with ws.store.connect() as con:
        con.execute("UPDATE accounts SET current_balance = 0")
    at = connections_page()
    at.button(key=f"balances_{item_id}").click().run()
    assert not at.exception and not at.warning
    with ws.store.connect() as con:
        assert con.execute("SELECT count(*) FROM accounts WHERE current_balance <> 0").fetchone()[0] > 0
    for _ in range(4):  # Plaid allows five real-time balance requests per bank per minute
        at.button(key=f"balances_{item_id}").click().run()
    assert not at.warning
    at.button(key=f"balances_{item_id}").click().run()
    assert not at.exception
    assert any("balance" in w.value.lower() for w in at.warning)


def test_a_bank_still_gathering_history_says_so(ws, item_id):
    at = connections_page()
    assert not [i for i in at.info if "older history" in i.value]
    with ws.store.transaction() as con:  # what a sync records when Plaid has only the recent transactions
        con.execute("UPDATE items SET transactions_update_status = 'INITIAL_UPDATE_COMPLETE'")
    at = connections_page()
    (note,) = [i for i in at.info if "older history" in i.value]
    assert "appears by itself" in note.value  # offline, webhooks reach the local receiver
