"""What a sync keeps up to date about an item besides its data: where its webhooks go (moved with
/item/webhook/update when the configured address changes) and how much history Plaid has ready."""

from __future__ import annotations

from pathlib import Path

from core.config import load_settings
from core.connections import list_connections
from core.sync import sync_item
from core.workspace import Workspace
from tests.support import free_port
from tests.unit.sync_emulated import NO_WAIT, connect, emulator, env_for
from tests.unit.sync_world import ChangeLogWorld, FakeGateway, workspace_with_item


def receiver_url() -> str:
    return f"http://127.0.0.1:{free_port()}/plaid/webhook"  # nobody listens: deliveries are refused at once


def workspace(emu: object, db: Path, webhook_url: str) -> Workspace:
    return Workspace(load_settings({**env_for(emu, db), "PLAID_WEBHOOK_URL": webhook_url}, db.parent / "none.toml"))


def recorded(ws: Workspace, item_id: str) -> str | None:
    with ws.store.connect() as con:
        row = con.execute("SELECT webhook_url FROM items WHERE item_id = ?", [item_id]).fetchone()
    return row[0] if row else None


def at_plaid(emu, item_id: str) -> str | None:
    return next(i["webhook"] for i in emu.control.items() if i["item_id"] == item_id)


def acknowledged(emu) -> list[str]:
    emu.control.flush_webhooks()
    return [d["url"] for d in emu.control.webhooks() if d["payload"]["webhook_code"] == "WEBHOOK_UPDATE_ACKNOWLEDGED"]


def test_a_new_webhook_address_reaches_plaid_at_the_next_sync(tmp_path):
    old, new = receiver_url(), receiver_url()
    with emulator(state_path=tmp_path / "emulator.json") as emu:
        ws = workspace(emu, tmp_path / "fb.duckdb", old)
        item_id = connect(ws)
        assert recorded(ws, item_id) == old == at_plaid(emu, item_id)

        assert sync_item(ws, item_id, retry=NO_WAIT).ok
        assert acknowledged(emu) == []  # unchanged address: Plaid is not asked

        moved = workspace(emu, tmp_path / "fb.duckdb", new)  # e.g. a new tunnel URL in PLAID_WEBHOOK_URL
        result = sync_item(moved, item_id, retry=NO_WAIT)
        assert result.ok and result.notes == []
        assert at_plaid(emu, item_id) == new == recorded(moved, item_id)
        assert acknowledged(emu) == [new]

        assert sync_item(moved, item_id, retry=NO_WAIT).ok
        assert acknowledged(emu) == [new]  # once


def test_a_failed_move_keeps_the_sync_and_is_tried_again(tmp_path):
    old, new = receiver_url(), receiver_url()
    with emulator(state_path=tmp_path / "emulator.json") as emu:
        item_id = connect(workspace(emu, tmp_path / "fb.duckdb", old))
        moved = workspace(emu, tmp_path / "fb.duckdb", new)
        emu.control.fail_next("/item/webhook/update", times=5)

        result = sync_item(moved, item_id, retry=NO_WAIT)
        assert result.ok and result.added > 0
        assert len(result.notes) == 1 and new in result.notes[0] and "next sync" in result.notes[0]
        assert at_plaid(emu, item_id) == old == recorded(moved, item_id)

        assert sync_item(moved, item_id, retry=NO_WAIT).ok
        assert at_plaid(emu, item_id) == new == recorded(moved, item_id)


def test_an_item_from_before_the_address_was_recorded_is_moved_once(tmp_path):
    url = receiver_url()
    with emulator(state_path=tmp_path / "emulator.json") as emu:
        ws = workspace(emu, tmp_path / "fb.duckdb", url)
        item_id = connect(ws)
        with ws.store.transaction() as con:  # as migration 8 leaves an item connected earlier
            con.execute("UPDATE items SET webhook_url = NULL")
        assert sync_item(ws, item_id, retry=NO_WAIT).ok
        assert recorded(ws, item_id) == url and acknowledged(emu) == [url]


def test_history_still_loading_is_recorded_until_plaid_has_all_of_it(tmp_path):
    world = ChangeLogWorld()
    for day in range(3):
        world.add(day=day)
    world.update_status = "INITIAL_UPDATE_COMPLETE"  # Plaid's first pass: the last 30 days
    ws = workspace_with_item(tmp_path, FakeGateway(world))

    assert sync_item(ws, "item-1", retry=NO_WAIT).ok
    (connection,) = list_connections(ws)
    assert connection.update_status == "INITIAL_UPDATE_COMPLETE" and connection.history_loading

    world.add(day=40)  # older history arrives
    world.update_status = "HISTORICAL_UPDATE_COMPLETE"
    assert sync_item(ws, "item-1", retry=NO_WAIT).ok
    (connection,) = list_connections(ws)
    assert connection.update_status == "HISTORICAL_UPDATE_COMPLETE" and not connection.history_loading
