"""Plaid webhooks: verified (ES256 JWT), applied once, and recorded.

- `WebhookReceiver(ws, port=...)` serves POST /plaid/webhook (`finboard webhooks`, `finboard run`).
- `verification`: Plaid's signature check. `dispatch`: what each type/code does.
- `jobs`: per-item syncs and refetches, bursts coalesced. `audit`: the `webhook_events` log.
"""

from core.webhooks.audit import WebhookEvent, recent_events
from core.webhooks.receiver import WEBHOOK_PATH, WebhookReceiver

__all__ = ["WEBHOOK_PATH", "WebhookEvent", "WebhookReceiver", "recent_events"]
