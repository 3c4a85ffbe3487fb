"""Cash flow, categories, balances, overview and the transaction list on the hand-made world.

Every expected number is worked out by hand from tests/worlds.py (January 2025, USD, posted):
  income   = payroll 3000 + interest 12                                             = 3012.00
  spending = rent 1200 + coffee 5.50 + groceries 150.25 - refund 20.25 + gas 40
             - return 40 + fee 12                                                    = 1347.50
  net      = 1664.50; savings rate = 1664.50 / 3012
  outside transfers: in = check deposit 250, out = ATM cash 60 (beside net, not in it)
  internal transfers: card payment 135.50 and savings 500, each in and out: in none of the above
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core.analytics import balances, cash_flow, categories, ledger, overview, transactions
from core.analytics.filters import Filters
from core.store import Store
from tests.worlds import small_world

TODAY = date(2025, 3, 10)
JAN = Filters(period="custom", start=date(2025, 1, 1), end=date(2025, 1, 31))
JAN_USD = JAN.with_currency("USD")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    store = small_world(Store(tmp_path_factory.mktemp("world") / "fb.duckdb"))
    with ledger.reading(store) as con:
        yield con


def records(frame, *columns):
    """Rows as tuples; DuckDB dates arrive as pandas Timestamps and are compared as dates."""
    return [
        tuple(v.date() if isinstance(v, pd.Timestamp) else v for v in row)
        for row in frame[list(columns)].itertuples(index=False)
    ]


def test_totals_flip_plaid_sign_and_keep_currencies_apart(con):
    frame = cash_flow.totals(con, JAN, TODAY)
    assert records(frame, "currency", "income", "spending", "net") == [
        ("EUR", 2000.0, 30.0, 1970.0),
        ("USD", 3012.0, 1347.5, 1664.5),
    ]
    assert frame.set_index("currency").loc["USD", "savings_rate"] == pytest.approx(1664.5 / 3012)


def test_pending_transactions_count_only_when_included(con):
    with_pending = Filters(**{**JAN_USD.__dict__, "include_pending": True})
    assert float(cash_flow.totals(con, with_pending, TODAY)["spending"].iloc[0]) == 1372.5  # + Uber 25


def test_totals_compare_with_the_previous_period(con):
    frame = cash_flow.totals(con, Filters(period="last_month", currency="USD"), TODAY)
    assert records(frame, "income", "spending", "previous_income", "previous_spending") == [
        (3000.0, 1206.5, 3012.0, 1347.5)
    ]


def test_no_change_is_claimed_when_nothing_happened_in_the_previous_period(con):
    frame = cash_flow.totals(con, JAN_USD, TODAY)  # 4-31 December 2024: before the first transaction
    assert frame[["previous_income", "previous_spending", "previous_savings_rate"]].isna().all(axis=None)


def test_cash_flow_per_week_with_running_net(con):
    frame, interval = cash_flow.cash_flow(con, JAN_USD, TODAY, "week")
    assert interval == "week"
    columns = ("period", "income", "spending", "net", "cumulative_net", "transfers_in_outside", "transfers_out_outside")
    assert records(frame, *columns) == [
        (date(2025, 1, 1), 3000.0, 1200.0, 1800.0, 1800.0, 0.0, 0.0),  # the week of 30 Dec, cut at 1 January
        (date(2025, 1, 6), 0.0, 135.5, -135.5, 1664.5, 0.0, 0.0),  # coffee + groceries - refund
        (date(2025, 1, 13), 0.0, 40.0, -40.0, 1624.5, 0.0, 60.0),  # and ATM cash
        (date(2025, 1, 20), 0.0, -40.0, 40.0, 1664.5, 250.0, 0.0),  # the Amazon return; a check deposited
        (date(2025, 1, 27), 12.0, 12.0, 0.0, 1664.5, 0.0, 0.0),
    ]


def test_a_weekly_bucket_is_labelled_by_the_first_day_it_holds(con):
    """Named case: the week of Monday 27 January cut by a window starting on Saturday 1 February holds
    only 1-2 February; it is labelled 1 February, not 27 January (a day outside the window)."""
    feb = Filters(period="custom", start=date(2025, 2, 1), end=date(2025, 2, 28), currency="USD")
    frame, _ = cash_flow.cash_flow(con, feb, TODAY, "week")
    assert records(frame, "period", "income")[:2] == [(date(2025, 2, 1), 0.0), (date(2025, 2, 3), 3000.0)]
    over_time, _ = categories.categories_over_time(con, feb, TODAY, "week")
    assert min(over_time["period"]).date() == date(2025, 2, 3)  # nothing spent on 1-2 February
    rent_week = categories.categories_over_time(con, Filters(**{**feb.__dict__, "start": date(2025, 2, 5)}), TODAY,
                                                "week")[0]  # fmt: skip
    assert records(rent_week, "period", "category_primary")[0] == (date(2025, 2, 5), "RENT_AND_UTILITIES")


def test_cash_flow_never_ships_more_points_than_the_budget(con):
    long_range = Filters(period="custom", start=date(2000, 1, 1), end=date(2025, 3, 10), currency="USD")
    frame, interval = cash_flow.cash_flow(con, long_range, TODAY, "day")
    assert interval == "week"  # 9,200 days x 3 series would be too many points
    assert len(frame) * 3 <= 5000


def test_money_flows_balance_and_end_in_savings(con):
    edges = cash_flow.money_flows(con, JAN_USD, TODAY)
    assert records(edges, "source", "target", "amount") == [
        ("Wages", "Income", 3000.0),
        ("General merchandise (refunds)", "Income", 40.0),
        ("Interest earned", "Income", 12.0),
        ("Income", "Bank fees", 12.0),
        ("Income", "Transportation", 40.0),
        ("Income", "Food and drink", 135.5),
        ("Income", "Rent and utilities", 1200.0),
        ("Income", "Saved", 1664.5),  # the net: outside transfers have their own hub
        ("Transfers outside Finboard", "Withdrawal (out)", 60.0),
        ("Deposit (in)", "Transfers outside Finboard", 250.0),
        ("Transfers outside Finboard", "Kept from outside transfers", 190.0),
    ]
    for hub in ("Income", "Transfers outside Finboard"):
        into = edges[edges["target"] == hub]["amount"].sum()
        assert into == pytest.approx(edges[edges["source"] == hub]["amount"].sum())


def test_money_flows_draw_from_savings_when_spending_exceeds_income(con):
    feb_without_pay = Filters(period="custom", start=date(2025, 2, 4), end=date(2025, 2, 28), currency="USD")
    edges = cash_flow.money_flows(con, feb_without_pay, TODAY)
    assert records(edges, "source", "target", "amount")[-1] == ("Drawn from savings", "Income", 1206.5)


def test_category_spending_nets_refunds_per_detailed_category(con):
    frame = categories.category_spending(con, JAN_USD, TODAY)
    assert records(frame, "category_primary", "category_detailed", "spending") == [
        ("RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT", 1200.0),
        ("FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", 130.0),
        ("TRANSPORTATION", "TRANSPORTATION_GAS", 40.0),
        ("BANK_FEES", "BANK_FEES_OTHER_BANK_FEES", 12.0),
        ("FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE", 5.5),
        ("GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", -40.0),
    ]


def test_categories_over_time_keep_the_top_and_group_the_rest(con):
    frame, interval = categories.categories_over_time(con, Filters(period="all", currency="USD"), TODAY, "month", top=2)
    assert interval == "month"
    assert records(frame, "period", "category_primary", "spending") == [
        (date(2025, 1, 1), "RENT_AND_UTILITIES", 1200.0),
        (date(2025, 1, 1), "FOOD_AND_DRINK", 135.5),
        (date(2025, 1, 1), "OTHER_CATEGORIES", 12.0),  # gas 40 + fee 12 - return 40
        (date(2025, 2, 1), "RENT_AND_UTILITIES", 1200.0),
        (date(2025, 2, 1), "FOOD_AND_DRINK", 6.5),
    ]


def test_top_merchants_by_spending(con):
    frame = categories.top_merchants(con, JAN_USD, TODAY, limit=3)
    assert records(frame, "merchant", "spending", "transactions") == [
        ("RENT JAN", 1200.0, 1),
        ("Whole Foods", 130.0, 2),
        ("Shell", 40.0, 1),
    ]


def test_filters_by_category_merchant_and_amount(con):
    food = Filters(**{**JAN_USD.__dict__, "categories": ("FOOD_AND_DRINK",)})
    assert float(cash_flow.totals(con, food, TODAY)["spending"].iloc[0]) == 135.5
    coffee = Filters(**{**JAN_USD.__dict__, "categories": ("FOOD_AND_DRINK_COFFEE",)})
    assert float(cash_flow.totals(con, coffee, TODAY)["spending"].iloc[0]) == 5.5
    whole = Filters(**{**JAN_USD.__dict__, "merchant": "whole FOODS"})
    assert float(cash_flow.totals(con, whole, TODAY)["spending"].iloc[0]) == 130.0
    between = Filters(**{**JAN_USD.__dict__, "min_amount": 20, "max_amount": 200})  # sizes: 150.25, 20.25, 40, 40
    assert float(cash_flow.totals(con, between, TODAY)["spending"].iloc[0]) == 130.0
    like_chars = Filters(**{**JAN_USD.__dict__, "merchant": "%"})  # a literal %, not a wildcard
    assert records(cash_flow.totals(con, like_chars, TODAY), "currency", "income", "spending") == [("USD", 0, 0)]


def test_balances_assets_liabilities_and_net_worth_per_currency(con):
    assert records(balances.accounts(con, Filters(currency="USD")), "name", "side", "net_balance") == [
        ("Savings", "asset", 5000.0),
        ("Checking", "asset", 1000.0),
        ("Card", "liability", -300.0),
    ]
    assert records(balances.net_worth(con, Filters()), "currency", "assets", "liabilities", "net_worth") == [
        ("EUR", 800.0, 0.0, 800.0),
        ("USD", 6000.0, 300.0, 5700.0),
    ]


def test_net_worth_history_carries_balances_forward_and_marks_gaps(con):
    days = [date(2025, 1, 10), date(2025, 1, 20), date(2025, 1, 31)]
    frame = balances.net_worth_on(con, Filters(currency="USD"), days)
    assert records(frame, "day", "net_worth", "complete", "derived") == [
        (date(2025, 1, 10), 5500.0, False, True),  # the card's history starts on the 15th
        (date(2025, 1, 20), 5300.0, True, True),  # 1000 + 4500 (both derived) - 200
        (date(2025, 1, 31), 6300.0, True, False),  # 1500 + 5000 - 200, all observed
    ]


def test_account_history_samples_period_ends(con):
    frame, interval = balances.account_history(con, Filters(period="all", accounts=("chk",)), TODAY, "month")
    assert interval == "month"
    assert records(frame, "day", "balance", "derived") == [
        (date(2025, 1, 31), 1500.0, False),
        (date(2025, 2, 28), 2000.0, False),
        (date(2025, 3, 10), 2000.0, False),
    ]


def test_credit_utilization(con):
    frame = balances.credit_utilization(con, Filters())
    assert records(frame, "account", "utilization", "total") == [("Card ••3333", 0.3, False), ("All cards", 0.3, True)]


def test_overview_summary_compares_net_worth_with_the_end_of_the_previous_period(con):
    frame = overview.summary(con, Filters(period="last_month"), TODAY).set_index("currency")
    assert frame.loc["USD", "net_worth"] == 5700.0
    assert frame.loc["USD", "previous_net_worth"] == 6300.0  # on 31 January
    assert frame.loc["EUR", "income"] == 0.0
    assert frame.loc["EUR", "previous_income"] == 2000.0


def test_items_needing_attention(con):
    frame = overview.items_needing_attention(con, TODAY)
    assert records(frame, "institution", "status", "stale") == [("Bank B", "login_required", False)]
    later = overview.items_needing_attention(con, date(2025, 3, 14))  # Bank A last synced on 10 March
    assert records(later, "institution", "stale") == [("Bank B", False), ("Bank A", True)]


def test_transaction_page_totals_and_hidden_counts(con):
    page = transactions.transactions_page(con, JAN_USD, TODAY, page_size=4)
    assert (page.total, page.pages, page.money_in, page.money_out) == (9, 3, 3072.25, 1407.75)
    assert (page.hidden_pending, page.hidden_transfers) == (1, 6)  # 2 pairs, ATM cash, the check deposit
    assert list(page.rows["transaction_id"]) == ["t-interest", "t-fee", "t-return", "t-gas"]
    assert list(page.rows["amount"]) == [12.0, -12.0, 40.0, -40.0]  # money in positive


def test_transaction_search_sort_and_last_page(con):
    page = transactions.transactions_page(con, JAN_USD, TODAY, search="whole", sort="amount", descending=False)
    assert list(page.rows["transaction_id"]) == ["t-grocery", "t-refund"]
    last = transactions.transactions_page(con, JAN_USD, TODAY, page=99, page_size=4)
    assert (last.page, list(last.rows["transaction_id"])) == (3, ["t-pay-jan"])


@pytest.mark.parametrize(
    ("primary", "detailed", "expected"),
    [
        ("FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE", "Food and drink › Coffee"),
        ("BANK_FEES", "BANK_FEES_ATM_FEES", "Bank fees › ATM fees"),
        ("INCOME", None, "Income"),
        ("UNCATEGORIZED", None, "Uncategorized"),
    ],
)
def test_category_names_read_like_words(primary, detailed, expected):
    assert categories.full_label(primary, detailed) == expected
