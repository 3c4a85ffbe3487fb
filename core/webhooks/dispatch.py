"""What each verified webhook does (reference/plaid-api.md section 3.2).

`dispatch` applies the webhook's immediate effect on the item (its status, a flag, deleted data)
and says which background job, if any, should follow (a sync, or a refetch of one product).
ITEM webhooks are handled here; the webhooks that concern a product (SYNC_UPDATES_AVAILABLE, AUTH
DEFAULT_UPDATE...) are the ones its module in core/products declares.
Every effect is idempotent, so a repeated webhook changes nothing the first one did not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.products import Product, ignored_webhooks, webhook_products
from core.webhooks.revocation import revoke_account, revoke_item
from core.workspace import Workspace

Payload = dict[str, Any]

LOGIN_REQUIRED_MESSAGE = "The bank needs you to log in again: use Reconnect on the Connections page."


@dataclass(frozen=True)
class Dispatched:
    """What a webhook did right away, and the job that should follow (None: nothing)."""

    outcome: str
    job: str | None = None
    status: str | None = None  # the item's status afterwards, when it changed


def dispatch(ws: Workspace, payload: Payload, item_status: str | None) -> Dispatched:
    """Apply one verified webhook to the item it names, whose current status is `item_status` (None: unknown)."""
    kind = (str(payload.get("webhook_type") or ""), str(payload.get("webhook_code") or ""))
    ignored = ignored_webhooks().get(kind)
    if ignored is not None:
        return Dispatched(f"ignored: {ignored}")
    product = webhook_products().get(kind)
    handler = _product_changed(product) if product is not None else HANDLERS.get(kind)
    if handler is None:
        return Dispatched(f"ignored: Finboard does not act on {kind[0] or '?'}/{kind[1] or '?'}")
    item_id = payload.get("item_id")
    if not isinstance(item_id, str) or item_status is None:
        return Dispatched("ignored: unknown item")
    if item_status == "revoked" and kind not in DELETIONS:  # a failed sync may have marked it without deleting
        return Dispatched("ignored: access to this item was revoked")
    return handler(ws, item_id, item_status, payload)


Handler = Callable[[Workspace, str, str, Payload], Dispatched]

# Webhooks that delete what was shared: applied even to an item already marked revoked.
DELETIONS = frozenset({("ITEM", "USER_PERMISSION_REVOKED"), ("ITEM", "USER_ACCOUNT_REVOKED")})


def _item_error(ws: Workspace, item_id: str, status: str, payload: Payload) -> Dispatched:
    error = payload.get("error") if isinstance(payload.get("error"), dict) else None
    code = str((error or {}).get("error_code") or "UNKNOWN")
    if code == "ITEM_LOGIN_REQUIRED":
        _set_status(ws, item_id, "login_required", code, LOGIN_REQUIRED_MESSAGE)
        return Dispatched("login required", status="login_required")
    message = f"Plaid reported {code} for this connection. Sync now retries; Reconnect if it persists."
    _set_status(ws, item_id, "error", code, message, display=(error or {}).get("display_message"))
    return Dispatched(f"item error {code}", status="error")


def _pending_disconnect(ws: Workspace, item_id: str, status: str, payload: Payload) -> Dispatched:
    when = _timestamp(payload.get("disconnect_time") or payload.get("consent_expiration_time"))
    day = f"on {when:%Y-%m-%d}" if when else "soon"
    if status == "login_required":  # logging in again is the more urgent request; keep it, remember the date
        _update_item(ws, item_id, "pending_disconnect_at = ?", [when])
        return Dispatched(f"disconnect {day} noted; login still required")
    message = f"The bank connection stops {day} unless you reconnect: use Reconnect to keep it."
    _set_status(
        ws, item_id, "pending_disconnect", str(payload.get("webhook_code")), message,
        also={"pending_disconnect_at": when},
    )  # fmt: skip
    return Dispatched(f"pending disconnect {day}", status="pending_disconnect")


def _user_permission_revoked(ws: Workspace, item_id: str, status: str, payload: Payload) -> Dispatched:
    revoke_item(ws, item_id)
    return Dispatched("access revoked: the item's data was deleted", status="revoked")


def _user_account_revoked(ws: Workspace, item_id: str, status: str, payload: Payload) -> Dispatched:
    account_id = payload.get("account_id")
    if not isinstance(account_id, str) or not account_id:
        return Dispatched("ignored: no account_id")
    if revoke_account(ws, item_id, account_id):
        return Dispatched(f"account {account_id} revoked: its data was deleted")
    return Dispatched(f"account {account_id} revoked: nothing stored for it")


def _login_repaired(ws: Workspace, item_id: str, status: str, payload: Payload) -> Dispatched:
    if status in ("login_required", "error"):
        _set_status(ws, item_id, "healthy", None, None)
        return Dispatched("login repaired: sync queued", job="sync", status="healthy")
    return Dispatched("login repaired: sync queued", job="sync")


def _new_accounts_available(ws: Workspace, item_id: str, status: str, payload: Payload) -> Dispatched:
    _update_item(ws, item_id, "new_accounts_available = true", [])
    return Dispatched("new accounts available: flagged for Add accounts")


def _webhook_update_acknowledged(ws: Workspace, item_id: str, status: str, payload: Payload) -> Dispatched:
    return Dispatched("acknowledged: webhook URL updated")


def _product_changed(product: Product) -> Handler:
    """A webhook saying the product's data changed at Plaid: queue its job (a sync, or a refetch of it)."""
    outcome = "sync queued" if product.job == "sync" else f"{product.label} refetch queued"

    def handle(ws: Workspace, item_id: str, status: str, payload: Payload) -> Dispatched:
        return Dispatched(outcome, job=product.job)

    return handle


# ITEM webhooks; a product's webhooks are those its module declares (core/products).
HANDLERS: dict[tuple[str, str], Handler] = {
    ("ITEM", "ERROR"): _item_error,
    ("ITEM", "PENDING_DISCONNECT"): _pending_disconnect,
    ("ITEM", "PENDING_EXPIRATION"): _pending_disconnect,
    ("ITEM", "USER_PERMISSION_REVOKED"): _user_permission_revoked,
    ("ITEM", "USER_ACCOUNT_REVOKED"): _user_account_revoked,
    ("ITEM", "LOGIN_REPAIRED"): _login_repaired,
    ("ITEM", "NEW_ACCOUNTS_AVAILABLE"): _new_accounts_available,
    ("ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED"): _webhook_update_acknowledged,
}


def _set_status(
    ws: Workspace,
    item_id: str,
    status: str,
    code: str | None,
    message: str | None,
    *,
    display: object = None,
    also: dict[str, object] | None = None,
) -> None:
    """The item's health as the webhook reports it; Plaid's text from an earlier failure no longer applies."""
    also = also or {}
    assignments = "status = ?, error_code = ?, error_message = ?, display_message = ?"
    _update_item(
        ws, item_id, assignments + "".join(f", {column} = ?" for column in also),
        [status, code, message, display if isinstance(display, str) else None, *also.values()],
    )  # fmt: skip


def _update_item(ws: Workspace, item_id: str, assignments: str, params: list[Any]) -> None:
    with ws.store.transaction() as con:
        con.execute(f"UPDATE items SET {assignments} WHERE item_id = ?", [*params, item_id])
    ws.store.bump_data_version()


def _timestamp(value: object) -> datetime | None:
    """Plaid's ISO 8601 time (e.g. 2025-06-01T00:00:00Z) as naive UTC, like every timestamp we store."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
