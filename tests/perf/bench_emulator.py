"""Emulator benchmark (issue 3, item 8): prints one JSON object.

- generation_seconds: building a 1,000,000-transaction world over 50 accounts (one item, transactions=1_000_000),
  wall clock; generation_cpu_seconds is the CPU it took (the two differ when the machine is shared)
- page latency: /transactions/sync pages of 500 fetched over one keep-alive HTTP/1.1 connection, timed from
  sending the request to the last byte of the body (p50/p95/max over every page of the history)
- peak_rss_mb: the process's peak resident set (emulator and client share this process)

Run: .venv/bin/python tests/perf/bench_emulator.py [--transactions N] [--pages N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import statistics
import time

from core.emulator import start_emulator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=0, help="stop after this many pages (0 = the whole history)")
    args = parser.parse_args()

    emu = start_emulator(transactions=args.transactions)
    conn = http.client.HTTPConnection("127.0.0.1", emu.port)
    headers = {"Content-Type": "application/json", "PLAID-CLIENT-ID": "bench", "PLAID-SECRET": "bench"}

    def post(path: str, body: dict[str, object]) -> tuple[float, bytes]:
        started = time.perf_counter()
        conn.request("POST", path, json.dumps(body), headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}: {data[:300]!r}")
        return elapsed, data

    public = json.loads(
        post("/sandbox/public_token/create", {"institution_id": "ins_109508", "initial_products": ["transactions"]})[1]
    )["public_token"]
    exchanged = json.loads(post("/item/public_token/exchange", {"public_token": public})[1])
    item_id = exchanged["item_id"]

    started, cpu = time.perf_counter(), time.process_time()
    accounts = emu.control.accounts(item_id)  # the world is generated on first use
    generation, generation_cpu = time.perf_counter() - started, time.process_time() - cpu

    latencies, sizes, cursor, rows, first_page = [], [], "", 0, None
    while True:
        elapsed, data = post(
            "/transactions/sync", {"access_token": exchanged["access_token"], "cursor": cursor, "count": 500}
        )
        page = json.loads(data)
        sizes.append(len(data))
        if first_page is None:
            first_page = elapsed  # includes compacting the whole log into the update's view, once per update
        else:
            latencies.append(elapsed)
        rows += len(page["added"])
        cursor = page["next_cursor"]
        if not page["has_more"] or (args.pages and len(latencies) + 1 >= args.pages):
            break
    conn.close()
    emu.stop()

    latencies.sort()
    ms = [x * 1000 for x in latencies]
    print(
        json.dumps(
            {
                "transactions": args.transactions,
                "accounts": len(accounts),
                "generation_seconds": round(generation, 2),
                "generation_cpu_seconds": round(generation_cpu, 2),
                "pages": len(ms) + 1,
                "rows_synced": rows,
                "first_page_ms": round((first_page or 0) * 1000, 1),
                "page_ms_p50": round(statistics.median(ms), 2) if ms else None,
                "page_ms_p95": round(ms[int(len(ms) * 0.95) - 1], 2) if ms else None,
                "page_ms_max": round(ms[-1], 2) if ms else None,
                "page_kb_p50": round(statistics.median(sizes) / 1024),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
