"""Finboard's recurring-stream detector, one hard case per test, on hand-made ledgers.

Each test writes the transactions of the case (tests/recurring_worlds.py helpers), lets the
analytics ledger rebuild (which detects the streams in the same transaction) and reads the
streams as the pages do, on a fixed `today`.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from core.analytics import categorize, ledger, streams
from core.analytics.cadence import CADENCES, Schedule, fit, shift_weekend
from tests.recurring_worlds import TODAY, Ledger, every, monthly, new_store, recurring_world

SUBSCRIPTION = ("ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES")
UTILITY = ("RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY")
WAGES = ("INCOME", "INCOME_WAGES")


@pytest.fixture
def store(tmp_path):
    return new_store(tmp_path / "fb.duckdb")


def write(store, rows):
    """rows: (tag, account, date, name, merchant, amount, (primary, detailed))."""
    with store.transaction() as con:
        ledger_ = Ledger(con)
        for tag, account, day, name, merchant, amount, (primary, detailed) in rows:
            ledger_.add(tag, account, day, name, merchant, amount, primary, detailed)
    store.bump_data_version()


def found(store, today=TODAY, **kw):
    with ledger.reading(store) as con:
        return streams.streams(con, today, **kw)


def one(store, merchant, today=TODAY):
    table = found(store, today)
    rows = table[table["detected_merchant"] == merchant]
    assert len(rows) == 1, f"{merchant}: {len(rows)} streams in\n{table[['detected_merchant', 'frequency']]}"
    return rows.iloc[0]


def members(store, stream_id):
    with ledger.reading(store) as con:
        return set(streams.stream_transactions(con, stream_id)["transaction_id"])


def test_a_utility_bill_whose_amount_drifts_is_one_monthly_stream(store):
    amounts = ["81.20", "95.50", "110.25", "70.10", "88.00", "131.40", "64.35", "99.99"]
    write(store, [("pge", "chk", d, "PG&E WEB ONLINE", "PG&E", a, UTILITY)
                  for d, a in zip(monthly(date(2024, 10, 20), 8), amounts, strict=True)])  # fmt: skip
    s = one(store, "PG&E")
    assert (s["frequency"], s["amount_kind"], s["direction"], s["kind"]) == ("monthly", "variable", "outflow", "bill")
    assert s["transactions"] == 8
    assert s["last_amount"] == 99.99
    assert s["expected_amount"] == 94.02  # the mean of the last six: 564.09 / 6 = 94.015, rounded half up
    assert (s["low_amount"], s["high_amount"]) == (64.35, 131.40)
    assert s["next_date"] == date(2025, 6, 20)


def test_a_price_change_keeps_the_stream_and_its_id_and_says_when(store):
    days = monthly(date(2024, 11, 7), 6)  # Nov .. Apr at 15.49
    write(store, [("netflix", "card", d, "NETFLIX.COM", "Netflix", "15.49", SUBSCRIPTION) for d in days])
    before = one(store, "Netflix", date(2025, 5, 1))
    assert pd.isna(before["previous_amount"]) and before["price_changed_on"] is None

    write(store, [("netflix", "card", d, "NETFLIX.COM", "Netflix", "17.99", SUBSCRIPTION)
                  for d in (date(2025, 5, 7), date(2025, 6, 7))])  # fmt: skip
    after = one(store, "Netflix")
    assert after["stream_id"] == before["stream_id"]
    assert (after["last_amount"], after["previous_amount"]) == (17.99, 15.49)
    assert after["price_changed_on"] == date(2025, 5, 7)
    assert after["amount_kind"] == "fixed" and after["expected_amount"] == 17.99
    assert after["transactions"] == 8 and after["status"] == "active"
    assert after["next_date"] == date(2025, 7, 7)


def test_a_yearly_charge_is_found_from_two_renewals(store):
    write(store, [("prime", "card", d, "AMAZON PRIME*AB12", "Amazon Prime", "139.00", SUBSCRIPTION)
                  for d in (date(2023, 8, 14), date(2024, 8, 14))])  # fmt: skip
    s = one(store, "Amazon Prime")
    assert (s["frequency"], s["status"], s["next_date"]) == ("annually", "active", date(2025, 8, 14))
    assert s["yearly_amount"] == 139.00 and s["monthly_amount"] == 11.58


def test_pay_days_moved_off_weekends_and_holidays_are_one_semi_monthly_stream(store):
    """Paid on the 15th and the last day, or the business day before when that is a weekend or a holiday."""
    holidays = {date(2024, 12, 25), date(2025, 1, 1)}

    def paid(day):
        while day.weekday() >= 5 or day in holidays:
            day -= timedelta(days=1)
        return day

    nominal = sorted(monthly(date(2024, 9, 15), 9) + monthly(date(2024, 9, 30), 9, day=31))  # Sep 15 .. May 31
    dates = [paid(d) for d in nominal]
    assert date(2024, 11, 29) in dates and date(2025, 5, 30) in dates  # Sat 30 Nov and Sat 31 May moved to Friday
    write(store, [("pay", "chk", d, f"ACME PAYROLL PPD {d:%m/%d}", None, "-1875.00", WAGES) for d in dates])
    s = one(store, "ACME PAYROLL PPD 05/30")  # dates in descriptions do not split a stream; the latest names it
    assert (s["frequency"], s["kind"], s["transactions"]) == ("semi_monthly", "income", 18)
    assert s["weekend_rule"] == "before"
    assert s["next_date"] == date(2025, 6, 13)  # 15 June 2025 is a Sunday: paid Friday the 13th


def test_a_refunded_duplicate_and_a_refund_leave_the_subscription_alone(store):
    days = monthly(date(2024, 12, 17), 7)  # Dec .. Jun
    rows = [("gym", "card", d, "PLANET FITNESS", "Planet Fitness", "24.99", ("PERSONAL_CARE", None)) for d in days]
    rows += [
        ("gym-dup", "card", date(2025, 2, 18), "PLANET FITNESS", "Planet Fitness", "24.99", ("PERSONAL_CARE", None)),
        ("gym-back", "card", date(2025, 2, 21), "PLANET FITNESS", "Planet Fitness", "-24.99", ("PERSONAL_CARE", None)),
        ("gym-back", "card", date(2025, 4, 20), "PLANET FITNESS", "Planet Fitness", "-24.99", ("PERSONAL_CARE", None)),
    ]
    write(store, rows)
    table = found(store)
    assert list(table["detected_merchant"]) == ["Planet Fitness"]  # no stream of refunds
    s = table.iloc[0]
    assert (s["amount_kind"], s["last_amount"], s["transactions"], s["status"]) == ("fixed", 24.99, 7, "active")
    assert members(store, s["stream_id"]) == {f"gym-{d.isoformat()}" for d in days}


def test_a_frequent_coffee_shop_is_never_a_stream_even_with_a_weekly_order(store):
    """Four visits a week for half a year; every Monday the same 6.75 order, other days a few usual prices."""
    rows = []
    for k, day in enumerate(d for d in every(date(2024, 12, 1), 1, TODAY) if d.weekday() in (0, 2, 3, 5)):
        price = "6.75" if day.weekday() == 0 else ("4.50", "5.25", "3.95")[k % 3]
        rows.append(("coffee", "card", day, "STARBUCKS 1234", "Starbucks", price, ("FOOD_AND_DRINK", None)))
    write(store, rows)
    assert found(store).empty


def test_a_weekly_habit_of_changing_size_is_not_a_stream(store):
    amounts = ["23.10", "41.75", "18.20", "55.00", "30.40", "27.65", "49.90", "21.05", "36.30", "44.80", "19.99"]
    saturdays = every(date(2025, 3, 29), 7, TODAY)
    write(store, [("market", "chk", d, "FERRY PLAZA FARMERS MKT", "Ferry Plaza", amounts[i % len(amounts)],
                   ("FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES")) for i, d in enumerate(saturdays)])  # fmt: skip
    assert found(store).empty


def test_a_weekly_subscription_of_fixed_price_is_a_stream(store):
    write(store, [("kit", "card", d, "HELLOFRESH", "HelloFresh", "59.99", ("GENERAL_MERCHANDISE", None))
                  for d in every(date(2025, 4, 1), 7, TODAY)])  # fmt: skip
    s = one(store, "HelloFresh")
    assert (s["frequency"], s["next_date"], s["status"]) == ("weekly", date(2025, 6, 17), "active")


def test_a_subscription_among_other_purchases_at_the_same_merchant(store):
    """A 2.99 storage plan on the 18th between App Store purchases of every size at the same merchant."""
    rows = [("icloud", "card", d, "APPLE.COM/BILL", "Apple", "2.99", ("GENERAL_SERVICES", None))
            for d in monthly(date(2024, 10, 18), 8)]  # fmt: skip
    extras = [(date(2024, 10, 2), "0.99"), (date(2024, 11, 9), "4.99"), (date(2024, 11, 24), "12.99"),
              (date(2025, 1, 3), "1.99"), (date(2025, 2, 11), "29.99"), (date(2025, 3, 30), "0.99"),
              (date(2025, 4, 4), "9.99"), (date(2025, 5, 2), "3.99"), (date(2025, 5, 27), "6.99")]  # fmt: skip
    rows += [("app", "card", d, "APPLE.COM/BILL", "Apple", a, ("GENERAL_SERVICES", None)) for d, a in extras]
    write(store, rows)
    s = one(store, "Apple")
    assert (s["frequency"], s["last_amount"], s["transactions"]) == ("monthly", 2.99, 8)
    assert members(store, s["stream_id"]) == {f"icloud-{d.isoformat()}" for d in monthly(date(2024, 10, 18), 8)}


def test_status_new_late_and_stopped(store):
    write(
        store, [("gym", "chk", d, "GYM", "Gym", "30.00", ("PERSONAL_CARE", None)) for d in monthly(date(2025, 3, 3), 3)]
    )  # fmt: skip  Mar, Apr, May 3
    assert one(store, "Gym", date(2025, 6, 4))["status"] == "new"  # June 3 expected, one day behind: fine
    late = one(store, "Gym", date(2025, 6, 6))
    assert (late["status"], late["next_date"]) == ("late", date(2025, 6, 3))
    stopped = one(store, "Gym", date(2025, 6, 18))  # 15 days past: beyond a monthly stream's grace
    assert (stopped["status"], stopped["next_date"]) == ("stopped", None)
    assert stopped["yearly_amount"] == 0
    write(store, [("gym", "chk", date(2025, 6, 3), "GYM", "Gym", "30.00", ("PERSONAL_CARE", None))])
    assert one(store, "Gym", date(2025, 6, 18))["status"] == "active"  # the fourth occurrence makes it mature


def test_every_two_months_and_every_quarter(store):
    water = [("water", "chk", d, "SFPUC WATER", "SFPUC", a, ("RENT_AND_UTILITIES", None))
             for d, a in zip(monthly(date(2024, 8, 22), 10)[::2], ("98.10", "120.00", "101.45", "87.30", "112.75"),
                             strict=True)]  # fmt: skip
    taxes = [
        ("tax", "chk", d, "IRS USATAXPYMT", "IRS", "1200.00", ("GOVERNMENT_AND_NON_PROFIT", None))
        for d in monthly(date(2024, 6, 15), 10)[::3]
    ]  # fmt: skip  Jun, Sep, Dec 2024, Mar 2025
    write(store, water + taxes)
    w = one(store, "SFPUC")
    assert (w["frequency"], w["cadence"], w["next_date"]) == ("unknown", "bimonthly", date(2025, 6, 22))
    t = one(store, "IRS")  # its dates were all on weekends, kept there: so is the next one
    assert (t["frequency"], t["next_date"], t["status"]) == ("quarterly", date(2025, 6, 15), "active")


def test_the_last_day_of_the_month_stays_the_last_day(store):
    write(
        store,
        [
            ("interest", "sav", d, "INTEREST PAID", None, "-3.10", ("INCOME", "INCOME_INTEREST_EARNED"))
            for d in monthly(date(2024, 10, 31), 7, day=31)
        ],
    )  # fmt: skip  Oct 31 .. Apr 30
    s = one(store, "INTEREST PAID", date(2025, 5, 20))
    assert s["next_date"] == date(2025, 5, 31)
    with ledger.reading(store) as con:
        row = con.execute("SELECT cadence, anchor, day, day2, weekend_rule FROM recurring_streams").fetchone()
    schedule = Schedule(row[0], row[1], row[2], row[3], row[4])
    assert streams.upcoming(schedule, date(2025, 4, 30), date(2025, 5, 1), date(2025, 8, 1)) == [
        date(2025, 5, 31), date(2025, 6, 30), date(2025, 7, 31)]  # fmt: skip


def test_ids_and_choices_survive_recomputation(tmp_path):
    store = recurring_world(new_store_path(tmp_path))
    before = found(store).set_index("detected_merchant")["stream_id"].to_dict()
    netflix, comcast, spotify = before["Netflix"], before["Comcast"], before["Spotify"]
    streams.rename(store, netflix, "Netflix (family plan)")
    streams.mark_not_recurring(store, comcast)
    streams.set_category(store, spotify, "ENTERTAINMENT", "ENTERTAINMENT_MUSIC_AND_AUDIO")

    write(store, [("comcast", "chk", date(2025, 6, 4), "COMCAST", "Comcast", "60.00", UTILITY)])  # a sync arrives
    categorize.set_category(store, "safeway-2025-01-02", "GENERAL_MERCHANDISE", None)  # an edit rebuilds too
    after = found(store, hidden=True).set_index("stream_id")
    assert {v: k for k, v in before.items()}.keys() <= set(after.index)  # every id is still there
    assert after.loc[netflix, "merchant"] == "Netflix (family plan)" and after.loc[netflix, "renamed"]
    assert after.loc[comcast, "not_recurring"] and comcast not in set(found(store)["stream_id"])
    assert after.loc[spotify, "category_detailed"] == "ENTERTAINMENT_MUSIC_AND_AUDIO"

    streams.rename(store, netflix, "  ")
    streams.mark_not_recurring(store, comcast, False)
    again = found(store).set_index("stream_id")
    assert again.loc[netflix, "merchant"] == "Netflix" and comcast in again.index


def test_choices_refuse_unknown_streams_and_bad_input(tmp_path):
    store = recurring_world(new_store_path(tmp_path))
    netflix = one(store, "Netflix")["stream_id"]
    with pytest.raises(streams.StreamError, match="No recurring stream"):
        streams.rename(store, "fb-nope", "x")
    with pytest.raises(streams.StreamError, match="at most 100"):
        streams.rename(store, netflix, "x" * 101)
    with pytest.raises(streams.StreamError, match="not a category code"):
        streams.set_category(store, netflix, "food & drink")
    streams.rename(store, netflix, "Net\x1bflix\n  =HYPERLINK()")  # stored as text, control characters gone
    assert one(store, "Netflix")["merchant"] == "Net flix =HYPERLINK()"


def test_the_page_world_finds_what_its_docstring_says(tmp_path):
    store = recurring_world(new_store_path(tmp_path))
    table = found(store).set_index("detected_merchant")
    expected = {
        "Acme": ("income", "biweekly", "active", date(2025, 6, 20)),
        "Greystar": ("bill", "monthly", "active", date(2025, 7, 1)),
        "Pacific Gas and Electric": ("bill", "monthly", "active", date(2025, 6, 20)),
        "Comcast": ("bill", "monthly", "late", date(2025, 6, 3)),
        "ONLINE TRANSFER TO SAVINGS 2222": ("transfer", "monthly", "active", date(2025, 7, 2)),
        "ONLINE TRANSFER FROM CHECKING 1111": ("transfer", "monthly", "active", date(2025, 7, 2)),
        "CREDIT CARD PAYMENT 3333": ("transfer", "monthly", "active", date(2025, 6, 25)),
        "PAYMENT THANK YOU": ("transfer", "monthly", "active", date(2025, 6, 25)),
        "Netflix": ("subscription", "monthly", "active", date(2025, 7, 7)),
        "Spotify": ("subscription", "monthly", "new", date(2025, 6, 12)),
        "Hulu": ("subscription", "monthly", "stopped", None),
        "SALAIRE ACME SA": ("income", "monthly", "active", date(2025, 6, 30)),
    }
    assert {m: (r["kind"], r["frequency"], r["status"], r["next_date"]) for m, r in table.iterrows()} == expected
    assert table.loc["SALAIRE ACME SA", "currency"] == "EUR"


def test_alerts_name_the_new_the_dearer_and_the_missing(tmp_path):
    store = recurring_world(new_store_path(tmp_path))
    table = found(store)
    alerts = streams.alerts(table, TODAY)
    assert [(a["alert"], a["merchant"], a["date"]) for a in alerts.to_dict("records")] == [
        ("missed", "Comcast", date(2025, 6, 3)),
        ("price_increase", "Netflix", date(2025, 5, 7)),
        ("new", "Spotify", date(2025, 3, 12)),
    ]
    assert alerts.iloc[1]["previous_amount"] == 15.49 and alerts.iloc[1]["amount"] == 17.99
    # a missing salary comes first
    later = date(2025, 6, 24)  # the 20 June pay day passed four days ago
    first = streams.alerts(found(store, later), later).iloc[0]
    assert (first["alert"], first["merchant"], first["kind"]) == ("missed", "Acme", "income")


# -- the schedule maths --------------------------------------------------------------------


def test_weekend_rules_move_saturday_and_sunday():
    saturday, sunday = date(2025, 3, 15), date(2025, 6, 15)
    assert shift_weekend(saturday, "before") == date(2025, 3, 14)
    assert shift_weekend(sunday, "before") == date(2025, 6, 13)
    assert shift_weekend(saturday, "after") == date(2025, 3, 17)
    assert shift_weekend(sunday, "none") == sunday


def test_a_fit_counts_hits_misses_and_extras():
    dates = [date(2025, 1, 7), date(2025, 2, 8), date(2025, 2, 20), date(2025, 4, 7), date(2025, 5, 6)]
    f = fit(dates, CADENCES["monthly"])
    assert f is not None
    assert (len(f.hits), f.misses, f.extras) == (4, 1, 1)  # March is missing; 20 Feb fits no slot
    assert f.schedule.day == 7


def new_store_path(tmp_path):
    from core.store import Store

    return Store(tmp_path / "fb.duckdb")


def test_no_streams_at_all_is_an_empty_list_the_pages_can_filter(store):
    """A bank with nothing recurring (the hostile bank's world is one) once crashed the Recurring page: an
    untyped empty `not_recurring` column, used as a mask, selected columns instead of rows."""
    every = found(store, hidden=True)
    assert every.empty and list(every.columns) == streams.COLUMNS
    visible = every[~every["not_recurring"]]
    assert list(visible.columns) == streams.COLUMNS
    assert streams.calendar(visible, TODAY).empty and streams.alerts(visible, TODAY).empty
