"""Chart builders: what the figure encodes, checked on small frames."""

from datetime import date

import numpy as np
import pandas as pd

from core.charts import figures


def history(derived: list[bool], kind: str = "depository") -> pd.DataFrame:
    days = [date(2026, 1, d) for d in range(1, len(derived) + 1)]
    return pd.DataFrame(
        {"day": days, "account": "Checking", "type": kind, "balance": [100.0 + d for d in range(len(days))],
         "derived": derived}
    )  # fmt: skip


def test_account_history_dots_the_derived_days_and_joins_them_to_the_observed_ones():
    fig = figures.account_history(history([True, True, False, False]), "USD")
    (dotted,) = [t for t in fig.data if t.line.dash == "dot"]
    (solid,) = [t for t in fig.data if t.line.dash is None]
    assert list(dotted.y) == [100.0, 101.0, 102.0]  # runs on to the first observed day, so the lines meet
    assert list(solid.y) == [102.0, 103.0]
    assert sum(len(t.y) for t in fig.data) == 5  # no point is sent twice over (charts stay under 5,000 points)
    assert [t.showlegend for t in fig.data].count(True) == 1  # one legend entry per account


def test_a_gap_between_snapshots_stays_a_gap_in_the_solid_line():
    fig = figures.account_history(history([True, False, True, False]), "USD")
    solid = next(t for t in fig.data if t.line.dash is None)
    assert list(np.isnan(np.asarray(solid.y, dtype=float))) == [False, True, False]


def test_account_history_shows_debts_below_zero_and_solid_when_observed():
    fig = figures.account_history(history([False, False], kind="credit"), "USD")
    (solid,) = fig.data
    assert solid.line.dash is None and all(v < 0 for v in solid.y)


def test_net_worth_is_dotted_where_derived():
    frame = pd.DataFrame({"day": [date(2026, 1, d) for d in (1, 2, 3)], "net_worth": [1.0, 2.0, 3.0],
                          "derived": [True, False, False], "complete": True})  # fmt: skip
    fig = figures.net_worth(frame, "USD")
    assert [(t.name, len(t.y)) for t in fig.data] == [("Derived from transactions", 2), ("Reported by the bank", 2)]
