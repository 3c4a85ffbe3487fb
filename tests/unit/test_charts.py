"""Chart builders: what the figure encodes, checked on small frames."""

from datetime import date

import numpy as np
import pandas as pd

from dashboard import charts


def history(derived: list[bool], kind: str = "depository") -> pd.DataFrame:
    days = [date(2026, 1, d) for d in range(1, len(derived) + 1)]
    return pd.DataFrame(
        {"day": days, "account": "Checking", "type": kind, "balance": [100.0 + d for d in range(len(days))],
         "derived": derived}
    )  # fmt: skip


def test_account_history_dots_the_derived_days_and_joins_them_to_the_observed_ones():
    fig = charts.account_history(history([True, True, False, False]), "USD")
    dotted = next(t for t in fig.data if t.line.dash == "dot")
    solid = next(t for t in fig.data if t.line.dash is None)
    assert list(np.isnan(np.asarray(dotted.y, dtype=float))) == [
        False,
        False,
        False,
        True,
    ]  # runs to the first observed
    assert list(np.isnan(np.asarray(solid.y, dtype=float))) == [True, True, False, False]
    assert [t.showlegend for t in fig.data].count(True) == 1  # one legend entry per account


def test_account_history_shows_debts_below_zero_and_solid_when_observed():
    fig = charts.account_history(history([False, False], kind="credit"), "USD")
    solid = next(t for t in fig.data if t.line.dash is None)
    assert all(v < 0 for v in solid.y)
    assert all(np.isnan(np.asarray(next(t for t in fig.data if t.line.dash == "dot").y, dtype=float)))
