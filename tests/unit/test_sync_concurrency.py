"""Everything at once on one database file: two `finboard sync` of the same item, `finboard export`
and `finboard items` processes, a reader and a writer thread. Nobody sees a lock error, every
reader sees a complete state (before or after an update, never a mix), and no write is lost."""

import csv
import hashlib
import subprocess
import sys
import threading
import time

import pyarrow.parquet as pq
import pytest

from core.store import Store
from tests.unit.sync_emulated import connect, emulator, process_env, stored_rows, truth_rows, workspace
from tests.unit.sync_world import annotate

pytestmark = pytest.mark.slow

FINBOARD = [sys.executable, "-m", "core.cli"]

# Exports as fast as it can until told to stop, printing a digest of each export's transaction ids.
EXPORT_LOOP = """
import hashlib, sys, pyarrow.parquet as pq
from pathlib import Path
from core.analytics.filters import Filters
from core.export import export_transactions
from core.store import Store
store, out, stop = Store(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3])
everything = Filters(period="all", include_pending=True, include_transfers=True)
while not stop.exists():
    export_transactions(store, "parquet", out, everything)
    ids = pq.read_table(out, columns=["transaction_id"]).column(0).to_pylist()
    print(hashlib.sha256("\\n".join(sorted(ids)).encode()).hexdigest(), flush=True)
"""


def digest(ids):
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def finboard(env, *args):
    return subprocess.run([*FINBOARD, *args], env=env, capture_output=True, text=True, timeout=120)


def id_set(rows):
    return frozenset(r[0] for r in rows)


def exported_ids(path):
    if path.suffix == ".csv":
        with path.open(newline="") as f:
            return frozenset(row["transaction_id"] for row in csv.DictReader(f))
    return frozenset(pq.read_table(path, columns=["transaction_id"]).column(0).to_pylist())


def test_sync_export_items_readers_and_writers_at_once(tmp_path):
    with emulator(seed=3, transactions=10_000) as emu:
        ws = workspace(emu, tmp_path / "fb.duckdb")
        item = connect(ws)
        env = process_env(emu, ws.store.path)
        states = [frozenset()]  # every complete state a reader may see: before and after each update
        for rnd in range(2):
            if rnd:
                emu.control.advance(item, days=4)
            states.append(id_set(truth_rows(emu, item)))
            run_round(tmp_path / f"round{rnd}", ws, env, allowed=set(states[-2:]))
            assert stored_rows(ws, item) == truth_rows(emu, item)


def run_round(directory, ws, env, allowed):
    directory.mkdir()
    stop = directory / "stop"
    seen, notes = [], []

    def read_continuously():
        store = Store(ws.store.path)  # like the dashboard: its own short connections
        while not stop.exists():
            with store.connect() as con:
                seen.append(frozenset(r[0] for r in con.execute("SELECT transaction_id FROM transactions").fetchall()))

    def annotate_continuously():  # the person editing notes while the sync runs: nothing may be lost
        n = 0
        while not stop.exists():
            with ws.store.connect() as con:
                some = con.execute("SELECT transaction_id FROM transactions ORDER BY random() LIMIT 1").fetchall()
            if some:
                annotate(ws.store, some[0][0], f"note {n}")
                notes.append((some[0][0], f"note {n}"))
                n += 1
            time.sleep(0.02)

    threads = [threading.Thread(target=read_continuously), threading.Thread(target=annotate_continuously)]
    for t in threads:
        t.start()
    exporter = subprocess.Popen(
        [sys.executable, "-c", EXPORT_LOOP, str(ws.store.path), str(directory / "loop.parquet"), str(stop)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    syncs = [subprocess.Popen([*FINBOARD, "sync"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]  # fmt: skip
    others = []  # (export file or None, finished `finboard export` / `finboard items`)
    while any(s.poll() is None for s in syncs):
        fmt = "csv" if len(others) % 4 else "parquet"
        out = directory / f"export{len(others)}.{fmt}"
        everything = ["--include-pending", "--include-transfers"]
        others.append((out, finboard(env, "export", "transactions", "--format", fmt, "--out", str(out), *everything)))
        others.append((None, finboard(env, "items")))
    stop.touch()
    for t in threads:
        t.join(60)
    loop_out, loop_err = exporter.communicate(timeout=120)

    for proc in syncs:
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert not any(word in err.lower() for word in ("lock", "busy", "traceback")), err
    for out, result in others:
        assert result.returncode == 0, result.stderr
        assert not any(word in result.stderr.lower() for word in ("lock", "busy", "traceback")), result.stderr
        if out is not None:
            assert exported_ids(out) in allowed, "a `finboard export` saw a half-applied update"
    assert exporter.returncode == 0, loop_err
    digests = loop_out.split()
    assert digests and set(digests) <= {digest(s) for s in allowed}, "an export saw a half-applied update"
    assert seen and all(s in allowed for s in seen), "a reader saw a half-applied update"
    with ws.store.connect() as con:
        stored = dict(con.execute("SELECT transaction_id, note FROM transaction_annotations").fetchall())
        # A note on a pending transaction moves to the posted one that replaces it (core/sync/apply.py);
        # one written while the sync commits stays on the pending id it was written for.
        posted = dict(con.execute(
            "SELECT pending_transaction_id, transaction_id FROM transactions WHERE pending_transaction_id IS NOT NULL"
        ).fetchall())
    last_note = dict(notes)
    kept = [note in (stored.get(txn), stored.get(posted.get(txn))) for txn, note in last_note.items()]
    assert all(kept), "a person's note was lost"
