"""The whole webhook path offline, as a person sees it: an emulator clock advance reaches an open dashboard.

`finboard run` (dashboard, embedded emulator and webhook receiver) runs on free ports with its data in
a temporary directory. A second emulator in this process shares its state file, as `finboard sync`
would, and moves the item's clock: it signs a SYNC_UPDATES_AVAILABLE webhook, the receiver verifies it
against the dashboard's emulator, syncs, and the Connections page that is already open shows the result
without a reload. Replaying that very request changes nothing; a reset login shows up the same way.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest

from core.emulator import start_emulator
from core.store import Store
from tests.conftest import CHROMIUM_ARGS, ROOT
from tests.support import FINBOARD, finboard, free_port, wait_for_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def wait_for_streamlit(page) -> None:
    """Streamlit's own recipe (reference/streamlit.md): connected, script not running, no skeleton."""
    page.wait_for_timeout(250)
    page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for(state="attached")
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached")


def replay(delivery: dict[str, Any]) -> int:
    """Send an emulator delivery again, byte for byte (the emulator sends its payload indented with orjson)."""
    request = urllib.request.Request(
        delivery["url"], data=orjson.dumps(delivery["payload"], option=orjson.OPT_INDENT_2), method="POST",
        headers={"Content-Type": "application/json", "Plaid-Verification": delivery["plaid_verification"]},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def transaction_count(db: Path) -> int:
    with Store(db).connect() as con:  # retries while the dashboard or the receiver holds the file
        row = con.execute("SELECT count(*) FROM transactions").fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def dashboard(tmp_path):
    """A connected, synced demo item, then `finboard run` on free ports; yields (url, db, item_id, env)."""
    db = tmp_path / "data" / "finboard.duckdb"
    env = {**os.environ, "FINBOARD_DB": str(db), "FINBOARD_WEBHOOK_PORT": str(free_port())}
    connected = finboard("connect-sandbox", "--institution", "ins_109508", env=env)
    assert connected.returncode == 0, connected.stderr
    item_id = connected.stdout.strip()
    assert finboard("sync", env=env).returncode == 0

    port = free_port()
    proc = subprocess.Popen(
        [*FINBOARD, "run", "--port", str(port)], env=env, cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_url(f"http://127.0.0.1:{port}/_stcore/health", proc)
        wait_for_url(f"http://127.0.0.1:{env['FINBOARD_WEBHOOK_PORT']}/health", proc)
        yield f"http://127.0.0.1:{port}", db, item_id, env
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # the launcher stops the dashboard and the receiver
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_an_emulator_clock_advance_shows_up_in_an_open_dashboard(dashboard, chromium):
    from playwright.sync_api import expect, sync_playwright

    url, db, item_id, _ = dashboard
    before = transaction_count(db)
    emulator = start_emulator(state_path=db.parent / "emulator-state.json")  # shares the dashboard's world
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(f"{url}/connections")
            wait_for_streamlit(page)
            expect(page.get_by_text("Webhook events")).to_be_visible()
            page.evaluate("window.finboardNotReloaded = true")

            emulator.control.advance(item_id, days=10)
            assert emulator.control.flush_webhooks(10)
            [delivery] = [d for d in emulator.control.webhooks() if d["payload"]["item_id"] == item_id]
            assert delivery["status"] == 200, delivery

            outcome = page.get_by_text(re.compile(r"synced: \d+ added, \d+ modified, \d+ removed"))
            expect(outcome).to_be_visible(timeout=30_000)  # the receiver synced and the page followed
            assert page.evaluate("window.finboardNotReloaded") is True  # updated in place, not reloaded
            added, _modified, removed = map(int, re.findall(r"\d+", outcome.inner_text()))
            assert added > 0
            assert transaction_count(db) == before + added - removed

            assert replay(delivery) == 200  # the very same signed request again: acknowledged, ignored
            expect(page.get_by_text("ignored: duplicate delivery of an earlier webhook")).to_be_visible(timeout=30_000)
            assert transaction_count(db) == before + added - removed

            emulator.control.reset_login(item_id)  # ITEM/ERROR ITEM_LOGIN_REQUIRED
            expect(page.get_by_text("The bank needs you to log in again").first).to_be_visible(timeout=30_000)
            assert page.evaluate("window.finboardNotReloaded") is True
            page.screenshot(path=str(db.parent / "connections.png"))
            browser.close()
    finally:
        emulator.stop()


def test_run_keeps_the_dashboard_when_the_webhook_port_is_taken(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {**os.environ, "FINBOARD_DB": str(tmp_path / "f.duckdb"),
               "FINBOARD_WEBHOOK_PORT": str(taken.getsockname()[1])}  # fmt: skip
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "run", "--port", str(port)], env=env, cwd=ROOT, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for_url(f"http://127.0.0.1:{port}/_stcore/health", proc)
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            _, stderr = proc.communicate(timeout=30)
    assert "webhook receiver not started" in stderr and "FINBOARD_WEBHOOK_PORT" in stderr
