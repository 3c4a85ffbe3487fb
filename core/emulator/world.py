"""The banking life of one item, simulated day by day and deterministic from (seed, item ordinal, today, size).

`World.history()` produces the two years before the item's `today`; each `World.advance_day()` moves the item's
clock one day: new transactions (card ones start pending), pending ones post 1-5 days after authorization
(the pending id is removed, the posted one added with pending_transaction_id), some pending ones change or are
voided, and now and then a posted one is re-categorised or reversed.

The work is split in two: schedules.py decides what happens on a day and how much it costs; posting.py (`Books`)
owns the balances and turns each event into transactions. This module makes the item's accounts and drives days.

Size: `transactions=None` is a realistic personal history (~4,000 transactions, 6 accounts). `transactions=N`
yields exactly N transactions (the oldest are trimmed; opening balances move with them) over
min(50, max(6, N // 20_000)) accounts: 1,000,000 -> 50 accounts. The accounts beyond the first six alternate
between extra credit cards and extra checking accounts; everyday spending is spread over all of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date

from core.emulator import catalog as cat
from core.emulator.bodies import TransactionWriter
from core.emulator.ids import KIND_ACCOUNT, IdFactory
from core.emulator.posting import ADD, CHECKING, FX, MODIFY, REMOVE, Account, Books, Change
from core.emulator.schedules import DEFAULT_EVERYDAY_PER_DAY, HISTORY_DAYS, Schedule, weekday_weight

__all__ = ["ADD", "MODIFY", "REMOVE", "Account", "Change", "World", "account_count"]

ACCOUNTS_PER_TRANSACTIONS = 20_000
MAX_ACCOUNTS = 50


class World:
    """One item's accounts and transaction stream. Not thread-safe; the caller serialises access."""

    def __init__(self, ids: IdFactory, seed: int, ordinal: int, today: date, transactions: int | None) -> None:
        self.seed, self.ordinal = seed, ordinal
        self.size = transactions
        self.start = today.toordinal() - HISTORY_DAYS + 1
        # The item's profile: every draw below comes from this generator, in this order.
        profile = random.Random(f"{seed}:{ordinal}:profile")
        self.accounts = make_accounts(ids, ordinal, account_count(transactions), profile)
        opening = [opening_cents(a, profile) for a in self.accounts]
        self.employer = profile.choice(cat.EMPLOYERS)
        self.home = profile.choice(cat.HOME_CITIES)
        writer = TransactionWriter(
            seed, ordinal, [a.account_id for a in self.accounts], [a.currency for a in self.accounts], self.employer
        )
        self.books = Books(self.accounts, opening, writer, ids.transaction_ids(ordinal), today.toordinal())
        everyday_total = DEFAULT_EVERYDAY_PER_DAY * HISTORY_DAYS if transactions is None else float(transactions)
        self._per_day = everyday_total / HISTORY_DAYS
        self.schedule = Schedule(
            self.books, profile, seed, ordinal, self.start, self.home, self.employer, everyday_total
        )

    @property
    def clock(self) -> int:
        """The item's today as a date ordinal."""
        return self.books.clock

    @property
    def opening(self) -> list[int]:
        """Each account's balance in cents before its first transaction."""
        return self.books.opening

    def current_cents(self, i: int) -> int:
        return self.books.current_cents(i)

    def account_json(self, i: int) -> dict[str, object]:
        """AccountBase as Plaid returns it, with the balances now."""
        a = self.accounts[i]
        return {
            "account_id": a.account_id,
            "balances": self.books.balances(i),
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
        on_trip = self.schedule.on_trip
        weights = [weekday_weight(d) * rng.uniform(0.6, 1.4) * (1.3 if on_trip(d) else 1.0) for d in days]
        total_weight = sum(weights)
        budget = self._per_day * HISTORY_DAYS
        done, acc = 0, 0.0
        for d, w in zip(days, weights, strict=True):
            acc += w
            target = round(budget * acc / total_weight)
            self.schedule.day(d, rng, target - done, out)
            done = target
        if self.size is not None and len(out) > self.size:
            self.books.trim(out, len(out) - self.size)
        return out

    def advance_day(self) -> list[Change]:
        """Move the clock one day forward and return what changed, in order."""
        self.books.clock += 1
        d = self.clock
        rng = random.Random(f"{self.seed}:{self.ordinal}:day:{d}")
        out: list[Change] = []
        self.books.churn(rng, out)
        self.books.post_due(d, out)
        count = round(self._per_day * weekday_weight(d) * rng.uniform(0.6, 1.4))
        self.schedule.day(d, rng, count, out)
        return out

    def add_custom(self, items: Iterable[tuple[date, date, int, str, str]]) -> list[Change]:
        """/sandbox/transactions/create rows (date_transacted, date_posted, cents, description, currency).

        They land on the checking account of their currency (CAD on the CAD account, anything else on checking);
        a date_posted after the item's clock makes them pending until the clock gets there.
        """
        out: list[Change] = []
        for transacted, posted, cents, description, currency in items:
            acct = FX if currency == self.accounts[FX].currency else CHECKING
            day, post_day = transacted.toordinal(), max(posted.toordinal(), transacted.toordinal())
            self.books.custom(acct, cents, day, post_day, description, out)
        return out


def account_count(transactions: int | None) -> int:
    """Six accounts for a personal history; one more per 20,000 transactions beyond that, at most 50."""
    return 6 if transactions is None else min(MAX_ACCOUNTS, max(6, transactions // ACCOUNTS_PER_TRANSACTIONS))


def make_accounts(ids: IdFactory, ordinal: int, n: int, profile: random.Random) -> list[Account]:
    """The item's n accounts: the six every item has (posting.CHECKING..FX), then extra cards and checkings."""
    loan = ("Plaid Mortgage", "Plaid 30-Year Fixed Mortgage", "8888", "mortgage")
    if profile.random() < 0.5:
        loan = ("Plaid Student Loan", "Plaid Federal Direct Student Loan", "4444", "student")
    Spec = tuple[str, str, str, str, str, str, str, int | None]  # role, name, official name, mask, type, ...
    base: list[Spec] = [
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
    accounts = [Account(ids.make(KIND_ACCOUNT, ordinal, i), i, *spec) for i, spec in enumerate(base)]
    for i in range(len(base), n):
        extra = i - len(base) + 1
        mask = f"{7000 + i:04d}"
        spec: Spec
        if extra % 2:
            name = f"Plaid Credit Card {extra // 2 + 2}"
            spec = ("extra_card", name, "Plaid Rewards Visa Signature", mask, "credit", "credit card", "USD", 1_500_000)
        else:
            name = f"Plaid Checking {extra // 2 + 1}"
            spec = ("extra_checking", name, "Plaid Everyday Checking", mask, "depository", "checking", "USD", None)
        accounts.append(Account(ids.make(KIND_ACCOUNT, ordinal, i), i, *spec))
    return accounts


def opening_cents(account: Account, profile: random.Random) -> int:
    """The account's balance before its history, drawn from the profile generator."""
    r = profile
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
