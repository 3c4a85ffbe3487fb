"""Posting: one item's accounts in cents and every transaction that reaches them.

`Books` is the only place a balance changes. A purchase is authorized (pending) and posts days later, or posts at
once in the past; a posted row books its amount into the account's flow and, for cards and top-up accounts, into
the month's statement the schedule later settles. Pending ones can change or be voided, posted ones re-categorised
or reversed (`churn`). Every change is appended to `out` as a `Change`, in order, for the item's ledger.

Amounts are integer cents with Plaid's sign (positive = money out of the account). Balances follow from the flows:
depository current = opening - sum(posted amounts); credit and loan current (owed) = opening + sum.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from core.emulator import catalog as cat
from core.emulator.bodies import FragmentKey, TransactionWriter
from core.emulator.catalog import Merchant
from core.emulator.ids import TransactionIds

ADD, MODIFY, REMOVE = 0, 1, 2
# (kind, transaction_id, account index, amount in cents, pending, JSON body or None for REMOVE)
Change = tuple[int, str, int, int, bool, bytes | None]

# The first six accounts of every item, by index (world.make_accounts builds them in this order).
CHECKING, SAVINGS, CARD, LOAN, INVESTMENT, FX = range(6)


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
    series: str | None = None  # the recurring series it belongs to (schedules.py), carried to its posted version


class Posted(NamedTuple):  # one per posted purchase: a NamedTuple is several times cheaper than a frozen dataclass
    transaction_id: str
    account: int
    cents: int
    day: int
    auth_day: int
    minute: int | None
    fragment_key: FragmentKey
    pending_id: str | None


class Books:
    """Balances, pending authorizations and recent purchases of one item; days are date ordinals."""

    def __init__(
        self, accounts: list[Account], opening: list[int], writer: TransactionWriter, ids: TransactionIds, clock: int
    ) -> None:
        self.accounts = accounts
        self.opening = opening
        self.clock = clock  # the item's today: a transaction dated later is pending until the clock gets there
        self.flow = [0] * len(accounts)  # sum of posted amounts (Plaid sign)
        self.pending_out = [0] * len(accounts)  # sum of pending positive amounts
        # (account, year, month) -> posted spending of accounts whose month is settled from checking (card
        # payments, extra-checking top-ups); transfers stay out of it.
        self.statements: dict[tuple[int, int, int], int] = {}
        self.recent: deque[Posted] = deque(maxlen=200)  # posted purchases a refund or correction may touch
        self._statement = [a.role in ("card", "extra_card", "extra_checking") for a in accounts]
        self._pending: dict[int, list[_Pending]] = {}  # post day -> pending transactions
        # transaction id -> the recurring series it belongs to (salary, sub:netflix, ...; see schedules.py): what
        # the emulator's /transactions/recurring/get answers from. Untagged transactions belong to none.
        self.series_of: dict[str, str] = {}
        self._bodies = writer
        self._txn_id = ids
        self._counter = 0

    # ------------------------------------------------------------------------------------------ balances

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

    # ------------------------------------------------------------------------------------------ purchases

    def purchase(
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
        series: str | None = None,
    ) -> None:
        """A purchase at merchant `m` on day d (at one of its stores in `city` when it is an in-store one)."""
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
            series=series,
        )

    def refund(self, d: int, rng: random.Random, out: list[Change]) -> None:
        """A recent purchase returned (no refund when it is older than 30 days)."""
        original = self.recent[int(rng.random() * len(self.recent))]
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

    def custom(self, acct: int, cents: int, day: int, post_day: int, description: str, out: list[Change]) -> None:
        """A /sandbox/transactions/create row: posted when its post day has come, pending until then."""
        key = ("custom", description)
        frag = self._bodies.fragment(key)
        if post_day <= self.clock:
            self._post(self._next_id(), acct, cents, post_day, day, None, frag, key, False, None, out)
        else:
            self._hold(_Pending(self._next_id(), acct, cents, cents, day, post_day, None, frag, key, False), out)

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
        series: str | None = None,
    ) -> None:
        lo, hi = post_days
        post_day = d + lo + int(rng.random() * (hi - lo + 1)) if hi else d
        txn_id = self._next_id()
        if series is not None:
            self.series_of[txn_id] = series
        if post_day <= self.clock:  # history: it has long posted, Plaid shows only the posted version
            self._post(txn_id, acct, cents + tip, post_day, d, minute, fragment, fragment_key, foreign, None, out)
        else:
            pending = _Pending(
                txn_id, acct, cents, cents + tip, d, post_day, minute, fragment, fragment_key, foreign, series
            )
            self._hold(pending, out)

    # ------------------------------------------------------------------------------------------ rows

    def row(
        self,
        d: int,
        acct: int,
        cents: int,
        row: cat.Row,
        out: list[Change],
        *,
        spending: bool = True,
        series: str | None = None,
        **fmt: str,
    ) -> None:
        """A posted non-merchant row (salary, fee, interest, one side of a transfer)."""
        name = row[0].format(**fmt) if fmt else row[0]
        txn_id = self._next_id()
        if series is not None:
            self.series_of[txn_id] = series
        fragment = self._bodies.fragment(("row", name, *row[1:]))
        body = self._bodies.encode(txn_id, acct, cents, d, d, None, False, None, fragment)
        self._book(acct, cents, d, spending=spending)
        out.append((ADD, txn_id, acct, cents, False, body))

    def pair(
        self,
        d: int,
        src: int,
        dst: int,
        cents: int,
        out_row: cat.Row,
        in_row: cat.Row,
        out: list[Change],
        *,
        series: tuple[str, str] | None = None,
    ) -> None:
        """Money moving between two of the user's accounts: +cents leaves src, -cents arrives in dst."""
        s, t = self.accounts[src], self.accounts[dst]
        tags = series or (None, None)
        # Transfers settle spending rather than being spending: they stay out of the monthly statements.
        self.row(d, src, cents, out_row, out, spending=False, series=tags[0], name=t.name, mask=t.mask)
        self.row(d, dst, -cents, in_row, out, spending=False, series=tags[1], name=s.name, mask=s.mask)

    # ------------------------------------------------------------------------------------------ pending and posting

    def post_due(self, d: int, out: list[Change]) -> None:
        """Post the pending transactions whose day has come."""
        for p in self._pending.pop(d, []):
            self._post_pending(p, out)

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
        posted_id = self._next_id()
        if p.series is not None:
            self.series_of[posted_id] = p.series
        self._post(
            posted_id,
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
            self.recent.append(Posted(txn_id, acct, cents, day, auth_day, minute, key, pending_id))
        if foreign and cents > 0:
            self.row(day, acct, cents * 3 // 100, cat.FOREIGN_FEE, out)

    def _book(self, acct: int, cents: int, day: int, *, spending: bool = True) -> None:
        self.flow[acct] += cents
        if spending and self._statement[acct]:
            when = date.fromordinal(day)
            key = (acct, when.year, when.month)
            self.statements[key] = self.statements.get(key, 0) + cents

    # ------------------------------------------------------------------------------------------ corrections

    def churn(self, rng: random.Random, out: list[Change]) -> None:
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
        if self.recent and rng.random() < 0.3:  # Plaid re-categorised a recent posted transaction
            t = self.recent[int(rng.random() * len(self.recent))]
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
        if self.recent and rng.random() < 0.05:  # a duplicate posting reversed by the bank
            t = self.recent.pop()
            self.flow[t.account] -= t.cents
            out.append((REMOVE, t.transaction_id, t.account, t.cents, False, None))

    def trim(self, out: list[Change], n: int) -> None:
        """Drop the n oldest posted transactions from `out`; the opening balances absorb their flows."""
        dropped: set[str] = set()
        for _, txn_id, acct, cents, pending, _ in out:
            if len(dropped) == n:
                break
            if not pending:  # pending ones are the newest and will post later: never dropped
                self.opening[acct] += cents if self.accounts[acct].owes else -cents
                self.flow[acct] -= cents
                dropped.add(txn_id)
        out[:] = [c for c in out if c[1] not in dropped]
        self.recent = deque((t for t in self.recent if t.transaction_id not in dropped), maxlen=self.recent.maxlen)

    # ------------------------------------------------------------------------------------------ encoding

    def _next_id(self) -> str:
        self._counter += 1
        return self._txn_id(self._counter)

    def _encode_pending(self, p: _Pending) -> bytes:
        return self._bodies.encode(p.transaction_id, p.account, p.cents, p.day, p.day, p.minute, True, None, p.fragment)
