"""Installable anywhere: the wheel builds and installs into a fresh venv without a deprecation warning, and the
installed `finboard run`, started from another directory, serves every page from the installed package, keeps its
data in the platform's user data directory (never in site-packages) and loads the demo bank.

The fresh venv installs Finboard's dependencies like a person's would (from PyPI, or pip's cache): this is the
slowest test of the suite, and the one that proves the package is complete.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import VIEWPORT, screenshot, wait_for_streamlit
from tests.support import free_port, wait_for_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {  # path -> the page's title
    "": "Overview",
    "cash_flow": "Cash flow",
    "categories": "Categories",
    "balances": "Balances",
    "transactions": "Transactions",
    "connections": "Connections",
    "settings": "Settings",
}
LOCAL_ONLY = (".git", ".venv", "data", "build", "*.egg-info", "test-artifacts", "__pycache__", ".*_cache")
WARNING = re.compile(r"deprecat|BuildBackendWarning", re.IGNORECASE)


def run(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, env=env, cwd=cwd)
    output = f"{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, output[-5000:]
    return output


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel built from this checkout installed in it (not editable)."""
    root = tmp_path_factory.mktemp("install")
    # Built from a copy: setuptools' in-tree build/ would keep files deleted since an earlier build.
    source = root / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LOCAL_ONLY))
    built = run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-v", "-w", str(root / "dist")])
    assert not WARNING.findall(built), [line for line in built.splitlines() if WARNING.search(line)]
    (wheel,) = (root / "dist").glob("finboard-*.whl")
    run([sys.executable, "-m", "venv", str(root / "venv")])
    pip_output = run([str(root / "venv" / "bin" / "python"), "-m", "pip", "install", str(wheel)])
    assert not WARNING.findall(pip_output), [line for line in pip_output.splitlines() if WARNING.search(line)]
    return root / "venv"


def clean_env(home: Path) -> dict[str, str]:
    """A person's environment: no Finboard or Plaid settings, a home of its own, nothing from this checkout."""
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_", "XDG_", "PYTHON", "VIRTUAL"))
    }
    return {**keep, "HOME": str(home), "FINBOARD_WEBHOOK_PORT": str(free_port())}


def test_the_installed_dashboard_runs_from_anywhere_with_every_page(installed, tmp_path, browser):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    env = clean_env(home)
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(installed / "bin" / "finboard"), "run", "--port", str(port)],
            env=env, cwd=elsewhere, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_url(f"{url}/_stcore/health", proc, log)
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(url)
        wait_for_streamlit(page)
        # dashboard/.streamlit/config.toml reached Streamlit as flags: its primary color, not Streamlit's red.
        connect = page.get_by_role("button", name="Connect a bank").first
        assert connect.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(37, 99, 235)"
        page.get_by_role("button", name="Load demo bank").first.click()
        page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=120_000)  # synced by the installed emulator
        for path, title in PAGES.items():
            page.goto(f"{url}/{path}")
            wait_for_streamlit(page)
            assert page.get_by_role("heading", level=1).first.inner_text() == title
            assert page.get_by_test_id("stException").count() == 0, path
            screenshot(page, f"installed-{path or 'overview'}")
        context.close()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)

    data = home / ".local" / "share" / "finboard"  # platformdirs' user data directory on Linux
    assert (data / "finboard.duckdb").is_file() and (data / "finboard.key").is_file()
    assert not list(elsewhere.iterdir())  # nothing written where it was started
    site = next((installed / "lib").glob("python3*/site-packages"))
    strays = [p for p in site.rglob("*") if p.suffix in (".duckdb", ".key", ".json") and "finboard" in p.name]
    assert strays == []


def test_finboard_db_says_where_the_data_goes(installed, tmp_path):
    env = {**clean_env(tmp_path / "home"), "FINBOARD_DB": str(tmp_path / "mine" / "fb.duckdb")}
    output = run([str(installed / "bin" / "finboard"), "items"], env=env, cwd=tmp_path)
    assert (tmp_path / "mine" / "fb.duckdb").is_file(), output
    assert not (tmp_path / "home" / ".local" / "share" / "finboard" / "finboard.duckdb").exists()
