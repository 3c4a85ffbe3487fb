"""`finboard sql`: one query to a table or a file, or an interactive prompt.

Like every Finboard process, it opens the database only to copy what the query reads (a unit of
work, so it works while the dashboard runs), then queries the copy on a locked-down instance. A
query runs in a worker thread so Ctrl-C can cancel it. The prompt keeps a history beside the
database (`<db>.sql_history`), takes statements over several lines (a line ending with `;` runs
them) and refreshes its copy when the data changes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

import pyarrow as pa

from core.analytics.filters import Filters
from core.store import Store
from core.text import printable
from core.workbench.output import (
    BINARY_FORMATS,
    TERMINAL_ROWS,
    OutputFormat,
    json_lines,
    result_bytes,
    text_table,
)
from core.workbench.readmodel import (
    FILTERED,
    PUBLIC,
    ReadModelCopy,
    copy_read_model,
    filtered_transactions,
    relations_named,
)
from core.workbench.session import QueryError, QueryResult, Relation, Workbench

HISTORY_LENGTH = 1000
HELP = """Statements end with `;` and may span lines. Commands:
  .tables          the tables and views you can query, with their columns
  .refresh         copy the data again (also done by itself when the data changes)
  .help            this text
  .quit            leave (or Ctrl-D)
Ctrl-C cancels a running query, or the statement being typed."""


@dataclass(frozen=True)
class Copy:
    """What one workbench reads: the copied read model and, when asked for, filtered_transactions."""

    model: ReadModelCopy
    tables: dict[str, pa.Table]


def make_copy(store: Store, filters: Filters, today: date, names: Iterable[str] | None = None) -> Copy:
    """Copy the public relations in `names` (all when None) and filtered_transactions when it is named."""
    wanted = None if names is None else set(names)
    model = copy_read_model(store, wanted, today)
    tables = dict(model.tables)
    if wanted is None or FILTERED in wanted:
        tables[FILTERED] = filtered_transactions(store, model.tables["transactions"], filters, today)
    return Copy(model, tables)


def run_once(store: Store, sql: str, filters: Filters, today: date, *, time_limit: float) -> QueryResult:
    """Copy what `sql` reads (filtered_transactions by `filters`), run it on a fresh workbench, close it."""
    copy = make_copy(store, filters, today, relations_named(sql))
    with Workbench(copy.tables, time_limit=time_limit) as workbench:
        return run_cancellable(workbench, sql)


def run_cancellable(workbench: Workbench, sql: str) -> QueryResult:
    """Run `sql` in a worker thread; Ctrl-C (SIGINT) cancels the query instead of stopping the program.

    The handler only asks the workbench to stop: a KeyboardInterrupt raised inside Thread.join() can leave
    the thread looking finished while DuckDB still runs its query.
    """
    outcome: list[QueryResult | BaseException] = []

    def work() -> None:
        try:
            outcome.append(workbench.run(sql))
        except BaseException as e:  # handed to the caller's thread
            outcome.append(e)

    worker = threading.Thread(target=work, name="finboard-sql", daemon=True)
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda signum, frame: workbench.cancel()) if on_main else None
    try:
        worker.start()
        worker.join()
    finally:
        if on_main and previous is not None:
            signal.signal(signal.SIGINT, previous)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def write_result(result: QueryResult, fmt: OutputFormat, out: Path | None, stdout: TextIO) -> None:
    """Print or write the result in `fmt`; a file is written whole or not at all."""
    table = result.table
    if out is None:
        if fmt in BINARY_FORMATS:
            raise QueryError(f"{fmt} is a binary format: give a file with --out FILE.{fmt}.")
        limit = TERMINAL_ROWS if fmt == "table" and stdout.isatty() else None
        for chunk in _text(table, fmt, limit):
            stdout.write(chunk)
        stdout.flush()
        return
    from core.export import atomic_file

    with atomic_file(out.expanduser().resolve()) as tmp:
        if fmt in ("csv", "parquet", "xlsx"):
            tmp.write_bytes(result_bytes(table, fmt))
        else:
            with tmp.open("w", encoding="utf-8") as f:
                for chunk in _text(table, fmt, None):
                    f.write(chunk)


def _text(table: pa.Table, fmt: OutputFormat, limit: int | None) -> Iterable[str]:
    if fmt == "table":
        yield text_table(table, limit=limit)
    elif fmt == "json":
        for line in json_lines(table):
            yield line + "\n"
    else:
        yield result_bytes(table, "csv").decode("utf-8")


def describe(result: QueryResult) -> str:
    rows = f"{result.rows:,} row{'' if result.rows == 1 else 's'}"
    cut = ", cut at the size limit" if result.truncated else ""
    return f"{rows}{cut} in {result.seconds:.3f} s"


# -- interactive prompt ----------------------------------------------------------------------


class Shell:
    """The interactive prompt. `read_line(prompt)` defaults to input() (with readline's editing and history)."""

    def __init__(
        self,
        store: Store,
        filters: Filters,
        today: date,
        *,
        time_limit: float,
        stdout: TextIO = sys.stdout,
        stderr: TextIO = sys.stderr,
        read_line: Callable[[str], str] | None = None,
    ) -> None:
        self.store = store
        self.filters = filters
        self.today = today
        self.time_limit = time_limit
        self.stdout = stdout
        self.stderr = stderr
        self.read_line = read_line or input
        self.history = History(store.path.with_name(store.path.name + ".sql_history")) if read_line is None else None
        self._workbench: Workbench | None = None
        self._version = -1

    def loop(self) -> int:
        self._refresh(quiet=True)
        tables = ", ".join([*PUBLIC, FILTERED])
        self.stdout.write(f"SQL over a read-only copy of your data: {tables}. .help for help, .quit to leave.\n")
        try:
            while (statement := self._read_statement()) is not None:
                if statement and not self.execute(statement):
                    break
        finally:
            if self._workbench is not None:
                self._workbench.close()
            if self.history is not None:
                self.history.save()
        return 0

    def execute(self, text: str) -> bool:
        """Run one command or statement and print what came of it; False when the person asked to leave."""
        command = text.strip().rstrip(";").strip()
        if command in (".quit", ".exit"):
            return False
        if command == ".help":
            self.stdout.write(HELP + "\n")
        elif command == ".refresh":
            self._refresh(quiet=False)
        elif command == ".tables":
            assert self._workbench is not None
            self.stdout.write(describe_catalog(self._workbench.catalog()))
        elif command.startswith("."):
            self.stderr.write(f"Unknown command {printable(command.split()[0])}; .help lists them.\n")
        else:
            self._query(text)
        return True

    def _query(self, text: str) -> None:
        if self.store.data_version() != self._version:
            self._refresh(quiet=False)
        assert self._workbench is not None
        try:
            result = run_cancellable(self._workbench, text)
        except QueryError as e:
            self.stderr.write(f"{e}\n")
            return
        write_result(result, "table", None, self.stdout)
        self.stdout.write(f"{describe(result)}\n")

    def _refresh(self, *, quiet: bool) -> None:
        copy = make_copy(self.store, self.filters, self.today)
        if self._workbench is not None:
            self._workbench.close()
        self._workbench = Workbench(copy.tables, time_limit=self.time_limit)
        self._version = copy.model.version
        if not quiet:
            self.stdout.write(f"Copied the data again ({copy.model.seconds:.1f} s); tables you created are gone.\n")

    def _read_statement(self) -> str | None:
        """Lines up to one ending with `;` (a command is one line); None at the end of input."""
        lines: list[str] = []
        while True:
            try:
                line = self.read_line("sql> " if not lines else "...> ")
            except EOFError:
                self.stdout.write("\n")
                return None
            except KeyboardInterrupt:
                self.stdout.write("^C\n")
                lines = []
                continue
            if not lines and line.strip().startswith("."):
                return line
            lines.append(line)
            if line.rstrip().endswith(";"):
                statement = "\n".join(lines)
                if self.history is not None:
                    self.history.replace_last(len(lines), " ".join(x.strip() for x in lines))
                return statement
            if not line.strip() and len(lines) == 1:
                return ""


def describe_catalog(relations: list[Relation]) -> str:
    return "".join(
        f"{printable(r.name)}: {', '.join(f'{printable(c)} {t}' for c, t in r.columns)}\n" for r in relations
    )


class History:
    """readline's history, kept in a file readable only by its owner; a statement typed over several
    lines is recalled as one line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            import readline
        except ImportError:  # Windows without pyreadline: no editing, no history
            self.readline = None
            return
        self.readline = readline
        readline.set_history_length(HISTORY_LENGTH)
        with contextlib.suppress(OSError):
            readline.read_history_file(str(path))

    def replace_last(self, count: int, statement: str) -> None:
        if self.readline is None or count <= 1:
            return
        length = self.readline.get_current_history_length()
        for position in range(length - 1, max(length - count, 0) - 1, -1):
            self.readline.remove_history_item(position)
        self.readline.add_history(statement)

    def save(self) -> None:
        if self.readline is None:
            return
        try:
            self.path.touch(mode=0o600, exist_ok=True)
            os.chmod(self.path, 0o600)
            self.readline.write_history_file(str(self.path))
        except OSError:
            pass  # a history that cannot be saved is not worth an error at exit
