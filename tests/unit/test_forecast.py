"""The cash forecast on a hand-made world whose balances are worked out by hand below.

TODAY = 2025-06-10. Checking: current 1,000.00 and a pending 50.00 charge, so it starts at 950.00.
Savings: 5,000.00. History on checking (all of 2025 up to today):

- Acme payroll, 2,000.00 in every other Friday from 3 Jan: next on 20 Jun (day 10) and 4 Jul (day 24);
- rent, 1,200.00 on the 1st: next 1 Jul (day 21);
- the move to savings, 300.00 on the 2nd (+300.00 on savings): next 2 Jul (day 22);
- the card autopay on the 25th: 100, 120, 140, 110, 130: expected 120.00 (their mean), range
  100 to 140: next 25 Jun (day 15);
- groceries, 30.00 every third day from 1 Jan, too often for a stream: in the last 90 days
  (13 Mar to 10 Jun) 30 of the 90 days have 30.00, so the typical day takes 10.00, with a
  spread σ = √(30 × 30² / 90 − 10²) = √200 ≈ 14.1421.

Checking on day d: 950 − 10 d + the recurring flows so far:
  day 9 (19 Jun) 860.00; day 10 (20 Jun) 2,850.00; day 15 (25 Jun) 2,680.00; day 21 (1 Jul) 1,420.00;
  day 22 (2 Jul) 1,110.00; day 24 (4 Jul) 3,090.00; day 30 (10 Jul) 3,030.00.
Band on day 15: 1.645 × √200 × √15 ≈ 90.10, plus the autopay's 20.00 either way:
  2,569.90 to 2,790.10. Lowest in 30 days: 860.00 on 19 Jun, the day before the pay day.
Savings: 5,000.00 until 2 Jul, then 5,300.00; USD total on 2 Jul: 1,110.00 + 5,300.00 = 6,410.00.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from core.analytics import forecast, ledger, streams
from core.analytics.filters import Filters
from tests.recurring_worlds import Ledger, every, monthly, new_store

TODAY = date(2025, 6, 10)
ACCOUNTS = [
    ("chk", "item-r", "Checking", "1111", "depository", "checking", "1000.00", "950.00", None, "USD"),
    ("sav", "item-r", "Savings", "2222", "depository", "savings", "5000.00", "5000.00", None, "USD"),
    ("card", "item-r", "Card", "3333", "credit", "credit card", "300.00", "4700.00", "5000.00", "USD"),
]


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def store(tmp_path):
    store = new_store(tmp_path / "fb.duckdb", ACCOUNTS)
    with store.transaction() as con:
        book = Ledger(con)
        for d in every(date(2025, 1, 3), 14, TODAY):
            book.add("pay", "chk", d, "ACME PAYROLL", "Acme", "-2000.00", "INCOME", "INCOME_WAGES")
        for d in monthly(date(2025, 1, 1), 6):
            book.add("rent", "chk", d, "RENT", "Greystar", "1200.00", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT")
        for d in monthly(date(2025, 1, 2), 6):
            book.add("save", "chk", d, "TO SAVINGS", None, "300.00", "TRANSFER_OUT", "TRANSFER_OUT_SAVINGS")
            book.add("saved", "sav", d, "FROM CHECKING", None, "-300.00", "TRANSFER_IN", "TRANSFER_IN_SAVINGS")
        for d, amount in zip(monthly(date(2025, 1, 25), 5), ("100", "120", "140", "110", "130"), strict=True):
            book.add("autopay", "chk", d, "CARD PAYMENT", None, amount, "LOAN_PAYMENTS",
                     "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT")  # fmt: skip
        for d in every(date(2025, 1, 1), 3, TODAY):
            book.add("food", "chk", d, "SAFEWAY", "Safeway", "30.00", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES")
        book.add("pending", "chk", TODAY, "SHELL", "Shell", "50.00", "TRANSPORTATION", None, pending=True)
    return store


def projected(store, days=30, filters=None):
    with ledger.reading(store) as con:
        return forecast.forecast(con, TODAY, filters, days)


def on(frame, account, n):
    row = frame[(frame["account_id"] == account) & (frame["date"] == day(n))]
    assert len(row) == 1
    return row.iloc[0]


def test_balances_follow_the_recurring_flows_and_the_typical_day(store):
    frame = projected(store)
    expected = {9: 860.00, 10: 2850.00, 15: 2680.00, 21: 1420.00, 22: 1110.00, 24: 3090.00, 30: 3030.00}
    assert {n: on(frame, "chk", n)["balance"] for n in expected} == expected
    assert (on(frame, "chk", 10)["recurring"], on(frame, "chk", 15)["recurring"]) == (2000.00, -120.00)
    assert on(frame, "chk", 9)["recurring"] == 0
    assert (on(frame, "sav", 21)["balance"], on(frame, "sav", 22)["balance"]) == (5000.00, 5300.00)
    assert len(frame[frame["account_id"] == "chk"]) == 30 and "card" not in set(frame["account_id"])


def test_the_band_widens_with_time_and_with_varying_streams(store):
    row = on(projected(store), "chk", 15)
    assert (row["low"], row["high"]) == (2569.90, 2790.10)
    first = on(projected(store), "chk", 1)
    assert (first["low"], first["high"]) == (940 - 23.26, 940 + 23.26)  # 1.645 × √200 × √1 = 23.26


def test_each_currency_has_a_total_and_the_lowest_point_is_called_out(store):
    frame = projected(store)
    total = frame[frame["account_id"].isna() & (frame["date"] == day(22))].iloc[0]
    assert (total["account"], total["balance"]) == ("All USD accounts", 6410.00)
    low = forecast.lowest(frame).set_index("account")
    assert (low.loc["Checking ••1111", "lowest"], low.loc["Checking ••1111", "lowest_date"]) == (860.00, day(9))


@pytest.mark.parametrize("days", [30, 60, 90])
def test_horizons(store, days):
    frame = projected(store, days)
    assert frame["date"].max() == day(days) and frame["date"].min() == day(1)


def test_filters_choose_accounts_and_currency(store):
    only = projected(store, filters=Filters(accounts=("sav",)))
    assert set(only["account"]) == {"Savings ••2222", "All USD accounts"}
    assert projected(store, filters=Filters(currency="EUR")).empty


def test_a_warning_before_the_next_income_only_below_the_threshold(store):
    with ledger.reading(store) as con:
        assert forecast.warnings(con, TODAY).empty  # never below zero
    forecast.set_threshold(store, "chk", Decimal("900"))
    with ledger.reading(store) as con:
        warning = forecast.warnings(con, TODAY).iloc[0]
    assert (warning["account"], warning["lowest"], warning["lowest_date"]) == ("Checking ••1111", 860.00, day(9))
    assert (warning["next_income"], warning["next_income_date"], warning["threshold"]) == ("Acme", day(10), 900.0)
    forecast.set_threshold(store, "chk", Decimal("850"))  # 860 before pay day: fine
    with ledger.reading(store) as con:
        assert forecast.warnings(con, TODAY).empty
    with pytest.raises(forecast.ForecastError, match="checking or savings"):
        forecast.set_threshold(store, "card", Decimal("1"))


def test_an_overdue_bill_counts_tomorrow_and_a_hidden_stream_counts_as_ordinary_spending(store):
    with store.transaction() as con:
        book = Ledger(con)
        for d in monthly(date(2025, 1, 3), 5):  # Jan .. May; June's is late
            book.add("isp", "chk", d, "COMCAST", "Comcast", "60.00", "RENT_AND_UTILITIES", None)
    store.bump_data_version()
    frame = projected(store)
    assert on(frame, "chk", 1)["recurring"] == -60.00
    assert on(frame, "chk", 23)["recurring"] == -60.00  # 3 July
    with ledger.reading(store) as con:
        table = streams.streams(con, TODAY)
    rent = table[table["detected_merchant"] == "Greystar"].iloc[0]["stream_id"]
    streams.mark_not_recurring(store, rent)
    frame = projected(store)
    assert on(frame, "chk", 21)["recurring"] == 0  # no rent on 1 July any more ...
    # ... its 1,200.00 a month is now part of the typical day: 3 of the last 90 days had it (Apr, May, Jun 1st)
    assert on(frame, "chk", 2)["balance"] == round(950 - 60 - 2 * (10 + 3 * 1200 / 90), 2)


def test_the_overview_words_a_warning_with_and_without_an_income_to_wait_for():
    """Two warnings in one frame, one account with no income expected: pandas reads the names column as strings,
    so the missing name is NaN rather than None (the Overview once crashed on it at a million transactions)."""
    from dashboard.streams import low_balance_lines

    rows = [
        {"account_id": "a", "account": "Checking ••1111", "currency": "USD", "threshold": 0.0, "lowest": -20.0,
         "lowest_date": day(3), "next_income": "Acme", "next_income_date": day(10)},
        {"account_id": "b", "account": "Spare ••2222", "currency": "USD", "threshold": 100.0, "lowest": 40.0,
         "lowest_date": day(5), "next_income": None, "next_income_date": None},
    ]  # fmt: skip
    lines = low_balance_lines(pd.DataFrame(rows, columns=forecast.WARNING_COLUMNS))
    assert lines[0].endswith(f"below zero, before the next income (Acme, {day(10):%b %d}).")
    assert lines[1].endswith("below $100.00, within 30 days (no income expected).")
