"""The receiver's worker: applies accepted webhooks in arrival order and writes the audit log.

HTTP threads only verify and enqueue, so Plaid gets its 2xx at once. This thread takes whatever
has queued up as one batch: one read of the items' statuses, each webhook's effect, one
transaction for the batch's audit rows, then the follow-up jobs (which update their events'
outcomes when they finish). A busy database delays a batch; it never drops one.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from core.errors import FinboardError
from core.products import by_name
from core.store import StoreBusy
from core.sync import refresh_product, sync_item
from core.webhooks.audit import WebhookEvent, record_events, set_outcome, short
from core.webhooks.dispatch import dispatch
from core.webhooks.jobs import ItemJob, ItemJobQueue
from core.workspace import Workspace

log = logging.getLogger(__name__)

MAX_BATCH = 500
BUSY_RETRY_SECONDS = 1.0
# Refused requests cost a bounded number of audit rows: this many a minute each get a row, the rest of that
# minute are counted in one row. A flood of forgeries can neither grow the log nor crowd out what Plaid sent.
REFUSALS_PER_MINUTE = 30

T = TypeVar("T")


@dataclass(frozen=True)
class Delivery:
    """One request to the receiver as the worker needs it. `rejection` is set when it was not accepted."""

    received_at: datetime
    payload: dict[str, Any] | None  # the parsed body; for a rejected request, only what it claimed
    body_sha256: str | None
    verified: bool
    rejection: str | None = None
    duplicate: bool = False


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_event_id(received_at: datetime) -> str:
    """Sortable by arrival (microseconds), unique across processes (random suffix)."""
    return f"{received_at:%Y%m%d%H%M%S%f}-{secrets.token_hex(4)}"


class WebhookProcessor:
    """One thread applying deliveries in order; see the module docstring."""

    def __init__(self, ws: Workspace, jobs: ItemJobQueue, *, max_pending: int = 10_000) -> None:
        self._ws = ws
        self._jobs = jobs
        self._max_pending = max_pending
        self._cond = threading.Condition()
        self._pending: deque[Delivery] = deque()
        self._refusals = RefusalCounter(secrets.token_hex(4))
        self._busy = False
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="webhook-processor", daemon=True)
        self._thread.start()

    def submit(self, delivery: Delivery) -> bool:
        """Queue a delivery; False when the queue is full (the sender should retry later).

        A refusal over this minute's budget is only counted, for the minute's summary row."""
        with self._cond:
            if self._stopping:
                return False
            if delivery.rejection is not None and not self._refusals.admit(delivery.received_at):
                self._cond.notify_all()
                return True
            if len(self._pending) >= self._max_pending:
                return False
            self._pending.append(delivery)
            self._cond.notify_all()
            return True

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._pending and not self._refusals.unrecorded and not self._busy, timeout
            )

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued (up to `timeout`), then end the thread."""
        self.wait_idle(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._refusals.unrecorded or self._stopping)
                if self._stopping and not self._pending and not self._refusals.unrecorded:
                    return
                batch = [self._pending.popleft() for _ in range(min(MAX_BATCH, len(self._pending)))]
                summaries = self._refusals.summaries()
                self._busy = True
            try:
                self._process_until_done(batch, summaries)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _process_until_done(self, batch: list[Delivery], summaries: list[WebhookEvent]) -> None:
        try:
            self._process(batch, summaries)
        except Exception:
            log.exception("could not process %d webhook deliveries; they were dropped", len(batch))

    def _retrying(self, action: Callable[[], T]) -> T:
        """Run one unit of database work, waiting out another process that holds the file."""
        while True:
            try:
                return action()
            except StoreBusy as e:
                if self._stopping:
                    raise
                log.warning("webhooks wait for the database: %s", e)
                time.sleep(BUSY_RETRY_SECONDS)

    def _process(self, batch: list[Delivery], summaries: list[WebhookEvent]) -> None:
        statuses = self._retrying(self._item_statuses) if batch else {}
        events: list[WebhookEvent] = []
        jobs: list[tuple[ItemJob, str]] = []
        for delivery in batch:
            payload = delivery.payload or {}
            event_id = new_event_id(delivery.received_at)
            item_id = payload.get("item_id")
            if delivery.rejection is not None:
                outcome = f"rejected: {delivery.rejection}"
            elif delivery.duplicate:
                outcome = "ignored: duplicate delivery of an earlier webhook"
            else:
                status = statuses.get(item_id) if isinstance(item_id, str) else None
                result = self._retrying(partial(dispatch, self._ws, payload, status))
                outcome = result.outcome
                if result.status and isinstance(item_id, str):
                    statuses[item_id] = result.status
                if result.job and isinstance(item_id, str):
                    jobs.append((ItemJob(item_id, result.job), event_id))
            events.append(
                WebhookEvent(
                    event_id, delivery.received_at, short(payload.get("webhook_type")),
                    short(payload.get("webhook_code")), short(item_id), delivery.verified, outcome,
                    delivery.body_sha256,
                )
            )  # fmt: skip
        events += summaries
        self._retrying(partial(record_events, self._ws.store, events))
        if any(d.rejection is None for d in batch):
            self._ws.store.bump_data_version()  # refusals changed nothing a page shows: no rerun for them
        for event in events:
            log.info("webhook %s/%s item %s: %s", event.webhook_type, event.webhook_code, event.item_id, event.outcome)
        # After the audit rows exist, so a job that finishes fast finds its events to update.
        for job, event_id in jobs:
            self._jobs.submit(job, event_id)

    def _item_statuses(self) -> dict[str, str]:
        with self._ws.store.connect() as con:
            return {str(i): str(s) for i, s in con.execute("SELECT item_id, status FROM items").fetchall()}


class RefusalCounter:
    """Per minute: the first REFUSALS_PER_MINUTE refusals get rows, the rest are counted in one summary row.

    Not thread-safe: the processor calls it under its lock."""

    def __init__(self, process_tag: str) -> None:
        self._tag = process_tag  # two receivers (run, webhooks) keep separate summary rows
        self._admitted: dict[datetime, int] = {}
        self._counted: dict[datetime, tuple[int, datetime]] = {}  # minute -> (refusals over the budget, last)
        self._changed: set[datetime] = set()

    @property
    def unrecorded(self) -> bool:
        return bool(self._changed)

    def admit(self, received_at: datetime) -> bool:
        """True if this refusal gets its own row; otherwise it is counted for its minute's summary."""
        minute = received_at.replace(second=0, microsecond=0)
        for old in [m for m in self._admitted if m < minute - timedelta(minutes=2) and m not in self._changed]:
            self._admitted.pop(old, None)
            self._counted.pop(old, None)
        if self._admitted.get(minute, 0) < REFUSALS_PER_MINUTE:
            self._admitted[minute] = self._admitted.get(minute, 0) + 1
            return True
        count = self._counted.get(minute, (0, received_at))[0] + 1
        self._counted[minute] = (count, received_at)
        self._changed.add(minute)
        return False

    def summaries(self) -> list[WebhookEvent]:
        """The summary rows changed since the last call (written with the same id, so each minute has one)."""
        rows = []
        for minute in sorted(self._changed):
            count, last = self._counted[minute]
            rows.append(
                WebhookEvent(
                    f"{minute:%Y%m%d%H%M}59999999-refusals-{self._tag}", last, None, None, None, False,
                    f"rejected: {count} more refused requests in the minute from {minute:%H:%M} UTC, not logged one "
                    f"by one (only {REFUSALS_PER_MINUTE} a minute are)",
                    None,
                )
            )  # fmt: skip
        self._changed.clear()
        return rows


def run_item_job(ws: Workspace, job: ItemJob, event_ids: list[str]) -> None:
    """Run a job that webhooks asked for and write its result into their audit rows."""
    outcome = describe_job(ws, job)
    set_outcome(ws.store, event_ids, outcome)
    ws.store.bump_data_version()


def describe_job(ws: Workspace, job: ItemJob) -> str:
    """Run the job; its outcome in words for the audit log."""
    if job.kind == "sync":
        # Never wait for a sync running elsewhere (the dashboard, a cron `finboard sync`): it is
        # asked to make one more pass, which picks up what this webhook announced.
        result = sync_item(ws, job.item_id, wait=False)
        if result.skipped:
            return "sync already running elsewhere: it syncs once more to pick this up"
        if not result.ok:
            return f"sync failed: {result.error_code or 'see the item on the Connections page'}"
        return f"synced: {result.added} added, {result.modified} modified, {result.removed} removed"
    product = by_name(job.kind)  # the product whose webhook queued this refetch
    try:
        count = refresh_product(ws, job.item_id, product)
    except FinboardError as e:
        return f"{product.label} refetch failed: {getattr(e, 'error_code', None) or type(e).__name__}"
    return f"{product.label} refetched: {count} {product.counted}"
