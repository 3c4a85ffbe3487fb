"""Benchmark of the SQL workbench at scale, with the dashboard running; prints JSON.

    python tests/perf/bench_sql.py                        # 1,000,000 transactions from the emulator, synced
    python tests/perf/bench_sql.py --db /tmp/big.duckdb   # build once (as bench_pages.py does), measure again later

`finboard run` serves the database while everything is measured, as in the acceptance of issue 15:
- `finboard sql "SELECT count(*) FROM transactions"` as a person runs it (a new process each time:
  start-up, copy of what the query reads, query, output), and a grouped query over every row;
- the SQL page in chromium: the grouped query's time as the page reports it ("ran in X s"), the time
  from clicking Run to the result on screen, and the first view's copy of the read model;
- copying the read model two ways (Arrow from a normal connection, which Finboard uses; ATTACH of the
  file read-only inside a private instance), and the dashboard server's memory after using the page.
Figures depend on the machine; the limits are printed beside them, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support import FINBOARD, free_port, wait_for_url  # noqa: E402

LIMITS = {"cli_count_s": 2.0, "page_grouped_query_s": 1.0}
COUNT = "SELECT count(*) FROM transactions"
GROUPED = (
    "SELECT category_primary, iso_currency_code, date_trunc('month', date) AS month, sum(amount) AS total, "
    "count(*) AS n FROM transactions GROUP BY ALL ORDER BY ALL"
)


def build(db: Path, transactions: int) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "perf" / "bench_pages.py"), "--build-only", "--db", str(db),
         "--transactions", str(transactions)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if child.returncode:
        raise SystemExit(f"building the database failed:\n{child.stderr}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def start_dashboard(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen([*FINBOARD, "run", "--port", str(port)], env=env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for_url(f"{url}/_stcore/health", proc, log, timeout=120)
    return proc, url


def time_cli(env: dict[str, str], sql: str, runs: int) -> dict[str, float]:
    """Wall time of a new `finboard sql` process, and the CPU time it used (user + system, all its threads):
    on a busy machine the wall time mostly measures the queue for the cores."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([*FINBOARD, "sql", sql, "--format", "csv"], env=env, capture_output=True, text=True,
                              check=False)  # fmt: skip
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode:
            raise SystemExit(f"finboard sql failed: {done.stderr}")
    return {"median_s": round(statistics.median(walls), 2), "max_s": round(max(walls), 2),
            "cpu_median_s": round(statistics.median(cpus), 2), "runs": runs}  # fmt: skip


def time_page(url: str, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    def settled(page: Any) -> None:
        page.wait_for_timeout(250)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached")

    out: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1200})
        page.set_default_timeout(300_000)
        started = time.perf_counter()
        page.goto(f"{url}/sql?period=all")
        page.get_by_text("Tables", exact=True).wait_for()
        settled(page)
        out["first_view_s"] = round(time.perf_counter() - started, 2)
        copy_note = page.get_by_text("A copy of the read model").inner_text()
        out["copy_s_as_the_page_reports"] = float(re.search(r"made in ([\d.]+) s", copy_note)[1])  # type: ignore[index]
        reported, on_screen = [], []
        for i in range(runs):
            sql = GROUPED + " " * i  # a different text each time: nothing is cached between runs
            page.get_by_test_id("stTextArea").locator("textarea").fill(sql)
            started = time.perf_counter()
            page.get_by_role("button", name="Run").click()
            summary = page.get_by_test_id("stMarkdown").filter(has_text="ran in")
            page.wait_for_function("() => !document.body.innerText.includes('Running…')")
            settled(page)
            on_screen.append(time.perf_counter() - started)
            text = summary.first.inner_text()
            reported.append(float(re.search(r"ran in ([\d.]+) s", text)[1]))  # type: ignore[index]
            out["grouped_rows"] = int(re.search(r"^([\d,]+) rows", text)[1].replace(",", ""))  # type: ignore[index]
        out["grouped_query_s_as_the_page_reports"] = {
            "median": round(statistics.median(reported), 3), "max": round(max(reported), 3), "runs": runs
        }  # fmt: skip
        out["click_to_result_on_screen_s_median"] = round(statistics.median(on_screen), 2)
        browser.close()
    return out


def time_copies(db: Path, runs: int) -> dict[str, Any]:
    import duckdb

    from core.store import Store
    from core.workbench.readmodel import PUBLIC, copy_read_model

    arrow, attach = [], []
    nbytes = 0
    for _ in range(runs):
        started = time.perf_counter()
        copy = copy_read_model(Store(db, lock_timeout=120))
        arrow.append(time.perf_counter() - started)
        nbytes = copy.nbytes
        del copy
        started = time.perf_counter()
        private = duckdb.connect(":memory:")
        for attempt in range(600):  # the dashboard may hold the file for a unit of work
            try:
                private.execute(f"ATTACH '{db}' AS src (READ_ONLY)")
                break
            except duckdb.IOException:
                time.sleep(0.05 * (attempt < 599))
        private.execute("USE src")
        for name, public in PUBLIC.items():
            if public.build is None:  # relations worked out in Python (recurring_streams) have no query to run
                private.execute(f"CREATE TABLE memory.main.{name} AS {public.query}")
        private.execute("USE memory")
        private.execute("DETACH src")
        attach.append(time.perf_counter() - started)
        private.close()
    return {
        "arrow_from_a_normal_connection_s_median": round(statistics.median(arrow), 2),
        "attach_read_only_in_a_private_instance_s_median": round(statistics.median(attach), 2),
        "copy_arrow_mb": round(nbytes / 2**20),
        "runs": runs,
    }


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the launcher, Streamlit, the embedded emulator)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return round(total / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or create) this database")
    parser.add_argument("--runs", type=int, default=5, help="samples per median")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="finboard-bench-sql-") as tmp:
        db = args.db or Path(tmp) / "finboard.duckdb"
        dataset: dict[str, Any] = {"database": str(db) if args.db else "temporary"}
        if not db.exists():
            dataset.update(build(db, args.transactions))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))}
        env.update(FINBOARD_DB=str(db), FINBOARD_SECRETS=str(Path(tmp) / "none.toml"),
                   FINBOARD_WEBHOOK_PORT=str(free_port()))  # fmt: skip
        os.environ.update(env)
        from core.store import Store

        with Store(db).connect() as con:
            dataset["transactions"] = con.execute("SELECT count(*) FROM transactions").fetchone()[0]  # type: ignore[index]
        proc, url = start_dashboard(env, Path(tmp) / "run.log")
        try:
            page = time_page(url, args.runs)
            result = {
                "load_average_at_start": os.getloadavg()[0],
                "dataset": dataset,
                "cli_count_while_the_dashboard_runs": time_cli(env, COUNT, args.runs),
                "cli_grouped_query_while_the_dashboard_runs": time_cli(env, GROUPED, args.runs),
                "sql_page": page,
                "copy_of_the_read_model": time_copies(db, 3),
                "dashboard_rss_mb_after_the_sql_page": tree_rss_mb(proc.pid),
                "limits": LIMITS,
                "notes": "CLI times are wall times of a new `finboard sql` process (Python start-up, imports, the "
                "copy of what the query reads, the query, CSV output). The page's figure is the query on a fresh "
                "locked-down instance over the copy, as shown under the result; the copy is made once per "
                "data version.",
            }
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
