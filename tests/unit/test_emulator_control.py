"""The control hooks over HTTP (POST /emulator/<hook>), as browser tests and other processes use them."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import plaid
import pytest
from plaid.api import plaid_api
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest

from core.emulator import Emulator, start_emulator
from core.emulator.server import MAX_BODY_BYTES


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = start_emulator()
    yield e
    e.stop()


def hook(emu: Emulator, name: str, **kwargs: Any) -> tuple[int, Any]:
    return post(emu, f"/emulator/{name}", json.dumps(kwargs).encode(), {"Content-Type": "application/json"})


def post(emu: Emulator, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(f"{emu.url}{path}", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def new_item(emu: Emulator) -> tuple[plaid_api.PlaidApi, str, str]:
    c = plaid_api.PlaidApi(plaid.ApiClient(plaid.Configuration(host=emu.url, api_key={"clientId": "c", "secret": "s"})))
    public = c.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(institution_id="ins_109508", initial_products=[Products("transactions")])
    ).public_token
    r = c.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public))
    return c, r.access_token, r.item_id


def test_items_advance_truth_accounts(emu: Emulator) -> None:
    _, _, item_id = new_item(emu)
    status, items = hook(emu, "items")
    assert status == 200 and item_id in {i["item_id"] for i in items["result"]}
    before = hook(emu, "truth", item_id=item_id)[1]["result"]
    status, advanced = hook(emu, "advance", item_id=item_id, days=2)
    assert status == 200 and advanced["result"][item_id]["added"] > 0
    after = hook(emu, "truth", item_id=item_id)[1]["result"]
    assert after != before
    accounts = hook(emu, "accounts", item_id=item_id)[1]["result"]
    assert {a["account_id"] for a in accounts} == set(hook(emu, "opening_balances", item_id=item_id)[1]["result"])


def test_faults_over_http(emu: Emulator) -> None:
    c, access, _ = new_item(emu)
    assert hook(emu, "fail_next", endpoint="/accounts/balance/get", error_code="INSTITUTION_DOWN")[0] == 200
    with pytest.raises(plaid.ApiException) as failed:
        c.accounts_balance_get(AccountsBalanceGetRequest(access_token=access))
    assert json.loads(failed.value.body)["error_code"] == "INSTITUTION_DOWN"
    assert hook(emu, "rate_limits", enabled=False)[0] == 200
    for _ in range(7):
        c.accounts_balance_get(AccountsBalanceGetRequest(access_token=access))
    assert hook(emu, "reset_faults")[0] == 200


def test_bad_control_calls(emu: Emulator) -> None:
    assert hook(emu, "no_such_hook")[0] == 404
    status, answer = hook(emu, "advance", item_id="nope")
    assert status == 400 and "nope" in answer["error"]
    status, answer = hook(emu, "fail_next", endpoint="/item/get", error_code="MADE_UP")
    assert status == 400 and "MADE_UP" in answer["error"]
    status, answer = hook(emu, "advance", colour="red")
    assert status == 400


# -- attacks: a web page driving the controls, broken HTTP ------------------------------------------------------


def webhook_count(emu: Emulator) -> int:
    return len(emu.control.webhooks())


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Content-Type": "text/plain"}, 415),  # a "simple" request any page can send with fetch(no-cors)
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),  # a plain HTML form
        ({}, 415),
        ({"Content-Type": "application/json", "Origin": "http://evil.example"}, 403),
        ({"Content-Type": "application/json", "Origin": "null"}, 403),  # a sandboxed iframe or a file:// page
        ({"Content-Type": "application/json; charset=utf-8", "Origin": "http://localhost:{port}"}, 200),
        ({"Content-Type": "application/json", "Origin": "http://127.0.0.1:{port}"}, 200),
    ],
)
def test_controls_answer_only_json_from_no_other_site(emu: Emulator, headers: dict[str, str], status: int) -> None:
    _, _, item_id = new_item(emu)
    before = emu.control.items()
    headers = {k: v.format(port=emu.port) for k, v in headers.items()}
    answered, body = post(emu, "/emulator/reset_login", json.dumps({"item_id": item_id}).encode(), headers)
    assert answered == status, body
    changed = next(i for i in emu.control.items() if i["item_id"] == item_id)["error_code"] is not None
    assert changed == (status == 200)  # a refused request changed nothing
    if status != 200:
        assert "error" in body and before == emu.control.items()


def raw_request(emu: Emulator, head: str) -> str:
    """Send bytes as they are (no client library would send these) and return the status line."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as s:
        s.sendall(head.encode("latin-1"))
        return s.recv(4096).decode("latin-1").split("\r\n", 1)[0]


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "", "99999999999999999999999"])
def test_a_malformed_content_length_is_answered_400_at_once(emu: Emulator, length: str) -> None:
    head = (
        f"POST /emulator/items HTTP/1.1\r\nHost: 127.0.0.1:{emu.port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n{{}}"
    )
    assert raw_request(emu, head).startswith("HTTP/1.1 400"), length
    assert hook(emu, "items")[0] == 200  # and the emulator still serves


def test_a_body_over_the_limit_is_refused_without_being_read(emu: Emulator) -> None:
    head = (
        f"POST /item/get HTTP/1.1\r\nHost: 127.0.0.1:{emu.port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n" + "x" * 1000
    )
    assert raw_request(emu, head).startswith("HTTP/1.1 413")
