"""Benchmark of the balance checks at scale; prints JSON.

    python tests/perf/bench_balance_checks.py                       # 1,000,000 synthetic transactions, 50 accounts
    python tests/perf/bench_balance_checks.py --db /tmp/big.duckdb  # build once, measure again later

The world is tests/worlds.big_world: two years of transactions over 50 accounts, each with 31 days of
reported balances (1,500 pairs; they do not reconcile, so every pair also gets its message). Times are for
check_balances on one connection, as the Balances page and `finboard check` run it (the page caches it per
data version). Figures depend on the machine; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from core.analytics.balance_checks import check_balances
    from core.store import Store
    from tests.worlds import big_world

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="finboard-bench-checks-")) / "fb.duckdb"
    if not db.exists():
        big_world(Store(db), args.transactions, 50, today=date.today())
    store = Store(db)
    times, checks = [], None
    for _ in range(args.runs):
        with store.connect() as con:  # one connection per page view or command, as in the product
            started = time.perf_counter()
            checks = check_balances(con)
            times.append(time.perf_counter() - started)
    assert checks is not None
    with store.connect() as con:
        transactions = con.execute("SELECT count(*) FROM transactions").fetchone()
    print(json.dumps({
        "transactions": transactions[0] if transactions else 0,
        "accounts_checked": len(checks.checked_accounts),
        "pairs": checks.pairs_checked,
        "disagreements": len(checks.disagreements),
        "first_ms": round(times[0] * 1000),
        "median_ms": round(statistics.median(times) * 1000),
        "max_ms": round(max(times) * 1000),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
