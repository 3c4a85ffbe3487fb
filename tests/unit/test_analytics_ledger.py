"""The analytics ledger: transfers, user categories and rules, and staying current."""

from __future__ import annotations

from datetime import date

import pytest

from core.analytics import categorize, ledger
from core.analytics.cash_flow import totals
from core.analytics.categories import top_merchants
from core.analytics.filters import Filters
from core.store import Store
from tests.worlds import insert_transaction, small_world

TODAY = date(2025, 3, 10)
JAN_USD = Filters(period="custom", start=date(2025, 1, 1), end=date(2025, 1, 31), currency="USD")


@pytest.fixture
def store(tmp_path):
    return small_world(Store(tmp_path / "fb.duckdb"))


def jan_usd(store, filters=JAN_USD):
    with ledger.reading(store) as con:
        row = totals(con, filters, TODAY).iloc[0]
    return float(row["income"]), float(row["spending"])


def flags(store):
    with ledger.reading(store) as con:
        rows = con.execute("SELECT transaction_id, is_transfer, transfer_pair_id FROM analytics_ledger").fetchall()
    return {tid: (is_transfer, pair) for tid, is_transfer, pair in rows}


def flows(store):
    with ledger.reading(store) as con:
        return dict(con.execute("SELECT transaction_id, flow FROM analytics_ledger").fetchall())


def test_transfers_by_matched_pair_and_outside_transfers_by_category(store):
    f = flags(store)
    assert f["t-ccpay-out"] == (True, "t-ccpay-in")  # credit-card payment from checking, received by the card
    assert f["t-ccpay-in"] == (True, "t-ccpay-out")
    assert f["t-save-out"] == (True, "t-save-in")
    assert f["t-save-in"] == (True, "t-save-out")
    assert f["t-atm"] == (True, None)  # cash out of Finboard: a transfer with no twin
    assert flows(store) == {
        **{t: "income" for t in ("t-pay-jan", "t-pay-feb", "t-eur-pay", "t-interest")},
        **{t: "transfer_internal" for t in ("t-ccpay-out", "t-ccpay-in", "t-save-out", "t-save-in")},
        **{t: "transfer_outside" for t in ("t-atm", "t-deposit")},
        **{t: "spending" for t in ("t-rent", "t-coffee1", "t-eur-food", "t-grocery", "t-refund", "t-gas",
                                   "t-return", "t-fee", "t-pending", "t-rent-feb", "t-coffee2")},
    }  # fmt: skip


def test_opposite_amounts_too_far_apart_or_with_income_are_not_pairs(store):
    f = flags(store)
    assert f["t-gas"] == (False, None)  # the return of the same size came 10 days later
    assert f["t-return"] == (False, None)
    assert f["t-fee"] == (False, None)  # interest of the same size is INCOME
    assert f["t-interest"] == (False, None)


def test_a_merchant_charge_and_its_refund_on_another_card_are_not_a_transfer(store):
    with store.transaction() as con:
        insert_transaction(
            con,
            "t-gym",
            "card",
            "2025-02-15",
            "PLANET FITNESS",
            "Planet Fitness",
            "24.99",
            "USD",
            False,
            "PERSONAL_CARE",
            "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        )
        insert_transaction(
            con,
            "t-gym-refund",
            "chk",
            "2025-02-16",
            "PLANET FITNESS",
            "Planet Fitness",
            "-24.99",
            "USD",
            False,
            "PERSONAL_CARE",
            "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        )
    f = flags(store)
    assert f["t-gym"] == (False, None)
    assert f["t-gym-refund"] == (False, None)


def test_a_pair_is_one_to_one_and_picks_the_closest_date(store):
    out = ("TRANSFER_OUT", "TRANSFER_OUT_ACCOUNT_TRANSFER")
    with store.transaction() as con:
        insert_transaction(con, "t-dup-out1", "chk", "2025-02-10", "XFER", None, "77.00", "USD", False, *out)
        insert_transaction(con, "t-dup-out2", "chk", "2025-02-12", "XFER", None, "77.00", "USD", False, *out)
        insert_transaction(con, "t-dup-in", "sav", "2025-02-13", "XFER", None, "-77.00", "USD", False,
                           "TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER")  # fmt: skip
    f = flags(store)
    assert f["t-dup-in"] == (True, "t-dup-out2")
    assert f["t-dup-out2"] == (True, "t-dup-in")
    assert f["t-dup-out1"] == (True, None)  # an outside transfer: its twin is not in Finboard


def test_rows_without_a_transfer_category_never_pair(store):
    """Two merchant-less rows of opposite amounts a day apart are not evidence of a transfer."""
    with store.transaction() as con:
        insert_transaction(con, "t-x-out", "chk", "2025-02-10", "XFER", None, "88.00", "USD", False, None, None)
        insert_transaction(con, "t-x-in", "sav", "2025-02-11", "XFER", None, "-88.00", "USD", False, "OTHER",
                           "OTHER_OTHER")  # fmt: skip
    f = flags(store)
    assert f["t-x-out"] == (True, None)  # no category at all: counted like OTHER, an outside transfer
    assert f["t-x-in"] == (True, None)


def test_the_transfer_toggle_lists_transfers_but_never_changes_the_money_figures(store):
    chk_only = Filters(
        period="custom", start=date(2025, 1, 1), end=date(2025, 1, 31), accounts=("chk",), currency="USD"
    )
    assert jan_usd(store, chk_only) == (3000.0, 1252.0)  # rent 1200 + gas 40 + fee 12
    with_transfers = Filters(**{**chk_only.__dict__, "include_transfers": True})
    assert jan_usd(store, with_transfers) == (3000.0, 1252.0)
    with ledger.reading(store) as con:
        row = totals(con, chk_only, TODAY).iloc[0]
    # the card payment and the move to savings are internal; the ATM cash is an outside transfer
    assert (float(row["transfers_out_internal"]), float(row["transfers_out_outside"])) == (635.5, 60.0)


def test_a_user_category_beats_plaid_and_undoes_a_transfer_pair(store):
    categorize.set_category(store, "t-save-in", "INCOME", "INCOME_OTHER_INCOME")
    f = flags(store)
    assert f["t-save-in"] == (False, None)  # income now, so no longer evidence of a transfer
    assert f["t-save-out"] == (True, None)  # the other half is left as money sent outside
    assert jan_usd(store) == (3512.0, 1347.5)


def test_setting_a_transfer_category_makes_a_transfer(store):
    categorize.set_category(store, "t-gas", "TRANSFER_OUT", "TRANSFER_OUT_ACCOUNT_TRANSFER")
    assert flags(store)["t-gas"] == (True, None)
    assert jan_usd(store) == (3012.0, 1307.5)


def test_rules_apply_to_existing_and_future_transactions_and_users_win(store):
    categorize.add_rule(store, "whole foods", "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_SUPERSTORES")
    assert category(store, "t-grocery") == ("GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_SUPERSTORES", "rule")
    assert category(store, "t-refund") == ("GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_SUPERSTORES", "rule")

    categorize.set_category(store, "t-grocery", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES")
    assert category(store, "t-grocery") == ("FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", "user")

    with store.transaction() as con:  # the next sync brings a new Whole Foods purchase
        insert_transaction(
            con,
            "t-new",
            "card",
            "2025-02-20",
            "WHOLE FOODS 91",
            "Whole Foods",
            "33.00",
            "USD",
            False,
            "FOOD_AND_DRINK",
            "FOOD_AND_DRINK_GROCERIES",
        )
    assert category(store, "t-new") == ("GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_SUPERSTORES", "rule")
    with store.connect() as con:  # the public read model says the same
        row = con.execute("SELECT category_primary, category_source FROM transactions WHERE transaction_id = 't-new'")
        assert row.fetchone() == ("GENERAL_MERCHANDISE", "rule")


def test_the_newest_matching_rule_wins_and_deleting_it_falls_back(store):
    older = categorize.add_rule(store, "starbucks", "ENTERTAINMENT", None)
    newer = categorize.add_rule(store, "STARBUCKS 123", "PERSONAL_CARE", None)
    assert category(store, "t-coffee1")[0] == "PERSONAL_CARE"
    assert category(store, "t-coffee2")[0] == "ENTERTAINMENT"
    categorize.delete_rule(store, newer)
    assert category(store, "t-coffee1")[0] == "ENTERTAINMENT"
    categorize.delete_rule(store, older)
    assert category(store, "t-coffee1") == ("FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE", "plaid")


def test_clearing_a_user_category_restores_the_rule(store):
    categorize.add_rule(store, "shell", "TRAVEL", "TRAVEL_GAS")
    categorize.set_category(store, "t-gas", "FOOD_AND_DRINK", None)
    categorize.clear_category(store, "t-gas")
    assert category(store, "t-gas") == ("TRAVEL", "TRAVEL_GAS", "rule")


def test_edits_patch_the_ledger_exactly_as_a_rebuild_would(store):
    categorize.add_rule(store, "transfer", "GENERAL_SERVICES", None)
    categorize.add_rule(store, "payment thank", "TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER")
    categorize.set_category(store, "t-save-in", "OTHER", None)
    categorize.set_category(store, "t-save-out", "TRANSFER_OUT", None)
    categorize.set_category(store, "t-ccpay-in", "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE")
    patched = snapshot(store)
    with store.transaction() as con:
        ledger.rebuild(con)
    assert snapshot(store) == patched


def test_the_ledger_rebuilds_when_another_process_changes_the_data(store):
    assert jan_usd(store)[1] == 1347.5
    with store.transaction() as con:  # e.g. `finboard sync` removing a transaction
        con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 't-rent'")
    assert jan_usd(store)[1] == 147.5
    with store.transaction() as con:  # an analyst editing an annotation by hand
        con.execute("INSERT INTO transaction_annotations (transaction_id, category_primary) VALUES ('t-gas', 'INCOME')")
    assert jan_usd(store) == (2972.0, 107.5)


def post_the_pending_ride(con) -> None:
    """The pending Uber trip posts: its row goes, the posted one (pointing back at it) arrives."""
    con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 't-pending'")
    insert_transaction(con, "t-posted", "card", "2025-02-01", "UBER TRIP", "Uber", "27.00", "USD", False,
                       "TRANSPORTATION", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "t-pending")  # fmt: skip


def test_a_category_set_on_a_pending_transaction_shows_on_the_posted_one(store):
    categorize.set_category(store, "t-pending", "TRAVEL", None)
    with store.transaction() as con:  # what the sync engine does when the pending one posts
        post_the_pending_ride(con)
        con.execute(
            "INSERT INTO transaction_annotations (transaction_id, category_primary, category_detailed) "
            "SELECT 't-posted', category_primary, category_detailed FROM transaction_annotations "
            "WHERE transaction_id = 't-pending'"
        )
    assert category(store, "t-posted") == ("TRAVEL", None, "user")


@pytest.mark.parametrize(
    ("primary", "detailed", "message"),
    [
        ("food", None, None),  # lower case is accepted and upper-cased
        ("FOOD AND DRINK", None, "not a category code"),
        ("FOOD_AND_DRINK", "TRAVEL_FLIGHTS", "not a detailed category of FOOD_AND_DRINK"),
    ],
)
def test_category_codes_are_checked(store, primary, detailed, message):
    if message is None:
        categorize.set_category(store, "t-gas", primary, detailed)
        assert category(store, "t-gas")[0] == "FOOD"
    else:
        with pytest.raises(categorize.CategorizeError, match=message):
            categorize.set_category(store, "t-gas", primary, detailed)


def test_unknown_transactions_and_empty_rules_are_refused(store):
    with pytest.raises(categorize.CategorizeError, match="No transaction"):
        categorize.set_category(store, "nope", "FOOD_AND_DRINK", None)
    with pytest.raises(categorize.CategorizeError, match="needs some text"):
        categorize.add_rule(store, "   ", "FOOD_AND_DRINK", None)


def test_rules_report_how_many_transactions_they_categorize(store):
    categorize.add_rule(store, "whole foods", "GENERAL_MERCHANDISE", None)
    with ledger.reading(store) as con:
        rules = categorize.rules(con)
    assert rules[["pattern", "transactions"]].to_dict("records") == [{"pattern": "whole foods", "transactions": 2}]


def category(store: Store, transaction_id: str):
    with ledger.reading(store) as con:
        return con.execute(
            "SELECT category_primary, category_detailed, category_source FROM analytics_ledger "
            "WHERE transaction_id = ?",
            [transaction_id],
        ).fetchone()


def snapshot(store: Store):
    with store.connect() as con:
        return con.execute("SELECT * FROM analytics_ledger ORDER BY transaction_id").fetchall()


def test_the_ledger_resolves_categories_exactly_as_the_transactions_view(store):
    categorize.add_rule(store, "whole foods", "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_SUPERSTORES")
    categorize.add_rule(store, "payroll", "INCOME", "INCOME_SALARY")
    categorize.set_category(store, "t-refund", "FOOD_AND_DRINK", None)
    with store.transaction() as con:
        ledger.rebuild(con)  # the whole-table build, not the patches made by the edits above
    with store.connect() as con:
        mismatches = con.execute(
            """
            SELECT count(*) FROM analytics_ledger l JOIN transactions v USING (transaction_id)
            WHERE l.category_primary IS DISTINCT FROM coalesce(v.category_primary, 'UNCATEGORIZED')
               OR l.category_detailed IS DISTINCT FROM v.category_detailed
               OR l.category_source IS DISTINCT FROM v.category_source
               OR l.category_rule_id IS DISTINCT FROM v.category_rule_id
            """
        ).fetchone()
    assert mismatches == (0,)


@pytest.mark.parametrize("pending", [False, True])
@pytest.mark.parametrize("transfers", [False, True])
@pytest.mark.parametrize("accounts", [(), ("chk", "card")])
def test_daily_sums_give_the_same_numbers_as_single_transactions(store, pending, transfers, accounts):
    categorize.set_category(store, "t-gas", "TRAVEL", None)
    filters = Filters(period="all", include_pending=pending, include_transfers=transfers, accounts=accounts)
    from_sums = figures(store, filters)
    from_rows = figures(store, Filters(**{**filters.__dict__, "min_amount": 0}))  # forces the ledger
    assert from_sums == from_rows


def figures(store: Store, filters: Filters):
    with ledger.reading(store) as con:
        income_spending = totals(con, filters, TODAY).set_index("currency")[["income", "spending"]].to_dict("index")
        merchants = top_merchants(con, filters, TODAY).to_dict("records")
    return income_spending, merchants


def test_a_late_commit_of_an_older_sync_is_still_noticed(store):
    assert category(store, "t-pending") is not None  # the ledger is built
    with store.transaction() as con:  # pending -> posted (same count), stamped before the newest sync
        post_the_pending_ride(con)
        con.execute(
            "UPDATE plaid_transaction_rows SET updated_at = TIMESTAMP '2001-01-01' WHERE transaction_id = 't-posted'"
        )
    assert category(store, "t-posted") == ("TRANSPORTATION", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES", "plaid")
    assert category(store, "t-pending") is None
