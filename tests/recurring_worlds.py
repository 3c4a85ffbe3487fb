"""Hand-made ledgers for the recurring streams, the forecast and the Recurring page.

`Ledger` writes transactions the way the sync engine stores them (tests.worlds.insert_transaction)
with ids that say what they are ("netflix-2025-03-07"). `recurring_world` is the page's world:
each stream below is written out by date, so the tests can state what the detector must find.

TODAY = 2025-06-10 (a Tuesday). Checking ••1111 (current 4,000.00), Savings ••2222 (10,000.00),
Card ••3333 (credit), Compte ••4444 (EUR checking, 900.00).

| stream | account | dates | amount |
|---|---|---|---|
| Acme payroll | checking | every other Friday, 2025-01-03 .. 2025-06-06 (12) | in 2,500.00 |
| Greystar rent | checking | the 1st, Jan .. Jun (6) | 1,500.00 |
| PG&E | checking | the 20th, Jan .. May (5) | 80.00, 95.50, 110.25, 70.10, 85.00 |
| Comcast | checking | the 3rd, Jan .. May; June missing: late | 60.00 |
| move to savings | checking -> savings | the 2nd, Jan .. Jun (6) | 300.00 |
| card autopay | checking -> card | the 25th, Jan .. May (5) | 410.00, 388.20, 455.10, 402.35, 430.00 |
| Netflix | card | the 7th, Jan .. Apr 15.49, May .. Jun 17.99 | price increase on 2025-05-07 |
| Spotify | card | the 12th, Mar .. May (3): new | 11.99 |
| Hulu | card | the 5th, Jan .. Mar, then nothing: stopped | 7.99 |
| Salaire | Compte (EUR) | the last day, Jan .. May | in 2,000.00 |
| Starbucks | card | 4 visits a week, a handful of prices | never a stream |
| Safeway | checking | every 3 days, 20.00 + (day % 7) * 9.50 | ordinary spending |
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb

from core.store import Store
from tests.worlds import _insert_items_and_accounts, insert_transaction

TODAY = date(2025, 6, 10)
ITEMS = [("item-r", "Bank R", "healthy", None, datetime(2025, 6, 10, 8, 0))]
ACCOUNTS = [
    ("chk", "item-r", "Checking", "1111", "depository", "checking", "4000.00", "4000.00", None, "USD"),
    ("sav", "item-r", "Savings", "2222", "depository", "savings", "10000.00", "10000.00", None, "USD"),
    ("card", "item-r", "Card", "3333", "credit", "credit card", "250.00", "4750.00", "5000.00", "USD"),
    ("eur", "item-r", "Compte", "4444", "depository", "checking", "900.00", "900.00", None, "EUR"),
]


class Ledger:
    """Writes transactions into one open transaction; ids are `<tag>-<date>` unless given."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def add(self, tag: str, account: str, day: date, name: str, merchant: str | None, amount: str | Decimal,
            primary: str, detailed: str | None, *, currency: str = "USD", pending: bool = False) -> str:  # fmt: skip
        transaction_id = f"{tag}-{day.isoformat()}"
        insert_transaction(self.con, transaction_id, account, day.isoformat(), name, merchant, str(amount), currency,
                           pending, primary, detailed)  # fmt: skip
        return transaction_id


def monthly(first: date, count: int, day: int | None = None) -> list[date]:
    """`count` dates a month apart from `first`'s month, on `day` (default `first.day`; 31 = the last day)."""
    wanted = day or first.day
    out = []
    for k in range(count):
        year, month = divmod(first.year * 12 + first.month - 1 + k, 12)
        out.append(date(year, month + 1, min(wanted, calendar.monthrange(year, month + 1)[1])))
    return out


def every(first: date, days: int, until: date) -> list[date]:
    out, day = [], first
    while day <= until:
        out.append(day)
        day += timedelta(days=days)
    return out


def new_store(path, accounts=ACCOUNTS, items=ITEMS) -> Store:  # type: ignore[no-untyped-def]
    store = Store(path)
    with store.transaction() as con:
        _insert_items_and_accounts(con, items, accounts)
    return store


def recurring_world(store: Store) -> Store:
    """The page's world; see the module docstring."""
    with store.transaction() as con:
        _insert_items_and_accounts(con, ITEMS, ACCOUNTS)
        ledger = Ledger(con)
        for day in every(date(2025, 1, 3), 14, TODAY):
            ledger.add("payroll", "chk", day, "ACME PAYROLL", "Acme", "-2500.00", "INCOME", "INCOME_WAGES")
        for day in monthly(date(2025, 1, 1), 6):
            ledger.add("rent", "chk", day, "GREYSTAR RENT", "Greystar", "1500.00",
                       "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT")  # fmt: skip
        for day, amount in zip(monthly(date(2025, 1, 20), 5), ("80.00", "95.50", "110.25", "70.10", "85.00"),
                               strict=True):  # fmt: skip
            ledger.add("pge", "chk", day, "PG&E WEB ONLINE", "Pacific Gas and Electric", amount,
                       "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY")  # fmt: skip
        for day in monthly(date(2025, 1, 3), 5):
            ledger.add("comcast", "chk", day, "COMCAST", "Comcast", "60.00",
                       "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_INTERNET_AND_CABLE")  # fmt: skip
        for day in monthly(date(2025, 1, 2), 6):
            ledger.add("save-out", "chk", day, "ONLINE TRANSFER TO SAVINGS 2222", None, "300.00",
                       "TRANSFER_OUT", "TRANSFER_OUT_SAVINGS")  # fmt: skip
            ledger.add("save-in", "sav", day, "ONLINE TRANSFER FROM CHECKING 1111", None, "-300.00",
                       "TRANSFER_IN", "TRANSFER_IN_SAVINGS")  # fmt: skip
        for day, amount in zip(monthly(date(2025, 1, 25), 5), ("410.00", "388.20", "455.10", "402.35", "430.00"),
                               strict=True):  # fmt: skip
            ledger.add("autopay", "chk", day, "CREDIT CARD PAYMENT 3333", None, amount,
                       "LOAN_PAYMENTS", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT")  # fmt: skip
            ledger.add("autopay-in", "card", day, "PAYMENT THANK YOU", None, f"-{amount}",
                       "LOAN_PAYMENTS", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT")  # fmt: skip
        for day in monthly(date(2025, 1, 7), 6):
            price = "15.49" if day < date(2025, 5, 1) else "17.99"
            ledger.add("netflix", "card", day, "NETFLIX.COM", "Netflix", price,
                       "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES")  # fmt: skip
        for day in monthly(date(2025, 3, 12), 3):
            ledger.add("spotify", "card", day, "SPOTIFY", "Spotify", "11.99",
                       "ENTERTAINMENT", "ENTERTAINMENT_MUSIC_AND_AUDIO")  # fmt: skip
        for day in monthly(date(2025, 1, 5), 3):
            ledger.add("hulu", "card", day, "HULU", "Hulu", "7.99", "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES")
        for day in monthly(date(2025, 1, 31), 5):
            ledger.add("salaire", "eur", day, "SALAIRE ACME SA", None, "-2000.00", "INCOME", "INCOME_WAGES",
                       currency="EUR")  # fmt: skip
        prices = ("4.50", "5.25", "6.75", "3.95", "5.25")
        for k, day in enumerate(d for d in every(date(2025, 1, 1), 1, TODAY) if d.weekday() in (0, 2, 3, 5)):
            ledger.add("coffee", "card", day, "STARBUCKS 1234", "Starbucks", prices[k % len(prices)],
                       "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE")  # fmt: skip
        for day in every(date(2025, 1, 2), 3, TODAY):
            amount = Decimal("20.00") + Decimal("9.50") * (day.toordinal() % 7)
            ledger.add("safeway", "chk", day, "SAFEWAY 0042", "Safeway", amount,
                       "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES")  # fmt: skip
    store.bump_data_version()
    return store
