"""Item health: the status a failure leads to, its message, and what a later success does."""

import pytest

from core.item_status import Event, record
from core.items import get_item
from core.plaid_gateway import PlaidApiError, PlaidUnavailable
from core.sync import sync_item
from core.sync.health import health_after
from tests.unit.sync_world import ChangeLogWorld, FakeGateway, workspace_with_item


def error(code, error_type="ITEM_ERROR", status=400, display=None):
    return PlaidApiError(
        operation="op", status=status, error_type=error_type, error_code=code, error_message="internal text",
        display_message=display, request_id="req-1",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("failure", "status", "advice"),
    [
        (error("ITEM_LOGIN_REQUIRED"), "login_required", "Reconnect on the Connections page; the data synced so far"),
        (error("ITEM_LOCKED"), "login_required", "Reconnect"),
        (error("USER_PERMISSION_REVOKED"), "revoked", "revoked"),
        (error("INVALID_ACCESS_TOKEN", "INVALID_INPUT"), "error", "connect the bank again"),
        (error("INSTITUTION_DOWN", "INSTITUTION_ERROR"), "error", "not answering right now (INSTITUTION_DOWN)"),
        (error("RATE_LIMIT_EXCEEDED", "RATE_LIMIT_EXCEEDED", 429), "error", "not answering"),
        (PlaidUnavailable("Could not reach Plaid at http://x."), "error", "The data synced so far is kept"),
    ],
)
def test_each_failure_has_a_status_and_advice(failure, status, advice):
    health = health_after(failure, "Test Bank")
    assert health.status == status
    assert advice in health.message
    assert health.error_code == getattr(failure, "error_code", "CONNECTION_ERROR")


def test_plaids_display_message_is_kept_beside_our_advice(tmp_path):
    class Down(FakeGateway):
        def transactions_sync_page(self, access_token, cursor, count=500):
            raise error("ITEM_LOCKED", display="Your account is locked. Contact your bank.")

    ws = workspace_with_item(tmp_path, Down(ChangeLogWorld()))
    result = sync_item(ws, "item-1")
    assert "Contact your bank" in result.error and "Reconnect" in result.error
    with ws.store.connect() as con:
        assert con.execute("SELECT status, display_message FROM items").fetchone() == (
            "login_required", "Your account is locked. Contact your bank.",
        )  # fmt: skip


def test_a_successful_sync_heals_an_error_but_not_a_pending_disconnect(tmp_path):
    world = ChangeLogWorld()
    world.add()
    ws = workspace_with_item(tmp_path, FakeGateway(world))
    record(ws.store, "item-1", Event.FAILED, error_code="INSTITUTION_DOWN", message="down")
    assert sync_item(ws, "item-1").status == "healthy"
    assert get_item(ws, "item-1").error_code is None
    record(ws.store, "item-1", Event.DISCONNECT_PENDING, error_code="PENDING_DISCONNECT", message="Reconnect soon")
    result = sync_item(ws, "item-1")
    assert result.ok and result.status == "pending_disconnect"
    item = get_item(ws, "item-1")
    assert (item.error_code, item.error_message) == ("PENDING_DISCONNECT", "Reconnect soon")
    assert item.last_synced_at is not None
    record(ws.store, "item-1", Event.CONNECTED)  # reconnected in Link: the pending disconnect is settled
    assert get_item(ws, "item-1").status == "healthy"
