"""The emulator's durable state as one JSON document, optionally persisted to a file shared by processes.

Several processes may run an emulator on the same file (the dashboard and a cron `finboard sync`): every write
happens under an exclusive fcntl lock on a sidecar `.lock` file, re-reads the file first, and replaces it
atomically; readers reload when the file's identity (inode, size, mtime) changed. Tokens are stored as SHA-256
hashes only.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import orjson

T = TypeVar("T")
STATE_VERSION = 1


def empty_state() -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "next_ordinal": 0,
        "signing_key": None,
        "items": {},
        "public_tokens": {},
        "link_tokens": {},
    }


class StateStore:
    """Holds the state document; `update` is the only way to change it."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self.generation = 0  # bumped whenever the document changes (here or in another process)
        self._state = empty_state()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked():
                self._reload()

    @property
    def state(self) -> dict[str, Any]:
        """The current document (refresh() first to see other processes' writes). Do not mutate it."""
        return self._state

    def refresh(self) -> bool:
        """Reload if another process replaced the file; True when the document changed."""
        if self.path is None or self._file_stamp() == self._stamp:
            return False
        with self._locked(shared=True):
            return self._reload()

    def update(self, change: Callable[[dict[str, Any]], T]) -> T:
        """Apply `change` to the freshest document and persist it; if `change` raises nothing is written."""
        if self.path is None:
            draft = copy.deepcopy(self._state)
            result = change(draft)
            self._state = draft
            self.generation += 1
            return result
        with self._locked():
            self._reload()
            draft = copy.deepcopy(self._state)
            result = change(draft)
            self._write(draft)
            self._state = draft
            self.generation += 1
            return result

    # ------------------------------------------------------------------------------------------ file

    @contextlib.contextmanager
    def _locked(self, shared: bool = False) -> Iterator[None]:
        assert self.path is not None
        with open(self.path.with_name(self.path.name + ".lock"), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _file_stamp(self) -> tuple[int, int, int] | None:
        assert self.path is not None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _reload(self) -> bool:
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return False
        if stamp is not None:
            assert self.path is not None
            loaded = orjson.loads(self.path.read_bytes())
            if loaded.get("version") != STATE_VERSION:
                raise ValueError(
                    f"{self.path} is emulator state version {loaded.get('version')}, expected "
                    f"{STATE_VERSION}; delete it to start a fresh emulator world"
                )
            self._state = loaded
            self.generation += 1
        self._stamp = stamp
        return True

    def _write(self, document: dict[str, Any]) -> None:
        assert self.path is not None
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", dir=self.path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        self._stamp = self._file_stamp()
