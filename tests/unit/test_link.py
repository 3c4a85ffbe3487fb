"""core/link.py: link tokens, the script URL, redirect URIs, the duplicate check, update mode, OAuth keys."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.config import load_settings
from core.connections import list_connections
from core.items import connect_sandbox, list_items
from core.link import (
    PLAID_LINK_SCRIPT,
    AlreadyConnected,
    Connected,
    LinkedAccount,
    LinkToken,
    PendingLinks,
    Purpose,
    already_connected,
    connect_new_item,
    create_link_token,
    finish_update,
    launch_key,
    link_script_url,
    redirect_uri_for,
)
from core.workspace import OFFLINE_CLIENT_ID, OFFLINE_SECRET, Workspace

FIRST_PLATYPUS = "ins_109508"
CHECKING = LinkedAccount("Plaid Checking", "0000")


@pytest.fixture
def ws(db_env) -> Workspace:
    return Workspace(load_settings())


@pytest.fixture
def item_id(ws) -> str:
    """A First Platypus item with its accounts stored (accounts come with the first sync)."""
    from core.sync import sync_items

    item = connect_sandbox(ws, FIRST_PLATYPUS, username="user_good", password="pass_good")
    assert all(r.ok for r in sync_items(ws, [item]))
    return item


def link_token_config(ws: Workspace, token: str) -> dict[str, object]:
    """/link/token/get from the emulator: what the token was created with."""
    body = json.dumps({"client_id": OFFLINE_CLIENT_ID, "secret": OFFLINE_SECRET, "link_token": token}).encode()
    request = urllib.request.Request(
        ws.gateway.base_url + "/link/token/get", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.loads(response.read())["metadata"])


def settings_ws(monkeypatch, tmp_path, **env: str) -> Workspace:
    for key, value in {"FINBOARD_DB": str(tmp_path / "f.duckdb"), **env}.items():
        monkeypatch.setenv(key, value)
    return Workspace(load_settings())


def test_link_script_comes_from_plaids_cdn_only_for_plaids_hosts(monkeypatch, tmp_path):
    sandbox = settings_ws(monkeypatch, tmp_path, PLAID_CLIENT_ID="id", PLAID_SECRET="s", PLAID_ENV="sandbox")
    assert link_script_url(sandbox) == PLAID_LINK_SCRIPT
    standalone = settings_ws(monkeypatch, tmp_path, PLAID_BASE_URL="http://127.0.0.1:8765/")
    assert link_script_url(standalone) == "http://127.0.0.1:8765/link/v2/stable/link-initialize.js"


def test_offline_link_script_is_the_embedded_emulators(ws):
    assert link_script_url(ws) == ws.gateway.base_url + "/link/v2/stable/link-initialize.js"


def test_redirect_uri_configured_wins_offline_defaults_to_the_page(monkeypatch, tmp_path, ws):
    assert redirect_uri_for(ws, "http://localhost:8501/connections") == "http://localhost:8501/connections"
    assert redirect_uri_for(ws, "http://localhost:8501") == "http://localhost:8501/"
    assert redirect_uri_for(ws, None) is None
    configured = settings_ws(monkeypatch, tmp_path, PLAID_REDIRECT_URI="https://example.com/oauth")
    assert redirect_uri_for(configured, "http://localhost:8501/") == "https://example.com/oauth"
    sandbox = settings_ws(monkeypatch, tmp_path, PLAID_CLIENT_ID="id", PLAID_SECRET="s", PLAID_ENV="sandbox",
                          PLAID_REDIRECT_URI="")  # fmt: skip
    assert redirect_uri_for(sandbox, "http://localhost:8501/") is None, "Plaid only accepts registered URIs"


def test_new_item_token_carries_webhook_redirect_and_history(ws):
    token = create_link_token(ws, redirect_uri="http://localhost:8501/connections")
    assert token.token.startswith("link-sandbox-") and token.purpose is Purpose.CONNECT
    assert timedelta(hours=3) < token.expires_at - datetime.now(UTC) <= timedelta(hours=4)
    config = link_token_config(ws, token.token)
    assert config["webhook"] == ws.webhook_url
    assert config["redirect_uri"] == "http://localhost:8501/connections"
    assert config["initial_products"] == ["transactions"]


def test_update_mode_token_needs_an_item_and_is_short_lived(ws, item_id):
    with pytest.raises(ValueError, match="item_id"):
        create_link_token(ws, Purpose.RECONNECT)
    token = create_link_token(ws, Purpose.ADD_ACCOUNTS, item_id=item_id)
    assert token.item_id == item_id
    assert token.expires_at - datetime.now(UTC) <= timedelta(minutes=30)


def test_duplicate_needs_the_same_bank_and_a_shared_account(ws, item_id):
    assert already_connected(ws, FIRST_PLATYPUS, [CHECKING]).item_id == item_id
    assert already_connected(ws, FIRST_PLATYPUS, []).item_id == item_id, "no accounts listed: the bank decides"
    assert already_connected(ws, FIRST_PLATYPUS, [LinkedAccount("Joint Checking", "9876")]) is None
    assert already_connected(ws, "ins_109511", [CHECKING]) is None
    assert already_connected(ws, None, [CHECKING]) is None


def test_a_revoked_connection_is_not_a_duplicate(ws, item_id):
    with ws.store.transaction() as con:
        con.execute("UPDATE items SET status = 'revoked'")
    assert already_connected(ws, FIRST_PLATYPUS, [CHECKING]) is None


def test_a_duplicate_is_refused_before_the_exchange(ws, item_id):
    public_token = ws.gateway.sandbox_public_token(FIRST_PLATYPUS, ws.settings.products)
    result = connect_new_item(ws, public_token, institution_id=FIRST_PLATYPUS, institution_name=None,
                              accounts=[CHECKING])  # fmt: skip
    assert isinstance(result, AlreadyConnected) and result.existing.item_id == item_id
    assert [i.item_id for i in list_items(ws)] == [item_id]
    # the public token was not spent: it still exchanges
    assert ws.gateway.exchange_public_token(public_token)[1]


def test_without_an_institution_a_duplicate_is_exchanged_then_removed_at_plaid(ws, item_id):
    public_token = ws.gateway.sandbox_public_token(FIRST_PLATYPUS, ws.settings.products)
    result = connect_new_item(ws, public_token, institution_id=None, institution_name=None, accounts=[])
    assert isinstance(result, AlreadyConnected)
    assert [i.item_id for i in list_items(ws)] == [item_id]
    with ws.store.connect() as con:
        assert con.execute("SELECT count(*) FROM item_tokens").fetchone() == (1,)


def test_a_new_bank_is_connected(ws, item_id):
    public_token = ws.gateway.sandbox_public_token("ins_109511", ws.settings.products)
    result = connect_new_item(ws, public_token, institution_id="ins_109511", institution_name="Tartan Bank")
    assert isinstance(result, Connected)
    assert {i.institution_id for i in list_items(ws)} == {FIRST_PLATYPUS, "ins_109511"}


def test_finish_update_heals_the_item_and_settles_webhook_flags(ws, item_id):
    with ws.store.transaction() as con:
        con.execute("ALTER TABLE items ADD COLUMN IF NOT EXISTS new_accounts_available BOOLEAN DEFAULT false")
        con.execute("ALTER TABLE items ADD COLUMN IF NOT EXISTS pending_disconnect_at TIMESTAMP")
        con.execute(
            "UPDATE items SET status = 'pending_disconnect', error_code = 'PENDING_DISCONNECT', "
            "error_message = 'soon', new_accounts_available = true, pending_disconnect_at = now()"
        )
    finish_update(ws, item_id, Purpose.RECONNECT)
    (c,) = list_connections(ws)
    assert (c.item.status, c.item.error_code, c.item.error_message) == ("healthy", None, None)
    assert c.pending_disconnect_at is None
    assert c.new_accounts_available, "a plain reconnect adds no accounts"
    finish_update(ws, item_id, Purpose.ADD_ACCOUNTS)
    assert not list_connections(ws)[0].new_accounts_available


def test_finish_update_works_on_a_database_without_the_webhook_columns(ws, item_id):
    with ws.store.transaction() as con:
        con.execute("UPDATE items SET status = 'login_required', error_code = 'ITEM_LOGIN_REQUIRED'")
    finish_update(ws, item_id, Purpose.ADD_ACCOUNTS)
    (c,) = list_connections(ws)
    assert c.item.status == "healthy" and not c.new_accounts_available


def test_connections_list_accounts_with_masks_and_counts(ws, item_id):
    (c,) = list_connections(ws)
    assert c.item.item_id == item_id and c.transactions > 100
    assert ("Plaid Checking", "depository", "checking", "0000") in {(a.name, a.type, a.subtype, a.mask)
                                                                    for a in c.accounts}  # fmt: skip
    assert not c.needs_reconnect


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


TOKEN = LinkToken("link-sandbox-1", datetime.fromtimestamp(1_000_000 + 600, tz=UTC), Purpose.CONNECT,
                  redirect_uri="http://localhost:8501/")  # fmt: skip


def test_pending_links_keep_a_token_under_a_random_key_until_it_expires():
    clock = Clock()
    pending = PendingLinks(clock)
    key = pending.add(TOKEN)
    assert len(key) >= 20 and key != pending.add(TOKEN)
    assert pending.get(key) == TOKEN
    assert pending.get("guessed") is None and pending.get(None) is None
    clock.now += 601
    assert pending.get(key) is None


def test_launch_keys_are_safe_in_a_cookie_and_in_a_streamlit_component_id():
    """Streamlit refuses a component id containing "__"; url-safe base64 keys made ~2% of Links crash."""
    pending = PendingLinks(Clock())
    keys = [launch_key() for _ in range(1000)] + [pending.add(TOKEN) for _ in range(200)]
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert key.isalnum() and key.isascii() and len(key) >= 20
        assert "__" not in f"finboard_link_{key}"


def test_pending_links_discard_and_stay_bounded():
    pending = PendingLinks(Clock())
    key = pending.add(TOKEN)
    pending.discard(key)
    assert pending.get(key) is None
    keys = [pending.add(replace(TOKEN, token=f"link-{i}")) for i in range(PendingLinks.MAX_ENTRIES + 5)]
    assert sum(pending.get(k) is not None for k in keys) == PendingLinks.MAX_ENTRIES


def test_a_reset_login_makes_the_connection_need_reconnect(ws, item_id):
    """/sandbox/item/reset_login through plaid-python, then a sync: the card offers Reconnect."""
    from core.items import access_token
    from core.sync import sync_items

    ws.gateway.sandbox_reset_login(access_token(ws, item_id))
    (result,) = sync_items(ws, [item_id])
    assert result.error_code == "ITEM_LOGIN_REQUIRED"
    assert list_connections(ws)[0].needs_reconnect


def test_disconnect_leaves_no_copy_of_the_items_data(ws, item_id):
    from core.analytics import ledger
    from core.items import remove_item

    ledger.refresh(ws.store)
    with ws.store.connect() as con:
        assert con.execute("SELECT count(*) FROM analytics_ledger").fetchone()[0] > 100
    remove_item(ws, item_id)  # what Disconnect, `finboard remove` and the revocation webhooks all use
    assert list_connections(ws) == []
    with ws.store.connect() as con:
        for table in ("plaid_transaction_rows", "accounts", "balance_history", "item_tokens", "analytics_ledger",
                      "analytics_daily", "analytics_daily_by_account", "analytics_daily_merchants"):  # fmt: skip
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
