"""The Link page's server side: new items, wrong credentials, update mode, OAuth redirects, Hosted Link, expiry."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import plaid
import pytest
from plaid.api import plaid_api
from plaid.model.country_code import CountryCode
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.link_token_create_hosted_link import LinkTokenCreateHostedLink
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_update import LinkTokenCreateRequestUpdate
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.link_token_get_request import LinkTokenGetRequest
from plaid.model.products import Products
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import SandboxPublicTokenCreateRequestOptions

from core.emulator import Emulator, hostile, start_emulator

HOOK = "http://127.0.0.1:9/hook"  # nothing listens: the emulator records what it sent


@pytest.fixture
def emu() -> Iterator[Emulator]:
    e = start_emulator()
    yield e
    e.stop()


@pytest.fixture
def client(emu: Emulator) -> plaid_api.PlaidApi:
    return plaid_api.PlaidApi(
        plaid.ApiClient(plaid.Configuration(host=emu.url, api_key={"clientId": "c", "secret": "s"}))
    )


def link_token(client: plaid_api.PlaidApi, **extra: Any) -> str:
    fields: dict[str, Any] = {
        "client_name": "Finboard",
        "language": "en",
        "country_codes": [CountryCode("US")],
        "user": LinkTokenCreateRequestUser(client_user_id="u"),
    }
    if "access_token" not in extra:
        fields["products"] = [Products("transactions")]
    return str(client.link_token_create(LinkTokenCreateRequest(**fields, **extra)).link_token)


def call(emu: Emulator, action: str, **body: Any) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{emu.url}/link/web/api/{action}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def ok(emu: Emulator, action: str, **body: Any) -> dict[str, Any]:
    status, answer = call(emu, action, **body)
    assert status == 200, answer
    return answer


def login(
    emu: Emulator, token: str, session: dict[str, Any], institution: str = "ins_109508", password: str = "pass_good"
) -> tuple[int, dict[str, Any]]:
    return call(
        emu,
        "credentials",
        token=token,
        link_session_id=session["link_session_id"],
        institution_id=institution,
        username="user_good",
        password=password,
    )


def hooks(emu: Emulator, code: str) -> list[dict[str, Any]]:
    assert emu.control.flush_webhooks()
    return [w["payload"] for w in emu.control.webhooks() if w["payload"]["webhook_code"] == code]


def test_new_item_with_a_wrong_password_first(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    token = link_token(client)
    session = ok(emu, "session", token=token)
    assert session["mode"] == "new" and session["account_selection"]
    assert "First Platypus Bank" in {i["name"] for i in session["institutions"]}
    assert hostile.INSTITUTION_ID not in {i["institution_id"] for i in session["institutions"]}  # test-only bank
    status, answer = login(emu, token, session, password="wrong")
    assert status == 400 and answer["error"]["error_code"] == "INVALID_CREDENTIALS"
    assert answer["error"]["display_message"]
    status, answer = login(emu, token, session, password="error_ITEM_LOCKED")
    assert status == 400 and answer["error"]["error_code"] == "ITEM_LOCKED"
    step = login(emu, token, session)[1]
    assert step["next"] == "select_accounts" and len(step["accounts"]) == 6
    done = ok(
        emu,
        "select",
        token=token,
        link_session_id=session["link_session_id"],
        account_ids=[step["accounts"][0]["account_id"]],
    )
    meta = done["metadata"]
    assert meta["institution"] == {"name": "First Platypus Bank", "institution_id": "ins_109508"}
    assert [a["id"] for a in meta["accounts"]] == [step["accounts"][0]["account_id"]]
    assert set(meta["accounts"][0]) >= {"id", "name", "mask", "type", "subtype", "verification_status"}
    assert meta["link_session_id"] == session["link_session_id"]
    item = client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=done["public_token"]))
    assert [a["account_id"] for a in emu.control.accounts(item.item_id)] == [meta["accounts"][0]["id"]]


def test_update_mode_repairs_the_item(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    public = client.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(
            institution_id="ins_109511",
            initial_products=[Products("transactions")],
            options=SandboxPublicTokenCreateRequestOptions(webhook=HOOK),
        )
    ).public_token
    access = client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public)).access_token
    client.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access))
    token = link_token(client, access_token=access)
    session = ok(emu, "session", token=token)
    assert session["mode"] == "update" and not session["account_selection"]
    assert session["institution"]["institution_id"] == "ins_109511"
    done = login(emu, token, session, institution="ins_109511")[1]
    assert done["next"] == "success" and done["public_token"]
    item = client.item_get(ItemGetRequest(access_token=access)).item
    assert item.error is None
    assert [h["item_id"] for h in hooks(emu, "LOGIN_REPAIRED")] == [item.item_id]


def test_update_mode_with_account_selection(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    public = client.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(institution_id="ins_109508", initial_products=[Products("transactions")])
    ).public_token
    r = client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public))
    token = link_token(
        client, access_token=r.access_token, update=LinkTokenCreateRequestUpdate(account_selection_enabled=True)
    )
    session = ok(emu, "session", token=token)
    step = login(emu, token, session)[1]
    assert step["next"] == "select_accounts"
    chosen = [a["account_id"] for a in step["accounts"][:3]]
    ok(emu, "select", token=token, link_session_id=session["link_session_id"], account_ids=chosen)
    assert [a["account_id"] for a in emu.control.accounts(r.item_id)] == chosen
    assert hooks(emu, "LOGIN_REPAIRED") == []  # the item was healthy


def test_oauth_bank_redirects_and_resumes(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    token = link_token(client, redirect_uri="https://finboard.example/oauth")
    session = ok(emu, "session", token=token)
    step = login(emu, token, session, institution="ins_127287")[1]
    assert step["next"] == "oauth"
    assert step["redirect_url"].startswith("https://finboard.example/oauth?oauth_state_id=")
    back = step["redirect_url"]  # where the bank sends the browser; Plaid.create gets it as receivedRedirectUri
    resumed = ok(emu, "session", token=token, received_redirect_uri=back)
    assert resumed["mode"] == "oauth_resume" and resumed["link_session_id"] == session["link_session_id"]
    assert resumed["institution"]["institution_id"] == "ins_127287"
    done = ok(
        emu,
        "select",
        token=token,
        link_session_id=resumed["link_session_id"],
        account_ids=[a["account_id"] for a in resumed["accounts"]],
    )
    assert done["metadata"]["institution"]["name"] == "Platypus OAuth Bank"
    status, again = call(emu, "session", token=token, received_redirect_uri=back)
    assert status == 400 and again["error"]["error_code"] == "OAUTH_STATE_ID_ALREADY_PROCESSED"
    status, bogus = call(emu, "session", token=token, received_redirect_uri="https://finboard.example/oauth?x=1")
    assert status == 400 and bogus["error"]["error_code"] == "INVALID_FIELD"


def test_oauth_bank_without_redirect_uri_completes_in_place(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    token = link_token(client)
    session = ok(emu, "session", token=token)
    assert login(emu, token, session, institution="ins_127287")[1]["next"] == "select_accounts"


def test_hosted_link_reports_through_link_webhooks(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    token = link_token(
        client,
        webhook=HOOK,
        hosted_link=LinkTokenCreateHostedLink(completion_redirect_uri="https://finboard.example/done"),
    )
    session = ok(emu, "session", token=token)
    assert session["hosted"]
    step = login(emu, token, session)[1]
    done = ok(
        emu,
        "select",
        token=token,
        link_session_id=session["link_session_id"],
        account_ids=[a["account_id"] for a in step["accounts"]],
    )
    assert done["completion_redirect_uri"] == "https://finboard.example/done"
    [added] = hooks(emu, "ITEM_ADD_RESULT")
    [finished] = hooks(emu, "SESSION_FINISHED")
    assert added["public_token"] == done["public_token"] and added["link_token"] == token
    assert finished["status"] == "SUCCESS" and finished["public_tokens"] == [done["public_token"]]
    sessions = client.link_token_get(LinkTokenGetRequest(link_token=token)).link_sessions
    assert sessions[0].results.item_add_results[0].public_token == done["public_token"]


def test_exit_is_recorded(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    token = link_token(client)
    session = ok(emu, "session", token=token)
    answer = ok(emu, "exit", token=token, link_session_id=session["link_session_id"], status="requires_credentials")
    assert answer["metadata"]["status"] == "requires_credentials"
    [recorded] = client.link_token_get(LinkTokenGetRequest(link_token=token)).link_sessions
    assert recorded.exit.metadata.status == "requires_credentials" and recorded.finished_at is not None


def test_link_tokens_expire_after_four_hours(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    token = link_token(client)
    emu.control.skew_clock(4 * 3600 - 60)
    ok(emu, "session", token=token)
    emu.control.skew_clock(120)
    status, answer = call(emu, "session", token=token)
    assert status == 400 and answer["error"]["error_code"] == "INVALID_LINK_TOKEN"
    status, answer = call(emu, "session", token="link-sandbox-unknown")
    assert status == 400 and answer["error"]["error_code"] == "INVALID_LINK_TOKEN"


def test_update_mode_link_tokens_expire_after_thirty_minutes(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    public = client.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(institution_id="ins_109508", initial_products=[Products("transactions")])
    ).public_token
    access = client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public)).access_token
    token = link_token(client, access_token=access)
    emu.control.skew_clock(31 * 60)
    status, answer = call(emu, "session", token=token)
    assert status == 400 and answer["error"]["error_code"] == "INVALID_LINK_TOKEN"
