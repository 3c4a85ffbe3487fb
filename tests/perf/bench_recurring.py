"""Benchmark of the recurring-stream detector: precision and recall against the emulator's truth on several
seeds, and its time at a million transactions; prints JSON.

    python tests/perf/bench_recurring.py                       # seeds 0-4, then a 1,000,000-transaction world
    python tests/perf/bench_recurring.py --seeds 0 1 2 3 4 5 6 7 --skip-big
    python tests/perf/bench_recurring.py --db /tmp/big.duckdb  # reuse (or create) the big database

Each seed is the emulator's First Platypus Bank (two years, ~3,500 transactions), connected and synced by
Finboard over HTTP; the truth is what the emulator's world schedules (tests/recurring_truth.py, where the
matching rule and what counts as neither true nor false are written down). The big world is built like
tests/perf/bench_pages.py builds it (in a child process); then this process times `recurring.detect` (SQL
candidates and fitting) and detection plus replacing the derived tables (`recurring.write`: what a ledger
rebuild adds when Finboard finds an account's streams; the emulator's bank also answers
/transactions/recurring/get, so the ledger build itself takes Plaid's streams instead) on an up-to-date
ledger, wall clock and CPU time (DuckDB's threads and Python together; on a busy machine CPU time is the
steadier figure). Figures depend on the machine and on what else runs on it (the load average is printed);
the limits from issue 14 are printed beside them, never asserted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

LIMITS = {"precision": 0.9, "recall": 0.9, "rebuild_s_at_1m": 1.0}


def seed_score(seed: int, workdir: Path) -> dict[str, Any]:
    from core.analytics import ledger, recurring
    from core.config import load_settings
    from core.emulator import start_emulator
    from core.items import connect_sandbox
    from core.sync import sync_items
    from core.workspace import Workspace
    from tests.recurring_truth import detected, score, true_series

    db = workdir / f"seed-{seed}.duckdb"
    emulator = start_emulator(seed=seed)
    try:
        env = {"PLAID_CLIENT_ID": "bench", "PLAID_SECRET": "bench", "PLAID_ENV": "sandbox",
               "PLAID_BASE_URL": emulator.url, "FINBOARD_DB": str(db)}  # fmt: skip
        ws = Workspace(load_settings(env, secrets_path=workdir / "none.toml"))
        item = connect_sandbox(ws, "ins_109508")
        if not all(r.ok for r in sync_items(ws)):
            raise SystemExit(f"seed {seed}: the sync failed")
        truth, neutral = true_series(emulator.control.series(item))
    finally:
        emulator.stop()
    with ledger.reading(ws.store) as con:
        found = detected(con)
        transactions = (con.execute("SELECT count(*) FROM analytics_ledger").fetchone() or (0,))[0]
        started = time.perf_counter()
        recurring.detect(con)
        detect_ms = (time.perf_counter() - started) * 1000
    return {**score(found, truth, neutral).summary(), "transactions": transactions, "detect_ms": round(detect_ms)}


def build_big(db: Path, transactions: int) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "perf" / "bench_pages.py"), "--build-only", "--db", str(db),
         "--transactions", str(transactions)],
        capture_output=True, text=True,
    )  # fmt: skip
    if child.returncode:
        raise SystemExit(f"building the database failed:\n{child.stderr}")
    return dict(json.loads(child.stdout.strip().splitlines()[-1]))


def time_big(db: Path, runs: int) -> dict[str, Any]:
    from core.analytics import ledger, recurring
    from core.store import Store

    store = Store(db)
    started = time.perf_counter()
    ledger.refresh(store)  # the first rebuild of a synced world: the ledger and, with it, the streams
    ledger_s = time.perf_counter() - started
    detect, detect_cpu, rebuild = [], [], []
    with store.connect() as con:
        row = con.execute("SELECT count(*), count(DISTINCT account_id) FROM analytics_ledger").fetchone() or (0, 0)
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            found = recurring.detect(con)
            detect.append(time.perf_counter() - started)
            detect_cpu.append(time.process_time() - cpu)
    for _ in range(runs):
        with store.transaction() as con:
            started = time.perf_counter()
            recurring.write(con, recurring.detect(con))
            rebuild.append(time.perf_counter() - started)
    by_frequency: dict[str, int] = {}
    for s in found:
        by_frequency[s.cadence.frequency] = by_frequency.get(s.cadence.frequency, 0) + 1
    return {
        "transactions": row[0],
        "accounts": row[1],
        "streams": len(found),
        "streams_by_frequency": by_frequency,
        "ledger_and_streams_first_build_s": round(ledger_s, 2),
        "detect_s_median": round(statistics.median(detect), 3),
        "detect_s_min": round(min(detect), 3),
        "detect_cpu_s_median": round(statistics.median(detect_cpu), 3),  # all of DuckDB's threads and Python
        "rebuild_s_median": round(statistics.median(rebuild), 3),
        "rebuild_s_min": round(min(rebuild), 3),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None, help="the big database to reuse (or create)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs at 1M (medians)")
    parser.add_argument("--skip-big", action="store_true", help="only the seeds")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    out: dict[str, Any] = {"load_average_before": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="finboard-bench-recurring-") as tmp:
        os.environ["FINBOARD_SECRETS"] = str(Path(tmp) / "none.toml")
        seeds = {str(seed): seed_score(seed, Path(tmp)) for seed in args.seeds}
        out["seeds"] = seeds
        out["min_precision"] = min(s["precision"] for s in seeds.values())
        out["min_recall"] = min(s["recall"] for s in seeds.values())
        if not args.skip_big:
            db = args.db or Path(tmp) / "big.duckdb"
            big: dict[str, Any] = {"database": str(db) if args.db else "temporary"}
            if not db.exists():
                big.update(build_big(db, args.transactions))
            big.update(time_big(db, args.runs))
            out["million"] = big
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out["limits"] = LIMITS
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
