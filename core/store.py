"""The DuckDB file: schema migrations, short-lived connections, and the data version.

DuckDB lets one process hold a database file at a time (DESIGN.md section 4), so no process
keeps a connection: every unit of work opens the file, does its work and closes it, retrying
with backoff while another process holds the lock. Inside one process, threads that open the
same file at the same time share one database instance, which DuckDB makes thread-safe.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from core.errors import FinboardError, path_problem

# Longest pause between attempts to open a busy file. Writers that work in steps (the sync's
# staging) pause longer than this between steps, so a waiting reader gets in between them.
LOCK_POLL_MAX = 0.1
LOCK_PATTERN = re.compile(r"Could not set lock|Conflicting lock", re.IGNORECASE)
PID_PATTERN = re.compile(r"PID (\d+)")


class StoreError(FinboardError):
    """The database file cannot be used; the message says why and what to do."""


class StoreBusy(StoreError):
    """Another process held the database longer than we were willing to wait."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The schema's history, oldest first, from core/migrations/NNNN_name.sql."""
    found = []
    for entry in resources.files("core.migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration versions must run 1..N without gaps: {[m.version for m in found]}")
    return found


LATEST_VERSION = len(migrations())

# Within one process, threads share one DuckDB instance per file. DuckDB resolves concurrent
# writers optimistically (a conflict aborts one), so writers to a file take turns here instead.
_write_locks: dict[Path, threading.RLock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(path: Path) -> threading.RLock:
    with _write_locks_guard:
        return _write_locks.setdefault(path.resolve(), threading.RLock())


class Store:
    """One DuckDB file. Use `with store.connect() as con:` or `with store.transaction() as con:`."""

    def __init__(self, path: Path, *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._migrated = False

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the file for one unit of work (migrating it on first use) and close it after."""
        con = self._open()
        try:
            if not self._migrated:
                with _write_lock(self.path):
                    migrate(con)
                self._migrated = True
            yield con
        except duckdb.IOException as e:
            if str(self.path) not in str(e):  # e.g. an export's file: its writer says what went wrong
                raise
            raise StoreError(_describe_io_error(self.path, e)) from None  # e.g. a file cut short
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside BEGIN ... COMMIT; any exception rolls everything back."""
        with _write_lock(self.path), self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _open(self) -> duckdb.DuckDBPyConnection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(
                f"Cannot create the directory {self.path.parent} for the database "
                f"({path_problem(self.path, e.strerror or str(e))}). "
                "Set FINBOARD_DB to a file in a directory you can write to."
            ) from None
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.01
        while True:
            try:
                con = duckdb.connect(str(self.path))
                con.execute("SET enable_progress_bar = false")  # DuckDB would draw it on stdout during long queries
                return con
            except duckdb.IOException as e:
                if not LOCK_PATTERN.search(str(e)):
                    raise StoreError(_describe_io_error(self.path, e)) from None
                if time.monotonic() >= deadline:
                    pid = PID_PATTERN.search(str(e))
                    holder = f" (process {pid[1]})" if pid else ""
                    raise StoreBusy(
                        f"The database {self.path} is busy: another Finboard process{holder} has "
                        f"been using it for over {self.lock_timeout:.0f} s. Try again when it "
                        "finishes, or stop it."
                    ) from None
            except duckdb.Error as e:
                raise StoreError(_describe_io_error(self.path, e)) from None
            # Jittered exponential backoff: short waits first, since units of work are short.
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, LOCK_POLL_MAX)

    # -- data version ------------------------------------------------------------------------

    @property
    def version_file(self) -> Path:
        return self.path.with_name(self.path.name + ".version")

    def data_version(self) -> int:
        """A counter bumped after every committed change; readable without opening the database."""
        try:
            return int(self.version_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0

    def bump_data_version(self) -> int:
        """Record that committed data changed, so caches keyed on the version refresh."""
        version = max(self.data_version() + 1, time.time_ns() // 1_000_000)
        tmp = self.version_file.with_name(f"{self.version_file.name}.{os.getpid()}.tmp")
        tmp.write_text(f"{version}\n")
        os.replace(tmp, self.version_file)
        return version


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, target: int | None = None) -> int:
    """Bring the schema to `target` (default: latest) in one transaction; returns the version."""
    current = schema_version(con)
    target = LATEST_VERSION if target is None else target
    if current > LATEST_VERSION:
        raise StoreError(
            f"This database is from a newer Finboard (schema {current}; this one knows up to "
            f"{LATEST_VERSION}). Update Finboard (git pull; make run) to open it."
        )
    pending = [m for m in migrations() if current < m.version <= target]
    if not pending:
        return current
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
        )
        for m in pending:
            con.execute(m.sql)
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [m.version, m.name])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return pending[-1].version


def _describe_io_error(path: Path, e: duckdb.Error) -> str:
    text = str(e)
    if "not a valid DuckDB database" in text or "Serialization" in text or "magic" in text.lower():
        return (
            f"{path} is not a Finboard database (DuckDB could not read it). Point FINBOARD_DB at "
            "another file; this one was left untouched."
        )
    if re.search(r"Could not read enough bytes|[Cc]orrupt|checksum", text):
        return (
            f"{path} is damaged: it ends early or was corrupted (a copy cut short, a full disk?). Restore it "
            "from a backup, or point FINBOARD_DB at another file; this one was left untouched."
        )
    if "Permission denied" in text:
        return f"No permission to open {path}. Fix the file's permissions or set FINBOARD_DB elsewhere."
    if "Read-only file system" in text:
        return f"{path} is on a read-only file system. Set FINBOARD_DB to a file in a directory you can write to."
    reason = path_problem(path, text.splitlines()[0].rsplit(": ", 1)[-1])
    return f"Cannot open the database {path} ({reason}). Set FINBOARD_DB to a file in a directory you can write to."
