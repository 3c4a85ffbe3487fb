"""The true recurring series of an emulated bank, and how a detector's streams score against them.

The truth is what the emulator's world schedules: every recurring transaction it makes is tagged with its
series (core/emulator/schedules.py), and `emulator.control.series(item_id)` lists them with their role. This
helper sorts them the way issue 14 asks:

- required (true series): the salary (`income`: every other Friday), rent or the mortgage (`housing`), the
  student loan, utilities and insurance (`bill`; water comes every second month, which Plaid's vocabulary
  calls `unknown`), and the subscriptions (`subscription`: monthly ones, Hulu that was cancelled, Amazon
  Prime once a year);
- neither required nor counted false: `transfer` (savings and investment moves, top-ups of extra checking
  accounts, card payments on both sides, the loan account's side of a payment), `interest`, and `deposit`
  (the quarterly Interac deposit from outside, and the yearly tax refund, whose amount varies sixfold);
- anything else a detector reports is a false stream (the weekly farmers market, everyday spending, fees).

A detected stream matches a true series when it has the same account, direction and frequency and holds at
least 80% of the series' transactions. A stream made mostly of neutral transactions is left out of precision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MATCH_SHARE = 0.8


@dataclass(frozen=True)
class Series:
    label: str
    account_id: str
    direction: str
    frequency: str
    transaction_ids: frozenset[str]


@dataclass(frozen=True)
class Detected(Series):
    """What scoring needs of a detected stream: a series with the detector's id."""

    stream_id: str


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    matched: list[tuple[Series, Detected]]
    missed: list[Series]
    false: list[Detected]
    neutral: list[Detected]

    def summary(self) -> dict[str, object]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "true_series": len(self.matched) + len(self.missed),
            "matched": len(self.matched),
            "missed": sorted(f"{s.label} ({s.frequency})" for s in self.missed),
            "false": sorted(f"{d.label} ({d.frequency})" for d in self.false),
            "neutral_streams": len(self.neutral),
        }


REQUIRED_ROLES = ("income", "housing", "bill", "subscription")
NEUTRAL_ROLES = ("transfer", "interest", "deposit")


def true_series(series: Iterable[Mapping[str, Any]]) -> tuple[list[Series], frozenset[str]]:
    """The required series and the ids of neutral transactions, from the emulator's `control.series(item_id)`."""
    required: list[Series] = []
    neutral: set[str] = set()
    for s in series:
        if s["role"] in REQUIRED_ROLES:
            required.append(Series(s["key"], s["account_id"], s["direction"], s["frequency"].lower(),
                                   frozenset(s["transaction_ids"])))  # fmt: skip
        elif s["role"] in NEUTRAL_ROLES:
            neutral.update(s["transaction_ids"])
        else:
            raise ValueError(f"series {s['key']} has an unknown role {s['role']!r}")
    return required, frozenset(neutral)


def detected(con: Any) -> list[Detected]:
    """What Finboard's own detector finds in the analytics ledger now (whatever Plaid says for the item)."""
    from core.analytics import recurring

    return [
        Detected(s.merchant, s.account_id, s.direction, s.cadence.frequency,
                 frozenset(r.transaction_id for r in s.transactions), s.stream_id)
        for s in recurring.detect(con)
    ]  # fmt: skip


def score(detected: list[Detected], truth: list[Series], neutral: frozenset[str]) -> Score:
    """Precision and recall of `detected` against `truth` under the issue's matching rule."""
    matched: list[tuple[Series, Detected]] = []
    used: set[str] = set()
    for s in truth:
        for d in detected:
            if d.stream_id in used or (d.account_id, d.direction, d.frequency) != (
                s.account_id,
                s.direction,
                s.frequency,
            ):
                continue
            if len(d.transaction_ids & s.transaction_ids) >= MATCH_SHARE * len(s.transaction_ids):
                matched.append((s, d))
                used.add(d.stream_id)
                break
    missed = [s for s in truth if all(s is not m[0] for m in matched)]
    rest = [d for d in detected if d.stream_id not in used]
    neutral_streams = [d for d in rest if len(d.transaction_ids & neutral) * 2 > len(d.transaction_ids)]
    false = [d for d in rest if d not in neutral_streams]
    counted = len(matched) + len(false)
    return Score(
        precision=len(matched) / counted if counted else 1.0,
        recall=len(matched) / len(truth) if truth else 1.0,
        matched=matched,
        missed=missed,
        false=false,
        neutral=neutral_streams,
    )
