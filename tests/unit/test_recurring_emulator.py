"""The detector and the forecast against the emulator's own truth, through the real path: the emulator's
banks connected and synced by Finboard over HTTP, then the analytics ledger and its streams.

- Precision and recall against the series the world schedules (tests/recurring_truth.py) on five seeds.
- The recurring part of the forecast's first 30 days against what the emulator then posts when its clock
  moves 30 days, to the cent, for every stream whose amount is fixed.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.analytics import forecast, ledger
from core.sync import sync_items
from tests.recurring_truth import detected, score, true_series
from tests.unit.sync_emulated import connect, emulator, workspace

SEEDS = (0, 1, 2, 3, 4)
# Mid-March: the salary's yearly raise (1 January) is not inside the next 30 days.
TODAY = date(2026, 3, 10)


@contextmanager
def synced(tmp_path, seed: int, today: date | None = None, *, plaid: bool = True):
    """(emulator, workspace, item id): the emulator's First Platypus Bank connected and synced; without
    `plaid`, the emulator refuses Recurring Transactions (a client without the add-on)."""
    with emulator(seed=seed, today=today) as emu:
        if not plaid:
            emu.control.refuse("/transactions/recurring/get")
        ws = workspace(emu, tmp_path / f"seed{seed}.duckdb")
        item = connect(ws)
        assert all(r.ok for r in sync_items(ws))
        yield emu, ws, item


@pytest.mark.parametrize("seed", SEEDS)
def test_precision_and_recall_are_at_least_0_9(tmp_path, seed):
    with synced(tmp_path, seed) as (emu, ws, item):
        with ledger.reading(ws.store) as con:
            found = detected(con)
        truth, neutral = true_series(emu.control.series(item))
    result = score(found, truth, neutral)
    # salary, housing, 9 monthly subscriptions (Hulu cancelled), Amazon Prime, electricity, water (a student loan)
    assert len(truth) >= 14
    assert result.recall >= 0.9, result.summary()
    assert result.precision >= 0.9, result.summary()


@pytest.mark.parametrize(("seed", "plaid"), [(0, True), (3, True), (0, False), (3, False)])
def test_the_recurring_part_of_the_forecast_is_what_the_emulator_then_posts(tmp_path, seed, plaid):
    """With Plaid's streams (the emulator's /transactions/recurring/get) and with Finboard's own."""
    with synced(tmp_path, seed, TODAY, plaid=plaid) as (emu, ws, item):
        with ledger.reading(ws.store) as con:
            expected = forecast.recurring(con, TODAY, 30)
            sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM recurring_streams").fetchall()}
        assert sources == {"plaid" if plaid else "finboard"}
        fixed = expected[expected["amount_kind"] == "fixed"]
        emu.control.advance(item, days=30)
        posted = [
            t for t in emu.control.truth(item)
            if TODAY < date.fromisoformat(t["date"]) <= TODAY + timedelta(days=30)
        ]  # fmt: skip
    names = set(fixed["merchant"])
    assert {"Vanguard", "Online Transfer to Savings 1111"} <= names and any(n.endswith("Payroll") for n in names)
    predicted: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for r in fixed.to_dict("records"):
        predicted[(r["account_id"], r["date"])] += Decimal(str(r["effect"])).quantize(Decimal("0.01"))
    actual: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for t in posted:
        if (t.get("merchant_name") or t["name"]) in names and t["account_id"] in set(fixed["account_id"]):
            actual[(t["account_id"], date.fromisoformat(t["date"]))] -= Decimal(str(t["amount"])).quantize(
                Decimal("0.01")
            )
    assert dict(predicted) == dict(actual)
    assert len(predicted) >= 6  # two or three pay days, rent or mortgage, savings, investing, insurance...
