"""What each column of a result is, for charts and tables: a time, a number, text or something else."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa

ColumnKind = Literal["time", "number", "text", "other"]


def column_kinds(schema: pa.Schema) -> dict[str, ColumnKind]:
    """Each column's role in a chart, from its Arrow type."""
    kinds: dict[str, ColumnKind] = {}
    for field in schema:
        t = field.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if pa.types.is_temporal(t) and not pa.types.is_duration(t) and not pa.types.is_time(t):
            kinds[field.name] = "time"
        elif pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            kinds[field.name] = "number"
        elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_boolean(t):
            kinds[field.name] = "text"
        else:
            kinds[field.name] = "other"
    return kinds
