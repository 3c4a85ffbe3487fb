"""One sync per item at a time, across threads and processes, and coalescing of extra requests.

Each item has a lock file beside the database. `flock` locks belong to an open file, so two
threads of one process exclude each other as two processes do, and the kernel releases the
lock when its holder dies (even by SIGKILL), so a killed sync never blocks the next one.

A request that finds the item busy and does not want to wait leaves a "sync again" mark. The
running sync clears the mark before it reads Plaid and looks for it after it releases the lock:
a mark set meanwhile (say by a webhook) means Plaid may have changes it did not see, so it
takes the lock again and runs another pass.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

POLL_SECONDS = 0.05


def sync_dir(db_path: Path) -> Path:
    """The folder beside the database for lock files and staging: `<db>.sync/`."""
    return db_path.with_name(db_path.name + ".sync")


def item_key(item_id: str) -> str:
    """A file-name-safe, collision-free name for an item."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", item_id)[:48]
    return f"{readable}-{hashlib.sha256(item_id.encode()).hexdigest()[:8]}"


class ItemLock:
    """An exclusive lock on one item's sync; `acquire` can wait or give up at once."""

    def __init__(self, directory: Path, item_id: str) -> None:
        self.path = directory / f"{item_key(item_id)}.lock"
        self.again_mark = directory / f"{item_key(item_id)}.again"
        self._fd: int | None = None

    def acquire(self, *, wait: bool, timeout: float = 600.0, on_wait: Callable[[], None] | None = None) -> bool:
        """Take the lock; False when it is held elsewhere and `wait` is False or `timeout` passed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fd = fd
                return True
            except BlockingIOError:
                if not wait or time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                if on_wait and not waited:
                    on_wait()
                waited = True
                time.sleep(POLL_SECONDS)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the flock
            self._fd = None

    # -- coalescing ------------------------------------------------------------------------------

    def request_another_pass(self) -> None:
        """Ask whoever holds the lock to sync once more after its current pass."""
        self.again_mark.parent.mkdir(parents=True, exist_ok=True)
        self.again_mark.touch()

    def clear_request(self) -> None:
        self.again_mark.unlink(missing_ok=True)

    def another_pass_requested(self) -> bool:
        return self.again_mark.exists()
