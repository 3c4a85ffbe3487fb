"""/link/token/create (new, update mode, Hosted Link) and /link/token/get with the sessions Link recorded."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from plaid.model.country_code import CountryCode
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.link_token_create_hosted_link import LinkTokenCreateHostedLink
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_update import LinkTokenCreateRequestUpdate
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.link_token_get_request import LinkTokenGetRequest
from plaid.model.products import Products

from tests.contract.plaid_contract import DEAD_WEBHOOK, Contract


def request(**overrides: Any) -> LinkTokenCreateRequest:
    fields: dict[str, Any] = {
        "client_name": "Finboard",
        "language": "en",
        "country_codes": [CountryCode("US")],
        "user": LinkTokenCreateRequestUser(client_user_id="analyst-1"),
        "products": [Products("transactions")],
    }
    fields.update(overrides)
    return LinkTokenCreateRequest(**{k: v for k, v in fields.items() if v is not None})


def link(contract: Contract, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """What the Link page does: POST /link/web/api/<action> (same origin, no API keys)."""
    r = urllib.request.Request(
        f"{contract.emu.url}/link/web/api/{action}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(r, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def complete_session(contract: Contract, token: str) -> dict[str, Any]:
    session = link(contract, "session", {"token": token})
    step = link(
        contract,
        "credentials",
        {
            "token": token,
            "link_session_id": session["link_session_id"],
            "institution_id": "ins_109511",
            "username": "user_good",
            "password": "pass_good",
        },
    )
    chosen = [a["account_id"] for a in step["accounts"][:2]]
    return link(
        contract, "select", {"token": token, "link_session_id": session["link_session_id"], "account_ids": chosen}
    )


def test_link_token_lifetimes(contract: Contract) -> None:
    now = datetime.now(UTC)
    new = contract.ok("link_token_create", request())
    assert timedelta(hours=3, minutes=59) < new.expiration - now <= timedelta(hours=4, minutes=1)
    access, _ = contract.new_item()
    update = contract.ok(
        "link_token_create",
        request(
            products=None, access_token=access, update=LinkTokenCreateRequestUpdate(account_selection_enabled=True)
        ),
    )
    assert timedelta(minutes=29) < update.expiration - now <= timedelta(minutes=31)


def test_hosted_link_url(contract: Contract) -> None:
    r = contract.ok("link_token_create", request(hosted_link=LinkTokenCreateHostedLink()))
    assert r.hosted_link_url.startswith(contract.emu.url + "/link/hosted/")
    with urllib.request.urlopen(r.hosted_link_url, timeout=10) as page:
        assert b"link.js" in page.read()


def test_link_token_create_errors(contract: Contract) -> None:
    contract.error("link_token_create", request(user=None), "MISSING_FIELDS", 400)
    contract.error(
        "link_token_create", request(products=None, access_token="access-sandbox-nope"), "INVALID_ACCESS_TOKEN", 400
    )
    contract.error("link_token_create", request(redirect_uri="https://finboard.example/cb?x=1"), "INVALID_FIELD", 400)
    contract.error("link_token_create", request(webhook="ftp://nope"), "INVALID_FIELD", 400)


def test_link_token_get_reports_the_session(contract: Contract) -> None:
    token = contract.ok("link_token_create", request(webhook=DEAD_WEBHOOK)).link_token
    fresh = contract.ok("link_token_get", LinkTokenGetRequest(link_token=token))
    assert fresh.metadata.client_name == "Finboard" and fresh.metadata.webhook == DEAD_WEBHOOK
    assert fresh.link_sessions == []
    done = complete_session(contract, token)
    r = contract.ok("link_token_get", LinkTokenGetRequest(link_token=token))
    [session] = r.link_sessions
    [added] = session.results.item_add_results
    assert added.public_token == done["public_token"]
    assert [a.id for a in added.accounts] == [a["id"] for a in done["metadata"]["accounts"]]
    assert added.institution.institution_id == "ins_109511"
    exchange = ItemPublicTokenExchangeRequest(public_token=added.public_token)
    exchanged = contract.ok("item_public_token_exchange", exchange)
    assert len(contract.emu.control.accounts(exchanged.item_id)) == 2  # the accounts the user shared


def test_link_token_get_unknown_token(contract: Contract) -> None:
    contract.error("link_token_get", LinkTokenGetRequest(link_token="link-sandbox-nope"), "INVALID_LINK_TOKEN", 400)
