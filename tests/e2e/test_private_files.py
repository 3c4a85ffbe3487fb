"""Finboard's files are the owner's alone (issue 12, item 6), checked on what real `finboard` processes leave.

Every file Finboard creates (database, key, sync locks, exports, the bundle, the emulator's state) is 0600 and
every directory it creates 0700; a directory that was there before keeps its mode. A key file open to other users
is refused. Downloads are staged in the data directory, not /tmp.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from core import export
from core.analytics.filters import Filters
from core.config import PRIVATE_UMASK
from core.store import Store
from tests.support import FINBOARD, finboard, free_port, wait_for_url

pytestmark = pytest.mark.slow


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def shared(tmp_path) -> Path:
    """A directory Finboard did not create, open to others (like a home directory or a team folder)."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    return folder


@pytest.fixture
def emulator(shared) -> Iterator[str]:
    """`finboard emulator` with its state in a directory it creates."""
    port = free_port()
    proc = subprocess.Popen(
        [*FINBOARD, "emulator", "--port", str(port), "--state", str(shared / "emulator" / "state.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_url(f"http://127.0.0.1:{port}/link/web/", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_everything_finboard_creates_is_private_and_nothing_else_changes_mode(shared, emulator):
    data = shared / "finboard" / "data"  # two levels Finboard creates
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))},
        "PLAID_CLIENT_ID": "x", "PLAID_SECRET": "y", "PLAID_ENV": "sandbox", "PLAID_BASE_URL": emulator,
        "FINBOARD_DB": str(data / "finboard.duckdb"), "FINBOARD_SECRETS": str(shared / "none.toml"),
    }  # fmt: skip
    for args in (
        ("connect-sandbox", "--institution", "ins_109508"),
        ("sync",),
        ("export", "transactions", "--out", str(shared / "exports" / "all.xlsx")),
        ("export", "cash-flow", "--out", str(shared / "exports" / "cash-flow.csv")),
        ("export", "bundle", "--no-images", "--out", str(shared / "exports" / "report.zip")),
    ):
        done = finboard(*args, env=env)
        assert done.returncode == 0, done.stderr

    created = [p for p in shared.rglob("*")]
    assert {p.name for p in created} >= {
        "finboard.duckdb", "finboard.key", "finboard.duckdb.sync", "all.xlsx", "cash-flow.csv", "report.zip",
        "state.json",
    }  # fmt: skip
    loose = {str(p.relative_to(shared)): oct(mode(p)) for p in created if mode(p) != (0o700 if p.is_dir() else 0o600)}
    assert loose == {}, "files or directories open to other users"
    assert mode(shared) == 0o755, "Finboard changed a directory it did not create"


def test_a_key_file_open_to_others_is_refused_and_nothing_changes(shared, emulator):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))},
        "PLAID_CLIENT_ID": "x", "PLAID_SECRET": "y", "PLAID_ENV": "sandbox", "PLAID_BASE_URL": emulator,
        "FINBOARD_DB": str(shared / "finboard.duckdb"), "FINBOARD_SECRETS": str(shared / "none.toml"),
    }  # fmt: skip
    assert finboard("connect-sandbox", "--institution", "ins_109508", env=env).returncode == 0
    key = shared / "finboard.key"
    key.chmod(0o644)
    refused = finboard("connect-sandbox", "--institution", "ins_109509", env=env)  # needs the key to store a token
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"finboard: The key file {key} is open to other users (mode 0644): anyone who can read it can decrypt your "
        f"bank tokens. Run `chmod 600 {key}` and start again. Nothing was changed."
    ]
    with Store(shared / "finboard.duckdb").connect() as con:
        assert con.execute("SELECT count(*) FROM items").fetchone() == (1,)
    assert mode(key) == 0o644  # the person's to fix: Finboard does not chmod what it is refusing
    key.chmod(0o600)
    assert finboard("connect-sandbox", "--institution", "ins_109509", env=env).returncode == 0


def test_the_database_wal_and_staged_downloads_are_private_and_in_the_data_directory(tmp_path, monkeypatch):
    """In this process, with the umask every Finboard process sets: the WAL DuckDB writes, a download's staging."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        store = Store(tmp_path / "data" / "finboard.duckdb")
        with store.connect() as con:
            con.execute("CREATE TABLE probe AS SELECT 1 AS x")
            wal = store.path.with_name(store.path.name + ".wal")
            assert wal.exists() and mode(wal) == 0o600
        assert mode(store.path) == 0o600 and mode(store.path.parent) == 0o700

        staged: list[tuple[Path, int]] = []

        def write(store, fmt, path, filters, today):
            path.write_bytes(b"id\n")
            staged.append((path, mode(path)))
            return 1

        monkeypatch.setattr(export, "export_transactions", write)
        assert export.transactions_bytes(store, "csv", Filters(), date(2025, 1, 1)) == b"id\n"
        [(path, staged_mode)] = staged
        assert path.parent == store.path.parent and staged_mode == 0o600  # not /tmp
        assert not path.exists()
    finally:
        os.umask(previous)


def test_every_finboard_process_runs_with_umask_077(tmp_path):
    """`finboard run` and the Streamlit server it starts, read from /proc (Linux)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc")
    import psutil

    from tests.e2e.test_access import base_env, start

    running = start(tmp_path, base_env(tmp_path))
    server = next(running)
    try:
        parent = psutil.Process(server.pid)
        processes = [parent, *parent.children(recursive=True)]
        assert any("streamlit" in " ".join(p.cmdline()) for p in processes)
        for p in processes:
            status = Path(f"/proc/{p.pid}/status").read_text().splitlines()
            umask = next(line.split()[1] for line in status if line.startswith("Umask:"))
            assert umask == "0077", p.cmdline()
        assert mode(tmp_path / "data") == 0o700  # created by the launcher for the offline emulator's state
    finally:
        running.close()
