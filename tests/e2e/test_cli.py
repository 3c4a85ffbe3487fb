"""The foundation's acceptance path, as a person would run it: CLI processes against the emulator."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from core.config import load_settings
from core.store import Store
from core.vault import open_vault
from tests.support import FINBOARD, finboard, free_port, wait_for_url


@pytest.fixture
def emulator(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [*FINBOARD, "emulator", "--port", str(port), "--seed", "7", "--state", str(tmp_path / "emu.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"emulator did not start: {proc.stdout.read() if proc.stdout else ''}") from None
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def stored_access_tokens(env: dict[str, str]) -> list[str]:
    settings = load_settings(env)
    store = Store(settings.db_path)
    vault = open_vault(settings, store)
    with store.connect() as con:
        return [vault.decrypt(r[0]) for r in con.execute("SELECT access_token_enc FROM item_tokens").fetchall()]


def assert_never_written(secrets: list[str], directory: Path, outputs: list[str]) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in content, f"{secret[:12]}... found in {path}"
    for out in outputs:
        for secret in secrets:
            assert secret not in out


def test_connect_sync_items_against_a_standalone_emulator(emulator, tmp_path):
    data = tmp_path / "data"
    env = {
        **os.environ,
        "PLAID_CLIENT_ID": "x",
        "PLAID_SECRET": "y-secret-value",
        "PLAID_ENV": "sandbox",
        "PLAID_BASE_URL": emulator,
        "FINBOARD_DB": str(data / "a.duckdb"),
    }
    connected = finboard("connect-sandbox", "--institution", "ins_109508", env=env)
    assert connected.returncode == 0, connected.stderr
    item_id = connected.stdout.strip()
    assert item_id

    synced = finboard("sync", env=env)
    assert synced.returncode == 0, synced.stderr
    assert item_id in synced.stdout and "added" in synced.stdout

    listed = finboard("items", env=env)
    assert listed.returncode == 0 and item_id in listed.stdout and "healthy" in listed.stdout

    with duckdb.connect(str(data / "a.duckdb")) as con:
        assert con.execute("SELECT count(*) FROM transactions").fetchone()[0] > 100
        assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] >= 3
        assert con.execute("SELECT status FROM items").fetchall() == [("healthy",)]

    key_file = data / "a.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    tokens = stored_access_tokens(env)
    assert tokens and tokens[0].startswith("access-")
    outputs = [r.stdout + r.stderr for r in (connected, synced, listed)]
    assert_never_written([*tokens, "y-secret-value"], data, outputs)


def test_offline_mode_keeps_tokens_valid_across_processes(tmp_path):
    """Each offline process embeds its own emulator; they share its state file beside the database."""
    env = {**os.environ, "FINBOARD_DB": str(tmp_path / "data" / "finboard.duckdb")}
    connected = finboard("connect-sandbox", "--institution", "ins_109511", env=env)
    assert connected.returncode == 0, connected.stderr
    synced = finboard("sync", env=env)  # a new process, a new embedded emulator
    assert synced.returncode == 0, synced.stderr
    assert "added" in synced.stdout
    assert_never_written(stored_access_tokens(env), tmp_path / "data", [connected.stdout, synced.stdout])


def test_sync_reports_a_failing_item_with_exit_1(emulator, tmp_path):
    env = {
        **os.environ,
        "PLAID_CLIENT_ID": "x",
        "PLAID_SECRET": "y",
        "PLAID_ENV": "sandbox",
        "PLAID_BASE_URL": emulator,
        "FINBOARD_DB": str(tmp_path / "b.duckdb"),
    }
    assert finboard("connect-sandbox", "--institution", "ins_109508", env=env).returncode == 0
    env["PLAID_BASE_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    synced = finboard("sync", env=env)
    assert synced.returncode == 1
    assert "FAILED" in synced.stderr and "Could not reach Plaid" in synced.stderr
    assert "Traceback" not in synced.stderr


def test_configuration_errors_exit_2_without_a_traceback(tmp_path):
    env = {**os.environ, "PLAID_CLIENT_ID": "x", "FINBOARD_DB": str(tmp_path / "c.duckdb")}
    result = finboard("items", env=env)
    assert result.returncode == 2
    assert "PLAID_SECRET is not" in result.stderr and "Traceback" not in result.stderr


def test_sigterm_stops_finboard_run_and_its_dashboard(tmp_path):
    port = free_port()
    env = {**os.environ, "FINBOARD_DB": str(tmp_path / "d.duckdb"), "FINBOARD_WEBHOOK_PORT": str(free_port())}
    proc = subprocess.Popen([*FINBOARD, "run", "--port", str(port)], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for_url(f"http://127.0.0.1:{port}/_stcore/health", proc)
        proc.terminate()  # SIGTERM, as `kill` or a service manager sends
        assert proc.wait(timeout=30) == 0
        with pytest.raises(OSError):  # the Streamlit child went down with it
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)


@pytest.mark.parametrize("command", ["run", "emulator", "webhooks"])
@pytest.mark.parametrize("port", ["99999", "-1", "0", "http"])
def test_a_port_out_of_range_is_a_usage_error(command, port, tmp_path):
    env = {**os.environ, "FINBOARD_DB": str(tmp_path / "a.duckdb")}
    done = finboard(command, "--port", port, env=env)
    assert done.returncode == 2
    assert f"argument --port: '{port}' is not a port number; use one from 1 to 65535" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "a.duckdb").exists()


def test_a_busy_emulator_port_is_one_line_and_exit_1(emulator):
    port = emulator.rsplit(":", 1)[1]
    done = finboard("emulator", "--port", port, env=dict(os.environ))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"finboard: Port {port} is already in use (another Finboard?). Stop it, or pick another: "
        f"`finboard emulator --port {int(port) + 1}`."
    ]


def test_a_busy_dashboard_port_is_one_line_and_exit_1(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))}
        done = finboard("run", "--port", str(port), env={**env, "FINBOARD_DB": str(tmp_path / "a.duckdb")})
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"finboard: Port {port} is already in use (another Finboard or Streamlit?). Stop it, or pick another "
        f"port: `finboard run --port {port + 1}` (or `make run PORT={port + 1}`)."
    ]
