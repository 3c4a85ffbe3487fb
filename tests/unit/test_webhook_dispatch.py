"""What each verified webhook does to the item it names, and that doing it twice changes nothing more."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import pytest

from core.analytics import ledger
from core.config import load_settings
from core.items import SYNC_STATE_TABLES
from core.products import PRODUCTS, shared_tables
from core.webhooks.dispatch import dispatch
from core.workspace import Workspace
from tests.webhook_support import plaid_body, seed_item, snapshot


@pytest.fixture
def ws(db_env) -> Workspace:
    ws = Workspace(load_settings())
    seed_item(ws.store, "item-1", ("acc-1", "acc-2"))
    seed_item(ws.store, "item-2", ("acc-3",))
    ledger.refresh(ws.store)  # as a dashboard page that has been open would have left it
    return ws


def payload(webhook_type: str, webhook_code: str, item_id: str | None = "item-1", **fields: Any) -> dict[str, Any]:
    return dict(orjson.loads(plaid_body(webhook_type, webhook_code, item_id, **fields)))


def status(ws: Workspace, item_id: str = "item-1") -> tuple[Any, ...]:
    with ws.store.connect() as con:
        row = con.execute(
            "SELECT status, error_code, pending_disconnect_at, new_accounts_available, cursor FROM items "
            "WHERE item_id = ?",
            [item_id],
        ).fetchone()
    assert row is not None
    return tuple(row)


def run(ws: Workspace, body: dict[str, Any]):
    return dispatch(ws, body, status(ws, body["item_id"])[0] if body.get("item_id") in ("item-1", "item-2") else None)


def count(ws: Workspace, sql: str, *params: Any) -> int:
    with ws.store.connect() as con:
        row = con.execute(sql, list(params)).fetchone()
    return int(row[0]) if row else 0


def test_sync_updates_available_asks_for_a_sync_and_writes_nothing(ws):
    before = snapshot(ws.store)
    result = run(ws, payload("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", initial_update_complete=True))
    assert result.job == "sync"
    assert snapshot(ws.store) == before


def test_item_login_required_marks_the_item_and_keeps_its_data(ws):
    version = ws.store.data_version()
    result = run(ws, payload("ITEM", "ERROR", error={"error_code": "ITEM_LOGIN_REQUIRED", "error_type": "ITEM_ERROR"}))
    assert result.status == "login_required" and result.job is None
    assert status(ws)[:2] == ("login_required", "ITEM_LOGIN_REQUIRED")
    assert count(ws, "SELECT count(*) FROM plaid_transactions WHERE item_id = 'item-1'") == 4
    assert ws.store.data_version() > version


def test_another_item_error_marks_the_item_in_error(ws):
    run(ws, payload("ITEM", "ERROR", error={"error_code": "INSTITUTION_DOWN"}))
    assert status(ws)[:2] == ("error", "INSTITUTION_DOWN")


@pytest.mark.parametrize(
    ("code", "field"), [("PENDING_DISCONNECT", "disconnect_time"), ("PENDING_EXPIRATION", "consent_expiration_time")]
)
def test_pending_disconnect_and_expiration_record_the_date(ws, code, field):
    result = run(ws, payload("ITEM", code, **{field: "2025-07-01T09:30:00Z", "reason": "INSTITUTION_MIGRATION"}))
    assert "2025-07-01" in result.outcome
    assert status(ws)[:3] == ("pending_disconnect", code, datetime(2025, 7, 1, 9, 30))


def test_a_pending_disconnect_does_not_hide_a_required_login(ws):
    run(ws, payload("ITEM", "ERROR", error={"error_code": "ITEM_LOGIN_REQUIRED"}))
    run(ws, payload("ITEM", "PENDING_DISCONNECT", disconnect_time="2025-07-01T00:00:00Z"))
    assert status(ws)[0] == "login_required" and status(ws)[2] == datetime(2025, 7, 1)


def test_user_permission_revoked_deletes_the_items_data_and_keeps_the_row(ws):
    other_before = {k: [r for r in v if "item-2" in r or "acc-3" in r] for k, v in snapshot(ws.store).items()}
    result = run(ws, payload("ITEM", "USER_PERMISSION_REVOKED", error={"error_code": "USER_PERMISSION_REVOKED"}))

    assert result.status == "revoked"
    assert status(ws) == ("revoked", "USER_PERMISSION_REVOKED", None, False, "")
    assert count(ws, "SELECT count(*) FROM item_tokens WHERE item_id = 'item-1'") == 1  # Disconnect still works
    after = snapshot(ws.store)
    for table, rows in after.items():
        if table not in ("items", "item_tokens"):
            assert not [r for r in rows if "item-1" in r or "acc-1" in r or "acc-2" in r], table
    assert {k: [r for r in v if "item-2" in r or "acc-3" in r] for k, v in after.items()} == other_before


def keyed_tables(ws: Workspace) -> list[tuple[str, str]]:
    """(table, column) for every base table column that ties a row to an item, account or transaction."""
    with ws.store.connect() as con:
        return con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE column_name IN "
            "('item_id', 'account_id', 'transaction_id') AND table_name IN (SELECT table_name FROM "
            "information_schema.tables WHERE table_type = 'BASE TABLE') AND table_name NOT IN "
            "('items', 'item_tokens', 'webhook_events')"
        ).fetchall()


def test_revocation_knows_every_table_that_holds_what_a_bank_shared(ws):
    """Fails when a feature adds such a table: declare it in its product module (core/products), or decide here."""
    rebuilt = {"analytics_ledger", "analytics_daily_by_account",  # rebuilt inside the revocation's transaction
               "recurring_streams", "recurring_stream_transactions"}  # fmt: skip
    derived = {d.table for p in PRODUCTS for d in p.derived}  # balance_history, transaction_annotations
    covered = {*shared_tables(), *SYNC_STATE_TABLES, *derived, *rebuilt}
    assert {table for table, _ in keyed_tables(ws)} == covered


def test_revocation_leaves_no_row_of_the_item_in_any_table(ws):
    run(ws, payload("ITEM", "USER_PERMISSION_REVOKED"))
    keyed = keyed_tables(ws)
    with ws.store.connect() as con:
        values = {"item_id": ["item-1"], "account_id": ["acc-1", "acc-2"], "transaction_id": ["acc-1-t1", "acc-2-t1"]}
        counts = {
            f"{table}.{column}": con.execute(
                f"SELECT count(*) FROM {table} WHERE {column} IN (SELECT unnest(?))", [values[column]]
            ).fetchone()[0]
            for table, column in keyed
        }
    leftovers = {name: n for name, n in counts.items() if n}
    assert keyed and leftovers == {}


def test_user_account_revoked_deletes_only_that_account(ws):
    result = run(ws, payload("ITEM", "USER_ACCOUNT_REVOKED", account_id="acc-1"))
    assert "deleted" in result.outcome
    assert count(ws, "SELECT count(*) FROM transactions WHERE account_id = 'acc-1'") == 0
    assert count(ws, "SELECT count(*) FROM accounts WHERE account_id = 'acc-1'") == 0
    assert count(ws, "SELECT count(*) FROM balance_history WHERE account_id = 'acc-1'") == 0
    assert count(ws, "SELECT count(*) FROM transaction_annotations WHERE transaction_id = 'acc-1-t1'") == 0
    assert count(ws, "SELECT count(*) FROM transactions WHERE account_id = 'acc-2'") == 2
    assert status(ws)[0] == "healthy"


def test_an_account_of_another_item_is_not_deleted(ws):
    before = snapshot(ws.store)
    result = run(ws, payload("ITEM", "USER_ACCOUNT_REVOKED", account_id="acc-3"))  # acc-3 belongs to item-2
    assert "nothing stored" in result.outcome
    assert snapshot(ws.store) == before


def test_login_repaired_makes_the_item_healthy_and_syncs(ws):
    run(ws, payload("ITEM", "ERROR", error={"error_code": "ITEM_LOGIN_REQUIRED"}))
    result = run(ws, payload("ITEM", "LOGIN_REPAIRED"))
    assert result.job == "sync"
    assert status(ws)[:2] == ("healthy", None)


def test_new_accounts_available_flags_the_item(ws):
    run(ws, payload("ITEM", "NEW_ACCOUNTS_AVAILABLE"))
    assert status(ws)[3] is True
    assert status(ws, "item-2")[3] is False


@pytest.mark.parametrize(("webhook_type", "job"), [("AUTH", "auth"), ("IDENTITY", "identity")])
def test_auth_and_identity_updates_ask_for_a_refetch(ws, webhook_type, job):
    before = snapshot(ws.store)
    assert run(ws, payload(webhook_type, "DEFAULT_UPDATE", account_ids_with_updated_auth={})).job == job
    assert snapshot(ws.store) == before


@pytest.mark.parametrize(
    "body",
    [
        payload("TRANSACTIONS", "INITIAL_UPDATE", new_transactions=10),
        payload("TRANSACTIONS", "HISTORICAL_UPDATE", new_transactions=10),
        payload("TRANSACTIONS", "DEFAULT_UPDATE", new_transactions=1),
        payload("TRANSACTIONS", "TRANSACTIONS_REMOVED", removed_transactions=["acc-1-t1"]),
        payload("TRANSFER", "TRANSFER_EVENTS_UPDATE"),
        payload("ITEM", "SOMETHING_NEW"),
        payload("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", item_id="item-unknown"),
        payload("ITEM", "USER_PERMISSION_REVOKED", item_id="item-unknown"),
        payload("ITEM", "ERROR", item_id=None, error={"error_code": "ITEM_LOGIN_REQUIRED"}),
    ],
    ids=lambda b: f"{b['webhook_type']}/{b['webhook_code']}/{b.get('item_id')}",
)
def test_legacy_unknown_and_foreign_webhooks_are_acknowledged_and_change_nothing(ws, body):
    before = snapshot(ws.store)
    result = run(ws, body)
    assert result.outcome.startswith("ignored") and result.job is None
    assert snapshot(ws.store) == before


def test_revocation_deletes_the_data_of_an_item_a_failed_sync_already_marked_revoked(ws):
    with ws.store.transaction() as con:
        con.execute("UPDATE items SET status = 'revoked', error_code = 'ITEM_NOT_FOUND' WHERE item_id = 'item-1'")
    run(ws, payload("ITEM", "USER_PERMISSION_REVOKED"))
    assert count(ws, "SELECT count(*) FROM plaid_transactions WHERE item_id = 'item-1'") == 0
    assert status(ws)[:2] == ("revoked", "USER_PERMISSION_REVOKED")


def test_a_revoked_item_ignores_later_webhooks(ws):
    run(ws, payload("ITEM", "USER_PERMISSION_REVOKED"))
    before = snapshot(ws.store)
    for body in (payload("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE"), payload("ITEM", "LOGIN_REPAIRED")):
        result = run(ws, body)
        assert result.outcome.startswith("ignored") and result.job is None
    assert snapshot(ws.store) == before


@pytest.mark.parametrize(
    "body",
    [
        payload("ITEM", "ERROR", error={"error_code": "ITEM_LOGIN_REQUIRED"}),
        payload("ITEM", "PENDING_DISCONNECT", disconnect_time="2025-07-01T00:00:00Z"),
        payload("ITEM", "USER_PERMISSION_REVOKED"),
        payload("ITEM", "USER_ACCOUNT_REVOKED", account_id="acc-2"),
        payload("ITEM", "NEW_ACCOUNTS_AVAILABLE"),
        payload("ITEM", "LOGIN_REPAIRED"),
    ],
    ids=lambda b: b["webhook_code"],
)
def test_applying_a_webhook_twice_changes_nothing_more(ws, body):
    run(ws, body)
    once = snapshot(ws.store)
    run(ws, body)
    assert snapshot(ws.store) == once
