"""Fault injection: `finboard sync` SIGKILLed at many instants always leaves the previous complete
state or the next one, never a mix, and the next `finboard sync` completes exactly."""

import random
import subprocess
import sys
import time

import pytest

from core.sync.faults import CRASH_ENV
from core.sync.locks import sync_dir
from tests.unit.sync_emulated import connect, emulator, process_env, stored_rows, truth_rows, workspace

pytestmark = pytest.mark.slow

FINBOARD_SYNC = [sys.executable, "-m", "core.cli", "sync"]
# The first round reads the whole history (many pages); later rounds a few days of changes (one page).
NAMED_POINTS = ["page-9", "page-1", "before-apply", "apply-before-commit", "after-commit"]
RANDOM_KILLS = 6


def cursor(ws):
    with ws.store.connect() as con:
        return con.execute("SELECT cursor FROM items").fetchone()[0]


def killed_at_point(env, point):
    result = subprocess.run(FINBOARD_SYNC, env={**env, CRASH_ENV: point}, capture_output=True, timeout=300)
    assert result.returncode == -9, f"{point} was never reached: {result.stderr.decode()[-500:]}"


def killed_after(env, seconds, staging_parent):
    """SIGKILL `seconds` after the sync starts reading Plaid (its staging folder appears)."""
    proc = subprocess.Popen(FINBOARD_SYNC, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and not any(staging_parent.glob("*.staging")):
        time.sleep(0.005)
    time.sleep(seconds)
    proc.kill()
    proc.wait()


def test_sigkill_at_any_instant_leaves_a_consistent_state_and_the_next_sync_is_exact(tmp_path):
    with emulator(seed=5, transactions=12_000) as emu:
        ws = workspace(emu, tmp_path / "fb.duckdb")
        item = connect(ws)
        env = process_env(emu, ws.store.path)
        rng = random.Random(1234)
        kills = [("point", p) for p in NAMED_POINTS] + [("after", rng.uniform(0, 0.6)) for _ in range(RANDOM_KILLS)]
        for how, when in kills:
            scenario = f"{how} {when}"
            before_rows, before_cursor = stored_rows(ws, item), cursor(ws)
            if before_cursor:  # after the first history, each round brings a few days of changes
                emu.control.advance(item, days=3)
            after_rows = truth_rows(emu, item)

            if how == "point":
                killed_at_point(env, when)
            else:
                killed_after(env, when, sync_dir(ws.store.path))

            now_rows, now_cursor = stored_rows(ws, item), cursor(ws)
            assert (now_rows, now_cursor == before_cursor) in [(before_rows, True), (after_rows, False)], scenario
            clean = subprocess.run(FINBOARD_SYNC, env=env, capture_output=True, text=True, timeout=300)
            assert clean.returncode == 0, f"{scenario}: {clean.stderr}"
            assert stored_rows(ws, item) == truth_rows(emu, item), scenario
            assert not list(sync_dir(ws.store.path).glob("*.staging")), f"{scenario}: staging left behind"
