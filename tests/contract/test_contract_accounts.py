"""/accounts/balance/get (with its per-item rate limit), /auth/get, /identity/get."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_balance_get_request_options import AccountsBalanceGetRequestOptions
from plaid.model.auth_get_request import AuthGetRequest
from plaid.model.identity_get_request import IdentityGetRequest
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest

from tests.contract.plaid_contract import Contract

BAD_TOKEN = "access-sandbox-00000000-0000-0000-0000-000000000000"


@pytest.fixture(autouse=True)
def default_faults(contract: Contract) -> Iterator[None]:
    contract.emu.control.reset_faults()
    yield
    contract.emu.control.reset_faults()


def test_balance_get(contract: Contract) -> None:
    access, item_id = contract.new_item()
    r = contract.ok("accounts_balance_get", AccountsBalanceGetRequest(access_token=access))
    assert r.item.item_id == item_id
    by_id = {a["account_id"]: a for a in contract.emu.control.accounts(item_id)}
    for account in r.accounts:
        assert account.balances.current == by_id[account.account_id]["balances"]["current"]
    card = next(a for a in r.accounts if a.type.value == "credit")
    assert card.balances.limit and card.balances.available is not None
    one = r.accounts[0].account_id
    narrowed = contract.ok(
        "accounts_balance_get",
        AccountsBalanceGetRequest(access_token=access, options=AccountsBalanceGetRequestOptions(account_ids=[one])),
    )
    assert [a.account_id for a in narrowed.accounts] == [one]


def test_balance_is_limited_to_five_calls_per_item_per_minute(contract: Contract) -> None:
    access, _ = contract.new_item()
    other, _ = contract.new_item()
    for _ in range(5):
        contract.ok("accounts_balance_get", AccountsBalanceGetRequest(access_token=access))
    body = contract.error("accounts_balance_get", AccountsBalanceGetRequest(access_token=access), "BALANCE_LIMIT", 429)
    assert body["error_type"] == "RATE_LIMIT_EXCEEDED"
    contract.ok("accounts_balance_get", AccountsBalanceGetRequest(access_token=other))  # per item
    contract.emu.control.skew_clock(61)
    try:
        contract.ok("accounts_balance_get", AccountsBalanceGetRequest(access_token=access))  # a minute later
    finally:
        contract.emu.control.skew_clock(-61)


def test_rate_limiting_can_be_switched_off(contract: Contract) -> None:
    access, _ = contract.new_item()
    contract.emu.control.rate_limits(enabled=False)
    for _ in range(8):
        contract.ok("accounts_balance_get", AccountsBalanceGetRequest(access_token=access))


def test_auth_get(contract: Contract) -> None:
    access, _ = contract.new_item("ins_109512")
    r = contract.ok("auth_get", AuthGetRequest(access_token=access))
    depository = {a.account_id: a for a in r.accounts if a.type.value == "depository"}
    usd = {n.account_id for n in r.numbers.ach}
    cad = {n.account_id for n in r.numbers.eft}
    assert usd | cad == set(depository) and not usd & cad
    assert all(depository[i].balances.iso_currency_code == "CAD" for i in cad)
    for n in r.numbers.ach:
        assert n.account.endswith(depository[n.account_id].mask) and n.routing == "021000021"
    assert r.numbers.international == [] and r.numbers.bacs == []


def test_auth_get_errors(contract: Contract) -> None:
    contract.error("auth_get", AuthGetRequest(access_token=BAD_TOKEN), "INVALID_ACCESS_TOKEN", 400)
    access, _ = contract.new_item()
    contract.client.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access))
    contract.error("auth_get", AuthGetRequest(access_token=access), "ITEM_LOGIN_REQUIRED", 400)


def test_identity_get(contract: Contract) -> None:
    access, _ = contract.new_item()
    r = contract.ok("identity_get", IdentityGetRequest(access_token=access))
    owner = r.accounts[0].owners[0]
    assert owner.names and owner.emails[0].data and owner.addresses[0].data.city
    contract.error("identity_get", IdentityGetRequest(access_token=BAD_TOKEN), "INVALID_ACCESS_TOKEN", 400)


def test_injected_internal_server_error(contract: Contract) -> None:
    access, _ = contract.new_item()
    contract.emu.control.fail_next("/identity/get", times=2)
    for _ in range(2):
        body = contract.error("identity_get", IdentityGetRequest(access_token=access), "INTERNAL_SERVER_ERROR", 500)
        assert body["error_type"] == "API_ERROR"
    contract.ok("identity_get", IdentityGetRequest(access_token=access))
