"""Cadences of recurring money: how often a stream comes, which dates it falls on, when it is due next.

A stream's dates are matched against a schedule of nominal slots: every 7 or 14 days from an anchor
(weekly, biweekly), a day of every month (monthly; day 31 means the last day, so a "31st" in
February is the 28th or 29th), every second month, every quarter or every year on that day, or
two days of every month (semi_monthly, e.g. the 15th and the last day). A date counts for a slot
when it is at most the cadence's tolerance away from it, which absorbs pay days moved by a weekend
or holiday and bills posted a day or two late. What a stream does when its slot falls on a
weekend is learned from its history (`WeekendRule`): paid the Friday before, the Monday after, or
on the day itself (card subscriptions are charged on Saturdays too). Holidays are not predicted.

Finboard's vocabulary is Plaid's in lower case (weekly, biweekly, semi_monthly, monthly,
annually, unknown) plus quarterly, which Plaid does not have. Every two months is found and
predicted but has no name in that vocabulary, so its frequency is `unknown`.
"""

from __future__ import annotations

import calendar
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal, get_args

Frequency = Literal["weekly", "biweekly", "semi_monthly", "monthly", "quarterly", "annually", "unknown"]
FREQUENCIES: tuple[Frequency, ...] = get_args(Frequency)
WeekendRule = Literal["none", "before", "after"]
MONTH_END = 31  # a nominal day of 31 is the last day of every month


@dataclass(frozen=True)
class Cadence:
    """One way of recurring. `months` steps the monthly family; `days` steps weekly and biweekly."""

    key: str
    frequency: Frequency
    per_year: float
    tolerance: int  # days a date may be away from its slot
    min_hits: int  # occurrences needed to call it a stream
    mature_hits: int  # below this a stream is `new` (Plaid's EARLY_DETECTION)
    grace: int  # days after the due date during which a missing occurrence is `late`, not `stopped`
    gap: tuple[int, int]  # typical days between occurrences
    months: int = 0
    days: int = 0

    @property
    def period_days(self) -> float:
        return 365.25 / self.per_year


CADENCES: dict[str, Cadence] = {
    c.key: c
    for c in (
        Cadence("weekly", "weekly", 365.25 / 7, 2, 4, 6, 4, (5, 9), days=7),
        Cadence("biweekly", "biweekly", 365.25 / 14, 3, 3, 5, 7, (11, 17), days=14),
        Cadence("semi_monthly", "semi_monthly", 24, 3, 4, 6, 7, (12, 19)),
        Cadence("monthly", "monthly", 12, 4, 3, 4, 14, (25, 35), months=1),
        Cadence("bimonthly", "unknown", 6, 5, 3, 4, 21, (54, 68), months=2),
        Cadence("quarterly", "quarterly", 4, 6, 3, 4, 30, (84, 98), months=3),
        Cadence("annually", "annually", 1, 10, 2, 2, 45, (350, 380), months=12),
    )
}


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def on_day(year_month: int, day: int) -> date:
    """The nominal `day` (31 = the last) of the month with index `year_month`."""
    year, month = divmod(year_month, 12)
    return date(year, month + 1, min(day, calendar.monthrange(year, month + 1)[1]))


def day_key(day: date) -> int:
    """The day of the month, with the last day of any month as 31."""
    return MONTH_END if day.day == calendar.monthrange(day.year, day.month)[1] else day.day


def shift_weekend(day: date, rule: WeekendRule) -> date:
    if rule == "none" or day.weekday() < 5:
        return day
    if rule == "before":
        return day - timedelta(days=day.weekday() - 4)
    return day + timedelta(days=7 - day.weekday())


@dataclass(frozen=True)
class Schedule:
    """A cadence pinned to dates. Weekly and biweekly: every `cadence.days` days from `anchor`.
    Monthly family: `day` of every `cadence.months`-th month counted from `anchor`'s month.
    Semi-monthly: `day` and `day2` of every month."""

    cadence_key: str
    anchor: date
    day: int = 0
    day2: int = 0
    weekend: WeekendRule = "none"

    @property
    def cadence(self) -> Cadence:
        return CADENCES[self.cadence_key]

    def slots(self, start: date, end: date) -> list[date]:
        """Nominal slot dates from `start` to `end`, both included."""
        c = self.cadence
        if c.days:
            offset = (start - self.anchor).days % c.days
            first = start + timedelta(days=(c.days - offset) % c.days)
            return [first + timedelta(days=k) for k in range(0, (end - first).days + 1, c.days)]
        out: list[date] = []
        step = c.months or 1
        phase = month_index(self.anchor) % step
        for mi in range(month_index(start) - 1, month_index(end) + 1):
            if c.months and mi % step != phase:
                continue
            for day in (self.day, self.day2) if self.day2 else (self.day,):
                slot = on_day(mi, day)
                if start <= slot <= end:
                    out.append(slot)
        return sorted(out)

    def following(self, slot: date) -> date:
        """The nominal slot after `slot`."""
        c = self.cadence
        span = timedelta(days=c.days or int(c.period_days * 2) + 31)
        return next(s for s in self.slots(slot + timedelta(days=1), slot + span))

    def due(self, slot: date) -> date:
        """When the money for a nominal slot is expected: the slot, moved off a weekend per the stream's habit."""
        return shift_weekend(slot, self.weekend)


@dataclass(frozen=True)
class Fit:
    """How a stream's dates fit a schedule: one date per hit slot, in order."""

    schedule: Schedule
    hits: tuple[int, ...]  # indexes into the dates, one per hit slot
    slots: tuple[date, ...]  # the nominal slot of each hit
    misses: int  # slots between the first and the last hit without a date
    extras: int  # dates that belong to no slot
    distance: int  # days between the hits and their slots, in all

    def score(self) -> int:
        return len(self.hits) - 2 * self.misses - self.extras

    def rank(self) -> tuple[int, int]:
        """Better fits rank higher: a higher score, then hits closer to their slots."""
        return self.score(), -self.distance


def fit(dates: Sequence[date], cadence: Cadence) -> Fit | None:
    """The best schedule of `cadence` for the sorted `dates`, or None when too few of them fit any."""
    if not dates:
        return None
    best: Fit | None = None
    for schedule in _phases(dates, cadence):
        candidate = _assign(dates, schedule)
        if candidate is not None and (best is None or candidate.rank() > best.rank()):
            best = candidate
    if best is None:
        return None
    return replace(best, schedule=replace(best.schedule, weekend=_weekend_rule(dates, best)))


def segments(dates: Sequence[date], cadence: Cadence) -> list[tuple[int, int]]:
    """Index ranges [start, end) of `dates` split where more than three occurrences in a row are missing."""
    longest = timedelta(days=round(cadence.period_days * 3.5))
    cuts = [i for i in range(1, len(dates)) if dates[i] - dates[i - 1] > longest]
    bounds = [0, *cuts, len(dates)]
    return list(itertools.pairwise(bounds))


def cadences_for(gap: float) -> list[Cadence]:
    """The cadences whose typical gap includes `gap` (the median days between occurrences)."""
    return [c for c in CADENCES.values() if c.gap[0] <= gap <= c.gap[1]]


# -- phase search ----------------------------------------------------------------------------


def _phases(dates: Sequence[date], cadence: Cadence) -> list[Schedule]:
    """Schedules worth trying: the most common residues or days among the dates."""
    if cadence.days:
        residues = Counter(d.toordinal() % cadence.days for d in dates)
        anchors = {r: next(d for d in dates if d.toordinal() % cadence.days == r) for r, _ in residues.most_common(4)}
        return [Schedule(cadence.key, anchor) for anchor in anchors.values()]
    days = [d for d, _ in Counter(day_key(d) for d in dates).most_common(5)]
    if cadence.key == "semi_monthly":
        pairs = {(min(a, b), max(a, b)) for a in days for b in days if 10 <= abs(a - b) <= 20}
        return [Schedule(cadence.key, dates[0].replace(day=1), a, b) for a, b in sorted(pairs)]
    step = cadence.months
    # One month of each phase (months counted modulo the step) that has dates, as the anchor.
    months = {month_index(d) % step: d.replace(day=1) for d in reversed(dates)}
    return [Schedule(cadence.key, anchor, day) for anchor in months.values() for day in days]


def _assign(dates: Sequence[date], schedule: Schedule) -> Fit | None:
    tol = schedule.cadence.tolerance
    slots = schedule.slots(dates[0] - timedelta(days=tol), dates[-1] + timedelta(days=tol))
    if not slots:
        return None
    chosen: dict[date, tuple[int, int]] = {}  # slot -> (distance, date index)
    j = 0
    for i, day in enumerate(dates):
        while j + 1 < len(slots) and slots[j + 1] <= day:
            j += 1
        for slot in slots[max(j - 1, 0) : j + 2]:
            distance = abs((day - slot).days)
            if distance <= tol and (slot not in chosen or distance < chosen[slot][0]):
                chosen[slot] = (distance, i)
    if not chosen:
        return None
    hit_slots = sorted(chosen)
    inside = [s for s in slots if hit_slots[0] <= s <= hit_slots[-1]]
    return Fit(
        schedule=schedule,
        hits=tuple(chosen[s][1] for s in hit_slots),
        slots=tuple(hit_slots),
        misses=len(inside) - len(hit_slots),
        extras=len(dates) - len(hit_slots),
        distance=sum(chosen[s][0] for s in hit_slots),
    )


def _weekend_rule(dates: Sequence[date], found: Fit) -> WeekendRule:
    """What the stream did when a slot fell on a weekend: the majority of at least two such slots."""
    votes: Counter[WeekendRule] = Counter()
    for i, slot in zip(found.hits, found.slots, strict=True):
        if slot.weekday() >= 5:
            day = dates[i]
            votes["before" if day < slot else "after" if day > slot else "none"] += 1
    if not votes:
        return "none"
    rule, count = votes.most_common(1)[0]
    return rule if count >= 2 and count * 2 > sum(votes.values()) else "none"
