"""Benchmark of the analytics ledger at scale; prints JSON.

    python tests/perf/bench_ledger.py                   # 1,000,000 transactions from the emulator, synced
    python tests/perf/bench_ledger.py --db /tmp/big.duckdb --runs 5

Times a full rebuild (categories, flows, transfer matching, daily sums) and one person's edits (a
category, confirming a transfer pair, "not a transfer"), in wall and CPU seconds (CPU: this process,
all of DuckDB's threads; steadier than wall time on a shared machine), and says how big the transfer
matching problem is. The database is built as tests/perf/bench_pages.py builds it.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(action: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    action()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def measure(db: Path, runs: int) -> dict[str, Any]:
    import numpy as np

    from core.analytics import categorize, ledger, matching, transfers
    from core.store import Store

    store = Store(db)
    rebuilds = []
    for _ in range(runs):
        with store.transaction() as con:
            rebuilds.append(timed(lambda con=con: ledger.rebuild(con)))
    with store.connect() as con:
        edges = con.execute(matching.CANDIDATE_EDGES_SQL, {"days": matching.TRANSFER_MATCH_DAYS}).fetchnumpy()
        args = [np.asarray(edges[c]) for c in ("out_id", "in_id", "gap")]
        rows = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_transfer), count(transfer_pair_id) FROM analytics_ledger"
        ).fetchone()
        paired = con.execute(
            "SELECT transaction_id, transfer_pair_id FROM analytics_ledger WHERE transfer_pair_id IS NOT NULL "
            "ORDER BY date DESC, transaction_id LIMIT 1"
        ).fetchone()
    solve = timed(lambda: matching.maximum_matching(*args))
    assert rows is not None and paired is not None
    txn, pair = str(paired[0]), str(paired[1])
    edits = {
        "set_category": timed(lambda: categorize.set_category(store, txn, "FOOD_AND_DRINK", None)),
        "clear_category": timed(lambda: categorize.clear_category(store, txn)),
        "confirm_pair": timed(lambda: transfers.link(store, txn, pair)),
        "not_a_transfer": timed(lambda: transfers.mark_not_transfer(store, txn)),
        "forget": timed(lambda: transfers.forget(store, txn)),
    }
    return {
        "transactions": rows[0],
        "transfers": rows[1],
        "paired_rows": rows[2],
        "candidate_pairs": len(args[0]),
        "rebuild_wall_s_median": round(statistics.median(w for w, _ in rebuilds), 2),
        "rebuild_cpu_s_median": round(statistics.median(c for _, c in rebuilds), 2),
        "matching_solve_s": round(solve[0], 3),
        "edit_wall_s": {k: round(w, 2) for k, (w, _) in edits.items()},
        "edit_cpu_s": {k: round(c, 2) for k, (_, c) in edits.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or create) this database")
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="rebuilds per median")
    args = parser.parse_args()
    from tests.perf.bench_pages import build

    with tempfile.TemporaryDirectory(prefix="finboard-bench-") as tmp:
        db = args.db or Path(tmp) / "finboard.duckdb"
        built = None if db.exists() else build(db, "emulator", args.transactions)
        print(json.dumps({"built": built, **measure(db, args.runs)}, indent=2))


if __name__ == "__main__":
    main()
