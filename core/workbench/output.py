"""A query result as an aligned text table, CSV, JSON, Parquet or XLSX (for `finboard sql` and downloads).

CSV and XLSX go through core.export's table writer, so a result is written exactly as every other
export (including what keeps spreadsheet formulas from running); Parquet is written from Arrow with
DuckDB's types. JSON keeps DECIMAL
exact (written as a number, e.g. 12.50) and dates as ISO text. The text table is for reading:
control characters in the data are left out (core.text.printable), so a bank's text cannot move a
terminal's cursor.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

import pyarrow as pa
import pyarrow.parquet as pq

from core.text import printable
from core.workbench.columns import column_kinds

if TYPE_CHECKING:
    from core.export import Format

OutputFormat = Literal["table", "csv", "json", "parquet", "xlsx"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = get_args(OutputFormat)
BINARY_FORMATS = ("parquet", "xlsx")
TERMINAL_ROWS = 40  # rows a table shows on a terminal (all of them in a file or a pipe)
MAX_CELL = 60  # characters of one cell in a text table


def format_for(out: Path | None, requested: str | None) -> OutputFormat:
    """The format asked for, else the one the file name says, else a table."""
    if requested:
        return _checked(requested)
    if out is not None:
        suffix = out.suffix.lower().lstrip(".")
        if suffix in OUTPUT_FORMATS:
            return _checked(suffix)
    return "table"


def _checked(name: str) -> OutputFormat:
    for fmt in OUTPUT_FORMATS:
        if fmt == name:
            return fmt
    raise ValueError(name)


def result_bytes(table: pa.Table, fmt: Format) -> bytes:
    """The whole result as a CSV, Parquet or XLSX file. CSV and XLSX go through the shared export writer;
    Parquet is written from Arrow, so every type stays DuckDB's (DECIMAL(18,2), not what pandas infers)."""
    if fmt == "parquet":
        buffer = pa.BufferOutputStream()
        pq.write_table(table, buffer)
        return bytes(buffer.getvalue())
    from core.export import table_bytes  # pandas is imported only when a file is asked for (~0.5 s)

    return table_bytes(table.to_pandas(), fmt, sheet="query")


# -- text table ------------------------------------------------------------------------------


def text_table(table: pa.Table, *, limit: int | None = None) -> str:
    """The result as an aligned table with a row count; at most `limit` rows are shown."""
    shown = table if limit is None else table.slice(0, limit)
    kinds = column_kinds(table.schema)
    names = [printable(n) for n in table.column_names]
    columns = [[_cell(v) for v in column.to_pylist()] for column in shown.columns]
    widths = [max([len(name), *(len(c) for c in cells)]) for name, cells in zip(names, columns, strict=True)]
    right = [kinds[n] == "number" for n in table.column_names]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)).rstrip()

    out = [line(names), line(["-" * w for w in widths])]
    out += [line([column[i] for column in columns]) for i in range(shown.num_rows)]
    count = f"{table.num_rows:,} row{'' if table.num_rows == 1 else 's'}"
    if shown.num_rows < table.num_rows:
        count += f", the first {shown.num_rows:,} shown (--format csv or --out FILE for all)"
    out.append(f"({count})")
    return "\n".join(out) + "\n"


def _cell(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date | time):
        text = value.isoformat()
    elif isinstance(value, list):
        text = "[" + ", ".join(_cell(v) for v in value) + "]"
    else:
        text = str(value)
    text = printable(text)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


# -- JSON ------------------------------------------------------------------------------------


def json_lines(table: pa.Table) -> Iterator[str]:
    """The result as a JSON array with one object per line (DECIMAL stays exact)."""
    names = [json.dumps(n) for n in table.column_names]
    yield "["
    rows = table.num_rows
    index = 0
    for batch in table.to_batches(max_chunksize=10_000):
        columns = [c.to_pylist() for c in batch.columns]
        for i in range(batch.num_rows):
            fields = ", ".join(f"{n}: {_json(column[i])}" for n, column in zip(names, columns, strict=True))
            index += 1
            yield "{" + fields + "}" + ("," if index < rows else "")
    yield "]"


def _json(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else json.dumps(str(value))
    if isinstance(value, float) and value != value:
        return "null"
    if isinstance(value, bool | int | float | str):
        return json.dumps(value)
    if isinstance(value, datetime | date | time):
        return json.dumps(value.isoformat())
    if isinstance(value, timedelta):
        return json.dumps(str(value))
    if isinstance(value, bytes):
        return json.dumps(base64.b64encode(value).decode("ascii"))
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_json(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))
