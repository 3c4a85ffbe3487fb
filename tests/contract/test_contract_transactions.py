"""/transactions/sync options and errors, /transactions/refresh, /sandbox/transactions/create."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from plaid.model.custom_sandbox_transaction import CustomSandboxTransaction
from plaid.model.personal_finance_category_version import PersonalFinanceCategoryVersion
from plaid.model.sandbox_transactions_create_request import SandboxTransactionsCreateRequest
from plaid.model.transactions_refresh_request import TransactionsRefreshRequest
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.transactions_sync_request_options import TransactionsSyncRequestOptions

from tests.contract.plaid_contract import DEAD_WEBHOOK, TODAY, Contract

BAD_TOKEN = "access-sandbox-00000000-0000-0000-0000-000000000000"


def test_sync_options(contract: Contract) -> None:
    access, _ = contract.new_item()
    accounts = contract.ok("transactions_sync", TransactionsSyncRequest(access_token=access, count=1)).accounts
    savings = next(a.account_id for a in accounts if a.subtype.value == "savings")
    options = TransactionsSyncRequestOptions(
        include_original_description=True,
        account_id=savings,
        personal_finance_category_version=PersonalFinanceCategoryVersion("v1"),
    )
    r = contract.ok("transactions_sync", TransactionsSyncRequest(access_token=access, count=500, options=options))
    assert r.added and all(t.account_id == savings for t in r.added)
    assert all(t.original_description for t in r.added)
    assert all(t.personal_finance_category.version.value == "v1" for t in r.added)
    assert [a.account_id for a in r.accounts] == [savings]
    # a cursor belongs to its account stream
    contract.error(
        "transactions_sync", TransactionsSyncRequest(access_token=access, cursor=r.next_cursor), "INVALID_FIELD", 400
    )


def test_sync_now_cursor_skips_history(contract: Contract) -> None:
    access, item_id = contract.new_item()
    r = contract.ok("transactions_sync", TransactionsSyncRequest(access_token=access, cursor="now"))
    assert (r.added, r.modified, r.removed, r.has_more) == ([], [], [], False)
    contract.emu.control.advance(item_id, 2)
    later = contract.ok("transactions_sync", TransactionsSyncRequest(access_token=access, cursor=r.next_cursor))
    assert later.added


def test_sync_errors(contract: Contract) -> None:
    contract.error("transactions_sync", TransactionsSyncRequest(access_token=BAD_TOKEN), "INVALID_ACCESS_TOKEN", 400)
    access, _ = contract.new_item()
    contract.error(
        "transactions_sync",
        TransactionsSyncRequest(access_token=access, cursor="bm90IGEgY3Vyc29y"),
        "INVALID_FIELD",
        400,
    )
    other, _ = contract.new_item()
    foreign = contract.client.transactions_sync(TransactionsSyncRequest(access_token=other, count=1)).next_cursor
    contract.error(
        "transactions_sync", TransactionsSyncRequest(access_token=access, cursor=foreign), "INVALID_FIELD", 400
    )
    contract.error(
        "transactions_sync",
        TransactionsSyncRequest(access_token=access, options=TransactionsSyncRequestOptions(account_id="nope")),
        "INVALID_ACCOUNT_ID",
        400,
    )


def test_mutation_during_pagination_switch(contract: Contract) -> None:
    access, _ = contract.new_item()
    first = contract.client.transactions_sync(TransactionsSyncRequest(access_token=access, count=10))
    contract.emu.control.fail_sync_pagination()
    body = contract.error(
        "transactions_sync",
        TransactionsSyncRequest(access_token=access, cursor=first.next_cursor),
        "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
        400,
    )
    assert body["error_type"] == "TRANSACTIONS_ERROR"
    # it fails once; the same page then succeeds
    contract.ok("transactions_sync", TransactionsSyncRequest(access_token=access, cursor=first.next_cursor))


def test_a_real_mutation_during_pagination_is_refused(contract: Contract) -> None:
    access, item_id = contract.new_item()
    first = contract.client.transactions_sync(TransactionsSyncRequest(access_token=access, count=10))
    contract.emu.control.advance(item_id, 1)
    contract.error(
        "transactions_sync",
        TransactionsSyncRequest(access_token=access, cursor=first.next_cursor),
        "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
        400,
    )


def test_sync_injected_server_error(contract: Contract) -> None:
    access, _ = contract.new_item()
    contract.emu.control.fail_next("/transactions/sync", error_code="PLANNED_MAINTENANCE")
    contract.error("transactions_sync", TransactionsSyncRequest(access_token=access), "PLANNED_MAINTENANCE", 503)


def test_refresh_brings_new_transactions_and_a_webhook(contract: Contract) -> None:
    access, item_id = contract.new_item(webhook=DEAD_WEBHOOK)
    cursor = contract.client.transactions_sync(TransactionsSyncRequest(access_token=access, cursor="now")).next_cursor
    contract.ok("transactions_refresh", TransactionsRefreshRequest(access_token=access))
    r = contract.client.transactions_sync(TransactionsSyncRequest(access_token=access, cursor=cursor))
    assert r.added or r.modified or r.removed
    updates = contract.webhooks(item_id, "SYNC_UPDATES_AVAILABLE")
    assert len(updates) >= 2  # one when the item was created, one for the refresh
    contract.validate_schema("SyncUpdatesAvailableWebhook", updates[-1]["payload"])
    contract.error(
        "transactions_refresh", TransactionsRefreshRequest(access_token=BAD_TOKEN), "INVALID_ACCESS_TOKEN", 400
    )


def custom(description: str, amount: float, posted_in_days: int = 0) -> CustomSandboxTransaction:
    return CustomSandboxTransaction(
        date_transacted=TODAY,
        date_posted=TODAY + timedelta(days=posted_in_days),
        amount=amount,
        description=description,
    )


def test_sandbox_transactions_create(contract: Contract) -> None:
    access, item_id = contract.new_item(username="user_transactions_dynamic")
    cursor = contract.client.transactions_sync(TransactionsSyncRequest(access_token=access, cursor="now")).next_cursor
    contract.ok(
        "sandbox_transactions_create",
        SandboxTransactionsCreateRequest(
            access_token=access,
            transactions=[
                custom("Corner Bakery", 12.5),
                custom("Paycheck bonus", -250.0),
                custom("Hotel hold", 80.0, 3),
            ],
        ),
    )
    r = contract.client.transactions_sync(TransactionsSyncRequest(access_token=access, cursor=cursor))
    made = {t.name: t for t in r.added}
    assert made["Corner Bakery"].amount == 12.5 and not made["Corner Bakery"].pending
    assert made["Paycheck bonus"].amount == -250.0
    assert made["Hotel hold"].pending  # posts in three days
    assert {t["name"] for t in contract.emu.control.truth(item_id)} >= set(made)


def test_sandbox_transactions_create_errors(contract: Contract) -> None:
    access, _ = contract.new_item(username="user_good")
    contract.error(
        "sandbox_transactions_create",
        SandboxTransactionsCreateRequest(access_token=access, transactions=[custom("Coffee", 3.0)]),
        "INVALID_FIELD",
        400,
    )
    dynamic, _ = contract.new_item(username="user_transactions_dynamic")
    rows = [{"date_transacted": "2025-06-01", "date_posted": "2025-06-01", "amount": 1.0, "description": "x"}] * 11
    status, raw = contract.raw(
        "/sandbox/transactions/create", json.dumps({"access_token": dynamic, "transactions": rows}).encode()
    )
    assert status == 400
    contract.check_error("/sandbox/transactions/create", status, raw, "INVALID_FIELD")


@pytest.mark.slow
def test_every_transaction_validates_against_the_spec(contract: Contract) -> None:
    access, _ = contract.new_item()
    cursor = ""
    while True:  # the whole history, page by page, through the spec validator and the models
        r = contract.ok("transactions_sync", TransactionsSyncRequest(access_token=access, cursor=cursor, count=500))
        cursor = r.next_cursor
        if not r.has_more:
            break


def test_pfc_v1_pages_validate(contract: Contract) -> None:
    access, _ = contract.new_item()
    v1 = TransactionsSyncRequestOptions(personal_finance_category_version=PersonalFinanceCategoryVersion("v1"))
    r = contract.ok("transactions_sync", TransactionsSyncRequest(access_token=access, count=500, options=v1))
    details = {t.personal_finance_category.detailed for t in r.added}
    assert "INCOME_WAGES" in details and "INCOME_SALARY" not in details
