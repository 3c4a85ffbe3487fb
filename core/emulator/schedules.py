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

from core.emulator import catalog as cat
from core.emulator.catalog import Merchant
from core.emulator.posting import CARD, CHECKING, FX, LOAN, SAVINGS, Books, Change

HISTORY_DAYS = 730
DEFAULT_EVERYDAY_PER_DAY = 3.6  # everyday purchases in a personal history (a sized world scales this up)
_WEEKDAY_WEIGHT = (0.9, 0.95, 1.0, 1.05, 1.2, 1.35, 1.1)  # Monday..Sunday


def weekday_weight(d: int) -> float:
    return _WEEKDAY_WEIGHT[(d - 1) % 7]  # date ordinal 1 (0001-01-01) was a Monday


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
        books = self.books
        dom, last = day.day, calendar.monthrange(day.year, day.month)[1]

        def due(wanted: int) -> bool:
            return dom == min(wanted, last)

        if (d - self._salary_anchor) % 14 == 0 and d >= self._salary_anchor:
            raise_factor = 1.03 ** (day.year - date.fromordinal(self.start).year)
            cents = -int(self._salary * raise_factor)
            books.row(d, CHECKING, cents, cat.SALARY, out, employer=self.employer)
        if due(1):
            if self.homeowner:
                books.pair(d, CHECKING, LOAN, self._housing, cat.MORTGAGE_OUT, cat.MORTGAGE_IN, out)
            else:
                books.purchase(d, CHECKING, cat.RENT, self._housing, None, None, out, rng)
            for i in self._checkings[1:]:
                y, m = add_months(day.year, day.month, -1)
                spent = books.statements.get((i, y, m), 0)
                if spent > 0:
                    books.pair(d, CHECKING, i, spent, cat.TRANSFER_OUT, cat.TRANSFER_IN, out)
            if books.current_cents(CHECKING) < 150_000:
                books.row(d, CHECKING, 1200, cat.MAINTENANCE_FEE, out)
        if due(2):
            books.pair(d, CHECKING, SAVINGS, self._to_savings, cat.TRANSFER_TO_SAVINGS, cat.TRANSFER_FROM_CHECKING, out)
        if due(5):
            books.purchase(d, CHECKING, cat.INVESTMENT, self._invest, None, None, out, rng)
        if not self.homeowner and due(15):
            books.pair(d, CHECKING, LOAN, self._student, cat.STUDENT_OUT, cat.STUDENT_IN, out)
        for merchant, wanted in cat.SUBSCRIPTIONS:
            if due(wanted):
                acct = CHECKING if merchant.funding == "checking" else CARD
                books.purchase(d, acct, merchant, merchant.low_cents, None, None, out, rng)
        if due(20):
            season = 1.35 if day.month in (1, 2, 7, 8, 12) else 1.0
            cents = int(rng.randint(cat.ELECTRIC.low_cents, cat.ELECTRIC.high_cents // 2) * season)
            books.purchase(d, CHECKING, cat.ELECTRIC, cents, None, None, out, rng)
        if due(22) and day.month % 2 == 0:
            cents = rng.randint(cat.WATER.low_cents, cat.WATER.high_cents)
            books.purchase(d, CHECKING, cat.WATER, cents, None, None, out, rng)
        if dom == 15 and day.month % 3 == 1:
            cents = -rng.randint(cat.INTERAC.low_cents, cat.INTERAC.high_cents)
            books.purchase(d, FX, cat.INTERAC, cents, None, None, out, rng)
        if day.month == 4 and dom == 12 + (self.ordinal + day.year) % 10:
            cents = -rng.randint(cat.TAX_REFUND.low_cents, cat.TAX_REFUND.high_cents)
            books.purchase(d, CHECKING, cat.TAX_REFUND, cents, None, None, out, rng)
        for i in self._cards:
            self._card_cycle(day, d, i, out)

    def _card_cycle(self, day: date, d: int, card: int, out: list[Change]) -> None:
        if not 25 <= day.day <= 28:
            return
        books = self.books
        y, m = add_months(day.year, day.month, -1)
        # One month in forty the payment is late: a late fee and interest, then the payment.
        late = random.Random(f"{self.seed}:{self.ordinal}:late:{card}:{y}:{m}").random() < 0.025
        if late and day.day == 26:
            books.row(d, card, 2900, cat.LATE_FEE, out)
        if late and day.day == 27:
            books.row(d, card, max(100, books.statements.get((card, y, m), 0) * 2 // 100), cat.INTEREST_CHARGE, out)
        if day.day == (28 if late else 25):
            owed = books.statements.get((card, y, m), 0)
            if owed > 0:
                books.pair(d, CHECKING, card, owed, cat.CARD_PAYMENT_OUT, cat.CARD_PAYMENT_IN, out)

    def _end_of_day(self, day: date, d: int, out: list[Change]) -> None:
        books = self.books
        last = calendar.monthrange(day.year, day.month)[1]
        if day.day == last:
            interest = books.current_cents(SAVINGS) * 4 // 1200
            if interest > 0:
                books.row(d, SAVINGS, -interest, cat.INTEREST, out)
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
