"""/transactions/sync against the emulator's own truth: full replays, incremental updates, pending -> posted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import plaid
import pytest
from plaid.api import plaid_api
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.transactions_sync_request import TransactionsSyncRequest

from core.emulator import Emulator, start_emulator


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = start_emulator(seed=3, today=date(2025, 3, 14))
    yield e
    e.stop()


@pytest.fixture(scope="module")
def client(emu: Emulator) -> plaid_api.PlaidApi:
    config = plaid.Configuration(host=emu.url, api_key={"clientId": "c", "secret": "s"})
    return plaid_api.PlaidApi(plaid.ApiClient(config))


def new_item(client: plaid_api.PlaidApi) -> tuple[str, str]:
    public = client.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(institution_id="ins_109508", initial_products=[Products("transactions")])
    ).public_token
    r = client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public))
    return r.access_token, r.item_id


def sync_pages(client: plaid_api.PlaidApi, access: str, cursor: str, count: int) -> tuple[list[dict[str, Any]], str]:
    """Every page of one update, as raw JSON (what Finboard's sync reads)."""
    pages = []
    while True:
        raw = client.transactions_sync(
            TransactionsSyncRequest(access_token=access, cursor=cursor, count=count), _preload_content=False
        )
        page = json.loads(raw.data)
        pages.append(page)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return pages, cursor


def apply(state: dict[str, dict[str, Any]], pages: list[dict[str, Any]]) -> None:
    for page in pages:
        for t in page["added"] + page["modified"]:
            state[t["transaction_id"]] = t
        for r in page["removed"]:
            state.pop(r["transaction_id"], None)


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t["transaction_id"]: t for t in rows}


def test_full_replay_reproduces_truth(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    access, item_id = new_item(client)
    state: dict[str, dict[str, Any]] = {}
    pages, _ = sync_pages(client, access, "", 250)
    apply(state, pages)
    truth = emu.control.truth(item_id)
    assert len(truth) > 2000
    assert state == by_id(truth)
    assert not any(p["removed"] or p["modified"] for p in pages)  # a first sync only adds


def test_incremental_updates_after_advances_reproduce_truth(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    access, item_id = new_item(client)
    state: dict[str, dict[str, Any]] = {}
    pages, cursor = sync_pages(client, access, "", 500)
    apply(state, pages)
    seen_added = seen_modified = seen_removed = 0
    for days in (1, 3, 7):
        emu.control.advance(item_id, days)
        pages, cursor = sync_pages(client, access, cursor, 7)
        apply(state, pages)
        seen_added += sum(len(p["added"]) for p in pages)
        seen_modified += sum(len(p["modified"]) for p in pages)
        seen_removed += sum(len(p["removed"]) for p in pages)
        assert state == by_id(emu.control.truth(item_id))
    assert seen_added and seen_modified and seen_removed
    # a fresh replay from the empty cursor lands on the same truth
    fresh: dict[str, dict[str, Any]] = {}
    apply(fresh, sync_pages(client, access, "", 500)[0])
    assert fresh == state


def test_pending_transactions_post_with_their_pending_id(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    access, item_id = new_item(client)
    _, cursor = sync_pages(client, access, "", 500)
    pending_before = {t["transaction_id"] for t in emu.control.truth(item_id) if t["pending"]}
    assert pending_before
    emu.control.advance(item_id, 6)  # every pending transaction posts (or is voided) within 5 days
    pages, _ = sync_pages(client, access, cursor, 500)
    removed = {r["transaction_id"] for p in pages for r in p["removed"]}
    posted = {t["pending_transaction_id"]: t for p in pages for t in p["added"] if t["pending_transaction_id"]}
    assert pending_before <= removed
    # a pending row the client saw is removed in the same update its posted row arrives; one that was born and
    # posted within this update was never seen, so there is nothing to remove
    assert set(posted) & pending_before
    assert set(posted) & pending_before <= removed
    for pending_id, t in posted.items():
        assert not t["pending"] and t["transaction_id"] != pending_id
        assert t["authorized_date"] <= t["date"]


def test_each_balance_is_its_opening_balance_plus_its_flows(emu: Emulator, client: plaid_api.PlaidApi) -> None:
    access, item_id = new_item(client)
    state: dict[str, dict[str, Any]] = {}
    pages, cursor = sync_pages(client, access, "", 500)
    apply(state, pages)
    emu.control.advance(item_id, 4)
    apply(state, sync_pages(client, access, cursor, 500)[0])
    opening = emu.control.opening_balances(item_id)
    accounts = json.loads(client.accounts_get(AccountsGetRequest(access_token=access), _preload_content=False).data)
    for account in accounts["accounts"]:
        flows = sum(
            round(t["amount"] * 100)
            for t in state.values()
            if t["account_id"] == account["account_id"] and not t["pending"]
        )
        owes = account["type"] in ("credit", "loan")  # Plaid's sign: positive = money out of the account
        expected = round(opening[account["account_id"]] * 100) + (flows if owes else -flows)
        assert round(account["balances"]["current"] * 100) == expected, account["name"]
