"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CHROMIUM = Path(os.environ.get("FINBOARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@pytest.fixture(autouse=True)
def isolated_config(monkeypatch, tmp_path_factory):
    """No test reads the developer's real Plaid keys, secrets file or database."""
    for name in list(os.environ):
        if name.startswith(("PLAID_", "FINBOARD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FINBOARD_SECRETS", str(tmp_path_factory.getbasetemp() / "no-secrets.toml"))
    # Items connected offline get http://127.0.0.1:<this port>/plaid/webhook: never a real dashboard's receiver.
    monkeypatch.setenv("FINBOARD_WEBHOOK_PORT", str(free_port()))


@pytest.fixture
def db_env(tmp_path, monkeypatch):
    """Offline settings with the database in a temporary directory; returns the DB path."""
    db = tmp_path / "data" / "finboard.duckdb"
    monkeypatch.setenv("FINBOARD_DB", str(db))
    return db


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium for Playwright and kaleido; browser tests skip when it is absent."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip(
            "browser tests need Debian's chromium: sudo apt-get install -y chromium (make test does it as root)"
        )
    return CHROMIUM if CHROMIUM.exists() else Path(shutil.which("chromium") or "")


@pytest.fixture(scope="session")
def shared_plaid() -> Path:
    """../shared/plaid: Plaid's OpenAPI spec and PFC taxonomy, read in place, never copied."""
    path = SHARED / "plaid"
    if not (path / "openapi-2020-09-14.yml").exists():
        pytest.skip(f"Plaid reference data not found at {path} (the repo's ../shared)")
    return path
