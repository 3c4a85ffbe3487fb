"""The first end-to-end path: link token, sandbox item, token exchange, accounts, transactions sync."""

from __future__ import annotations

import json

import pytest
from openapi_core.validation.response.exceptions import InvalidData
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.accounts_get_request_options import AccountsGetRequestOptions
from plaid.model.country_code import CountryCode
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import SandboxPublicTokenCreateRequestOptions
from plaid.model.transactions_sync_request import TransactionsSyncRequest

from tests.contract.plaid_contract import Contract


def test_the_oracle_rejects_a_body_missing_a_required_field(contract: Contract) -> None:
    access, _ = contract.new_item()
    contract.client.transactions_sync(TransactionsSyncRequest(access_token=access, count=1))
    body = json.loads(contract.client.api_client.last_response.data)
    del body["has_more"]
    with pytest.raises(InvalidData):
        contract.validate("/transactions/sync", 200, json.dumps(body).encode())


def test_link_token_create(contract: Contract) -> None:
    r = contract.ok(
        "link_token_create",
        LinkTokenCreateRequest(
            client_name="Finboard",
            language="en",
            country_codes=[CountryCode("US")],
            user=LinkTokenCreateRequestUser(client_user_id="analyst-1"),
            products=[Products("transactions")],
        ),
    )
    assert r.link_token.startswith("link-sandbox-")
    assert r.expiration.tzinfo is not None


def test_link_token_create_requires_products_outside_update_mode(contract: Contract) -> None:
    contract.error(
        "link_token_create",
        LinkTokenCreateRequest(
            client_name="Finboard",
            language="en",
            country_codes=[CountryCode("US")],
            user=LinkTokenCreateRequestUser(client_user_id="analyst-1"),
        ),
        "INVALID_FIELD",
        400,
    )


def test_sandbox_item_and_exchange(contract: Contract) -> None:
    public = contract.ok(
        "sandbox_public_token_create",
        SandboxPublicTokenCreateRequest(
            institution_id="ins_109511",
            initial_products=[Products("transactions")],
        ),
    ).public_token
    assert public.startswith("public-sandbox-")
    exchanged = contract.ok("item_public_token_exchange", ItemPublicTokenExchangeRequest(public_token=public))
    assert exchanged.access_token.startswith("access-sandbox-")
    assert contract.emu.control.item_id_for_access_token(exchanged.access_token) == exchanged.item_id
    # single use
    contract.error(
        "item_public_token_exchange", ItemPublicTokenExchangeRequest(public_token=public), "INVALID_PUBLIC_TOKEN", 400
    )


def test_sandbox_wrong_password_is_invalid_credentials(contract: Contract) -> None:
    contract.error(
        "sandbox_public_token_create",
        SandboxPublicTokenCreateRequest(
            institution_id="ins_109508",
            initial_products=[Products("transactions")],
            options=SandboxPublicTokenCreateRequestOptions(override_username="user_good", override_password="nope"),
        ),
        "INVALID_CREDENTIALS",
        400,
    )


def test_sandbox_error_password_forces_that_error(contract: Contract) -> None:
    contract.error(
        "sandbox_public_token_create",
        SandboxPublicTokenCreateRequest(
            institution_id="ins_109508",
            initial_products=[Products("transactions")],
            options=SandboxPublicTokenCreateRequestOptions(override_password="error_ITEM_LOCKED"),
        ),
        "ITEM_LOCKED",
        400,
    )


def test_sandbox_unknown_institution(contract: Contract) -> None:
    contract.error(
        "sandbox_public_token_create",
        SandboxPublicTokenCreateRequest(
            institution_id="ins_999999999",
            initial_products=[Products("transactions")],
        ),
        "INVALID_INSTITUTION",
        400,
    )


def test_accounts_get(contract: Contract) -> None:
    access, item_id = contract.new_item()
    r = contract.ok("accounts_get", AccountsGetRequest(access_token=access))
    assert r.item.item_id == item_id
    kinds = {(a.type.value, a.subtype.value) for a in r.accounts}
    assert {("depository", "checking"), ("depository", "savings"), ("credit", "credit card")} <= kinds
    assert any(a.type.value == "loan" for a in r.accounts)
    assert {a.balances.iso_currency_code for a in r.accounts} >= {"USD", "CAD"}
    one = r.accounts[0].account_id
    narrowed = contract.ok(
        "accounts_get", AccountsGetRequest(access_token=access, options=AccountsGetRequestOptions(account_ids=[one]))
    )
    assert [a.account_id for a in narrowed.accounts] == [one]


def test_accounts_get_errors(contract: Contract) -> None:
    contract.error(
        "accounts_get", AccountsGetRequest(access_token="access-sandbox-unknown"), "INVALID_ACCESS_TOKEN", 400
    )
    access, _ = contract.new_item()
    contract.error(
        "accounts_get",
        AccountsGetRequest(access_token=access, options=AccountsGetRequestOptions(account_ids=["nope"])),
        "INVALID_ACCOUNT_ID",
        400,
    )


def test_transactions_sync_pages(contract: Contract) -> None:
    access, _ = contract.new_item()
    first = contract.ok("transactions_sync", TransactionsSyncRequest(access_token=access))
    assert len(first.added) == 100 and first.has_more  # default count
    assert first.transactions_update_status.value == "HISTORICAL_UPDATE_COMPLETE"
    assert first.accounts
    second = contract.ok(
        "transactions_sync", TransactionsSyncRequest(access_token=access, cursor=first.next_cursor, count=500)
    )
    assert len(second.added) == 500
    assert not {t.transaction_id for t in first.added} & {t.transaction_id for t in second.added}


def test_wrong_api_keys(contract: Contract) -> None:
    status, raw = contract.raw(
        "/accounts/get",
        b'{"access_token": "access-sandbox-x"}',
        {"Content-Type": "application/json", "PLAID-CLIENT-ID": "a", "PLAID-SECRET": "b"},
    )
    assert status == 400
    contract.check_error("/accounts/get", status, raw, "INVALID_API_KEYS")


def test_missing_api_keys(contract: Contract) -> None:
    status, raw = contract.raw(
        "/accounts/get", b'{"access_token": "access-sandbox-x"}', {"Content-Type": "application/json"}
    )
    assert status == 400
    contract.check_error("/accounts/get", status, raw, "MISSING_FIELDS")


def test_keys_in_the_body_are_accepted(contract: Contract) -> None:
    body = json.dumps(
        {
            "client_id": "contract-client",
            "secret": "contract-secret",
            "institution_id": "ins_109508",
            "initial_products": ["transactions"],
        }
    ).encode()
    status, raw = contract.raw("/sandbox/public_token/create", body, {"Content-Type": "application/json"})
    assert status == 200, raw
    assert json.loads(raw)["public_token"].startswith("public-sandbox-")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "INVALID_BODY"),
        (b'{"access_token": 12}', "INVALID_FIELD"),
        (b'{"access_token": "access-sandbox-x", "count": 0}', "INVALID_FIELD"),
        (b'{"access_token": "access-sandbox-x", "count": 501}', "INVALID_FIELD"),
        (b'{"access_token": "access-sandbox-x", "count": "5"}', "INVALID_FIELD"),
        (b'{"cursor": ""}', "MISSING_FIELDS"),
        (b'{"access_token": "access-sandbox-x", "colour": "red"}', "UNKNOWN_FIELDS"),
    ],
)
def test_malformed_sync_requests(contract: Contract, body: bytes, code: str) -> None:
    status, raw = contract.raw("/transactions/sync", body)
    assert status == 400
    contract.check_error("/transactions/sync", status, raw, code)


def test_unknown_endpoint_is_not_found(contract: Contract) -> None:
    status, raw = contract.raw("/no/such/endpoint", b"{}")
    assert status == 404
    assert json.loads(raw)["error_code"] == "NOT_FOUND"
