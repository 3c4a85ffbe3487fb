"""Benchmark of the analytics pages at scale; prints JSON.

    python tests/perf/bench_pages.py                        # 1,000,000 transactions from the emulator, synced
    python tests/perf/bench_pages.py --source synthetic     # rows generated straight into DuckDB (no sync)
    python tests/perf/bench_pages.py --db /tmp/big.duckdb   # build once, measure again later

The database is built in a child process (the emulator and the sync are not what is measured).
This process then plays the dashboard server: it brings the analytics ledger up to date, times
each page's data queries (one connection per page view, as the dashboard does), runs every page
through Streamlit's AppTest with changing filters (a full script rerun, charts built, minus the
browser), counts the points each chart ships, and reports its peak memory.
Figures depend on the machine; the limits from issue 7 are printed beside them, never asserted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

LIMITS = {"data_ms": 100, "rerun_s": 1.5, "chart_points": 5000, "server_rss_mb": 600}
PAGES = ("overview", "cash_flow", "categories", "balances", "transactions")
# Each rerun asks for data the cache has not seen: a different period each time.
RERUN_PERIODS = ("last_90_days", "year_to_date", "last_year", "all", "last_30_days", "last_month", "this_month")


def build(db: Path, source: str, transactions: int) -> dict[str, Any]:
    """Fill `db` with `transactions` transactions over 50 accounts; returns how it went."""
    from core.store import Store

    started = time.perf_counter()
    if source == "synthetic":
        from tests.worlds import big_world

        big_world(Store(db), transactions, 50, today=date.today())
        return {"source": "synthetic (generated in DuckDB)", "build_s": round(time.perf_counter() - started, 1)}
    from core.config import load_settings
    from core.emulator import start_emulator
    from core.items import connect_sandbox
    from core.sync import sync_items
    from core.workspace import Workspace

    emulator = start_emulator(seed=0, transactions=transactions)
    try:
        env = {
            "PLAID_CLIENT_ID": "bench",
            "PLAID_SECRET": "bench",
            "PLAID_ENV": "sandbox",
            "PLAID_BASE_URL": emulator.url,
            "FINBOARD_DB": str(db),
        }
        ws = Workspace(load_settings(env, secrets_path=db.parent / "none.toml"))
        connect_sandbox(ws, "ins_109508")
        synced = time.perf_counter()
        results = sync_items(ws)
        if not all(r.ok for r in results):
            raise SystemExit(f"sync failed: {[r.error for r in results]}")
        return {
            "source": "emulator world (start_emulator(transactions=N)), connected and synced by core.sync",
            "sync_s": round(time.perf_counter() - synced, 1),
        }
    finally:
        emulator.stop()


def page_loaders(today: date) -> dict[str, Callable[[Any, Any], Any]]:
    """What each page asks of the database for one view: dashboard/data.py's page loader and the rows of the
    registry's charts on the page (core.charts.registry; charts drawn from the same rows read them once)."""
    from core.analytics.transactions import transactions_page
    from core.charts.registry import CHARTS, on_page, same_rows
    from dashboard import data

    def charts(page: str, interval: str, con: Any, f: Any, **intervals: str) -> list[Any]:
        names = sorted({same_rows(c.name) for c in on_page(page)})
        return [CHARTS[n].rows(con, f, today, intervals.get(n, interval)) for n in names]  # type: ignore[arg-type]

    def overview(con: Any, f: Any) -> Any:
        d = data.load_overview(con, f, today)
        return d, charts("Overview", d.interval, con, f, **{"net-worth": "day"})

    return {
        "overview": overview,
        "cash_flow": lambda con, f: (data.cash_flow.totals(con, f, today), charts("Cash flow", "month", con, f)),
        "categories": lambda con, f: charts("Categories", "month", con, f),
        "balances": lambda con, f: (data.load_balances(con, f), charts("Balances", "day", con, f)),
        "transactions": lambda con, f: transactions_page(con, f, today),
    }


def time_queries(store: Any, runs: int, today: date) -> dict[str, dict[str, float]]:
    from core.analytics import ledger
    from core.analytics.choices import filter_choices
    from core.analytics.filters import Filters

    with ledger.reading(store) as con:
        choices = filter_choices(con)
    currency = choices.default_currency
    scenarios = {
        "last_12_months": Filters(currency=currency),
        "all_time": Filters(period="all", currency=currency),
        "one_account": Filters(currency=currency, accounts=(choices.accounts[0].account_id,)),
        "merchant_text": Filters(currency=currency, merchant="star"),
    }
    out: dict[str, dict[str, float]] = {}
    for page, load in page_loaders(today).items():
        out[page] = {}
        for name, filters in scenarios.items():
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                with ledger.reading(store) as con:  # a page view: open, check the ledger, query, close
                    load(con, filters)
                samples.append((time.perf_counter() - started) * 1000)
            out[page][name] = round(statistics.median(samples), 1)
    return out


def chart_points(spec: str) -> int:
    """Data points a Plotly figure ships to the browser."""
    figure = json.loads(spec)
    total = 0
    for trace in figure.get("data", []):
        if trace.get("type") == "sankey":
            total += len(trace.get("link", {}).get("value", [])) + len(trace.get("node", {}).get("label", []))
            continue
        total += max(
            (len(trace[k]) for k in ("x", "y", "values", "labels") if isinstance(trace.get(k), list)), default=0
        )
    return total


def time_reruns(runs: int) -> dict[str, dict[str, float]]:
    from streamlit.testing.v1 import AppTest

    out: dict[str, dict[str, float]] = {}
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=300)
        at.switch_page(f"../pages/{page}.py")
        started = time.perf_counter()
        at.run()
        first = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].value}")
        points = max((chart_points(c.proto.spec) for c in at.get("plotly_chart")), default=0)
        misses = []
        for period in RERUN_PERIODS[:runs]:
            at.sidebar.selectbox(key="f_period").set_value(period)
            started = time.perf_counter()
            at.run()
            misses.append(time.perf_counter() - started)
            points = max(points, *(chart_points(c.proto.spec) for c in at.get("plotly_chart")), 0)
        started = time.perf_counter()
        at.run()  # nothing changed: the page is drawn from the cache
        hit = time.perf_counter() - started
        out[page] = {
            "first_run_s": round(first, 2),
            "rerun_new_filters_s": round(statistics.median(misses), 2),
            "rerun_cached_s": round(hit, 2),
            "max_chart_points": points,
        }
    return out


def rss_mb() -> dict[str, float]:
    current = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return {"peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "at_end": round(current)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", choices=["emulator", "synthetic"], default="emulator")
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or create) this database")
    parser.add_argument("--runs", type=int, default=7, help="samples per median")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # Streamlit's "no runtime" warnings for cached calls outside a server

    if args.build_only:
        print(json.dumps(build(args.db, args.source, args.transactions)))
        return
    with tempfile.TemporaryDirectory(prefix="finboard-bench-") as tmp:  # a database of our own is removed after
        print(json.dumps(measure(args, args.db or Path(tmp) / "finboard.duckdb", Path(tmp)), indent=2))


def measure(args: argparse.Namespace, db: Path, workdir: Path) -> dict[str, Any]:
    dataset: dict[str, Any] = {"database": str(db) if args.db else "temporary"}
    if not db.exists():
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--build-only",
                "--db",
                str(db),
                "--source",
                args.source,
                "--transactions",
                str(args.transactions),
            ],
            capture_output=True,
            text=True,
        )
        if child.returncode:
            raise SystemExit(f"building the database failed:\n{child.stderr}")
        dataset.update(json.loads(child.stdout.strip().splitlines()[-1]))

    os.environ["FINBOARD_DB"] = str(db)
    os.environ["FINBOARD_SECRETS"] = str(workdir / "none.toml")
    from core.analytics import ledger
    from core.store import Store

    store = Store(db)
    with store.connect() as con:
        row = con.execute("SELECT count(*), count(DISTINCT account_id) FROM plaid_transactions").fetchone()
    dataset["transactions"], dataset["accounts"] = row if row else (0, 0)
    started = time.perf_counter()
    ledger.refresh(store)
    dataset["ledger_build_s"] = round(time.perf_counter() - started, 1)
    today = date.today()
    return {
        "dataset": dataset,
        "data_queries_ms_median": time_queries(store, args.runs, today),
        "page_runs": time_reruns(args.runs),
        "server_rss_mb": rss_mb(),
        "limits": LIMITS,
        "notes": "Data times include opening the database and checking the ledger. Page runs are AppTest "
        "script runs (queries, figures, element protos) without browser rendering. RSS is this process: "
        "DuckDB, Streamlit's runtime and caches, the ledger rebuild.",
    }


if __name__ == "__main__":
    main()
