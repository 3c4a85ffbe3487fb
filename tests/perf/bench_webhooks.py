"""A bounded burst of signed webhooks on loopback: handled, seconds, duplicates, responsiveness (JSON).

    .venv/bin/python tests/perf/bench_webhooks.py [--webhooks 500] [--items 5] [--clients 8]

Offline and self-contained: an emulator with `items` connected and synced items whose clocks move
forward, the real receiver (verification, processor, audit log, coalesced real syncs), and `clients`
threads POSTing `webhooks` SYNC_UPDATES_AVAILABLE webhooks spread over the items, each body unique,
signed ES256 like Plaid's (by a test key the receiver is given). Meanwhile one thread keeps asking
GET /health. Counts come from the audit log and the database, not from the senders.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: `python tests/perf/bench_webhooks.py`
    sys.path.insert(0, str(ROOT))

from core.config import load_settings  # noqa: E402
from core.emulator import start_emulator  # noqa: E402
from core.items import connect_sandbox  # noqa: E402
from core.sync import sync_items  # noqa: E402
from core.webhooks import WebhookReceiver, recent_events  # noqa: E402
from core.webhooks.jobs import ItemJob, ItemJobQueue  # noqa: E402
from core.webhooks.processor import run_item_job  # noqa: E402
from core.webhooks.verification import VerificationKeys, WebhookVerifier  # noqa: E402
from core.workspace import EMULATOR_URL_ENV, Workspace  # noqa: E402
from tests.webhook_support import FakeKeyService, PlaidSigner, plaid_body  # noqa: E402

INSTITUTIONS = ("ins_109508", "ins_109509", "ins_109510", "ins_109511", "ins_109512")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_burst(directory: Path, *, webhooks: int = 500, items: int = 5, clients: int = 8) -> dict[str, Any]:
    """Run the burst with its data in `directory`; returns the figures (see the module docstring)."""
    emulator = start_emulator(port=0, state_path=directory / "emulator-state.json")
    saved = {k: os.environ.get(k) for k in ("FINBOARD_DB", EMULATOR_URL_ENV)}
    os.environ.update({"FINBOARD_DB": str(directory / "finboard.duckdb"), EMULATOR_URL_ENV: emulator.url})
    try:
        ws = Workspace(load_settings())
        item_ids = [connect_sandbox(ws, INSTITUTIONS[n % len(INSTITUTIONS)]) for n in range(items)]
        sync_items(ws)
        for item_id in item_ids:  # new transactions for the burst's syncs to fetch
            emulator.control.advance(item_id, days=7)
        emulator.control.flush_webhooks(10)  # those went to the default port, where nothing listens

        signer = PlaidSigner()
        syncs: dict[str, int] = {}

        def counted(job: ItemJob, events: list[str]) -> None:
            syncs[job.item_id] = syncs.get(job.item_id, 0) + 1
            run_item_job(ws, job, events)

        receiver = WebhookReceiver(
            ws, port=0, verifier=WebhookVerifier(VerificationKeys(FakeKeyService(signer.jwk()))),
            jobs=ItemJobQueue(counted),
        )  # fmt: skip
        try:
            return _burst(ws, receiver, signer, item_ids, emulator, syncs, webhooks, clients)
        finally:
            receiver.stop()
    finally:
        emulator.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _burst(
    ws: Workspace, receiver: WebhookReceiver, signer: PlaidSigner, item_ids: list[str], emulator: Any,
    syncs: dict[str, int], webhooks: int, clients: int,
) -> dict[str, Any]:  # fmt: skip
    bodies = [
        plaid_body("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", item_ids[n % len(item_ids)],
                   initial_update_complete=True, historical_update_complete=True, delivery=n)
        for n in range(webhooks)
    ]  # fmt: skip
    signed = [(body, signer.headers(body)) for body in bodies]  # signing is the sender's cost, not the receiver's
    local = threading.local()

    def post(request: tuple[bytes, dict[str, str]]) -> tuple[int, float]:
        if not hasattr(local, "con"):
            local.con = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=30)
        started = time.perf_counter()
        local.con.request("POST", "/plaid/webhook", body=request[0], headers=request[1])
        response = local.con.getresponse()
        response.read()
        return response.status, time.perf_counter() - started

    probes: list[float] = []
    probe_failures = 0
    done = threading.Event()

    def probe() -> None:
        nonlocal probe_failures
        while not done.is_set():
            started = time.perf_counter()
            try:
                con = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
                con.request("GET", "/health")
                ok = con.getresponse().status == 200
                con.close()
            except OSError:
                ok = False
            probes.append(time.perf_counter() - started)
            probe_failures += not ok
            time.sleep(0.05)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(post, signed))
    answered = time.perf_counter() - started
    idle = receiver.wait_idle(120)
    finished = time.perf_counter() - started
    done.set()
    prober.join(5)

    sent = {hashlib.sha256(body).hexdigest() for body in bodies}
    events = [e for e in recent_events(ws.store, limit=10 * webhooks) if e.body_sha256 in sent]
    with ws.store.connect() as con:
        stored = dict(con.execute("SELECT item_id, list(transaction_id) FROM transactions GROUP BY item_id").fetchall())
        row = con.execute("SELECT count(*) - count(DISTINCT transaction_id) FROM plaid_transactions").fetchone()
    truth = {i: {t["transaction_id"] for t in emulator.control.truth(i)} for i in item_ids}
    missing = sum(len(truth[i] - set(stored.get(i, []))) for i in item_ids)
    latencies = [seconds for _, seconds in answers]
    return {
        "webhooks": webhooks,
        "items": len(item_ids),
        "clients": clients,
        "answered_2xx": sum(1 for status, _ in answers if 200 <= status < 300),
        "handled": len({e.body_sha256 for e in events}),
        "duplicates": len(events) - len({e.body_sha256 for e in events}),
        "unserved": sum(1 for e in events if not e.outcome.startswith("synced")),
        "syncs": sum(syncs.values()),
        "max_syncs_per_item": max(syncs.values(), default=0),
        "duplicate_transaction_rows": int(row[0]) if row else -1,
        "transactions_missing_vs_emulator": missing,
        "seconds_to_answer_all": round(answered, 3),
        "seconds_until_all_applied": round(finished, 3),
        "idle": idle,
        "post_latency_ms": {
            "p50": round(statistics.median(latencies) * 1000, 1),
            "p99": round(percentile(latencies, 0.99) * 1000, 1),
            "max": round(max(latencies) * 1000, 1),
        },
        "health_probes": len(probes),
        "health_probe_failures": probe_failures,
        "health_probe_max_ms": round(max(probes, default=0) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhooks", type=int, default=500)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="finboard-bench-webhooks-") as tmp:
        figures = run_burst(Path(tmp), webhooks=args.webhooks, items=args.items, clients=args.clients)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
