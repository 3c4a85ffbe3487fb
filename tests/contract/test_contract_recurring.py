"""/transactions/recurring/get: spec-valid, read by plaid-python's models, answered from the world's schedules
(TODAY = 2025-06-01: Netflix went up to 17.99 on 2025-01-07, Hulu stopped after 2024-10-26, Amazon Prime renewed
on 2024-08-14); the add-on refused; RECURRING_TRANSACTIONS_UPDATE from /sandbox/item/fire_webhook."""

from __future__ import annotations

from datetime import date

from plaid.model.sandbox_item_fire_webhook_request import SandboxItemFireWebhookRequest
from plaid.model.transactions_recurring_get_request import TransactionsRecurringGetRequest

from tests.contract.plaid_contract import DEAD_WEBHOOK, Contract


def by_merchant(streams) -> dict:  # type: ignore[no-untyped-def]
    return {s.merchant_name or s.description: s for s in streams}


def test_streams_follow_the_world_s_schedules(contract: Contract) -> None:
    access, item_id = contract.new_item()
    r = contract.ok("transactions_recurring_get", TransactionsRecurringGetRequest(access_token=access))
    inflow, outflow = by_merchant(r.inflow_streams), by_merchant(r.outflow_streams)
    salary = next(s for name, s in inflow.items() if name.endswith("Payroll"))
    assert (salary.frequency.value, salary.status.value, salary.is_active) == ("BIWEEKLY", "MATURE", True)
    assert (salary.predicted_next_date - salary.last_date).days == 14
    netflix = outflow["Netflix"]
    assert (netflix.frequency.value, netflix.last_amount.amount, netflix.predicted_next_date) == (
        "MONTHLY", 17.99, date(2025, 6, 7))  # fmt: skip
    assert len(netflix.transaction_ids) == 24 and netflix.average_amount.amount < 17.99  # 15.49 before January
    hulu = outflow["Hulu"]
    assert (hulu.status.value, hulu.is_active, hulu.predicted_next_date) == ("TOMBSTONED", False, None)
    assert hulu.last_date == date(2024, 10, 26)
    prime = outflow["Amazon Prime"]
    assert (prime.frequency.value, prime.predicted_next_date, prime.status.value) == (
        "ANNUALLY", date(2025, 8, 14), "MATURE")  # fmt: skip
    assert outflow["SFPUC"].frequency.value == "UNKNOWN"  # every second month: Plaid has no name for it
    assert "Ferry Plaza Farmers Market" not in outflow  # a weekly habit, not a stream
    # every stream's transactions are the item's own
    ids = {t["transaction_id"] for t in contract.emu.control.truth(item_id)}
    assert all(set(s.transaction_ids) <= ids for s in (*r.inflow_streams, *r.outflow_streams))


def test_account_ids_narrow_the_streams(contract: Contract) -> None:
    access, item_id = contract.new_item()
    savings = next(a["account_id"] for a in contract.emu.control.accounts(item_id) if a["subtype"] == "savings")
    r = contract.ok(
        "transactions_recurring_get", TransactionsRecurringGetRequest(access_token=access, account_ids=[savings])
    )
    assert {s.account_id for s in (*r.inflow_streams, *r.outflow_streams)} == {savings}
    contract.error(
        "transactions_recurring_get",
        TransactionsRecurringGetRequest(access_token=access, account_ids=["nope"]),
        "INVALID_ACCOUNT_ID",
        400,
    )


def test_a_client_without_the_add_on_is_refused(contract: Contract) -> None:
    access, _ = contract.new_item(webhook=DEAD_WEBHOOK)
    contract.emu.control.refuse("/transactions/recurring/get")
    try:
        body = contract.error(
            "transactions_recurring_get", TransactionsRecurringGetRequest(access_token=access), "INVALID_PRODUCT", 400
        )
        assert "transactions_recurring" in body["error_message"]
        contract.error(
            "sandbox_item_fire_webhook",
            SandboxItemFireWebhookRequest(access_token=access, webhook_code="RECURRING_TRANSACTIONS_UPDATE"),
            "SANDBOX_PRODUCT_NOT_ENABLED",
            400,
        )
        contract.emu.control.refuse("/transactions/recurring/get", "ADDITIONAL_CONSENT_REQUIRED")
        contract.error(
            "transactions_recurring_get",
            TransactionsRecurringGetRequest(access_token=access),
            "ADDITIONAL_CONSENT_REQUIRED",
            400,
        )
    finally:
        contract.emu.control.refuse("/transactions/recurring/get", None)
    contract.ok("transactions_recurring_get", TransactionsRecurringGetRequest(access_token=access))
