"""Finboard's own detector of recurring streams over the analytics ledger.

A stream is money that comes back on a schedule (core.analytics.cadence) to or from one
counterparty, in one account, currency and direction: a salary, rent, a subscription, a utility
bill, a monthly move to savings, a card autopay. It has the shape of Plaid's recurring streams:
merchant, account, frequency, average and last amount, first and last date, the transactions it
is made of; its status and next date follow from the schedule and the day you look
(core.analytics.streams). The streams are rebuilt with the ledger, in the same transaction, so
they always describe the ledger's rows.

How a stream is found, in two steps so that a million transactions take a fraction of a second:

1. SQL finds candidates among all transactions grouped by (account, currency, direction,
   counterparty), where the counterparty is the merchant, else the description with reference
   numbers and dates taken out. A group is a candidate when its average gap between dates fits
   a cadence and its dates keep one phase (their weekday, fortnight or day of the month agree:
   the length of the mean of their angles on that circle is at least 0.9). So is a set of
   transactions of exactly one amount inside a group (a 2.99 storage plan among a shop's other
   purchases).
2. Python fits each candidate's dates to the slots of its cadence (weekends, holidays and posting
   delays within the cadence's tolerance), splits it where more than three occurrences in a row
   are missing, and keeps a stream when enough dates hit their slots, few slots are missed, and
   the amounts behave: steady, with at most one change in six occurrences (a price change
   from 15.49 to 17.99 is one change), or varying (utilities, pay, card payments) only for money
   in, transfers and bills, and not weekly or biweekly money out. A coffee shop or restaurant
   visited more often than the schedule is a habit, never a stream, even when one order
   repeats at one price. Refunds are money in, so they never break a stream of money out.

A stream's id is derived from its account, currency, direction and counterparty, so it survives
recomputation and the person's choices about it stay attached. When one group holds several
streams, the one seen last keeps that id and the others add their cadence and first date.
core.analytics.recurring_sources decides which accounts get these and which get Plaid's own streams.
"""

from __future__ import annotations

import hashlib
import itertools
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import duckdb
import pandas as pd

from core.analytics.cadence import Cadence, Fit, Schedule, cadences_for, fit, segments

Direction = Literal["inflow", "outflow"]
AmountKind = Literal["fixed", "variable"]

PHASE_MIN = 0.9  # length of the mean angle a candidate's dates must reach on their cadence's circle
BILL_PRIMARIES = frozenset({"RENT_AND_UTILITIES", "LOAN_PAYMENTS", "GENERAL_SERVICES", "GOVERNMENT_AND_NON_PROFIT",
                            "BANK_FEES", "INCOME", "TRANSFER_IN", "TRANSFER_OUT"})  # fmt: skip
HABIT_PRIMARIES = frozenset({"FOOD_AND_DRINK"})  # visited often: a repeated order is a habit, not a subscription
VARIABLE_MAX_RATIO = 4  # largest / smallest amount of a varying stream that is not a transfer
FEW, FEW_SPREAD = 4, Decimal("0.1")  # under four occurrences, "fixed" means within 10% of the last
RECENT_AMOUNTS = 6  # a varying stream's expected amount: the mean of its last six
CENT = Decimal("0.01")

# The counterparty of a transaction: its merchant, else its description without reference numbers
# (5+ digits) and dates, so "PAYROLL 06/15 #123456" and "PAYROLL 07/01 #123457" are one counterparty.
KEYS_SQL = r"""
CREATE OR REPLACE TEMP TABLE recurring_keys AS
SELECT name_id, key, dense_rank() OVER (ORDER BY key) AS key_id
FROM (
    SELECT name_id,
           coalesce(nullif(lower(trim(merchant_name)), ''),
                    nullif(trim(regexp_replace(regexp_replace(lower(coalesce(name, '')),
                        '\d{5,}|\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|#', ' ', 'g'), '\s+', ' ', 'g')), ''),
                    '(no name)') AS key
    FROM analytics_names
)
"""

# Each date's angle on the month, half-month, week and fortnight circles.
_ANGLES = """
angles AS (
    SELECT date, cos(a) AS cm, sin(a) AS sm, cos(2 * a) AS cs, sin(2 * a) AS ss,
           cos(w) AS cw, sin(w) AS sw, cos(f) AS cf, sin(f) AS sf
    FROM (SELECT date, 2 * pi() * (day(date) - 1) / day(last_day(date)) AS a,
                 2 * pi() * (epoch(date) // 86400 % 7) / 7 AS w, 2 * pi() * (epoch(date) // 86400 % 14) / 14 AS f
          FROM (SELECT DISTINCT date FROM analytics_ledger))
)"""
# How well the dates keep one phase: the length of their mean angle on each circle (1 = all alike).
_PHASES = """
    sqrt(avg(cm) ^ 2 + avg(sm) ^ 2) AS r_month, sqrt(avg(cs) ^ 2 + avg(ss) ^ 2) AS r_semi,
    sqrt(avg(cw) ^ 2 + avg(sw) ^ 2) AS r_week, sqrt(avg(cf) ^ 2 + avg(sf) ^ 2) AS r_fortnight"""


def _regular(t: str) -> str:
    """Whether the dates summed up in row `t` are spaced like a cadence and keep its phase."""
    return f"""(
       ({t}.gap BETWEEN 5 AND 9 AND {t}.r_week >= {PHASE_MIN} AND {t}.n >= 4)
    OR ({t}.gap BETWEEN 11 AND 17 AND {t}.r_fortnight >= {PHASE_MIN} AND {t}.n >= 3)
    OR ({t}.gap BETWEEN 12 AND 19 AND {t}.r_semi >= {PHASE_MIN} AND {t}.n >= 4)
    OR ({t}.gap BETWEEN 25 AND 100 AND {t}.r_month >= {PHASE_MIN} AND {t}.n >= 3))"""


# The steps, each a small table. Only sparse groups (at least 5 days between dates on average) can
# be regular as a whole, so only their dates are put on the circles. Single amounts are looked for
# outside the groups that are all food and drink (a repeated order is a habit, see the docstring).
_ROWS = (  # the ledger's rows with their counterparty, less the accounts whose streams come from elsewhere
    "analytics_ledger l JOIN recurring_keys k USING (name_id) ANTI JOIN recurring_skip s ON s.account_id = l.account_id"
)
_GROUP_OF_ROW = "g.account_id = l.account_id AND g.currency = l.currency AND g.outflow = (l.amount > 0) " \
                "AND g.key_id = k.key_id"  # fmt: skip
CANDIDATES_SQL = (
    f"""
CREATE OR REPLACE TEMP TABLE recurring_groups AS
SELECT l.account_id, l.currency, l.amount > 0 AS outflow, k.key_id, count(*) AS n, min(l.date) AS first,
       max(l.date) AS last, bool_and(list_contains({sorted(HABIT_PRIMARIES)}, l.category_primary)) AS habit
FROM {_ROWS} WHERE l.amount <> 0 GROUP BY ALL
""",
    f"""
CREATE OR REPLACE TEMP TABLE recurring_whole AS
WITH {_ANGLES}
SELECT g.account_id, g.currency, g.outflow, g.key_id, g.n, g.first, g.last,
       (g.last - g.first) / (g.n - 1) AS gap, {_PHASES}
FROM {_ROWS} JOIN recurring_groups g ON {_GROUP_OF_ROW} JOIN angles ON angles.date = l.date
WHERE l.amount <> 0 AND g.n >= 2 AND g.last - g.first >= 5 * (g.n - 1)
GROUP BY ALL
""",
    f"""
CREATE OR REPLACE TEMP TABLE recurring_amounts AS
WITH habits AS (SELECT key_id FROM recurring_groups GROUP BY ALL HAVING bool_and(habit)),
one_amount AS (  -- one hash per (account, currency, counterparty, amount): cheaper to group by than four columns
    SELECT hash(l.account_id, l.currency, k.key_id, l.amount) AS h
    FROM {_ROWS}
    WHERE l.amount <> 0 AND k.key_id NOT IN (SELECT key_id FROM habits)
    GROUP BY h
    HAVING count(*) >= 3 AND max(l.date) - min(l.date) BETWEEN 5 * (count(*) - 1) AND 100 * (count(*) - 1)
),
{_ANGLES}
SELECT l.account_id, l.currency, l.amount > 0 AS outflow, k.key_id, l.amount, count(*) AS n,
       (max(l.date) - min(l.date)) / (count(*) - 1) AS gap, {_PHASES}
FROM {_ROWS} JOIN angles ON angles.date = l.date
WHERE hash(l.account_id, l.currency, k.key_id, l.amount) IN (SELECT h FROM one_amount)
GROUP BY ALL
""",
)

# Rows of the candidates: whole groups regular as a whole (or two or three dates a year apart), and
# single amounts regular on their own, with their group's size and span (to tell a busy group).
WHOLE_ROWS_SQL = f"""
SELECT g.account_id, g.currency, g.outflow, k.key, NULL AS amount, g.n, g.first, g.last,
       l.transaction_id, l.date, l.amount, l.merchant, l.category_primary, l.category_detailed, l.is_transfer
FROM recurring_whole g JOIN recurring_keys k ON k.key_id = g.key_id
JOIN analytics_ledger l ON l.name_id = k.name_id AND l.account_id = g.account_id AND l.currency = g.currency
 AND (l.amount > 0) = g.outflow AND l.amount <> 0
WHERE {_regular("g")} OR (g.gap BETWEEN 340 AND 390 AND g.n <= 3)
ORDER BY g.account_id, g.currency, g.outflow, k.key, l.date, l.transaction_id
"""
AMOUNT_ROWS_SQL = f"""
SELECT c.account_id, c.currency, c.outflow, k.key, c.amount, g.n, g.first, g.last,
       l.transaction_id, l.date, l.amount, l.merchant, l.category_primary, l.category_detailed, l.is_transfer
FROM recurring_amounts c
JOIN recurring_groups g USING (account_id, currency, outflow, key_id)
JOIN recurring_keys k ON k.key_id = c.key_id
JOIN analytics_ledger l ON l.name_id = k.name_id AND l.account_id = c.account_id AND l.currency = c.currency
 AND l.amount = c.amount
WHERE {_regular("c")}
ORDER BY c.account_id, c.currency, c.outflow, k.key, c.amount, l.date, l.transaction_id
"""
TEMP_TABLES = ("recurring_amounts", "recurring_whole", "recurring_groups", "recurring_keys", "recurring_skip")


@dataclass(frozen=True)
class Row:
    transaction_id: str
    date: date
    amount: Decimal  # Plaid's sign
    merchant: str
    category_primary: str
    category_detailed: str | None
    is_transfer: bool


@dataclass(frozen=True)
class Amounts:
    """What a stream's amounts say, as positive money."""

    kind: AmountKind
    average: Decimal  # over every occurrence
    last: Decimal
    expected: Decimal  # what the next one is likely to be: the last for a fixed amount, the recent mean otherwise
    low: Decimal  # the recent range (equal to expected for a fixed amount)
    high: Decimal
    previous: Decimal | None  # the amount before the last change (fixed amounts)
    changed_on: date | None


@dataclass(frozen=True)
class Stream:
    stream_id: str
    account_id: str
    currency: str
    direction: Direction
    merchant: str
    key: str  # the counterparty key the stream was grouped by
    category_primary: str
    category_detailed: str | None
    is_transfer: bool
    schedule: Schedule
    first_date: date
    last_date: date
    last_slot: date  # the nominal slot of the last occurrence
    amounts: Amounts
    transactions: tuple[Row, ...]
    source: Literal["finboard", "plaid"] = "finboard"
    predicted_date: date | None = None  # Plaid's predicted_next_date
    plaid_status: str | None = None  # Plaid's status (TOMBSTONED also when Plaid says it is not active)
    count: int | None = None  # how many transactions Plaid says make it up (None: len(transactions))
    frequency: str | None = None  # Plaid's, in lower case (None: the cadence's)

    @property
    def cadence(self) -> Cadence:
        return self.schedule.cadence


@dataclass(frozen=True)
class _Candidate:
    account_id: str
    currency: str
    outflow: bool
    key: str
    amount: Decimal | None  # None: the whole group
    group_n: int
    group_first: date
    group_last: date
    rows: list[Row]


# -- detection -------------------------------------------------------------------------------


def detect(con: duckdb.DuckDBPyConnection, skip: frozenset[str] = frozenset()) -> list[Stream]:
    """Every stream in the analytics ledger (any status: what is stopped is decided when you look), except in
    the accounts `skip` (whose streams come from Plaid)."""
    con.execute("CREATE OR REPLACE TEMP TABLE recurring_skip (account_id VARCHAR)")
    if skip:
        con.executemany("INSERT INTO recurring_skip VALUES (?)", [[a] for a in sorted(skip)])
    con.execute(KEYS_SQL)
    for step in CANDIDATES_SQL:
        con.execute(step)
    groups: dict[tuple[str, str, bool, str], list[_Candidate]] = defaultdict(list)
    for sql in (WHOLE_ROWS_SQL, AMOUNT_ROWS_SQL):
        for c in _candidates(con.execute(sql).fetchall()):
            groups[(c.account_id, c.currency, c.outflow, c.key)].append(c)
    for table in TEMP_TABLES:
        con.execute(f"DROP TABLE {table}")
    streams: list[Stream] = []
    for (account_id, currency, outflow, key), candidates in groups.items():
        found = _group_streams(candidates)
        streams.extend(_identify(account_id, currency, "outflow" if outflow else "inflow", key, found))
    return streams


def _candidates(rows: list[tuple[object, ...]]) -> list[_Candidate]:
    out: list[_Candidate] = []
    current: _Candidate | None = None
    for r in rows:
        head = (r[0], r[1], r[2], r[3], r[4])
        if current is None or head != (current.account_id, current.currency, current.outflow, current.key,
                                       current.amount):  # fmt: skip
            current = _Candidate(str(r[0]), str(r[1]), bool(r[2]), str(r[3]), _decimal_or_none(r[4]), _int(r[5]),
                                 _date(r[6]), _date(r[7]), [])  # fmt: skip
            out.append(current)
        current.rows.append(
            Row(
                str(r[8]),
                _date(r[9]),
                Decimal(str(r[10])),
                str(r[11]),
                str(r[12]),
                None if r[13] is None else str(r[13]),
                bool(r[14]),
            )
        )
    return out


@dataclass(frozen=True)
class _Found:
    fit: Fit
    rows: tuple[Row, ...]  # the hits, in order
    amounts: Amounts


def _group_streams(candidates: list[_Candidate]) -> list[_Found]:
    """The streams of one group: the whole group first, then single amounts it did not explain."""
    found: list[_Found] = []
    used: set[str] = set()
    for candidate in sorted(candidates, key=lambda c: c.amount is not None):
        rows = [r for r in candidate.rows if r.transaction_id not in used]
        busy = candidate.amount is not None and _busy(candidate, len(rows))
        for stream in _fit_rows(rows, whole=candidate.amount is None, busy=busy):
            found.append(stream)
            used.update(r.transaction_id for r in stream.rows)
    return _merge_price_changes(found)


def _busy(candidate: _Candidate, n: int) -> bool:
    """Whether the group has more other transactions than this amount's over the amount's span."""
    if not candidate.rows or n == 0:
        return False
    span = (candidate.rows[-1].date - candidate.rows[0].date).days + 1
    group_span = (candidate.group_last - candidate.group_first).days + 1
    others = candidate.group_n * span / group_span - n
    return others > n


def _fit_rows(rows: list[Row], *, whole: bool, busy: bool) -> list[_Found]:
    if len(rows) < 2:
        return []
    dates = [r.date for r in rows]
    distinct = sorted(set(dates))
    gaps = [(b - a).days for a, b in itertools.pairwise(distinct)]
    if not gaps:
        return []
    best: tuple[tuple[int, int], Cadence] | None = None
    for cadence in cadences_for(statistics.median(gaps)):
        whole_fit = fit(dates, cadence)
        if whole_fit is not None and (best is None or whole_fit.rank() > best[0]):
            best = (whole_fit.rank(), cadence)
    if best is None:
        return []
    cadence = best[1]
    out: list[_Found] = []
    for start, end in segments(dates, cadence):
        part = rows[start:end]
        found = fit([r.date for r in part], cadence)
        if found is not None:
            accepted = _accept(found, part, whole=whole, busy=busy)
            if accepted is not None:
                out.append(accepted)
    return out


def _accept(found: Fit, rows: Sequence[Row], *, whole: bool, busy: bool) -> _Found | None:
    cadence = found.schedule.cadence
    hits = tuple(rows[i] for i in found.hits)
    n = len(hits)
    if n < cadence.min_hits + (1 if busy else 0) or found.misses * 4 > n + found.misses:
        return None
    if whole and found.extras > max(1, n // 3):
        return None
    primary, _ = _category(hits)
    transfer = sum(r.is_transfer for r in hits) * 2 > n
    outflow = hits[0].amount > 0
    if busy and primary in HABIT_PRIMARIES:
        return None
    amounts = amounts_of([abs(r.amount) for r in hits], [r.date for r in hits])
    if amounts.kind == "variable":
        allowed = n >= 3 and (transfer or not outflow or primary in BILL_PRIMARIES)
        if outflow and not transfer and cadence.days:  # weekly or biweekly spending of changing size: a habit
            allowed = False
        if not transfer and min(abs(r.amount) for r in hits) * VARIABLE_MAX_RATIO < max(abs(r.amount) for r in hits):
            allowed = False
        if not allowed:
            return None
    return _Found(found, hits, amounts)


def amounts_of(values: Sequence[Decimal], dates: Sequence[date]) -> Amounts:
    """Fixed (at most one change in six: price changes) or variable, from positive amounts in date order."""
    changes = [i for i in range(1, len(values)) if abs(values[i] - values[i - 1]) > max(values[i - 1] * 2 / 100, CENT)]
    average = _cents(sum(values, Decimal(0)) / len(values))
    last = values[-1]
    if len(values) < FEW:  # too few to tell a price change from noise: fixed only when all are close
        fixed = all(abs(v - last) <= last * FEW_SPREAD for v in values)
    else:
        fixed = len(changes) <= max(1, len(values) // 6)
    if fixed:
        previous, changed_on = _last_change(values, dates, changes)
        return Amounts("fixed", average, last, last, last, last, previous, changed_on)
    recent = values[-RECENT_AMOUNTS:]
    expected = _cents(sum(recent, Decimal(0)) / len(recent))
    return Amounts("variable", average, last, expected, min(recent), max(recent), None, None)


def _last_change(
    values: Sequence[Decimal], dates: Sequence[date], changes: list[int]
) -> tuple[Decimal | None, date | None]:
    """The amount before the current one and the date the current one started, if the earlier one lasted
    at least two occurrences (so a one-off prorated charge is not a price change)."""
    for i in reversed(changes):
        run_start = max((c for c in changes if c < i), default=0)
        if i - run_start >= 2 and values[i - 1] != values[-1]:
            return values[i - 1], dates[i]
    return None, None


def _merge_price_changes(found: list[_Found]) -> list[_Found]:
    """Join single-amount streams of one group that follow each other on one schedule (a price change)."""
    found.sort(key=lambda f: f.rows[0].date)
    out: list[_Found] = []
    for f in found:
        prev = out[-1] if out else None
        if prev is not None and prev.fit.schedule.cadence_key == f.fit.schedule.cadence_key and _follows(prev, f):
            rows = tuple(sorted((*prev.rows, *f.rows), key=lambda r: r.date))
            joined = fit([r.date for r in rows], prev.fit.schedule.cadence)
            if joined is not None and joined.extras == 0 and joined.misses <= prev.fit.misses + f.fit.misses + 1:
                hits = tuple(rows[i] for i in joined.hits)
                out[-1] = _Found(joined, hits, amounts_of([abs(r.amount) for r in hits], [r.date for r in hits]))
                continue
        out.append(f)
    return out


def _follows(earlier: _Found, later: _Found) -> bool:
    schedule, last = earlier.fit.schedule, earlier.fit.slots[-1]
    expected = schedule.following(last)
    return abs((later.fit.slots[0] - expected).days) <= schedule.cadence.tolerance + int(schedule.cadence.period_days)


def _identify(account_id: str, currency: str, direction: Direction, key: str, found: list[_Found]) -> list[Stream]:
    base = "|".join((account_id, currency, direction, key))
    ordered = sorted(found, key=lambda f: (f.rows[-1].date, len(f.rows)), reverse=True)
    out = []
    for i, f in enumerate(ordered):
        schedule = f.fit.schedule
        seed = base if i == 0 else f"{base}|{schedule.cadence_key}|{f.fit.slots[0].isoformat()}"
        primary, detailed = _category(f.rows)
        out.append(
            Stream(
                stream_id="fb-" + hashlib.sha256(seed.encode()).hexdigest()[:20],
                account_id=account_id,
                currency=currency,
                direction=direction,
                merchant=f.rows[-1].merchant,
                key=key,
                category_primary=primary,
                category_detailed=detailed,
                is_transfer=sum(r.is_transfer for r in f.rows) * 2 > len(f.rows),
                schedule=schedule,
                first_date=f.rows[0].date,
                last_date=f.rows[-1].date,
                last_slot=f.fit.slots[-1],
                amounts=f.amounts,
                transactions=f.rows,
            )
        )
    return out


def _category(rows: Sequence[Row]) -> tuple[str, str | None]:
    """The most common category among the rows, the latest winning ties."""
    counts: dict[tuple[str, str | None], tuple[int, int]] = {}
    for i, r in enumerate(rows):
        n, _ = counts.get((r.category_primary, r.category_detailed), (0, 0))
        counts[(r.category_primary, r.category_detailed)] = (n + 1, i)
    return max(counts, key=lambda k: counts[k])


# -- the derived tables ----------------------------------------------------------------------

STREAM_COLUMNS = (
    "stream_id", "source", "predicted_date", "plaid_status", "account_id", "currency", "direction", "merchant",
    "counterparty_key", "category_primary", "category_detailed", "is_transfer", "cadence", "frequency", "anchor", "day",
    "day2", "weekend_rule", "first_date", "last_date", "last_slot", "transactions", "amount_kind", "average_amount",
    "last_amount", "expected_amount", "low_amount", "high_amount", "previous_amount", "price_changed_on",
)  # fmt: skip


def write(con: duckdb.DuckDBPyConnection, streams: list[Stream]) -> None:
    """Replace the derived tables recurring_streams and recurring_stream_transactions with `streams`."""
    con.execute("DELETE FROM recurring_stream_transactions")
    con.execute("DELETE FROM recurring_streams")
    if not streams:
        return
    frame = pd.DataFrame.from_records([_stream_record(s) for s in streams], columns=list(STREAM_COLUMNS))
    links = pd.DataFrame.from_records(
        [(s.stream_id, r.transaction_id, r.date, r.amount) for s in streams for r in s.transactions],
        columns=["stream_id", "transaction_id", "date", "amount"],
    )
    con.register("recurring_found", frame)
    con.register("recurring_found_links", links)
    try:
        con.execute(f"INSERT INTO recurring_streams ({', '.join(STREAM_COLUMNS)}) SELECT * FROM recurring_found")
        con.execute(
            "INSERT INTO recurring_stream_transactions (stream_id, transaction_id, date, amount) "
            "SELECT stream_id, transaction_id, date, amount::DECIMAL(18,2) FROM recurring_found_links"
        )
    finally:
        con.unregister("recurring_found")
        con.unregister("recurring_found_links")


def _stream_record(s: Stream) -> tuple[object, ...]:
    a = s.amounts
    return (
        s.stream_id, s.source, s.predicted_date, s.plaid_status, s.account_id, s.currency, s.direction, s.merchant,
        s.key, s.category_primary, s.category_detailed, s.is_transfer, s.schedule.cadence_key,
        s.frequency or s.cadence.frequency,
        s.schedule.anchor, s.schedule.day, s.schedule.day2, s.schedule.weekend, s.first_date, s.last_date,
        s.last_slot, s.count if s.count is not None else len(s.transactions), a.kind, a.average, a.last, a.expected,
        a.low, a.high, a.previous, a.changed_on,
    )  # fmt: skip


# -- helpers ---------------------------------------------------------------------------------


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _int(value: object) -> int:
    if isinstance(value, int):
        return value
    raise TypeError(f"expected an integer, got {value!r}")


def _decimal_or_none(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value: object) -> date:
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date, got {value!r}")
