"""The webhook audit log (`webhook_events`): what arrived, whether it was proven, and what it caused."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime

from core.store import Store

# The log is for people reading the Connections page; a flood of forgeries must not grow it forever, nor push
# out what Plaid sent: each kind keeps its newest rows, refusals (outcome "rejected: ...") and the rest apart.
KEEP_EVENTS = 10_000
KEEP_REFUSALS = 10_000
REFUSED = "outcome LIKE 'rejected:%'"
# Claimed fields of an unverified request are attacker-controlled: store them short.
MAX_FIELD = 64


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    received_at: datetime
    webhook_type: str | None
    webhook_code: str | None
    item_id: str | None
    verified: bool
    outcome: str
    body_sha256: str | None


COLUMNS = "event_id, received_at, webhook_type, webhook_code, item_id, verified, outcome, body_sha256"


def short(value: object) -> str | None:
    """A payload field fit for the log: text, at most MAX_FIELD characters."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_FIELD else text[: MAX_FIELD - 1] + "…"


def record_events(store: Store, events: Sequence[WebhookEvent]) -> None:
    """Append events in one transaction (an event with an existing id replaces its time and outcome: a summary
    row counting on); then keep the newest KEEP_REFUSALS refusals and the newest KEEP_EVENTS other events."""
    if not events:
        return
    with store.transaction() as con:
        con.executemany(
            f"INSERT INTO webhook_events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) "
            "DO UPDATE SET received_at = excluded.received_at, outcome = excluded.outcome",
            map(astuple, events),
        )
        for kind, keep in ((REFUSED, KEEP_REFUSALS), (f"NOT {REFUSED}", KEEP_EVENTS)):
            con.execute(
                "DELETE FROM webhook_events WHERE event_id IN (SELECT event_id FROM webhook_events "
                f"WHERE {kind} ORDER BY received_at DESC, event_id DESC OFFSET ?)",
                [keep],
            )


def set_outcome(store: Store, event_ids: Iterable[str], outcome: str) -> None:
    """Replace the outcome of events whose work finished later (a queued sync, a refetch)."""
    ids = list(event_ids)
    if ids:
        with store.transaction() as con:
            con.execute("UPDATE webhook_events SET outcome = ? WHERE event_id IN (SELECT unnest(?))", [outcome, ids])


def recent_events(store: Store, limit: int = 50) -> list[WebhookEvent]:
    """The newest events first."""
    with store.connect() as con:
        rows = con.execute(
            f"SELECT {COLUMNS} FROM webhook_events ORDER BY received_at DESC, event_id DESC LIMIT ?", [limit]
        ).fetchall()
    return [WebhookEvent(*row) for row in rows]
