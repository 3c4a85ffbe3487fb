"""One sync per item at a time (threads and processes), and requests made meanwhile are not lost."""

import subprocess
import sys
import threading
import time

import pytest

from core.sync import sync_item
from core.sync.locks import ItemLock, sync_dir
from tests.unit.sync_world import ChangeLogWorld, FakeGateway, stored_rows, workspace_with_item

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


def hold_in_another_process(lock: ItemLock) -> subprocess.Popen:
    lock.path.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(lock.path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.fixture
def world():
    world = ChangeLogWorld(page_size=2)
    for day in range(3):
        world.add(day=day)
    return world


def test_a_sync_that_finds_the_item_busy_is_skipped_with_a_message(tmp_path, world):
    ws = workspace_with_item(tmp_path, FakeGateway(world))
    holder = hold_in_another_process(ItemLock(sync_dir(ws.store.path), "item-1"))
    try:
        result = sync_item(ws, "item-1", wait=False)
    finally:
        holder.kill()
        holder.wait()
    assert result.skipped and result.ok
    assert "already running" in result.message
    assert world.requested_cursors == []  # Plaid was not asked at all
    assert stored_rows(ws.store) == set()


def test_a_waiting_sync_runs_after_the_other_finishes(tmp_path, world):
    ws = workspace_with_item(tmp_path, FakeGateway(world))
    lock = ItemLock(sync_dir(ws.store.path), "item-1")
    holder = hold_in_another_process(lock)
    phases = []
    threading.Timer(0.5, holder.kill).start()
    result = sync_item(ws, "item-1", wait=True, progress=lambda p: phases.append(p.phase))
    holder.wait()
    assert result.ok and not result.skipped
    assert phases[0] == "waiting" and phases[-1] == "done"
    assert stored_rows(ws.store) == world.expected_rows()


def test_a_killed_holder_never_blocks_the_next_sync(tmp_path):
    lock = ItemLock(tmp_path, "item-1")
    holder = hold_in_another_process(lock)
    assert not ItemLock(tmp_path, "item-1").acquire(wait=False)
    holder.kill()  # SIGKILL: no cleanup runs
    holder.wait()
    assert ItemLock(tmp_path, "item-1").acquire(wait=False)


def test_threads_of_one_process_exclude_each_other(tmp_path):
    first, second = ItemLock(tmp_path, "item-1"), ItemLock(tmp_path, "item-1")
    assert first.acquire(wait=False)
    assert not second.acquire(wait=False)
    assert ItemLock(tmp_path, "item-2").acquire(wait=False)  # other items are independent
    first.release()
    assert second.acquire(wait=False)


def test_a_request_made_during_a_sync_gets_another_pass(tmp_path, world):
    """A webhook arrives while a sync reads Plaid: it is skipped, and the running sync goes again."""
    paused, resume = threading.Event(), threading.Event()

    class SlowFirstPage(FakeGateway):
        def transactions_sync_page(self, access_token, cursor, count=500):
            raw = super().transactions_sync_page(access_token, cursor, count)
            if not paused.is_set():
                paused.set()
                resume.wait(10)
            return raw

    world.page_size = 100  # the first pass reads everything in its one (paused) page
    ws = workspace_with_item(tmp_path, SlowFirstPage(world))
    results = []
    running = threading.Thread(target=lambda: results.append(sync_item(ws, "item-1")))
    running.start()
    assert paused.wait(10)
    late = world.add(day=9)  # Plaid has a new transaction the running pass has not seen
    assert sync_item(ws, "item-1", wait=False).skipped
    resume.set()
    running.join(30)
    (result,) = results
    assert result.ok and result.passes == 2, result.error
    assert late in {row[0] for row in stored_rows(ws.store)}
    assert stored_rows(ws.store) == world.expected_rows()


def test_waiting_gives_up_after_the_timeout_with_an_error(tmp_path, world):
    ws = workspace_with_item(tmp_path, FakeGateway(world))
    holder = hold_in_another_process(ItemLock(sync_dir(ws.store.path), "item-1"))
    try:
        started = time.monotonic()
        result = sync_item(ws, "item-1", wait=True, wait_timeout=0.3)
    finally:
        holder.kill()
        holder.wait()
    assert time.monotonic() - started < 30
    assert not result.ok and result.error_code == "SYNC_ALREADY_RUNNING"
