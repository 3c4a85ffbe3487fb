"""Per-item background work that webhooks ask for, with bursts coalesced.

For each (item, kind) at most one job runs and at most one waits. A request while one waits joins
it: the waiting job starts after the request, so it sees whatever the request announced. A burst
of N requests for one item therefore costs at most two runs, whatever N is.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemJob:
    item_id: str
    kind: str  # "sync", or the name of the product to refetch ("auth", "identity"...)


# Runs one job for the events (audit event ids) it serves.
JobRunner = Callable[[ItemJob, list[str]], None]


class ItemJobQueue:
    """Worker threads running ItemJobs; `submit` coalesces, `wait_idle` waits for all of them."""

    def __init__(self, run: JobRunner, *, workers: int = 2) -> None:
        self._run = run
        self._cond = threading.Condition()
        self._ready: deque[ItemJob] = deque()
        self._waiting: dict[ItemJob, list[str]] = {}  # job -> the events it will serve
        self._running: set[ItemJob] = set()
        self._stopping = False
        self.runs = 0  # jobs started so far
        self._threads = [
            threading.Thread(target=self._work, name=f"webhook-jobs-{n}", daemon=True) for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: ItemJob, event_id: str) -> bool:
        """Ask for `job` on behalf of an event; False when it joined a job that was already waiting."""
        with self._cond:
            if job in self._waiting:
                self._waiting[job].append(event_id)
                return False
            self._waiting[job] = [event_id]
            if job not in self._running:
                self._ready.append(job)
                self._cond.notify()
            return True

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing runs or waits; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._waiting and not self._running, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Let running jobs finish; waiting ones are dropped (webhooks are hints: the next sync catches up)."""
        with self._cond:
            self._stopping = True
            self._ready.clear()
            self._waiting.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._ready or self._stopping)
                if self._stopping:
                    return
                job = self._ready.popleft()
                events = self._waiting.pop(job)
                self._running.add(job)
                self.runs += 1
            try:
                self._run(job, events)
            except Exception:  # one failing job must not kill the worker; the next request retries
                log.exception("webhook job %s for item %s failed", job.kind, job.item_id)
            with self._cond:
                self._running.discard(job)
                if job in self._waiting:  # requested while it ran: it runs once more
                    self._ready.append(job)
                self._cond.notify_all()
