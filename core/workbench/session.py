"""A private DuckDB instance for an analyst's SQL, locked down by DuckDB's own switches.

The instance lives in memory and reads the copied read model (Arrow tables, registered by name;
nothing else is in it). Before any query runs it gets a memory limit, no spilling to disk, no
extension installs or loads, no scans of Python variables, `enable_external_access = false` (no
file or network: COPY ... TO, ATTACH of a file, read_csv('/etc/...'), read_parquet('http://...'),
EXPORT DATABASE) and then `lock_configuration = true`, so no query can change any of it back.
Whatever a query refuses to do is refused by DuckDB, in DuckDB's words; nothing here reads the
SQL. A query may create, change or drop what it likes inside the instance: that touches neither
the file nor anything another query sees (the dashboard gives every run a fresh instance).

Every query has a time limit, enforced by interrupting it, and can be cancelled from another thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

import duckdb
import pyarrow as pa

from core.errors import FinboardError

MEMORY_LIMIT = "1GB"  # DuckDB's working memory for one instance; the copied tables are not counted in it
MAX_RESULT_BYTES = 512 * 2**20  # a bigger result keeps its first rows and says so
BATCH_ROWS = 65_536
_POLL = 0.05  # how often the watcher looks at the clock while a query runs

# Set before the lock, in this order; `lock_configuration` must come last.
_LOCKDOWN = (
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


class QueryError(FinboardError):
    """DuckDB refused or failed a query; the message is DuckDB's own."""


class QueryStopped(QueryError):
    """The query hit the time limit or was cancelled."""


@dataclass(frozen=True)
class QueryResult:
    """The last statement's rows (all of them unless `truncated`), and how long the query took."""

    table: pa.Table
    seconds: float
    truncated: bool = False

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)

    @property
    def columns(self) -> list[str]:
        return list(self.table.column_names)


@dataclass(frozen=True)
class Relation:
    """A table or view a query can read, with its columns as (name, DuckDB type)."""

    name: str
    columns: tuple[tuple[str, str], ...]


class Workbench:
    """One locked-down DuckDB instance over `relations`. Use as a context manager, or close() it."""

    def __init__(
        self, relations: Mapping[str, pa.Table], *, time_limit: float, memory_limit: str = MEMORY_LIMIT
    ) -> None:
        """`time_limit` in seconds (Settings.sql_time_limit, 20 by default)."""
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self._con = duckdb.connect(
            ":memory:",
            config={
                "memory_limit": memory_limit,
                "temp_directory": "",  # no spilling: everything stays in this process's memory
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "python_enable_replacements": False,  # a query cannot read a Python variable by its name
            },
        )
        for name, table in relations.items():
            self._con.register(name, table)
        for statement in _LOCKDOWN:
            self._con.execute(statement)
        self._stop_reason: str | None = None

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def catalog(self) -> list[Relation]:
        """The tables and views queries can read now, with their columns, as the instance lists them."""
        rows = self._con.sql(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
        grouped: dict[str, list[tuple[str, str]]] = {}
        for table, column, kind in rows:
            grouped.setdefault(str(table), []).append((str(column), str(kind)))
        return [Relation(name, tuple(columns)) for name, columns in grouped.items()]

    def run(self, sql: str) -> QueryResult:
        """Run a script (one or more statements); returns the last statement's result.

        Raises QueryStopped past the time limit or when cancel() is called, QueryError when DuckDB refuses.
        """
        if not sql.strip():
            raise QueryError("Nothing to run: write a query first.")
        self._stop_reason = None
        done = threading.Event()
        started = time.perf_counter()
        watcher = threading.Thread(target=self._watch, args=(done, started), daemon=True)
        watcher.start()
        try:
            relation = self._con.sql(sql)
            table, truncated = _collect(relation) if relation is not None else (pa.table({}), False)
            if self._stop_reason is not None:  # stopped between two statements
                raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")
        except (duckdb.Error, OSError) as e:  # pyarrow raises OSError when a streamed read is interrupted
            raise self._error(e, time.perf_counter() - started) from None
        finally:
            done.set()
            watcher.join()
        return QueryResult(table, time.perf_counter() - started, truncated)

    def cancel(self) -> None:
        """Stop the running query (from another thread); its run() raises QueryStopped."""
        self._stop_reason = self._stop_reason or "cancel"

    def _watch(self, done: threading.Event, started: float) -> None:
        # Interrupt repeatedly once stopping: an interrupt that lands between two statements of a script is lost.
        while not done.wait(_POLL):
            if self._stop_reason is None and time.perf_counter() - started >= self.time_limit:
                self._stop_reason = "time"
            if self._stop_reason is not None:
                self._con.interrupt()

    def _error(self, error: Exception, seconds: float) -> QueryError:
        if self._stop_reason == "time":
            return QueryStopped(
                f"Stopped after {self.time_limit:g} s, the time limit for one query. Narrow it down (a WHERE on "
                "date, a LIMIT, fewer joins) or aggregate in SQL."
            )
        if self._stop_reason == "cancel":
            return QueryStopped(f"Cancelled after {seconds:.1f} s.")
        text = str(error).strip()
        if isinstance(error, duckdb.OutOfMemoryException):  # DuckDB's advice (SET memory_limit ...) is locked out here
            advice = f"Each query may use up to {self.memory_limit} of memory: aggregate in SQL, or add a LIMIT."
            text = f"{text.splitlines()[0]}\n{advice}"
        return QueryError(text)


def _collect(relation: duckdb.DuckDBPyRelation) -> tuple[pa.Table, bool]:
    """Read a result batch by batch, stopping at MAX_RESULT_BYTES."""
    reader = relation.to_arrow_reader(BATCH_ROWS)
    batches: list[pa.RecordBatch] = []
    size = 0
    truncated = False
    for batch in reader:
        batches.append(batch)
        size += batch.nbytes
        if size > MAX_RESULT_BYTES:
            truncated = True
            break
    reader.close()
    table = pa.Table.from_batches(batches, schema=reader.schema)
    return table.rename_columns(unique_names(table.column_names)), truncated


def unique_names(names: list[str]) -> list[str]:
    """Column names with repeats told apart (`SELECT 1 AS a, 2 AS a` gives a and "a (2)"), as tables need."""
    used: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate in used:
            n += 1
            candidate = f"{name} ({n})"
        used.add(candidate)
        out.append(candidate)
    return out
