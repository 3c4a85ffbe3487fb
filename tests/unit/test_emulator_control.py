"""The control hooks over HTTP (POST /emulator/<hook>), as browser tests and other processes use them."""

from __future__ import annotations

import json
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


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = start_emulator()
    yield e
    e.stop()


def hook(emu: Emulator, name: str, **kwargs: Any) -> tuple[int, Any]:
    request = urllib.request.Request(f"{emu.url}/emulator/{name}", data=json.dumps(kwargs).encode(), method="POST")
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
