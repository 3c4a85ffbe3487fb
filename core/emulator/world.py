"""The banking life of one item, simulated day by day and deterministic from (seed, item ordinal, today, size).

`World.history()` produces the two years before the item's `today`; each `World.advance_day()` moves the item's
clock one day: new transactions (card ones start pending), pending ones post 1-5 days after authorization
(the pending id is removed, the posted one added with pending_transaction_id), some pending ones change or are
voided, and now and then a posted one is re-categorised or reversed.

Amounts are integer cents with Plaid's sign (positive = money out of the account). Balances follow from the
flows: depository current = opening - sum(posted amounts); credit and loan current (owed) = opening + sum.

Size: `transactions=None` is a realistic personal history (~4,000 transactions, 6 accounts). `transactions=N`
yields exactly N transactions (the oldest are trimmed; opening balances move with them) over
min(50, max(6, N // 20_000)) accounts: 1,000,000 -> 50 accounts. The accounts beyond the first six alternate
between extra credit cards and extra checking accounts; everyday spending is spread over all of them.
"""

from __future__ import annotations

import bisect
import calendar
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from core.emulator import catalog as cat
from core.emulator.bodies import FragmentKey, TransactionWriter
from core.emulator.catalog import Merchant
from core.emulator.ids import KIND_ACCOUNT, IdFactory

HISTORY_DAYS = 730
DEFAULT_EVERYDAY_PER_DAY = 3.6
ACCOUNTS_PER_TRANSACTIONS = 20_000
MAX_ACCOUNTS = 50

ADD, MODIFY, REMOVE = 0, 1, 2
# (kind, transaction_id, account index, amount in cents, pending, JSON body or None for REMOVE)
Change = tuple[int, str, int, int, bool, bytes | None]

_WEEKDAY_WEIGHT = (0.9, 0.95, 1.0, 1.05, 1.2, 1.35, 1.1)  # Monday..Sunday


@dataclass(frozen=True)
class Account:
    account_id: str
    index: int
    role: str  # checking, savings, card, loan, investment, fx, extra_card, extra_checking
    name: str
    official_name: str
    mask: str
    type: str
    subtype: str
    currency: str
    limit_cents: int | None

    @property
    def owes(self) -> bool:
        """Credit and loan balances are amounts owed: posted amounts add to them."""
        return self.type in ("credit", "loan")


@dataclass
class _Pending:
    transaction_id: str
    account: int
    cents: int  # authorized amount
    posted_cents: int  # amount when it posts (a restaurant adds the tip)
    day: int
    post_day: int
    minute: int | None
    fragment: str
    key: FragmentKey
    foreign: bool


class _Posted(NamedTuple):  # one per posted purchase: a NamedTuple is several times cheaper than a frozen dataclass
    transaction_id: str
    account: int
    cents: int
    day: int
    auth_day: int
    minute: int | None
    fragment_key: FragmentKey
    pending_id: str | None


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    m = year * 12 + (month - 1) + delta
    return m // 12, m % 12 + 1


class World:
    """One item's accounts and transaction stream. Not thread-safe; the caller serialises access."""

    def __init__(self, ids: IdFactory, seed: int, ordinal: int, today: date, transactions: int | None) -> None:
        self.seed, self.ordinal = seed, ordinal
        self._txn_id = ids.transaction_ids(ordinal)
        self._counter = 0
        rng = random.Random(f"{seed}:{ordinal}:profile")
        self._rng = rng
        self.size = transactions
        n_accounts = account_count(transactions)
        self.start = today.toordinal() - HISTORY_DAYS + 1
        self.clock = today.toordinal()
        self.accounts = self._make_accounts(ids, n_accounts)
        self.opening = [self._opening(a) for a in self.accounts]
        self.flow = [0] * len(self.accounts)  # sum of posted amounts (Plaid sign)
        self.pending_out = [0] * len(self.accounts)  # sum of pending positive amounts
        self._checking = 0
        self._savings = 1
        self._card = 2
        self._loan = 3
        self._fx = 5
        self._cards = [a.index for a in self.accounts if a.role in ("card", "extra_card")]
        self._checkings = [a.index for a in self.accounts if a.role in ("checking", "extra_checking")]
        # Accounts whose monthly spending is settled from checking: card payments, extra-checking top-ups.
        self._statement = [a.role in ("card", "extra_card", "extra_checking") for a in self.accounts]
        # Amounts fixed for the life of the item.
        self.homeowner = self.accounts[self._loan].subtype == "mortgage"
        self.employer = rng.choice(cat.EMPLOYERS)
        self.home = rng.choice(cat.HOME_CITIES)
        self._bodies = TransactionWriter(
            seed, ordinal, [a.account_id for a in self.accounts], [a.currency for a in self.accounts], self.employer
        )
        everyday_total = DEFAULT_EVERYDAY_PER_DAY * HISTORY_DAYS if transactions is None else float(transactions)
        self._per_day = everyday_total / HISTORY_DAYS
        scale = max(1.0, everyday_total / (DEFAULT_EVERYDAY_PER_DAY * HISTORY_DAYS))
        self._salary = int(rng.randint(340_000, 420_000) * scale)
        self._housing = rng.randint(190_000, 290_000) if not self.homeowner else rng.randint(170_000, 240_000)
        self._student = rng.randint(28_000, 42_000)
        self._to_savings = rng.choice((40_000, 50_000, 60_000, 75_000))
        self._invest = rng.choice((25_000, 30_000, 50_000))
        self._salary_anchor = self.start + (4 - date.fromordinal(self.start).weekday()) % 7 + rng.choice((0, 7))
        self._everyday_cum = self._cumulative(cat.EVERYDAY)
        self._travel_cum = self._cumulative(cat.TRAVEL_EVERYDAY)
        # State carried from day to day.
        self._card_month: dict[tuple[int, int, int], int] = {}  # (account, year, month) -> posted spending
        self._pending: dict[int, list[_Pending]] = {}  # post day -> pending transactions
        self._recent: deque[_Posted] = deque(maxlen=200)  # posted purchases a refund or correction may touch
        self._trips: dict[int, list[tuple[str, cat.Place, int]]] = {}  # day -> [(event, city, nights)]
        self._trip_days: dict[int, cat.Place] = {}
        self._trip_years: set[int] = set()
        self._seed_card_statements()

    # ------------------------------------------------------------------------------------------ accounts

    def _make_accounts(self, ids: IdFactory, n: int) -> list[Account]:
        loan = ("Plaid Mortgage", "Plaid 30-Year Fixed Mortgage", "8888", "mortgage")
        if self._rng.random() < 0.5:
            loan = ("Plaid Student Loan", "Plaid Federal Direct Student Loan", "4444", "student")
        base = [
            (
                "checking",
                "Plaid Checking",
                "Plaid Gold Standard 0% Interest Checking",
                "0000",
                "depository",
                "checking",
                "USD",
                None,
            ),
            (
                "savings",
                "Plaid Saving",
                "Plaid Silver Standard 0.1% Interest Saving",
                "1111",
                "depository",
                "savings",
                "USD",
                None,
            ),
            (
                "card",
                "Plaid Credit Card",
                "Plaid Diamond 12.5% APR Interest Credit Card",
                "3333",
                "credit",
                "credit card",
                "USD",
                2_000_000,
            ),
            ("loan", loan[0], loan[1], loan[2], "loan", loan[3], "USD", None),
            (
                "investment",
                "Plaid Brokerage",
                "Plaid Individual Brokerage Account",
                "5555",
                "investment",
                "brokerage",
                "USD",
                None,
            ),
            (
                "fx",
                "Plaid CAD Chequing",
                "Plaid Canadian Dollar Chequing",
                "6666",
                "depository",
                "checking",
                "CAD",
                None,
            ),
        ]
        accounts = [Account(ids.make(KIND_ACCOUNT, self.ordinal, i), i, *spec) for i, spec in enumerate(base)]
        for i in range(len(base), n):
            extra = i - len(base) + 1
            mask = f"{7000 + i:04d}"
            spec: tuple[str, str, str, str, str, str, str, int | None]
            if extra % 2:
                spec = (
                    "extra_card",
                    f"Plaid Credit Card {extra // 2 + 2}",
                    "Plaid Rewards Visa Signature",
                    mask,
                    "credit",
                    "credit card",
                    "USD",
                    1_500_000,
                )
            else:
                spec = (
                    "extra_checking",
                    f"Plaid Checking {extra // 2 + 1}",
                    "Plaid Everyday Checking",
                    mask,
                    "depository",
                    "checking",
                    "USD",
                    None,
                )
            accounts.append(Account(ids.make(KIND_ACCOUNT, self.ordinal, i), i, *spec))
        return accounts

    def _opening(self, account: Account) -> int:
        r = self._rng
        return {
            "checking": lambda: r.randint(250_000, 600_000),
            "savings": lambda: r.randint(800_000, 2_500_000),
            "card": lambda: r.randint(30_000, 150_000),
            "loan": lambda: (
                r.randint(25_000_000, 42_000_000) if account.subtype == "mortgage" else r.randint(1_800_000, 4_000_000)
            ),
            "investment": lambda: r.randint(1_500_000, 6_000_000),
            "fx": lambda: r.randint(80_000, 250_000),
            "extra_card": lambda: r.randint(10_000, 90_000),
            "extra_checking": lambda: r.randint(100_000, 300_000),
        }[account.role]()

    def _seed_card_statements(self) -> None:
        # The first payment of each card pays off its opening balance.
        first = date.fromordinal(self.start)
        y, m = (first.year, first.month) if first.day >= 25 else _add_months(first.year, first.month, -1)
        for i in self._cards:
            self._card_month[(i, y, m)] = self.opening[i]

    def current_cents(self, i: int) -> int:
        return self.opening[i] + self.flow[i] if self.accounts[i].owes else self.opening[i] - self.flow[i]

    def balances(self, i: int) -> dict[str, object]:
        """AccountBalance as Plaid returns it."""
        a = self.accounts[i]
        current = self.current_cents(i)
        available: int | None
        if a.type == "depository":
            available = current - self.pending_out[i]
        elif a.type == "credit":
            available = (a.limit_cents or 0) - current - self.pending_out[i]
        elif a.type == "investment":
            available = current
        else:
            available = None
        return {
            "available": None if available is None else available / 100,
            "current": current / 100,
            "limit": None if a.limit_cents is None else a.limit_cents / 100,
            "iso_currency_code": a.currency,
            "unofficial_currency_code": None,
        }

    def account_json(self, i: int) -> dict[str, object]:
        a = self.accounts[i]
        return {
            "account_id": a.account_id,
            "balances": self.balances(i),
            "mask": a.mask,
            "name": a.name,
            "official_name": a.official_name,
            "type": a.type,
            "subtype": a.subtype,
            "holder_category": "personal",
        }

    # ------------------------------------------------------------------------------------------ driving

    def history(self) -> list[Change]:
        """Every transaction from the start of the history to `today`, oldest first, as ADD changes."""
        out: list[Change] = []
        rng = random.Random(f"{self.seed}:{self.ordinal}:history")
        days = range(self.start, self.clock + 1)
        weights = [_weekday_weight(d) * rng.uniform(0.6, 1.4) * (1.3 if self._on_trip(d) else 1.0) for d in days]
        total_weight = sum(weights)
        budget = self._per_day * HISTORY_DAYS
        done, acc = 0, 0.0
        for d, w in zip(days, weights, strict=True):
            acc += w
            target = round(budget * acc / total_weight)
            self._day(d, rng, target - done, out)
            done = target
        if self.size is not None and len(out) > self.size:
            self._trim(out, len(out) - self.size)
        return out

    def advance_day(self) -> list[Change]:
        """Move the clock one day forward and return what changed, in order."""
        self.clock += 1
        d = self.clock
        rng = random.Random(f"{self.seed}:{self.ordinal}:day:{d}")
        out: list[Change] = []
        self._churn(d, rng, out)
        for p in self._pending.pop(d, []):
            self._post_pending(p, out)
        count = round(self._per_day * _weekday_weight(d) * rng.uniform(0.6, 1.4))
        self._day(d, rng, count, out)
        return out

    def add_custom(self, items: Iterable[tuple[date, date, int, str, str]]) -> list[Change]:
        """/sandbox/transactions/create rows (date_transacted, date_posted, cents, description, currency).

        They land on the checking account of their currency (CAD on the CAD account, anything else on checking);
        a date_posted after the item's clock makes them pending until the clock gets there.
        """
        out: list[Change] = []
        for transacted, posted, cents, description, currency in items:
            key = ("custom", description)
            frag = self._bodies.fragment(key)
            acct = self._fx if currency == self.accounts[self._fx].currency else self._checking
            day, post_day = transacted.toordinal(), max(posted.toordinal(), transacted.toordinal())
            if post_day <= self.clock:
                self._post(self._next_id(), acct, cents, post_day, day, None, frag, key, False, None, out)
            else:
                self._hold(_Pending(self._next_id(), acct, cents, cents, day, post_day, None, frag, key, False), out)
        return out

    def _trim(self, out: list[Change], n: int) -> None:
        """Drop the n oldest posted transactions; the opening balances absorb their flows."""
        dropped: set[str] = set()
        for _, txn_id, acct, cents, pending, _ in out:
            if len(dropped) == n:
                break
            if not pending:  # pending ones are the newest and will post later: never dropped
                self.opening[acct] += cents if self.accounts[acct].owes else -cents
                self.flow[acct] -= cents
                dropped.add(txn_id)
        out[:] = [c for c in out if c[1] not in dropped]
        self._recent = deque((t for t in self._recent if t.transaction_id not in dropped), maxlen=self._recent.maxlen)

    # ------------------------------------------------------------------------------------------ a day

    def _day(self, d: int, rng: random.Random, everyday: int, out: list[Change]) -> None:
        day = date.fromordinal(d)
        self._recurring(day, d, rng, out)
        trip = self._trip_city(d)
        for event, city, nights in self._trips.get(d, ()):
            self._trip_event(event, city, nights, d, rng, out)
        for _ in range(everyday):
            if trip is not None and rng.random() < 0.7:
                self._travel_purchase(d, trip, rng, out)
            else:
                self._everyday_purchase(d, rng, out)
        self._end_of_day(day, d, out)

    def _recurring(self, day: date, d: int, rng: random.Random, out: list[Change]) -> None:
        dom, last = day.day, calendar.monthrange(day.year, day.month)[1]

        def due(wanted: int) -> bool:
            return dom == min(wanted, last)

        if (d - self._salary_anchor) % 14 == 0 and d >= self._salary_anchor:
            raise_factor = 1.03 ** (day.year - date.fromordinal(self.start).year)
            cents = -int(self._salary * raise_factor)
            self._row(d, self._checking, cents, cat.SALARY, out, employer=self.employer)
        if due(1):
            if self.homeowner:
                self._pair(d, self._checking, self._loan, self._housing, cat.MORTGAGE_OUT, cat.MORTGAGE_IN, out)
            else:
                self._purchase(d, self._checking, cat.RENT, self._housing, None, None, out, rng)
            for i in self._checkings[1:]:
                y, m = _add_months(day.year, day.month, -1)
                spent = self._card_month.get((i, y, m), 0)
                if spent > 0:
                    self._pair(d, self._checking, i, spent, cat.TRANSFER_OUT, cat.TRANSFER_IN, out)
            if self.current_cents(self._checking) < 150_000:
                self._row(d, self._checking, 1200, cat.MAINTENANCE_FEE, out)
        if due(2):
            self._pair(
                d,
                self._checking,
                self._savings,
                self._to_savings,
                cat.TRANSFER_TO_SAVINGS,
                cat.TRANSFER_FROM_CHECKING,
                out,
            )
        if due(5):
            self._purchase(d, self._checking, cat.INVESTMENT, self._invest, None, None, out, rng)
        if not self.homeowner and due(15):
            self._pair(d, self._checking, self._loan, self._student, cat.STUDENT_OUT, cat.STUDENT_IN, out)
        for merchant, wanted in cat.SUBSCRIPTIONS:
            if due(wanted):
                acct = self._checking if merchant.funding == "checking" else self._card
                self._purchase(d, acct, merchant, merchant.low_cents, None, None, out, rng)
        if due(20):
            season = 1.35 if day.month in (1, 2, 7, 8, 12) else 1.0
            cents = int(rng.randint(cat.ELECTRIC.low_cents, cat.ELECTRIC.high_cents // 2) * season)
            self._purchase(d, self._checking, cat.ELECTRIC, cents, None, None, out, rng)
        if due(22) and day.month % 2 == 0:
            cents = rng.randint(cat.WATER.low_cents, cat.WATER.high_cents)
            self._purchase(d, self._checking, cat.WATER, cents, None, None, out, rng)
        if dom == 15 and day.month % 3 == 1:
            cents = -rng.randint(cat.INTERAC.low_cents, cat.INTERAC.high_cents)
            self._purchase(d, self._fx, cat.INTERAC, cents, None, None, out, rng)
        if day.month == 4 and dom == 12 + (self.ordinal + day.year) % 10:
            cents = -rng.randint(cat.TAX_REFUND.low_cents, cat.TAX_REFUND.high_cents)
            self._purchase(d, self._checking, cat.TAX_REFUND, cents, None, None, out, rng)
        for i in self._cards:
            self._card_cycle(day, d, i, rng, out)

    def _card_cycle(self, day: date, d: int, card: int, rng: random.Random, out: list[Change]) -> None:
        if not 25 <= day.day <= 28:
            return
        y, m = _add_months(day.year, day.month, -1)
        # One month in forty the payment is late: a late fee and interest, then the payment.
        late = random.Random(f"{self.seed}:{self.ordinal}:late:{card}:{y}:{m}").random() < 0.025
        if late and day.day == 26:
            self._row(d, card, 2900, cat.LATE_FEE, out)
        if late and day.day == 27:
            self._row(d, card, max(100, self._card_month.get((card, y, m), 0) * 2 // 100), cat.INTEREST_CHARGE, out)
        if day.day == (28 if late else 25):
            owed = self._card_month.get((card, y, m), 0)
            if owed > 0:
                self._pair(d, self._checking, card, owed, cat.CARD_PAYMENT_OUT, cat.CARD_PAYMENT_IN, out)

    def _end_of_day(self, day: date, d: int, out: list[Change]) -> None:
        last = calendar.monthrange(day.year, day.month)[1]
        if day.day == last:
            interest = self.current_cents(self._savings) * 4 // 1200
            if interest > 0:
                self._row(d, self._savings, -interest, cat.INTEREST, out)
        balance = self.current_cents(self._checking)
        if balance < 50_000:
            amount = 200_000 + (-balance // 10_000 + 1) * 10_000
            self._pair(d, self._savings, self._checking, amount, cat.TRANSFER_OUT, cat.TRANSFER_IN, out)
        elif balance > 1_500_000:
            self._pair(
                d, self._checking, self._savings, 500_000, cat.TRANSFER_TO_SAVINGS, cat.TRANSFER_FROM_CHECKING, out
            )
        if self.current_cents(self._checking) < 0:
            self._row(d, self._checking, 3500, cat.OVERDRAFT_FEE, out)

    # ------------------------------------------------------------------------------------------ purchases

    @staticmethod
    def _cumulative(merchants: tuple[Merchant, ...]) -> tuple[list[float], tuple[Merchant, ...]]:
        acc, cum = 0.0, []
        for m in merchants:
            acc += m.weight
            cum.append(acc)
        return cum, merchants

    def _everyday_purchase(self, d: int, rng: random.Random, out: list[Change]) -> None:
        cum, merchants = self._everyday_cum
        m = merchants[bisect.bisect(cum, rng.random() * cum[-1])]
        if m.refundable and self._recent and rng.random() < 0.03:
            self._refund(d, rng, out)
            return
        card = (rng.random() < 0.8) if m.funding == "card" else (rng.random() < 0.1)
        pool = self._cards if card else self._checkings
        acct = pool[int(rng.random() * len(pool))]
        cents = m.low_cents + int((m.high_cents - m.low_cents) * rng.random() ** 1.7)
        self._purchase(d, acct, m, cents, self.home, None, out, rng)
        if m.key == "atm" and rng.random() < 0.4:
            self._row(d, acct, 300, cat.ATM_FEE, out)

    def _travel_purchase(self, d: int, city: cat.Place, rng: random.Random, out: list[Change]) -> None:
        cum, merchants = self._travel_cum
        m = merchants[bisect.bisect(cum, rng.random() * cum[-1])]
        cents = m.low_cents + int((m.high_cents - m.low_cents) * rng.random() ** 1.5)
        foreign = city[3] != "US"
        acct = self._fx if foreign and rng.random() < 0.6 else self._card
        self._purchase(d, acct, m, cents, city, None, out, rng, foreign=foreign and acct != self._fx)

    def _refund(self, d: int, rng: random.Random, out: list[Change]) -> None:
        original = self._recent[int(rng.random() * len(self._recent))]
        if original.cents <= 0 or d - original.day > 30:
            return
        self._emit(
            d,
            original.account,
            -original.cents,
            rng,
            self._bodies.fragment(original.fragment_key),
            None,
            out,
            post_days=(1, 3),
            fragment_key=original.fragment_key,
        )

    def _purchase(
        self,
        d: int,
        acct: int,
        m: Merchant,
        cents: int,
        city: cat.Place | None,
        minute: int | None,
        out: list[Change],
        rng: random.Random,
        *,
        foreign: bool = False,
    ) -> None:
        key: FragmentKey
        if m.channel == "in store" and city is not None:
            stores = self._bodies.stores_in(m, city)
            store = stores[int(rng.random() * len(stores))]
            key = ("m", m.key, city[0], str(store["store_number"]))
        else:
            key = ("m", m.key)
        if minute is None and m.channel != "other":
            minute = 420 + int(rng.random() * 900)
        tip = cents * (15 + int(rng.random() * 8)) // 100 if m.tip else 0
        self._emit(
            d,
            acct,
            cents,
            rng,
            self._bodies.fragment(key),
            minute,
            out,
            post_days=m.post_days,
            tip=tip,
            fragment_key=key,
            foreign=foreign,
        )

    def _emit(
        self,
        d: int,
        acct: int,
        cents: int,
        rng: random.Random,
        fragment: str,
        minute: int | None,
        out: list[Change],
        *,
        post_days: tuple[int, int],
        tip: int = 0,
        fragment_key: FragmentKey = (),
        foreign: bool = False,
    ) -> None:
        lo, hi = post_days
        post_day = d + lo + int(rng.random() * (hi - lo + 1)) if hi else d
        txn_id = self._next_id()
        if post_day <= self.clock:  # history: it has long posted, Plaid shows only the posted version
            self._post(txn_id, acct, cents + tip, post_day, d, minute, fragment, fragment_key, foreign, None, out)
        else:
            pending = _Pending(txn_id, acct, cents, cents + tip, d, post_day, minute, fragment, fragment_key, foreign)
            self._hold(pending, out)

    def _hold(self, p: _Pending, out: list[Change]) -> None:
        self._pending.setdefault(p.post_day, []).append(p)
        if p.cents > 0:
            self.pending_out[p.account] += p.cents
        out.append((ADD, p.transaction_id, p.account, p.cents, True, self._encode_pending(p)))

    def _post_pending(self, p: _Pending, out: list[Change]) -> None:
        """The pending row goes away and a posted one, pointing back at it, takes its place."""
        if p.cents > 0:
            self.pending_out[p.account] -= p.cents
        out.append((REMOVE, p.transaction_id, p.account, p.cents, True, None))
        self._post(
            self._next_id(),
            p.account,
            p.posted_cents,
            p.post_day,
            p.day,
            p.minute,
            p.fragment,
            p.key,
            p.foreign,
            p.transaction_id,
            out,
        )

    def _post(
        self,
        txn_id: str,
        acct: int,
        cents: int,
        day: int,
        auth_day: int,
        minute: int | None,
        fragment: str,
        key: FragmentKey,
        foreign: bool,
        pending_id: str | None,
        out: list[Change],
    ) -> None:
        body = self._bodies.encode(txn_id, acct, cents, day, auth_day, minute, False, pending_id, fragment)
        self._book(acct, cents, day)
        out.append((ADD, txn_id, acct, cents, False, body))
        if key and key[0] == "m":
            self._recent.append(_Posted(txn_id, acct, cents, day, auth_day, minute, key, pending_id))
        if foreign and cents > 0:
            self._row(day, acct, cents * 3 // 100, cat.FOREIGN_FEE, out)

    def _book(self, acct: int, cents: int, day: int, *, spending: bool = True) -> None:
        self.flow[acct] += cents
        if spending and self._statement[acct]:
            when = date.fromordinal(day)
            key = (acct, when.year, when.month)
            self._card_month[key] = self._card_month.get(key, 0) + cents

    def _row(
        self,
        d: int,
        acct: int,
        cents: int,
        row: tuple[str, str, str],
        out: list[Change],
        *,
        spending: bool = True,
        **fmt: str,
    ) -> None:
        """A posted non-merchant row (salary, fee, interest, one side of a transfer)."""
        name = row[0].format(**fmt) if fmt else row[0]
        txn_id = self._next_id()
        fragment = self._bodies.fragment(("row", name, *row[1:]))
        body = self._bodies.encode(txn_id, acct, cents, d, d, None, False, None, fragment)
        self._book(acct, cents, d, spending=spending)
        out.append((ADD, txn_id, acct, cents, False, body))

    def _pair(
        self,
        d: int,
        src: int,
        dst: int,
        cents: int,
        out_row: tuple[str, str, str],
        in_row: tuple[str, str, str],
        out: list[Change],
    ) -> None:
        """Money moving between two of the user's accounts: +cents leaves src, -cents arrives in dst."""
        s, t = self.accounts[src], self.accounts[dst]
        # Transfers settle spending rather than being spending: they stay out of the monthly statements.
        self._row(d, src, cents, out_row, out, spending=False, name=t.name, mask=t.mask)
        self._row(d, dst, -cents, in_row, out, spending=False, name=s.name, mask=s.mask)

    # ------------------------------------------------------------------------------------------ trips

    def _on_trip(self, d: int) -> bool:
        return self._trip_city(d) is not None

    def _trip_city(self, d: int) -> cat.Place | None:
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
        foreign = city[3] != "US"
        if event == "flight":
            cents = rng.randint(cat.TRAVEL_FLIGHT.low_cents, cat.TRAVEL_FLIGHT.high_cents)
            self._purchase(d, self._card, cat.TRAVEL_FLIGHT, cents, None, None, out, rng)
        elif event == "hotel":
            per_night = rng.randint(cat.TRAVEL_HOTEL.low_cents, cat.TRAVEL_HOTEL.high_cents)
            self._purchase(d, self._card, cat.TRAVEL_HOTEL, per_night * nights, city, None, out, rng, foreign=foreign)
        else:
            cents = rng.randint(cat.TRAVEL_CAR.low_cents, cat.TRAVEL_CAR.high_cents) * nights
            self._purchase(d, self._card, cat.TRAVEL_CAR, cents, city, None, out, rng)

    # ------------------------------------------------------------------------------------------ churn

    def _churn(self, d: int, rng: random.Random, out: list[Change]) -> None:
        """What makes a day after `today` more than appends: pending ones change or vanish, posted ones get fixed."""
        waiting = [p for day in sorted(self._pending) for p in self._pending[day]]
        for p in waiting:
            roll = rng.random()
            if roll < 0.04:  # authorization voided: it never posts
                self._pending[p.post_day].remove(p)
                if p.cents > 0:
                    self.pending_out[p.account] -= p.cents
                out.append((REMOVE, p.transaction_id, p.account, p.cents, True, None))
            elif roll < 0.12:  # the merchant updated the authorization amount
                delta = max(1, abs(p.cents) // 20)
                if p.cents > 0:
                    self.pending_out[p.account] += delta
                p.cents += delta
                p.posted_cents += delta
                out.append((MODIFY, p.transaction_id, p.account, p.cents, True, self._encode_pending(p)))
        if self._recent and rng.random() < 0.3:  # Plaid re-categorised a recent posted transaction
            t = self._recent[int(rng.random() * len(self._recent))]
            key = (*t.fragment_key, "recategorised")
            body = self._bodies.encode(
                t.transaction_id,
                t.account,
                t.cents,
                t.day,
                t.auth_day,
                t.minute,
                False,
                t.pending_id,
                self._bodies.fragment(key),
            )
            out.append((MODIFY, t.transaction_id, t.account, t.cents, False, body))
        if self._recent and rng.random() < 0.05:  # a duplicate posting reversed by the bank
            t = self._recent.pop()
            self.flow[t.account] -= t.cents
            out.append((REMOVE, t.transaction_id, t.account, t.cents, False, None))

    # ------------------------------------------------------------------------------------------ encoding

    def _next_id(self) -> str:
        self._counter += 1
        return self._txn_id(self._counter)

    def _encode_pending(self, p: _Pending) -> bytes:
        return self._bodies.encode(p.transaction_id, p.account, p.cents, p.day, p.day, p.minute, True, None, p.fragment)


def account_count(transactions: int | None) -> int:
    """Six accounts for a personal history; one more per 20,000 transactions beyond that, at most 50."""
    return 6 if transactions is None else min(MAX_ACCOUNTS, max(6, transactions // ACCOUNTS_PER_TRANSACTIONS))


def _weekday_weight(d: int) -> float:
    return _WEEKDAY_WEIGHT[(d - 1) % 7]  # date ordinal 1 (0001-01-01) was a Monday
