"""`finboard sql` as a person runs it, while `finboard run` serves the same database: a query, a query that
has to wait its turn for the file, and the interactive prompt on a real terminal (pty)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import stat
import subprocess
import sys
import termios
import time

import pytest

from tests.conftest import ROOT
from tests.support import FINBOARD, finboard

pytestmark = pytest.mark.slow


def test_a_query_answers_while_the_dashboard_runs(synced_dashboard):
    (count,) = synced_dashboard.query("SELECT count(*) FROM transactions")[0]
    done = finboard("sql", "SELECT count(*) AS n FROM transactions", "--format", "csv", env=synced_dashboard.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"n\n{count}\n"


def test_a_query_waits_for_a_process_that_holds_the_file(synced_dashboard):
    """Another Finboard process in a long unit of work (here: 3 s) holds the file; the query takes its turn."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(3); c.close()", str(synced_dashboard.db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        started = time.monotonic()
        done = finboard("sql", "SELECT count(*) AS n FROM accounts", "--format", "csv", env=synced_dashboard.env)
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("n\n") and int(done.stdout.split()[1]) > 0
    assert "lock" not in done.stderr.lower()
    assert waited > 1, "it had to wait for the holder"


def read_until(fd: int, needle: bytes, timeout: float = 60) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"{needle!r} never came; the terminal showed:\n{seen.decode(errors='replace')}")
        try:
            seen += os.read(fd, 65536)
        except OSError:  # the other end closed
            break
    return seen


def take_terminal() -> None:
    """In the child, after setsid: make the pty its controlling terminal, so Ctrl-C there sends SIGINT."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_the_prompt_on_a_terminal_runs_statements_cancels_and_keeps_history(synced_dashboard):
    main, child = pty.openpty()
    proc = subprocess.Popen([*FINBOARD, "sql"], stdin=child, stdout=child, stderr=child, env=synced_dashboard.env,
                            cwd=ROOT, start_new_session=True, preexec_fn=take_terminal)  # fmt: skip
    os.close(child)
    try:
        read_until(main, b"sql> ")
        os.write(main, b"SELECT count(*) AS accounts_n\r")
        read_until(main, b"...> ")
        os.write(main, b"FROM accounts;\r")
        shown = read_until(main, b"(1 row)")
        assert b"accounts_n" in shown
        os.write(main, b"SELECT * FROM account_numbers;\r")
        assert b"account_numbers does not exist" in read_until(main, b"does not exist")
        os.write(main, b"SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range < 0;\r")
        time.sleep(1.5)
        os.write(main, b"\x03")  # Ctrl-C cancels the running query, not the prompt
        read_until(main, b"Cancelled after")
        os.write(main, b"SELECT 'still here' AS s;\r")
        read_until(main, b"1 row in")
        os.write(main, b".quit\r")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    history = synced_dashboard.db.with_name(synced_dashboard.db.name + ".sql_history")
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    lines = history.read_text().splitlines()
    assert "SELECT count(*) AS accounts_n FROM accounts;" in lines  # one entry for a statement typed over two lines
