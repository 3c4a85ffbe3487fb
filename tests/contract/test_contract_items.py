"""Items, institutions, the sandbox item hooks and the webhook verification key."""

from __future__ import annotations

import jwt
import pytest
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.institutions_get_by_id_request import InstitutionsGetByIdRequest
from plaid.model.institutions_get_by_id_request_options import InstitutionsGetByIdRequestOptions
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_remove_request import ItemRemoveRequest
from plaid.model.item_webhook_update_request import ItemWebhookUpdateRequest
from plaid.model.sandbox_item_fire_webhook_request import SandboxItemFireWebhookRequest
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.webhook_type import WebhookType
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

from core.emulator import catalog
from tests.contract.plaid_contract import DEAD_WEBHOOK, Contract

BAD_TOKEN = "access-sandbox-00000000-0000-0000-0000-000000000000"


def test_item_get(contract: Contract) -> None:
    access, item_id = contract.new_item("ins_109512")
    r = contract.ok("item_get", ItemGetRequest(access_token=access))
    assert r.item.item_id == item_id
    assert r.item.institution_id == "ins_109512"
    assert r.item.error is None
    assert r.status.transactions.last_successful_update is not None
    contract.error("item_get", ItemGetRequest(access_token=BAD_TOKEN), "INVALID_ACCESS_TOKEN", 400)


def test_item_remove_revokes_the_access_token(contract: Contract) -> None:
    access, _ = contract.new_item()
    contract.ok("item_remove", ItemRemoveRequest(access_token=access))
    contract.error("accounts_get", AccountsGetRequest(access_token=access), "INVALID_ACCESS_TOKEN", 400)
    contract.error("item_remove", ItemRemoveRequest(access_token=access), "INVALID_ACCESS_TOKEN", 400)


def test_item_webhook_update(contract: Contract) -> None:
    access, item_id = contract.new_item()
    r = contract.ok("item_webhook_update", ItemWebhookUpdateRequest(access_token=access, webhook=DEAD_WEBHOOK))
    assert r.item.webhook == DEAD_WEBHOOK
    [ack] = contract.webhooks(item_id, "WEBHOOK_UPDATE_ACKNOWLEDGED")
    contract.validate_schema("WebhookUpdateAcknowledgedWebhook", ack["payload"])
    contract.error(
        "item_webhook_update", ItemWebhookUpdateRequest(access_token=access, webhook="not a url"), "INVALID_FIELD", 400
    )


@pytest.mark.parametrize("institution", catalog.INSTITUTIONS, ids=lambda i: i.institution_id)
def test_institutions_get_by_id(contract: Contract, institution: catalog.Institution) -> None:
    r = contract.ok(
        "institutions_get_by_id",
        InstitutionsGetByIdRequest(
            institution_id=institution.institution_id,
            country_codes=[CountryCode(c) for c in institution.country_codes],
            options=InstitutionsGetByIdRequestOptions(include_optional_metadata=True),
        ),
    )
    assert r.institution.name == institution.name
    assert r.institution.oauth == institution.oauth


def test_platypus_oauth_bank_is_oauth(contract: Contract) -> None:
    r = contract.ok(
        "institutions_get_by_id",
        InstitutionsGetByIdRequest(institution_id="ins_127287", country_codes=[CountryCode("US")]),
    )
    assert r.institution.oauth is True and r.institution.name == "Platypus OAuth Bank"


def test_institutions_get_by_id_errors(contract: Contract) -> None:
    contract.error(
        "institutions_get_by_id",
        InstitutionsGetByIdRequest(institution_id="ins_0", country_codes=[CountryCode("US")]),
        "INVALID_INSTITUTION",
        400,
    )
    contract.error(
        "institutions_get_by_id",
        InstitutionsGetByIdRequest(institution_id="ins_109508", country_codes=[CountryCode("GB")]),
        "INVALID_INSTITUTION",
        400,
    )


def test_reset_login_puts_the_item_in_error(contract: Contract) -> None:
    access, item_id = contract.new_item(webhook=DEAD_WEBHOOK)
    r = contract.ok("sandbox_item_reset_login", SandboxItemResetLoginRequest(access_token=access))
    assert r.reset_login is True
    item = contract.ok("item_get", ItemGetRequest(access_token=access)).item
    assert item.error.error_code == "ITEM_LOGIN_REQUIRED"
    contract.error("accounts_get", AccountsGetRequest(access_token=access), "ITEM_LOGIN_REQUIRED", 400)
    contract.error("transactions_sync", TransactionsSyncRequest(access_token=access), "ITEM_LOGIN_REQUIRED", 400)
    [error] = contract.webhooks(item_id, "ERROR")
    contract.validate_schema("ItemErrorWebhook", error["payload"])
    assert error["payload"]["error"]["error_code"] == "ITEM_LOGIN_REQUIRED"
    contract.error(
        "sandbox_item_reset_login", SandboxItemResetLoginRequest(access_token=BAD_TOKEN), "INVALID_ACCESS_TOKEN", 400
    )


FIRED = [
    ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", "SyncUpdatesAvailableWebhook"),
    ("TRANSACTIONS", "DEFAULT_UPDATE", "DefaultUpdateWebhook"),
    ("TRANSACTIONS", "RECURRING_TRANSACTIONS_UPDATE", "RecurringTransactionsUpdateWebhook"),
    ("ITEM", "NEW_ACCOUNTS_AVAILABLE", "NewAccountsAvailableWebhook"),
    ("ITEM", "PENDING_DISCONNECT", "PendingDisconnectWebhook"),
    ("ITEM", "USER_PERMISSION_REVOKED", "UserPermissionRevokedWebhook"),
    ("ITEM", "USER_ACCOUNT_REVOKED", "UserAccountRevokedWebhook"),
    ("ITEM", "LOGIN_REPAIRED", "ItemLoginRepairedWebhook"),
    ("ITEM", "PRODUCT_READY", "ItemProductReadyWebhook"),
    ("ITEM", "ERROR", "ItemErrorWebhook"),
    ("AUTH", "DEFAULT_UPDATE", "AuthDefaultUpdateWebhook"),
    ("AUTH", "SMS_MICRODEPOSITS_VERIFICATION", "HostedMMDVerificationWebhook"),
]


@pytest.mark.parametrize(("kind", "code", "schema"), FIRED, ids=[f"{k}-{c}" for k, c, _ in FIRED])
def test_fire_webhook(contract: Contract, kind: str, code: str, schema: str) -> None:
    access, item_id = contract.new_item(webhook=DEAD_WEBHOOK)
    r = contract.ok(
        "sandbox_item_fire_webhook",
        SandboxItemFireWebhookRequest(access_token=access, webhook_type=WebhookType(kind), webhook_code=code),
    )
    assert r.webhook_fired is True
    fired = [w["payload"] for w in contract.webhooks(item_id, code) if w["payload"]["webhook_type"] == kind]
    assert fired
    contract.validate_schema(schema, fired[-1])


def test_fire_webhook_advances_the_clock(contract: Contract) -> None:
    access, item_id = contract.new_item(webhook=DEAD_WEBHOOK)
    contract.client.transactions_sync(TransactionsSyncRequest(access_token=access, cursor="now"))
    before = contract.emu.control.items()
    contract.ok(
        "sandbox_item_fire_webhook",
        SandboxItemFireWebhookRequest(access_token=access, webhook_code="SYNC_UPDATES_AVAILABLE"),
    )
    after = contract.emu.control.items()
    days = {i["item_id"]: i["days_advanced"] for i in before}, {i["item_id"]: i["days_advanced"] for i in after}
    assert days[1][item_id] == days[0][item_id] + 1


def test_fire_webhook_errors(contract: Contract) -> None:
    access, _ = contract.new_item()  # no webhook set
    contract.error(
        "sandbox_item_fire_webhook",
        SandboxItemFireWebhookRequest(access_token=access, webhook_code="NEW_ACCOUNTS_AVAILABLE"),
        "SANDBOX_WEBHOOK_INVALID",
        400,
    )
    status, raw = contract.raw(
        "/sandbox/item/fire_webhook", b'{"access_token": "%s", "webhook_code": "NOT_A_CODE"}' % access.encode()
    )
    assert status == 400
    contract.check_error("/sandbox/item/fire_webhook", status, raw, "INVALID_FIELD")


def test_webhook_verification_key_get(contract: Contract) -> None:
    access, item_id = contract.new_item(webhook=DEAD_WEBHOOK)
    contract.client.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access))
    [sent] = contract.webhooks(item_id, "ERROR")
    header = jwt.get_unverified_header(sent["plaid_verification"])
    assert header["alg"] == "ES256" and header["typ"] == "JWT"
    r = contract.ok("webhook_verification_key_get", WebhookVerificationKeyGetRequest(key_id=header["kid"]))
    assert (r.key.kid, r.key.alg, r.key.crv, r.key.kty, r.key.use) == (header["kid"], "ES256", "P-256", "EC", "sig")
    assert r.key.expired_at is None
    contract.error(
        "webhook_verification_key_get",
        WebhookVerificationKeyGetRequest(key_id="no-such-key"),
        "INVALID_WEBHOOK_VERIFICATION_KEY_ID",
        400,
    )
