"""Item health: what state a connection is in, and a message that says what to do about it.

healthy            the last sync succeeded
login_required     the bank wants the person to log in again (Link update mode); never retried
pending_disconnect the bank connection will stop soon (set from Plaid's webhook); a sync still works
revoked            the person withdrew access at the bank or at Plaid
error              anything else, with Plaid's error_code; the next sync tries again
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.plaid_gateway import PlaidApiError, PlaidUnavailable
from core.sync.balances import utc_now
from core.sync.retry import is_transient
from core.workspace import Workspace

log = logging.getLogger(__name__)

STATUSES = ("healthy", "login_required", "pending_disconnect", "revoked", "error")

# Errors only the person can fix, by logging in to the bank again through Link.
LOGIN_CODES = frozenset(
    {"ITEM_LOGIN_REQUIRED", "ITEM_LOCKED", "INVALID_CREDENTIALS", "INVALID_MFA", "USER_SETUP_REQUIRED"}
)
REVOKED_CODES = frozenset({"USER_PERMISSION_REVOKED", "ITEM_NOT_FOUND", "ACCESS_NOT_GRANTED"})

# After a successful sync the item is healthy, except that a pending disconnect still needs the
# person's action (Reconnect) even while syncs work, so it keeps its status and message.
SUCCESS_SQL = """
status = CASE WHEN status = 'pending_disconnect' THEN status ELSE 'healthy' END,
error_code = CASE WHEN status = 'pending_disconnect' THEN error_code END,
error_message = CASE WHEN status = 'pending_disconnect' THEN error_message END,
display_message = CASE WHEN status = 'pending_disconnect' THEN display_message END,
last_synced_at = $now
"""


@dataclass(frozen=True)
class Health:
    status: str
    error_code: str | None
    message: str  # Finboard's advice: what happened and what to do
    display_message: str | None = None  # Plaid's text for the person, when it sent one


def health_after(error: Exception, label: str) -> Health:
    """The item's health after a sync failed with `error` (retries, if any, already spent)."""
    code = getattr(error, "error_code", None)
    display = error.display_message if isinstance(error, PlaidApiError) else None
    if code in LOGIN_CODES:
        message = (
            f"{label} needs you to log in again. Use Reconnect on the Connections page; the data synced so far is kept."
        )
        return Health("login_required", code, message, display)
    if code in REVOKED_CODES:
        message = f"Access to {label} was revoked. Remove this connection, or connect the bank again."
        return Health("revoked", code, message, display)
    if code == "INVALID_ACCESS_TOKEN":
        message = (
            f"Plaid no longer accepts the stored access token for {label}. Remove this connection "
            "and connect the bank again."
        )
        return Health("error", code, message, display)
    if isinstance(error, PlaidUnavailable):
        return Health("error", "CONNECTION_ERROR", f"{error} The data synced so far is kept.")
    if is_transient(error):
        message = (
            f"{label} is not answering right now ({code}), even after several tries. "
            "The data synced so far is kept; sync again later."
        )
        return Health("error", code, message, display)
    return Health("error", code, f"Syncing {label} failed: {error}", display)


def record_failure(ws: Workspace, item_id: str, health: Health) -> None:
    """Store the failure on the item; its data and cursor stay as they were."""
    with ws.store.transaction() as con:
        con.execute(
            "UPDATE items SET status = ?, error_code = ?, error_message = ?, display_message = ?, "
            "last_failed_at = ? WHERE item_id = ?",
            [health.status, health.error_code, health.message, health.display_message, utc_now(), item_id],
        )
    ws.store.bump_data_version()
    log.warning("sync of item %s failed: %s (%s)", item_id, health.error_code, health.status)


def set_item_status(
    ws: Workspace, item_id: str, status: str, *, error_code: str | None = None, message: str | None = None
) -> None:
    """Set an item's health from outside a sync (e.g. Plaid's ITEM webhooks); healthy clears the error."""
    if status not in STATUSES:
        raise ValueError(f"unknown item status {status!r}; expected one of {STATUSES}")
    if status == "healthy":
        error_code = message = None
    with ws.store.transaction() as con:
        con.execute(
            "UPDATE items SET status = ?, error_code = ?, error_message = ?, display_message = NULL WHERE item_id = ?",
            [status, error_code, message, item_id],
        )
    ws.store.bump_data_version()
