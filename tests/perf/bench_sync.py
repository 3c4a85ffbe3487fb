"""Sync engine benchmark (issue 4, item 3): prints one JSON object.

An emulator runs in its own process (as Plaid would be), with one item of --transactions
transactions, its world generated before timing starts (emulator_world_seconds). Then:

- end_to_end: a fresh process syncs the item into an empty database (`sync_item`: every page over
  HTTP with plaid-python, parse, stage, accounts, apply, Auth/Identity): txn_per_s,
  sync_process_cpu_seconds (the sync's own CPU time, which a busy shared machine inflates less
  than wall time; it includes importing Finboard), peak_rss_mb,
  apply_seconds (how long the apply transaction held the main database file) and
  longest_reader_wait_seconds (a second process opening the database in a loop during the sync:
  the longest it waited for the lock).
- model_path: plaid-python's own path, `client.transactions_sync(...)` deserializing models, on
  --model-pages pages of the same history (pages 2..N+1; it is ~100x slower, so not every page).
  raw_path_same_pages is Finboard's fetch+parse+stage of exactly those pages, for a like-for-like ratio.
- with --big N (e.g. 1000000): the same end-to-end measurement on an N-transaction world.

Run: .venv/bin/python tests/perf/bench_sync.py [--transactions 200000] [--model-pages 10] [--big 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh process so its peak RSS is the sync's alone.
SYNC_CHILD = """
import json, resource, sys, time
from core.config import load_settings
from core.sync import sync_item
from core.workspace import Workspace
ws = Workspace(load_settings())
started = time.perf_counter()
result = sync_item(ws, sys.argv[1])
seconds = time.perf_counter() - started
assert result.ok, result.error
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "added": result.added, "pages": result.pages,
                  "apply_seconds": result.apply_seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": usage.ru_maxrss / 1024}))
"""

# Opens the database over and over like a dashboard reader; reports the longest wait for the lock.
READER_CHILD = """
import json, sys, time
from pathlib import Path
from core.store import Store
store, stop = Store(Path(sys.argv[1]), lock_timeout=120), Path(sys.argv[2])
longest = 0.0
reads = 0
while not stop.exists():
    started = time.perf_counter()
    with store.connect() as con:
        waited = time.perf_counter() - started
        con.execute("SELECT count(*) FROM transactions").fetchall()
    longest, reads = max(longest, waited), reads + 1
    time.sleep(0.01)
print(json.dumps({"longest_reader_wait_seconds": longest, "reads": reads}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--model-pages", type=int, default=10)
    parser.add_argument("--big", type=int, default=0, help="also sync an N-transaction world (e.g. 1000000)")
    args = parser.parse_args()

    report: dict[str, object] = {"transactions": args.transactions}
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        with Emulator(args.transactions, Path(tmp)) as emu:
            env, item_id = emu.connected_item(Path(tmp) / "main.duckdb")
            report["emulator_world_seconds"] = round(emu.warm(item_id), 2)
            end_to_end = measure_sync(env, item_id, Path(tmp))
            model = measure_model_path(env, item_id, args.model_pages)
        rate = end_to_end["added"] / end_to_end["seconds"]
        report["end_to_end"] = summarize(end_to_end)
        report["model_path"] = model
        report["ratio_end_to_end_vs_model_path"] = round(rate / model["model_txn_per_s"], 1)
        report["ratio_raw_vs_model_same_pages"] = round(
            model["raw_path_same_pages_txn_per_s"] / model["model_txn_per_s"], 1
        )
        if args.big:
            with Emulator(args.big, Path(tmp) / "big") as emu:
                env, item_id = emu.connected_item(Path(tmp) / "big" / "big.duckdb")
                world = emu.warm(item_id)
                big = measure_sync(env, item_id, Path(tmp) / "big")
            report["big"] = {"transactions": args.big, "emulator_world_seconds": round(world, 2), **summarize(big)}
    print(json.dumps(report, indent=2))


def summarize(run: dict[str, float]) -> dict[str, float]:
    return {
        "txn_per_s": round(run["added"] / run["seconds"]),
        "seconds": round(run["seconds"], 2),
        "sync_process_cpu_seconds": round(run["cpu_seconds"], 2),
        "pages": run["pages"],
        "peak_rss_mb": round(run["peak_rss_mb"]),
        "apply_seconds": round(run["apply_seconds"], 3),
        "longest_reader_wait_seconds": round(run["longest_reader_wait_seconds"], 3),
        "reader_opens_during_sync": run["reads"],
    }


class Emulator:
    """`finboard emulator` in its own process, with a state file so items outlive requests."""

    def __init__(self, transactions: int, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "emulator", "--port", str(self.port),
             "--transactions", str(transactions), "--state", str(directory / "emulator.json")],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None and "listening" in self.proc.stdout.readline()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def connected_item(self, db: Path) -> tuple[dict[str, str], str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))}
        env |= {"PLAID_CLIENT_ID": "bench", "PLAID_SECRET": "bench", "PLAID_ENV": "sandbox",
                "PLAID_BASE_URL": self.url, "FINBOARD_DB": str(db)}  # fmt: skip
        connected = subprocess.run(
            [sys.executable, "-m", "core.cli", "connect-sandbox", "--institution", "ins_109508"],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return env, connected.stdout.strip()

    def warm(self, item_id: str) -> float:
        """Generate the item's world now (the emulator does it on first use), outside the timings."""
        started = time.perf_counter()
        request = urllib.request.Request(
            f"{self.url}/emulator/accounts", data=json.dumps({"item_id": item_id}).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=600).read()
        return time.perf_counter() - started


def measure_sync(env: dict[str, str], item_id: str, directory: Path) -> dict[str, float]:
    stop = directory / "stop-reader"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_CHILD, env["FINBOARD_DB"], str(stop)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    sync = subprocess.run(
        [sys.executable, "-c", SYNC_CHILD, item_id], env=env, cwd=ROOT, capture_output=True, text=True
    )
    stop.touch()
    reader_out, _ = reader.communicate(timeout=120)
    if sync.returncode:
        raise SystemExit(f"sync failed: {sync.stderr[-2000:]}")
    return {**last_json_line(sync.stdout), **last_json_line(reader_out)}


def last_json_line(output: str) -> dict[str, float]:
    """The child's JSON report; anything else it printed is shown on stderr, not lost."""
    lines = output.strip().splitlines()
    if lines[:-1]:
        print("child output:", *lines[:-1], sep="\n", file=sys.stderr)
    report: dict[str, float] = json.loads(lines[-1])
    return report


def measure_model_path(env: dict[str, str], item_id: str, pages: int) -> dict[str, float]:
    """plaid-python deserializing models vs Finboard's raw path, on the same first `pages` pages."""
    import plaid
    from plaid.api import plaid_api
    from plaid.model.transactions_sync_request import TransactionsSyncRequest

    from core.config import load_settings
    from core.items import access_token
    from core.products.transactions import parse_page
    from core.sync.staging import StagingArea
    from core.workspace import Workspace

    ws = Workspace(load_settings(env))
    token = access_token(ws, item_id)
    config = plaid.Configuration(host=env["PLAID_BASE_URL"], api_key={"clientId": "bench", "secret": "bench"})
    client = plaid_api.PlaidApi(plaid.ApiClient(config))

    # Page 1 of an update includes the emulator compacting the history, and each path's first call
    # its own warm-up (connections, pyarrow's JSON reader); both paths time pages 2..N+1.
    first_cursor = parse_page(ws.gateway.transactions_sync_page(token, "", 500), seq_start=0).next_cursor
    client.transactions_sync(TransactionsSyncRequest(access_token=token, count=500))
    cursor, rows = first_cursor, 0
    started = time.perf_counter()
    for _ in range(pages):
        response = client.transactions_sync(TransactionsSyncRequest(access_token=token, cursor=cursor, count=500))
        rows += len(response.added) + len(response.modified) + len(response.removed)
        cursor = response.next_cursor
    model_seconds = time.perf_counter() - started

    staging = StagingArea.fresh(Path(env["FINBOARD_DB"]).parent / "bench-raw-staging")
    cursor, raw_rows = first_cursor, 0
    started = time.perf_counter()
    for _ in range(pages):
        raw = ws.gateway.transactions_sync_page(token, cursor, 500)
        parsed = parse_page(raw, seq_start=staging.rows)
        staging.append(parsed.changes)
        raw_rows += parsed.changes.num_rows
        cursor = parsed.next_cursor
    staging.flush()
    raw_seconds = time.perf_counter() - started
    assert raw_rows == rows, (raw_rows, rows)
    return {
        "pages": pages,
        "transactions": rows,
        "model_txn_per_s": round(rows / model_seconds),
        "raw_path_same_pages_txn_per_s": round(rows / raw_seconds),
    }


if __name__ == "__main__":
    main()
