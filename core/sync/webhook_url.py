"""Keep each item's webhook address at Plaid in step with the configuration.

An item sends its webhooks to the address it was connected with. When that address changes (a new
tunnel URL in PLAID_WEBHOOK_URL, another receiver port offline), Plaid would keep posting to the old
one and every webhook would be lost without a word. After each successful sync, an item whose
recorded address differs from the configured one is moved with /item/webhook/update.
"""

from __future__ import annotations

import logging

from core.errors import FinboardError
from core.items import access_token
from core.sync.retry import RetryPolicy
from core.workspace import Workspace

log = logging.getLogger(__name__)


def follow_webhook_url(ws: Workspace, item_id: str, retry: RetryPolicy) -> list[str]:
    """Point the item's webhooks at the configured address if they go elsewhere.

    Never fails the sync, whose data is already committed; returns notes for the person. A failed
    update is tried again by the next sync.
    """
    wanted = ws.webhook_url
    if wanted is None:  # no receiver configured: leave whatever the item has
        return []
    with ws.store.connect() as con:
        row = con.execute("SELECT webhook_url FROM items WHERE item_id = ?", [item_id]).fetchone()
    if row is None or row[0] == wanted:
        return []
    try:
        token = access_token(ws, item_id)
        retry.call("item/webhook/update", lambda: ws.gateway.update_item_webhook(token, wanted))
        with ws.store.transaction() as con:
            con.execute("UPDATE items SET webhook_url = ? WHERE item_id = ?", [wanted, item_id])
    except FinboardError as e:
        return [f"Plaid could not be told to send webhooks to {wanted} ({e}); the next sync tries again."]
    log.info("item %s: webhooks now go to %s (were %s)", item_id, wanted, row[0] or "unknown")
    return []
