"""Deleting what Plaid says a person no longer shares (USER_PERMISSION_REVOKED, USER_ACCOUNT_REVOKED).

A revoked item keeps its `items` row, with status `revoked`, so the Connections page can say what
happened, and its encrypted token, so "Disconnect" can still call /item/remove before deleting
the row (core.items.remove_item). Everything the bank shared is deleted in one transaction, which
also rebuilds the analytics ledger, so no copy of the deleted rows stays behind in it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from core.analytics import ledger
from core.items import delete_account_data, delete_shared_data
from core.sync.locks import ItemLock, sync_dir
from core.workspace import Workspace

log = logging.getLogger(__name__)

SYNC_WAIT_SECONDS = 120.0

REVOKED_MESSAGE = "Access was revoked at the bank, so its data was deleted. Remove this connection or connect it again."


@contextmanager
def _no_sync_running(ws: Workspace, item_id: str) -> Iterator[None]:
    """Hold the item's sync lock, so a sync in flight cannot write back what is being deleted."""
    lock = ItemLock(sync_dir(ws.store.path), item_id)
    if not lock.acquire(wait=True, timeout=SYNC_WAIT_SECONDS):
        # Deleting comes first. A sync that started before applies nothing: its cursor no longer matches.
        log.warning("item %s kept syncing for %.0f s; deleting its data anyway", item_id, SYNC_WAIT_SECONDS)
    try:
        yield
    finally:
        lock.release()


def revoke_item(ws: Workspace, item_id: str) -> None:
    """Delete everything the item's bank shared, mark the item revoked and forget its cursor."""
    with _no_sync_running(ws, item_id), ws.store.transaction() as con:
        delete_shared_data(con, item_id)  # the sync notes go too, so an item connected again starts afresh
        con.execute(
            "UPDATE items SET status = 'revoked', error_code = 'USER_PERMISSION_REVOKED', error_message = ?, "
            "display_message = NULL, cursor = '', new_accounts_available = false, pending_disconnect_at = NULL "
            "WHERE item_id = ?",
            [REVOKED_MESSAGE, item_id],
        )
        if not ledger.is_current(con):
            ledger.rebuild(con)
    ws.store.bump_data_version()


def revoke_account(ws: Workspace, item_id: str, account_id: str) -> bool:
    """Delete one account of the item and everything stored for it; False when none was stored."""
    with _no_sync_running(ws, item_id), ws.store.transaction() as con:
        owned = con.execute(
            "SELECT count(*) FROM (SELECT account_id FROM accounts WHERE account_id = ? AND item_id = ? "
            "UNION ALL SELECT account_id FROM plaid_transactions WHERE account_id = ? AND item_id = ?)",
            [account_id, item_id, account_id, item_id],
        ).fetchone()
        if not owned or not owned[0]:
            return False
        delete_account_data(con, item_id, account_id)
        if not ledger.is_current(con):
            ledger.rebuild(con)
    ws.store.bump_data_version()
    return True
