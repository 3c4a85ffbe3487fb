"""Item health after a failed sync: which status it leads to (core/item_status.py), and a message that says
what to do about it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.item_status import RULES, Event, ItemStatus, record
from core.plaid_gateway import PlaidApiError, PlaidUnavailable
from core.sync.balances import utc_now
from core.sync.retry import is_transient
from core.workspace import Workspace

log = logging.getLogger(__name__)

# Errors only the person can fix, by logging in to the bank again through Link.
LOGIN_CODES = frozenset(
    {"ITEM_LOGIN_REQUIRED", "ITEM_LOCKED", "INVALID_CREDENTIALS", "INVALID_MFA", "USER_SETUP_REQUIRED"}
)
REVOKED_CODES = frozenset({"USER_PERMISSION_REVOKED", "ITEM_NOT_FOUND", "ACCESS_NOT_GRANTED"})


@dataclass(frozen=True)
class Health:
    event: Event  # what the failure means for the item's status: LOGIN_REQUIRED, REVOKED or FAILED
    error_code: str | None
    message: str  # Finboard's advice: what happened and what to do
    display_message: str | None = None  # Plaid's text for the person, when it sent one

    @property
    def status(self) -> ItemStatus:
        """The status this failure gives an item that was working."""
        return RULES[self.event][ItemStatus.HEALTHY]


def health_after(error: Exception, label: str) -> Health:
    """The item's health after a sync failed with `error` (retries, if any, already spent)."""
    code = getattr(error, "error_code", None)
    display = error.display_message if isinstance(error, PlaidApiError) else None
    if code in LOGIN_CODES:
        message = (
            f"{label} needs you to log in again. Use Reconnect on the Connections page; the data synced so far is kept."
        )
        return Health(Event.LOGIN_REQUIRED, code, message, display)
    if code in REVOKED_CODES:
        message = f"Access to {label} was revoked. Remove this connection, or connect the bank again."
        return Health(Event.REVOKED, code, message, display)
    if code == "INVALID_ACCESS_TOKEN":
        message = (
            f"Plaid no longer accepts the stored access token for {label}. Remove this connection "
            "and connect the bank again."
        )
        return Health(Event.FAILED, code, message, display)
    if isinstance(error, PlaidUnavailable):
        return Health(Event.FAILED, "CONNECTION_ERROR", f"{error} The data synced so far is kept.")
    if is_transient(error):
        message = (
            f"{label} is not answering right now ({code}), even after several tries. "
            "The data synced so far is kept; sync again later."
        )
        return Health(Event.FAILED, code, message, display)
    return Health(Event.FAILED, code, f"Syncing {label} failed: {error}", display)


def record_failure(ws: Workspace, item_id: str, health: Health) -> ItemStatus | None:
    """Store the failure on the item; its data and cursor stay as they were. Returns its status afterwards."""
    after = record(
        ws.store,
        item_id,
        health.event,
        error_code=health.error_code,
        message=health.message,
        display_message=health.display_message,
        also={"last_failed_at": utc_now()},
    )
    log.warning("sync of item %s failed: %s (%s)", item_id, health.error_code, after)
    return after
