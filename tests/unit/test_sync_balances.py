"""Accounts, one balance snapshot per account per day, and history derived from transactions."""

from datetime import date
from decimal import Decimal

import pytest

import core.sync.balances as balances
from core.products.accounts import MalformedAccounts
from core.sync import sync_transactions
from tests.unit.sync_world import ChangeLogWorld, store_with_item


def accounts_body(checking: float | None, card: float) -> dict:
    available = None if checking is None else checking - 5
    checking_account = {
        "account_id": "acc-checking", "name": "Checking", "mask": "0000", "type": "depository", "subtype": "checking",
        "balances": {"current": checking, "available": available, "limit": None, "iso_currency_code": "USD"},
    }  # fmt: skip
    card_account = {
        "account_id": "acc-card", "name": "Card", "mask": "3333", "type": "credit", "subtype": "credit card",
        "balances": {"current": card, "available": 700, "limit": 1000, "iso_currency_code": "USD"},
    }  # fmt: skip
    return {
        "accounts": [checking_account, card_account],
        "item": {"products": ["transactions", "auth"], "billed_products": ["transactions"]},
    }


@pytest.fixture
def store(tmp_path):
    return store_with_item(tmp_path / "fb.duckdb")


@pytest.fixture
def today(monkeypatch):
    """The calendar day snapshots belong to; tests move it."""
    current = {"day": date(2024, 1, 5)}
    monkeypatch.setattr(balances, "local_today", lambda: current["day"])
    return current


def history(store, account_id):
    with store.connect() as con:
        return con.execute(
            "SELECT date, current_balance, derived FROM balance_history WHERE account_id = ? ORDER BY date",
            [account_id],
        ).fetchall()


def sync(store, world, checking=1000.0, card=300.0):
    return sync_transactions(store, "item-1", world.page, fetch_accounts=lambda: accounts_body(checking, card))


def d(day):
    return date(2024, 1, day)


def test_history_before_the_first_snapshot_is_walked_back_with_each_account_types_sign(store, today):
    world = ChangeLogWorld(page_size=10)
    world.add(account=0, day=0, amount_cents=1000)  # 10.00 spent from checking on Jan 1
    world.add(account=0, day=2, amount_cents=-10000)  # 100.00 paid in on Jan 3
    world.add(account=0, day=4, amount_cents=777, pending=True)  # pending: not in the current balance
    world.add(account=1, day=1, amount_cents=5000)  # 50.00 card purchase on Jan 2
    world.add(account=1, day=3, amount_cents=-2000)  # 20.00 card payment on Jan 4
    sync(store, world)
    assert history(store, "acc-checking") == [
        (date(2023, 12, 31), Decimal("910.00"), True),
        (d(1), Decimal("900.00"), True),
        (d(2), Decimal("900.00"), True),
        (d(3), Decimal("1000.00"), True),
        (d(4), Decimal("1000.00"), True),
        (d(5), Decimal("1000.00"), False),
    ]
    assert history(store, "acc-card") == [
        (date(2023, 12, 31), Decimal("270.00"), True),  # the item's history starts the day before Jan 1
        (d(1), Decimal("270.00"), True),
        (d(2), Decimal("320.00"), True),
        (d(3), Decimal("320.00"), True),
        (d(4), Decimal("300.00"), True),
        (d(5), Decimal("300.00"), False),
    ]


def test_an_account_without_transactions_keeps_its_balance_over_the_items_history(store, today):
    world = ChangeLogWorld(page_size=10)
    world.add(account=0, day=1, amount_cents=1000)
    body = accounts_body(1000.0, 300.0)
    body["accounts"].append({
        "account_id": "acc-brokerage", "name": "Brokerage", "mask": "5555", "type": "investment",
        "subtype": "brokerage", "balances": {"current": 4000, "available": None, "limit": None,
                                              "iso_currency_code": "USD"},
    })  # fmt: skip
    sync_transactions(store, "item-1", world.page, fetch_accounts=lambda: body)
    assert history(store, "acc-brokerage") == [
        (d(day), Decimal("4000.00"), day < 5) for day in range(1, 6)
    ]  # flat and marked derived, so net worth over time covers every day the item has history for


def test_one_snapshot_per_account_per_day_the_latest_wins(store, today):
    world = ChangeLogWorld()
    world.add(day=0)
    sync(store, world, checking=1000.0)
    sync(store, world, checking=1100.0)
    today["day"] = d(6)
    sync(store, world, checking=1200.0)
    observed = [(day, bal) for day, bal, derived in history(store, "acc-checking") if not derived]
    assert observed == [(d(5), Decimal("1100.00")), (d(6), Decimal("1200.00"))]


def test_days_between_snapshots_are_derived_from_the_next_one(store, today):
    world = ChangeLogWorld()
    world.add(account=0, day=0)
    sync(store, world, checking=500.0)  # observed Jan 5
    today["day"] = d(9)
    world.add(account=0, day=6, amount_cents=2500)  # 25.00 spent on Jan 7
    sync(store, world, checking=475.0)  # observed Jan 9
    rows = {day: (bal, derived) for day, bal, derived in history(store, "acc-checking")}
    assert rows[d(5)] == (Decimal("500.00"), False)
    assert rows[d(6)] == (Decimal("500.00"), True)
    assert rows[d(7)] == (Decimal("475.00"), True)
    assert rows[d(8)] == (Decimal("475.00"), True)
    assert rows[d(9)] == (Decimal("475.00"), False)


def test_accounts_are_stored_after_every_sync(store, today):
    world = ChangeLogWorld()
    world.add()
    sync(store, world, checking=1000.0)
    sync(store, world, checking=1234.56)
    with store.connect() as con:
        rows = con.execute(
            "SELECT account_id, item_id, mask, type, current_balance, available_balance, credit_limit FROM accounts "
            "ORDER BY account_id"
        ).fetchall()
        products = con.execute("SELECT products FROM items").fetchone()[0]
    assert rows == [
        ("acc-card", "item-1", "3333", "credit", Decimal("300.00"), Decimal("700.00"), Decimal("1000.00")),
        ("acc-checking", "item-1", "0000", "depository", Decimal("1234.56"), Decimal("1229.56"), None),
    ]
    assert products == ["auth", "transactions"]


def test_an_account_without_an_id_fails_the_update_and_writes_nothing(store, today):
    world = ChangeLogWorld()
    world.add()
    body = accounts_body(1.0, 2.0)
    del body["accounts"][0]["account_id"]
    with pytest.raises(MalformedAccounts):
        sync_transactions(store, "item-1", world.page, fetch_accounts=lambda: body)
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM plaid_transactions").fetchone() == (0,)
        assert con.execute("SELECT cursor FROM items").fetchone() == ("",)


def test_a_snapshot_without_a_balance_is_kept_and_never_overwritten_by_a_derived_one(store, today):
    world = ChangeLogWorld()
    world.add(account=0, day=0)
    sync(store, world, checking=500.0)  # Jan 5
    today["day"] = d(7)
    sync_transactions(store, "item-1", world.page, fetch_accounts=lambda: accounts_body(None, 300.0))  # Jan 7
    today["day"] = d(9)
    sync(store, world, checking=480.0)  # Jan 9
    rows = {day: (bal, derived) for day, bal, derived in history(store, "acc-checking")}
    assert rows[d(7)] == (None, False)
    assert rows[d(6)] == (Decimal("480.00"), True) and rows[d(8)] == (Decimal("480.00"), True)
