"""docs/analytics.md's example of `finboard export summary` on the demo bank is what Finboard writes,
and its figures satisfy the identity with the rows of `finboard export transactions`:
money in - money out = income - spending + outside in - outside out + internal in - internal out."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

from core import cli
from tests.conftest import ROOT
from tests.unit.sync_emulated import demo_bank

DEMO_DAY = date(2026, 12, 5)  # the day the documented demo bank was synced
RANGE = ["--from", "2026-07-01", "--to", "2026-09-30"]


def documented_output() -> str:
    text = (ROOT / "docs" / "analytics.md").read_text()
    found = re.search(r"<!-- summary-example -->\n```csv\n(.*?)```", text, re.DOTALL)
    assert found, "docs/analytics.md lost its summary example"
    return found[1]


def test_the_documented_summary_is_what_finboard_writes_and_adds_up(tmp_path, monkeypatch):
    db = demo_bank(tmp_path / "demo.duckdb", DEMO_DAY)
    monkeypatch.setenv("FINBOARD_DB", str(db))
    summary, rows = tmp_path / "summary.csv", tmp_path / "transactions.csv"
    assert cli.main(["export", "summary", *RANGE, "--out", str(summary)]) == 0
    assert summary.read_text() == documented_output()
    assert cli.main(["export", "transactions", *RANGE, "--no-include-pending", "--out", str(rows)]) == 0

    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    with rows.open() as f:
        for t in csv.DictReader(f):
            amount, figures = Decimal(t["amount"]), sums[t["currency"]]
            figures["money_in"] += max(-amount, Decimal(0))
            figures["money_out"] += max(amount, Decimal(0))
            if t["flow"] == "transfer_internal":
                figures["internal_in"] += max(-amount, Decimal(0))
                figures["internal_out"] += max(amount, Decimal(0))
    with summary.open() as f:
        documented = list(csv.DictReader(f))
    assert {r["currency"] for r in documented} == set(sums) == {"USD", "CAD"}
    for r in documented:
        s = sums[r["currency"]]
        income, spending = Decimal(r["income"]), Decimal(r["spending"])
        assert Decimal(r["net"]) == income - spending
        assert s["money_in"] - s["money_out"] == (
            income - spending + Decimal(r["transfers_in_outside"]) - Decimal(r["transfers_out_outside"])
            + s["internal_in"] - s["internal_out"]
        )  # fmt: skip
