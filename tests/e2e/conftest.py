"""Browser test fixtures: `finboard run` in offline mode on free ports, and Playwright on Debian's chromium.

The test owns the Plaid emulator (started in this process, its state file beside the test database) and
hands its URL to `finboard run` through FINBOARD_EMULATOR_URL, so a test can read the emulator's truth and
move it (reset a login, fire a webhook) while the dashboard talks to the same emulator over HTTP.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.config import load_settings
from core.emulator import Emulator, start_emulator
from core.store import Store
from core.vault import open_vault
from tests.conftest import CHROMIUM_ARGS, ROOT
from tests.support import free_port, wait_for_url

ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 900}


@dataclass
class Dashboard:
    """A running `finboard run`: its URL, database, environment, emulator and log."""

    url: str
    db: Path
    env: dict[str, str]
    emulator: Emulator
    log: Path

    def access_tokens(self) -> list[str]:
        """Every access token in the vault, decrypted (the secrets the browser must never see)."""
        settings = load_settings(self.env)
        store = Store(settings.db_path)
        vault = open_vault(settings, store)
        with store.connect() as con:
            rows = con.execute("SELECT access_token_enc FROM item_tokens").fetchall()
        return [vault.decrypt(r[0]) for r in rows]

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
        with Store(self.db).connect() as con:  # retries while the dashboard holds the file
            return con.execute(sql, params or []).fetchall()


@pytest.fixture
def emulator(tmp_path) -> Iterator[Emulator]:
    emu = start_emulator(port=0, state_path=tmp_path / "data" / "emulator-state.json")
    yield emu
    emu.stop()


@pytest.fixture
def dashboard_env(tmp_path, emulator) -> dict[str, str]:
    """Offline settings for the dashboard and for the test's own Workspace: tmp database, free ports."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))}
    return {
        **clean,
        "FINBOARD_DB": str(tmp_path / "data" / "finboard.duckdb"),
        "FINBOARD_WEBHOOK_PORT": str(free_port()),
        "FINBOARD_EMULATOR_URL": emulator.url,
        "FINBOARD_SECRETS": str(tmp_path / "no-secrets.toml"),
    }


@pytest.fixture
def dashboard(request, tmp_path, dashboard_env, emulator) -> Iterator[Dashboard]:
    """`finboard run` on a free port; stopped (with its webhook receiver) after the test, its log kept in
    test-artifacts/."""
    port = free_port()
    log = tmp_path / "finboard-run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "run", "--port", str(port)],
            env=dashboard_env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_url(f"http://127.0.0.1:{port}/_stcore/health", proc, log)
        yield Dashboard(f"http://127.0.0.1:{port}", Path(dashboard_env["FINBOARD_DB"]), dashboard_env, emulator, log)
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # the launcher stops the dashboard and what runs beside it
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / f"{request.node.name}.log")
        _report_server_errors(log)


def _report_server_errors(log: Path) -> None:
    """Print the server's tracebacks: pytest shows them under a failing test (the page only says
    "This app has encountered an error", as showErrorDetails is off), and CI keeps no artifacts."""
    text = log.read_text(errors="replace")
    start = text.find("Traceback")
    if start >= 0:
        print(f"--- tracebacks in the dashboard's log ({log.name}) ---")
        print(text[max(0, start - 2000) : start + 20_000])


@dataclass
class Frames:
    """Every websocket frame the page sent or received, decoded as text (Streamlit's are protobuf)."""

    texts: list[str] = field(default_factory=list)

    def record(self, payload: str | bytes) -> None:
        self.texts.append(payload if isinstance(payload, str) else payload.decode("latin-1"))

    def contain(self, needle: str) -> bool:
        return any(needle in t for t in self.texts)


@pytest.fixture
def browser(chromium):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a first sync and a chart render take more than expect's default 5 s

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def frames() -> Frames:
    return Frames()


@pytest.fixture
def page(browser, frames):
    """A 1280x900 page whose websocket frames (both ways) are recorded in `frames`."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    p = context.new_page()

    def watch(ws) -> None:
        ws.on("framesent", frames.record)
        ws.on("framereceived", frames.record)

    p.on("websocket", watch)
    yield p
    context.close()


def wait_for_streamlit(page) -> None:
    """Streamlit's own e2e recipe: connected, script not running (reference/streamlit.md section 3)."""
    page.wait_for_timeout(250)  # let a just-triggered rerun start
    page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for(state="attached")
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@dataclass
class RequestLog:
    """Every request the browser made (page, iframes, scripts, images, websockets), with the phase it was made in.

    A phase names what the person was doing ("pages", "link", ...); `foreign(allowed)` lists the requests
    whose origin is not one of `allowed` for their phase. data: and blob: URLs never leave the browser."""

    phase: str = "start"
    requests: list[tuple[str, str]] = field(default_factory=list)

    def record(self, url: str) -> None:
        self.requests.append((self.phase, url))

    def watch(self, context) -> None:
        context.on("request", lambda r: self.record(r.url))
        context.on("page", lambda p: p.on("websocket", lambda ws: self.record(ws.url)))

    def foreign(self, allowed: dict[str, set[str]]) -> list[tuple[str, str]]:
        return [
            (phase, url)
            for phase, url in self.requests
            if not url.startswith(("data:", "blob:")) and origin(url) not in allowed.get(phase, set())
        ]


def origin(url: str) -> str:
    """scheme://host:port of a URL, websocket schemes folded into http(s) (same server, same origin here)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}"
