"""Schedules: what happens in one item's life on a given day, and how much it costs.

Pay days every other Friday, rent or the mortgage on the 1st, savings and investments early in the month,
subscriptions and bills on their days, card statements paid around the 25th (one in forty late, with a fee and
interest), sweeps between checking and savings at the end of a day, three trips a year, and the everyday mix of
purchases. Everything it decides is handed to `Books` (posting.py), which owns the balances.

Each random draw comes from a generator named after what it decides (the item's profile, a day, a year's trips,
a card's month), so a day's events do not depend on how many days were generated before it.
"""

from __future__ import annotations

import bisect
import calendar
import random
from datetime import date
from typing import NamedTuple

from core.emulator import catalog as cat
from core.emulator.catalog import Merchant
from core.emulator.posting import CARD, CHECKING, FX, LOAN, SAVINGS, Books, Change

HISTORY_DAYS = 730
DEFAULT_EVERYDAY_PER_DAY = 3.6  # everyday purchases in a personal history (a sized world scales this up)
_WEEKDAY_WEIGHT = (0.9, 0.95, 1.0, 1.05, 1.2, 1.35, 1.1)  # Monday..Sunday


def weekday_weight(d: int) -> float:
    return _WEEKDAY_WEIGHT[(d - 1) % 7]  # date ordinal 1 (0001-01-01) was a Monday


class Series(NamedTuple):
    """What a recurring series is: its account (index), direction, Plaid frequency and what kind of money it is
    (income, housing, bill, subscription, transfer, interest, deposit)."""

    account: int
    direction: str
    frequency: str
    role: str


# The series the schedule tags its transactions with (posting.Books.series_of), by the part of the key before
# ":" (sub:<merchant>, annual:<merchant>, card_out:<card>, topup_out:<account> carry a name after it).
_SERIES: dict[str, Series] = {
    "salary": Series(CHECKING, "inflow", "BIWEEKLY", "income"),
    "housing": Series(CHECKING, "outflow", "MONTHLY", "housing"),
    "housing_in": Series(LOAN, "inflow", "MONTHLY", "transfer"),
    "topup_out": Series(CHECKING, "outflow", "MONTHLY", "transfer"),
    "savings_out": Series(CHECKING, "outflow", "MONTHLY", "transfer"),
    "savings_in": Series(SAVINGS, "inflow", "MONTHLY", "transfer"),
    "invest": Series(CHECKING, "outflow", "MONTHLY", "transfer"),
    "student_out": Series(CHECKING, "outflow", "MONTHLY", "bill"),
    "student_in": Series(LOAN, "inflow", "MONTHLY", "transfer"),
    "annual": Series(CARD, "outflow", "ANNUALLY", "subscription"),
    "electric": Series(CHECKING, "outflow", "MONTHLY", "bill"),
    "water": Series(CHECKING, "outflow", "UNKNOWN", "bill"),  # every second month: Plaid has no name for it
    "interac": Series(FX, "inflow", "UNKNOWN", "deposit"),  # every quarter: Plaid has no quarterly either
    "tax_refund": Series(CHECKING, "inflow", "ANNUALLY", "deposit"),
    "card_out": Series(CHECKING, "outflow", "MONTHLY", "transfer"),
    "interest": Series(SAVINGS, "inflow", "MONTHLY", "interest"),
}


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    m = year * 12 + (month - 1) + delta
    return m // 12, m % 12 + 1


class Schedule:
    """The calendar of one item: amounts fixed for its life (drawn from the profile generator) and the day's events."""

    def __init__(
        self,
        books: Books,
        profile: random.Random,
        seed: int,
        ordinal: int,
        start: int,
        home: cat.Place,
        employer: str,
        everyday_total: float,
    ) -> None:
        self.books = books
        self.seed, self.ordinal, self.start = seed, ordinal, start
        self.home, self.employer = home, employer
        accounts = books.accounts
        self._cards = [a.index for a in accounts if a.role in ("card", "extra_card")]
        self._checkings = [a.index for a in accounts if a.role in ("checking", "extra_checking")]
        self.homeowner = accounts[LOAN].subtype == "mortgage"
        # Amounts fixed for the life of the item, drawn in this order.
        scale = max(1.0, everyday_total / (DEFAULT_EVERYDAY_PER_DAY * HISTORY_DAYS))
        self._salary = int(profile.randint(340_000, 420_000) * scale)
        self._housing = profile.randint(190_000, 290_000) if not self.homeowner else profile.randint(170_000, 240_000)
        self._student = profile.randint(28_000, 42_000)
        self._to_savings = profile.choice((40_000, 50_000, 60_000, 75_000))
        self._invest = profile.choice((25_000, 30_000, 50_000))
        self._salary_anchor = start + (4 - date.fromordinal(start).weekday()) % 7 + profile.choice((0, 7))
        self._everyday_cum = _cumulative(cat.EVERYDAY)
        self._travel_cum = _cumulative(cat.TRAVEL_EVERYDAY)
        self._trips: dict[int, list[tuple[str, cat.Place, int]]] = {}  # day -> [(event, city, nights)]
        self._trip_days: dict[int, cat.Place] = {}
        self._trip_years: set[int] = set()
        self._open_card_statements()

    def _open_card_statements(self) -> None:
        # The first payment of each card pays off its opening balance.
        first = date.fromordinal(self.start)
        y, m = (first.year, first.month) if first.day >= 25 else add_months(first.year, first.month, -1)
        for i in self._cards:
            self.books.statements[(i, y, m)] = self.books.opening[i]

    # ------------------------------------------------------------------------------------------ a day

    def day(self, d: int, rng: random.Random, everyday: int, out: list[Change]) -> None:
        """Day d's events: the recurring ones, trip bookings, `everyday` purchases, then the end-of-day sweeps."""
        day = date.fromordinal(d)
        self._recurring(day, d, rng, out)
        trip = self.trip_city(d)
        for event, city, nights in self._trips.get(d, ()):
            self._trip_event(event, city, nights, d, rng, out)
        for _ in range(everyday):
            if trip is not None and rng.random() < 0.7:
                self._travel_purchase(d, trip, rng, out)
            else:
                self._everyday_purchase(d, rng, out)
        self._end_of_day(day, d, out)

    def _recurring(self, day: date, d: int, rng: random.Random, out: list[Change]) -> None:
        books, due = self.books, self.is_due
        if due("salary", day, d):
            raise_factor = 1.03 ** (day.year - date.fromordinal(self.start).year)
            cents = -int(self._salary * raise_factor)
            books.row(d, CHECKING, cents, cat.SALARY, out, series="salary", employer=self.employer)
        if due("housing", day, d):
            if self.homeowner:
                books.pair(
                    d,
                    CHECKING,
                    LOAN,
                    self._housing,
                    cat.MORTGAGE_OUT,
                    cat.MORTGAGE_IN,
                    out,
                    series=("housing", "housing_in"),
                )
            else:
                books.purchase(d, CHECKING, cat.RENT, self._housing, None, None, out, rng, series="housing")
            for i in self._checkings[1:]:
                y, m = add_months(day.year, day.month, -1)
                spent = books.statements.get((i, y, m), 0)
                if spent > 0:
                    books.pair(
                        d,
                        CHECKING,
                        i,
                        spent,
                        cat.TRANSFER_OUT,
                        cat.TRANSFER_IN,
                        out,
                        series=(f"topup_out:{i}", f"topup_in:{i}"),
                    )
            if books.current_cents(CHECKING) < 150_000:
                books.row(d, CHECKING, 1200, cat.MAINTENANCE_FEE, out)
        if due("savings_out", day, d):
            books.pair(
                d,
                CHECKING,
                SAVINGS,
                self._to_savings,
                cat.TRANSFER_TO_SAVINGS,
                cat.TRANSFER_FROM_CHECKING,
                out,
                series=("savings_out", "savings_in"),
            )
        if due("invest", day, d):
            books.purchase(d, CHECKING, cat.INVESTMENT, self._invest, None, None, out, rng, series="invest")
        if due("student_out", day, d):
            books.pair(
                d,
                CHECKING,
                LOAN,
                self._student,
                cat.STUDENT_OUT,
                cat.STUDENT_IN,
                out,
                series=("student_out", "student_in"),
            )
        for merchant, _ in cat.SUBSCRIPTIONS:
            if due(f"sub:{merchant.key}", day, d):
                acct = CHECKING if merchant.funding == "checking" else CARD
                books.purchase(
                    d, acct, merchant, self._price(merchant, d), None, None, out, rng, series=f"sub:{merchant.key}"
                )
        for merchant, _, _ in cat.ANNUAL:
            if due(f"annual:{merchant.key}", day, d):
                books.purchase(
                    d, CARD, merchant, merchant.low_cents, None, None, out, rng, series=f"annual:{merchant.key}"
                )
        if due("electric", day, d):
            season = 1.35 if day.month in (1, 2, 7, 8, 12) else 1.0
            cents = int(rng.randint(cat.ELECTRIC.low_cents, cat.ELECTRIC.high_cents // 2) * season)
            books.purchase(d, CHECKING, cat.ELECTRIC, cents, None, None, out, rng, series="electric")
        if due("water", day, d):
            cents = rng.randint(cat.WATER.low_cents, cat.WATER.high_cents)
            books.purchase(d, CHECKING, cat.WATER, cents, None, None, out, rng, series="water")
        if due("interac", day, d):
            cents = -rng.randint(cat.INTERAC.low_cents, cat.INTERAC.high_cents)
            books.purchase(d, FX, cat.INTERAC, cents, None, None, out, rng, series="interac")
        if due("tax_refund", day, d):
            cents = -rng.randint(cat.TAX_REFUND.low_cents, cat.TAX_REFUND.high_cents)
            books.purchase(d, CHECKING, cat.TAX_REFUND, cents, None, None, out, rng, series="tax_refund")
        for merchant, weekday in cat.HABITS:  # every week, of changing size: a habit, so no series
            if day.weekday() == weekday:
                habit = random.Random(f"{self.seed}:{self.ordinal}:habit:{merchant.key}:{d}")
                cents = merchant.low_cents + int((merchant.high_cents - merchant.low_cents) * habit.random())
                books.purchase(d, CHECKING, merchant, cents, self.home, None, out, habit)
        for i in self._cards:
            self._card_cycle(day, d, i, out)

    # ------------------------------------------------------------------------------------------ the series

    def is_due(self, key: str, day: date, d: int) -> bool:
        """Whether the recurring series `key` (see `series_info`) happens on day d (date `day`)."""
        kind, _, name = key.partition(":")
        dom, last = day.day, calendar.monthrange(day.year, day.month)[1]

        def on(wanted: int) -> bool:
            return dom == min(wanted, last)

        if kind == "salary":
            return (d - self._salary_anchor) % 14 == 0 and d >= self._salary_anchor
        if kind in ("housing", "topup_out", "topup_in"):
            return on(1)
        if kind == "housing_in":
            return self.homeowner and on(1)
        if kind in ("savings_out", "savings_in"):
            return on(2)
        if kind == "invest":
            return on(5)
        if kind in ("student_out", "student_in"):
            return not self.homeowner and on(15)
        if kind == "sub":
            plan = cat.PLANS[name]
            return on(plan.day or 1) and (plan.ends is None or d <= self._months_before_today(plan.ends))
        if kind == "annual":
            plan = cat.PLANS[name]
            return day.month == plan.month and on(plan.day or 1)
        if kind == "electric":
            return on(20)
        if kind == "water":
            return on(22) and day.month % 2 == 0
        if kind == "interac":
            return dom == 15 and day.month % 3 == 1
        if kind == "tax_refund":
            return day.month == 4 and dom == 12 + (self.ordinal + day.year) % 10
        if kind in ("card_out", "card_in"):
            y, m = add_months(day.year, day.month, -1)
            return dom == (28 if self._late(int(name), y, m) else 25)
        if kind == "interest":
            return dom == last
        raise KeyError(f"no recurring series {key!r}")

    def next_due(self, key: str, after: int) -> int | None:
        """The first day after day `after` the series happens, or None when it has ended (within 400 days)."""
        for d in range(after + 1, after + 401):
            if self.is_due(key, date.fromordinal(d), d):
                return d
        return None

    def series_info(self, key: str) -> Series:
        """Account, direction, Plaid frequency and role of the recurring series `key`."""
        kind, _, name = key.partition(":")
        if kind == "sub":
            merchant = cat.MERCHANTS[name]
            return Series(CHECKING if merchant.funding == "checking" else CARD, "outflow", "MONTHLY", "subscription")
        if kind in ("card_in", "topup_in"):
            return Series(int(name), "inflow", "MONTHLY", "transfer")
        return _SERIES[kind]

    def _price(self, merchant: Merchant, d: int) -> int:
        """A subscription's price on day d: its catalog price, or the new one from its price change on."""
        change = cat.PLANS[merchant.key].price_change
        if change is not None and d >= self._months_before_today(change[0]):
            return change[1]
        return merchant.low_cents

    def _months_before_today(self, months: int) -> int:
        today = date.fromordinal(self.start + HISTORY_DAYS - 1)
        y, m = add_months(today.year, today.month, -months)
        return date(y, m, min(today.day, calendar.monthrange(y, m)[1])).toordinal()

    def _late(self, card: int, y: int, m: int) -> bool:
        """One month in forty a card's payment is late (the 28th, after a late fee and interest)."""
        return random.Random(f"{self.seed}:{self.ordinal}:late:{card}:{y}:{m}").random() < 0.025

    def _card_cycle(self, day: date, d: int, card: int, out: list[Change]) -> None:
        if not 25 <= day.day <= 28:
            return
        books = self.books
        y, m = add_months(day.year, day.month, -1)
        late = self._late(card, y, m)
        if late and day.day == 26:
            books.row(d, card, 2900, cat.LATE_FEE, out)
        if late and day.day == 27:
            books.row(d, card, max(100, books.statements.get((card, y, m), 0) * 2 // 100), cat.INTEREST_CHARGE, out)
        if self.is_due(f"card_out:{card}", day, d):
            owed = books.statements.get((card, y, m), 0)
            if owed > 0:
                books.pair(
                    d,
                    CHECKING,
                    card,
                    owed,
                    cat.CARD_PAYMENT_OUT,
                    cat.CARD_PAYMENT_IN,
                    out,
                    series=(f"card_out:{card}", f"card_in:{card}"),
                )

    def _end_of_day(self, day: date, d: int, out: list[Change]) -> None:
        books = self.books
        last = calendar.monthrange(day.year, day.month)[1]
        if day.day == last:
            interest = books.current_cents(SAVINGS) * 4 // 1200
            if interest > 0:
                books.row(d, SAVINGS, -interest, cat.INTEREST, out, series="interest")
        balance = books.current_cents(CHECKING)
        if balance < 50_000:
            amount = 200_000 + (-balance // 10_000 + 1) * 10_000
            books.pair(d, SAVINGS, CHECKING, amount, cat.TRANSFER_OUT, cat.TRANSFER_IN, out)
        elif balance > 1_500_000:
            books.pair(d, CHECKING, SAVINGS, 500_000, cat.TRANSFER_TO_SAVINGS, cat.TRANSFER_FROM_CHECKING, out)
        if books.current_cents(CHECKING) < 0:
            books.row(d, CHECKING, 3500, cat.OVERDRAFT_FEE, out)

    # ------------------------------------------------------------------------------------------ purchases

    def _everyday_purchase(self, d: int, rng: random.Random, out: list[Change]) -> None:
        books = self.books
        cum, merchants = self._everyday_cum
        m = merchants[bisect.bisect(cum, rng.random() * cum[-1])]
        if m.refundable and books.recent and rng.random() < 0.03:
            books.refund(d, rng, out)
            return
        card = (rng.random() < 0.8) if m.funding == "card" else (rng.random() < 0.1)
        pool = self._cards if card else self._checkings
        acct = pool[int(rng.random() * len(pool))]
        cents = m.low_cents + int((m.high_cents - m.low_cents) * rng.random() ** 1.7)
        books.purchase(d, acct, m, cents, self.home, None, out, rng)
        if m.key == "atm" and rng.random() < 0.4:
            books.row(d, acct, 300, cat.ATM_FEE, out)

    def _travel_purchase(self, d: int, city: cat.Place, rng: random.Random, out: list[Change]) -> None:
        cum, merchants = self._travel_cum
        m = merchants[bisect.bisect(cum, rng.random() * cum[-1])]
        cents = m.low_cents + int((m.high_cents - m.low_cents) * rng.random() ** 1.5)
        foreign = city[3] != "US"
        acct = FX if foreign and rng.random() < 0.6 else CARD
        self.books.purchase(d, acct, m, cents, city, None, out, rng, foreign=foreign and acct != FX)

    # ------------------------------------------------------------------------------------------ trips

    def on_trip(self, d: int) -> bool:
        return self.trip_city(d) is not None

    def trip_city(self, d: int) -> cat.Place | None:
        year = date.fromordinal(d).year
        for y in (year, year + 1):
            if y not in self._trip_years:
                self._plan_trips(y)
        return self._trip_days.get(d)

    def _plan_trips(self, year: int) -> None:
        self._trip_years.add(year)
        rng = random.Random(f"{self.seed}:{self.ordinal}:trips:{year}")
        jan1 = date(year, 1, 1).toordinal()
        for slot in sorted(rng.sample(range(10, 350, 30), 3)):
            start, nights = jan1 + slot + rng.randint(0, 20), rng.randint(3, 7)
            city = rng.choice([c for c in cat.TRIP_CITIES if c[0] != self.home[0]])
            for k in range(nights + 1):
                self._trip_days[start + k] = city
            self._trips.setdefault(start - rng.randint(21, 45), []).append(("flight", city, nights))
            self._trips.setdefault(start + nights, []).append(("hotel", city, nights))
            if rng.random() < 0.4 and city[3] == "US":
                self._trips.setdefault(start + nights, []).append(("car", city, nights))

    def _trip_event(
        self, event: str, city: cat.Place, nights: int, d: int, rng: random.Random, out: list[Change]
    ) -> None:
        books = self.books
        foreign = city[3] != "US"
        if event == "flight":
            cents = rng.randint(cat.TRAVEL_FLIGHT.low_cents, cat.TRAVEL_FLIGHT.high_cents)
            books.purchase(d, CARD, cat.TRAVEL_FLIGHT, cents, None, None, out, rng)
        elif event == "hotel":
            per_night = rng.randint(cat.TRAVEL_HOTEL.low_cents, cat.TRAVEL_HOTEL.high_cents)
            books.purchase(d, CARD, cat.TRAVEL_HOTEL, per_night * nights, city, None, out, rng, foreign=foreign)
        else:
            cents = rng.randint(cat.TRAVEL_CAR.low_cents, cat.TRAVEL_CAR.high_cents) * nights
            books.purchase(d, CARD, cat.TRAVEL_CAR, cents, city, None, out, rng)


def _cumulative(merchants: tuple[Merchant, ...]) -> tuple[list[float], tuple[Merchant, ...]]:
    acc, cum = 0.0, []
    for m in merchants:
        acc += m.weight
        cum.append(acc)
    return cum, merchants
