"""`finboard check` as a person runs it: on balances written for past days, and on the demo bank."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import date

import pytest

from core import cli
from core.config import load_settings
from core.emulator import start_emulator
from core.store import Store
from core.workspace import Workspace
from tests.support import finboard
from tests.unit.test_analytics_balance_checks import write_world

# The demo bank's world is anchored on a fixed day so the test does not depend on the calendar. It lies ahead of
# the real date, as the emulator's clock does after POST /emulator/advance, so snapshots take the bank's day.
DEMO_TODAY = date(2040, 5, 29)
DEMO_ACCOUNTS = ("Plaid Checking ••0000 (USD)", "Plaid Saving ••1111 (USD)", "Plaid Credit Card ••3333 (USD)",
                 "Plaid CAD Chequing ••6666 (CAD)")  # fmt: skip


@pytest.fixture
def env(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))}
    return {**clean, "FINBOARD_DB": str(tmp_path / "data" / "finboard.duckdb"),
            "FINBOARD_SECRETS": str(tmp_path / "no-secrets.toml")}  # fmt: skip


def test_two_balances_30_days_apart_pass_until_a_transaction_between_them_is_deleted(env):
    store = Store(load_settings(env).db_path)
    with store.transaction() as con:
        write_world(con)  # Checking Mar 1 -> Mar 31 and Card Mar 1 -> Mar 31, explained by the transactions
    passed = finboard("check", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Plaid Checking ••0000 (USD): 2 days of reported balances (2025-03-01 to 2025-03-31), 1 pair checked: " \
        "reconciles" in passed.stdout  # fmt: skip
    assert "Plaid Student Loan ••4444 (USD): not checked" in passed.stdout
    assert passed.stdout.strip().endswith(
        "Every change reconciles: 2 pairs of reported balances on 2 accounts (2025-03-01 to 2025-03-31), "
        "each explained to the cent by the transactions between them."
    )

    with store.transaction() as con:
        con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 'rent'")
    failed = finboard("check", env=env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert (
        "Plaid Checking ••0000: transactions explain $1,200.00 less money out than the bank reports between "
        "2025-03-01 and 2025-03-31 (missing or duplicated history?)" in failed.stdout
    )
    assert "1 of 2 accounts do not reconcile: 1 of 2 pairs of reported balances disagree" in failed.stdout
    assert failed.stderr == ""


def test_the_demo_bank_reconciles_once_it_has_balances_from_two_days(env, tmp_path):
    """connect-sandbox + sync records one reported balance per account: nothing to check yet. The emulator's
    clock moves 30 days (POST /emulator/advance, as with curl) and a second sync records that day's balances:
    now each account has a pair, and a third sync a day later makes two."""
    emulator = start_emulator(port=0, state_path=tmp_path / "data" / "emulator-state.json", today=DEMO_TODAY)
    env = {**env, "FINBOARD_EMULATOR_URL": emulator.url}
    try:
        assert finboard("connect-sandbox", "--institution", "ins_109508", env=env).returncode == 0
        assert finboard("sync", env=env).returncode == 0
        first = finboard("check", env=env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "Plaid Checking ••0000 (USD): 1 day of reported balances (2040-05-29)" in first.stdout
        assert first.stdout.strip().splitlines()[-1].startswith("Nothing to check yet")

        for days, pairs, verdict in ((30, 1, "reconciles"), (1, 2, "all reconcile")):
            advance(emulator.url, days)
            assert finboard("sync", env=env).returncode == 0
            checked = finboard("check", env=env)
            assert checked.returncode == 0, checked.stdout + checked.stderr
            for account in DEMO_ACCOUNTS:
                assert f"{account}: {pairs + 1} days of reported balances" in checked.stdout
                assert f"{pairs} pair{'s' if pairs > 1 else ''} checked: {verdict}" in checked.stdout
            assert f"Every change reconciles: {4 * pairs} pairs of reported balances on 4 accounts" in checked.stdout
        assert "(2040-05-29 to 2040-06-29)" in checked.stdout
    finally:
        emulator.stop()


def advance(url: str, days: int) -> None:
    request = urllib.request.Request(
        f"{url}/emulator/advance", data=json.dumps({"days": days}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_a_missing_database_is_a_usage_error_and_is_not_created(env, tmp_path):
    result = finboard("check", env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no Finboard database at" in result.stderr
    assert not (tmp_path / "data" / "finboard.duckdb").exists()
    assert finboard("check", "--account", "x", env=env).returncode == 2  # unknown option


def test_a_database_without_accounts_has_nothing_to_check(env):
    with Store(load_settings(env).db_path).connect():  # created and migrated, nothing connected
        pass
    result = finboard("check", env=env)
    assert (result.returncode, result.stdout.startswith("No accounts yet.")) == (0, True)


def test_a_busy_database_is_one_line_without_lock_jargon(env, monkeypatch, capsys):
    db = load_settings(env).db_path
    with Store(db).connect():
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; con = duckdb.connect({str(db)!r}); print('held', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for key, value in env.items():
            monkeypatch.setenv(key, value)

        def impatient() -> Workspace:
            ws = Workspace(load_settings())
            ws.store = Store(ws.settings.db_path, lock_timeout=0.5)
            return ws

        monkeypatch.setattr(cli, "_workspace", impatient)
        assert cli.main(["check"]) == 1
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is busy" in err and "lock" not in err.lower()
