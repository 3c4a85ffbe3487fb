"""The jobs webhooks start, against the emulator: a sync, Auth and Identity refetches, a sync running elsewhere."""

from __future__ import annotations

import pytest

from core.config import load_settings
from core.emulator import start_emulator
from core.items import connect_sandbox
from core.sync import sync_items
from core.sync.locks import ItemLock, sync_dir
from core.webhooks.jobs import ItemJob
from core.webhooks.processor import describe_job
from core.workspace import EMULATOR_URL_ENV, Workspace


@pytest.fixture
def emulated(tmp_path, monkeypatch):
    """A workspace on a fresh emulator with one connected, synced item: (ws, emulator, item_id)."""
    emulator = start_emulator(port=0, state_path=tmp_path / "emulator-state.json")
    monkeypatch.setenv("FINBOARD_DB", str(tmp_path / "finboard.duckdb"))
    monkeypatch.setenv(EMULATOR_URL_ENV, emulator.url)
    ws = Workspace(load_settings())
    item_id = connect_sandbox(ws, "ins_109508")
    sync_items(ws)
    yield ws, emulator, item_id
    emulator.stop()


def count(ws: Workspace, table: str, item_id: str) -> int:
    with ws.store.connect() as con:
        row = con.execute(f"SELECT count(*) FROM {table} WHERE item_id = ?", [item_id]).fetchone()
    return int(row[0]) if row else 0


def test_a_sync_job_fetches_what_the_bank_added(emulated):
    ws, emulator, item_id = emulated
    before = count(ws, "transactions", item_id)
    emulator.control.advance(item_id, days=10)
    outcome = describe_job(ws, ItemJob(item_id, "sync"))
    added, _, removed = (int(n) for n in outcome.removeprefix("synced: ").replace(",", "").split()[::2])
    assert added > 0 and count(ws, "transactions", item_id) == before + added - removed
    assert describe_job(ws, ItemJob(item_id, "sync")) == "synced: 0 added, 0 modified, 0 removed"


def test_a_sync_running_elsewhere_is_asked_for_another_pass_instead_of_waited_for(emulated):
    ws, _, item_id = emulated
    elsewhere = ItemLock(sync_dir(ws.store.path), item_id)
    assert elsewhere.acquire(wait=False)
    try:
        assert describe_job(ws, ItemJob(item_id, "sync")).startswith("sync already running elsewhere")
        assert elsewhere.another_pass_requested()
    finally:
        elsewhere.release()


@pytest.mark.parametrize(("kind", "table"), [("auth", "account_numbers"), ("identity", "account_owners")])
def test_auth_and_identity_jobs_fetch_again(emulated, kind, table):
    ws, _, item_id = emulated
    with ws.store.transaction() as con:
        con.execute(f"DELETE FROM {table} WHERE item_id = ?", [item_id])
    outcome = describe_job(ws, ItemJob(item_id, kind))
    stored = count(ws, table, item_id)
    assert stored > 0 and outcome == f"{kind.capitalize()} refetched: {stored} " + (
        "account numbers" if kind == "auth" else "account owners"
    )
