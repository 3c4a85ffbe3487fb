"""The true recurring series of an emulated bank, and how a detector's streams score against them.

The truth comes from what the emulator's world schedules (core/emulator/world.py `_recurring`,
amounts and names from core/emulator/catalog.py), read here without changing either:

| series | account | direction | frequency |
|---|---|---|---|
| salary (`INCOME_SALARY`) | checking | inflow | biweekly (every 14 days from a Friday) |
| rent (Greystar) or the mortgage payment | checking | outflow | monthly, the 1st |
| student loan payment (renters) | checking | outflow | monthly, the 15th |
| each subscription in `catalog.SUBSCRIPTIONS` | card, GEICO on checking | outflow | monthly, its day |
| electricity (PG&E, varying amount) | checking | outflow | monthly, the 20th |
| water (SFPUC, varying amount) | checking | outflow | every two months: `unknown` |

Neither required nor counted false (the issue's list, read as the world writes it): savings
transfers (the monthly move to savings, the brokerage contribution, the top-ups of extra checking
accounts), card payments on both sides, the loan account's side of a mortgage or loan payment,
interest, the quarterly Interac deposit into the CAD account (a transfer in from outside,
`TRANSFER_IN_DEPOSIT`), and the yearly tax refund (scheduled every April, but its amount varies
sixfold from year to year, so finding it is luck either way). Anything else a detector reports
(everyday spending, fees) is a false stream.

A detected stream matches a true series when it has the same account, direction and frequency
and holds at least 80% of the series' transactions. A stream made mostly of neutral transactions
is left out of precision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.emulator import catalog as cat

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


def _prefix(row: tuple[str, str, str]) -> str:
    return row[0].split("{")[0]


SUBSCRIPTION_NAMES = {m.name for m, _ in cat.SUBSCRIPTIONS}
NEUTRAL_DETAILED = {
    "TRANSFER_OUT_SAVINGS", "TRANSFER_IN_SAVINGS", "TRANSFER_OUT_ACCOUNT_TRANSFER", "TRANSFER_IN_ACCOUNT_TRANSFER",
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT", "INCOME_INTEREST_EARNED", cat.INVESTMENT.detailed, cat.INTERAC.detailed,
    cat.TAX_REFUND.detailed,
}  # fmt: skip
LOAN_SIDE = cat.MORTGAGE_IN[0]  # "Payment Received - Thank You" on the loan account


def classify(t: Mapping[str, Any]) -> tuple[str, str] | bool | None:
    """(label, frequency) for a transaction of a true series, True for a neutral one, None otherwise."""
    name, amount = t["name"], float(t["amount"])
    detailed = (t.get("personal_finance_category") or {}).get("detailed")
    if detailed == "INCOME_SALARY":
        return "salary", "biweekly"
    if amount > 0:
        if name == cat.RENT.name:
            return "rent", "monthly"
        if name.startswith(_prefix(cat.MORTGAGE_OUT)):
            return "mortgage", "monthly"
        if name.startswith(_prefix(cat.STUDENT_OUT)):
            return "student loan", "monthly"
        if name in SUBSCRIPTION_NAMES:
            return name, "monthly"
        if name == cat.ELECTRIC.name:
            return "electricity", "monthly"
        if name == cat.WATER.name:
            return "water", "unknown"
    if detailed in NEUTRAL_DETAILED or name == LOAN_SIDE:
        return True
    return None


def true_series(transactions: Iterable[Mapping[str, Any]]) -> tuple[list[Series], frozenset[str]]:
    """The required series and the ids of neutral transactions, from /transactions/sync-shaped transactions."""
    members: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    neutral: set[str] = set()
    for t in transactions:
        kind = classify(t)
        if kind is True:
            neutral.add(t["transaction_id"])
        elif isinstance(kind, tuple):
            direction = "outflow" if float(t["amount"]) > 0 else "inflow"
            members[(kind[0], t["account_id"], direction, kind[1])].add(t["transaction_id"])
    series = [Series(label, account, direction, freq, frozenset(ids))
              for (label, account, direction, freq), ids in sorted(members.items())]  # fmt: skip
    return series, frozenset(neutral)


DETECTED_SQL = """
SELECT s.merchant, s.account_id, s.direction, s.frequency, list(t.transaction_id), s.stream_id
FROM recurring_streams s JOIN recurring_stream_transactions t USING (stream_id) GROUP BY ALL
"""


def detected(con: Any) -> list[Detected]:
    """The streams Finboard's detector stored, with their transactions."""
    return [Detected(r[0], r[1], r[2], r[3], frozenset(r[4]), r[5]) for r in con.execute(DETECTED_SQL).fetchall()]


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
