"""Per-item jobs: a burst for one item costs at most two runs, and the second run serves the rest."""

from __future__ import annotations

import threading

import pytest

from core.webhooks.jobs import ItemJob, ItemJobQueue


class BlockingRunner:
    """Records each run and holds the first one until released, so requests pile up meanwhile."""

    def __init__(self) -> None:
        self.runs: list[tuple[ItemJob, list[str]]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, job: ItemJob, events: list[str]) -> None:
        with self._lock:
            self.runs.append((job, list(events)))
        self.started.set()
        assert self.release.wait(10)


@pytest.fixture
def runner():
    return BlockingRunner()


@pytest.fixture
def queue(runner):
    q = ItemJobQueue(runner, workers=2)
    yield q
    runner.release.set()
    q.stop()


def test_a_burst_for_one_item_runs_at_most_twice(queue, runner):
    sync = ItemJob("item-1", "sync")
    assert queue.submit(sync, "e0")
    assert runner.started.wait(5)
    accepted = [queue.submit(sync, f"e{n}") for n in range(1, 100)]
    runner.release.set()
    assert queue.wait_idle(10)

    assert accepted == [True] + [False] * 98  # one queued behind the running job; the rest joined it
    assert runner.runs == [(sync, ["e0"]), (sync, [f"e{n}" for n in range(1, 100)])]


def test_requests_before_a_job_starts_join_it_and_stop_drops_waiting_jobs(runner):
    runner.release.set()
    q = ItemJobQueue(runner, workers=0)  # no worker yet: everything waits
    sync = ItemJob("item-1", "sync")
    assert q.submit(sync, "a") and not q.submit(sync, "b")
    assert not q.wait_idle(0.05)
    q.stop()
    assert runner.runs == []


def test_items_and_kinds_are_coalesced_separately(queue, runner):
    runner.release.set()
    jobs = [ItemJob("item-1", "sync"), ItemJob("item-2", "sync"), ItemJob("item-1", "auth")]
    for n, job in enumerate(jobs):
        queue.submit(job, f"e{n}")
    assert queue.wait_idle(10)
    assert len(runner.runs) == 3 and {job for job, _ in runner.runs} == set(jobs)


def test_a_failing_job_does_not_stop_the_worker():
    calls = []

    def flaky(job: ItemJob, events: list[str]) -> None:
        calls.append(events)
        if len(calls) == 1:
            raise RuntimeError("boom")

    q = ItemJobQueue(flaky, workers=1)
    q.submit(ItemJob("item-1", "sync"), "first")
    assert q.wait_idle(10)
    q.submit(ItemJob("item-1", "sync"), "second")
    assert q.wait_idle(10)
    q.stop()
    assert calls == [["first"], ["second"]]
