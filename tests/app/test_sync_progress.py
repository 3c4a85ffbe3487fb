"""The dashboard's "Sync now": st.status with a progress bar, then a summary or the failures."""

from streamlit.testing.v1 import AppTest


def sync_page(directory: str, fail: bool) -> None:
    from pathlib import Path

    from dashboard.actions import sync_with_progress
    from tests.unit.sync_world import ChangeLogWorld, FakeGateway, plaid_error, workspace_with_item

    class LoginRequired(FakeGateway):
        def transactions_sync_page(self, access_token, cursor, count=500):
            raise plaid_error("ITEM_LOGIN_REQUIRED", error_type="ITEM_ERROR")

    world = ChangeLogWorld(page_size=2)
    for day in range(5):
        world.add(day=day)
    gateway = LoginRequired(world) if fail else FakeGateway(world)
    sync_with_progress(workspace_with_item(Path(directory), gateway), ["item-1"])


def run(tmp_path, fail):
    at = AppTest.from_function(sync_page, args=(str(tmp_path), fail), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_successful_sync_ends_complete_with_a_summary(tmp_path):
    at = run(tmp_path, fail=False)
    (status,) = at.status
    assert status.label == "Syncing: done, 5 new transactions"
    assert status.state == "complete"
    assert not at.error


def test_a_failed_item_shows_its_error_and_the_advice(tmp_path):
    at = run(tmp_path, fail=True)
    (status,) = at.status
    assert status.label == "Syncing: 1 of 1 failed" and status.state == "error"
    assert any("log in again" in e.value and "Reconnect" in e.value for e in at.error)


def sync_with_a_wrong_key(directory: str) -> None:
    from pathlib import Path

    from cryptography.fernet import Fernet

    from core.config import load_settings
    from core.workspace import Workspace
    from dashboard.actions import sync_with_progress
    from tests.unit.sync_world import ChangeLogWorld, FakeGateway, workspace_with_item

    right = workspace_with_item(Path(directory), FakeGateway(ChangeLogWorld()))
    env = {"FINBOARD_DB": str(right.store.path), "FINBOARD_KEY": Fernet.generate_key().decode()}
    wrong = Workspace(load_settings(env, Path(directory) / "none.toml"))
    wrong.__dict__["gateway"] = right.gateway
    sync_with_progress(wrong, ["item-1"])


def test_a_wrong_key_says_so_and_marks_no_item_failed(tmp_path):
    from core.config import load_settings
    from core.items import get_item
    from core.workspace import Workspace

    at = AppTest.from_function(sync_with_a_wrong_key, args=(str(tmp_path),), default_timeout=60).run()
    assert not at.exception, at.exception
    (status,) = at.status
    assert status.label == "Syncing: not started" and status.state == "error"
    assert any("does not match the database" in e.value for e in at.error)
    ws = Workspace(load_settings({"FINBOARD_DB": str(tmp_path / "fb.duckdb")}, tmp_path / "none.toml"))
    assert get_item(ws, "item-1").status == "healthy" and get_item(ws, "item-1").error_code is None
