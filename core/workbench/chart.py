"""The one-click chart of a query result: which columns go where, and the points to draw.

Pure functions over an Arrow table, so every result shape can be tested without a browser:
`default_chart` picks x, y, colour and a chart type from the column types, `parse_chart` reads a
chart from URL parameters, and `chart_data` computes what to draw.

The rule for what is drawn, also on screen: rows with the same x (and colour) are added up (bar,
line, area), or counted when no y is chosen; a scatter draws rows as they are. Amounts in
different currencies are never added: when the result has a currency column that is neither x
nor colour, it splits the series too. At most MAX_POINTS points are drawn and a note says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast, get_args

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.workbench.columns import column_kinds

ChartKind = Literal["bar", "line", "area", "scatter"]
CHART_KINDS: tuple[ChartKind, ...] = get_args(ChartKind)
CHART_KEYS = ("chart", "x", "y", "color")  # URL parameters
CURRENCY_COLUMNS = ("currency", "iso_currency_code", "unofficial_currency_code")
MAX_POINTS = 5000
MAX_SERIES = 12  # a default colour column has at most this many values
MAX_BARS = 60  # bars along a text x: the largest ones
COUNT = "rows"  # the y label when rows are counted


@dataclass(frozen=True)
class ChartSpec:
    """A chart of a result: its type, the x column, the y column (None: count rows) and the colour column."""

    kind: ChartKind
    x: str
    y: str | None = None
    color: str | None = None

    def to_query(self) -> dict[str, list[str]]:
        q: dict[str, list[str]] = {"chart": [self.kind], "x": [self.x]}
        if self.y:
            q["y"] = [self.y]
        if self.color:
            q["color"] = [self.color]
        return q


@dataclass(frozen=True)
class ChartData:
    """The points to draw: columns x, y and series (None when there is one series), plus notes to show."""

    spec: ChartSpec
    frame: pd.DataFrame
    y_label: str
    notes: tuple[str, ...] = ()


def default_chart(table: pa.Table) -> ChartSpec | None:
    """The chart a person most likely wants, or None when the result has nothing to chart.

    x: the first date or timestamp column (a line), else the first text column (bars), else the first
    number (a scatter against the next number). y: the first number that is not x (none: count rows).
    Colour: a currency column with several values, else a text column with 2 to MAX_SERIES values.
    """
    if table.num_rows == 0 or len(set(table.column_names)) != table.num_columns:
        return None
    kinds = column_kinds(table.schema)
    times = [c for c, k in kinds.items() if k == "time"]
    texts = [c for c, k in kinds.items() if k == "text"]
    numbers = [c for c, k in kinds.items() if k == "number"]
    if times or texts:
        x = (times or texts)[0]
        kind: ChartKind = "line" if times else "bar"
    elif len(numbers) >= 2:
        x, kind = numbers[0], "scatter"
    else:
        return None
    y = next((c for c in numbers if c != x), None)
    return ChartSpec(kind, x, y, _default_color(table, [c for c in texts if c != x]))


def _default_color(table: pa.Table, candidates: Sequence[str]) -> str | None:
    ordered = sorted(candidates, key=lambda c: c.lower() not in CURRENCY_COLUMNS)  # currencies first
    for column in ordered:
        values = pc.count_distinct(table.column(column), mode="all").as_py()
        if 2 <= values <= MAX_SERIES:
            return column
    return None


def parse_chart(params: Mapping[str, Sequence[str]], table: pa.Table) -> tuple[ChartSpec | None, list[str]]:
    """A chart from URL parameters (chart, x, y, color) for this result; unusable values are explained."""

    def one(key: str) -> str | None:
        values = [v for v in params.get(key, ()) if v]
        return values[0] if values else None

    kind, x, y, color = one("chart"), one("x"), one("y"), one("color")
    if kind is None:
        return None, []
    problems: list[str] = []
    kinds = column_kinds(table.schema)
    if kind not in CHART_KINDS:
        return None, [f"`chart={kind}` is not a chart type ({', '.join(CHART_KINDS)})."]
    if x not in kinds or kinds[x] == "other":
        return None, [f"`x={x or ''}` is not a column of this result that can be drawn."]
    if y is not None and (kinds.get(y) != "number" or y == x):
        problems.append(f"`y={y}` is not a number column of this result; counting rows instead.")
        y = None
    if color is not None and (color not in kinds or kinds[color] == "other" or color == x):
        problems.append(f"`color={color}` cannot colour this chart; left out.")
        color = None
    if kind == "scatter" and y is None:
        problems.append("A scatter needs a number for y; drawn as bars.")
        kind = "bar"
    return ChartSpec(cast(ChartKind, kind), x, y, color), problems


def chart_data(table: pa.Table, spec: ChartSpec) -> ChartData:
    """What to draw for `spec` over the whole result `table` (see the module's rule)."""
    kinds = column_kinds(table.schema)
    currency = next(
        (c for c in table.column_names if c.lower() in CURRENCY_COLUMNS and c not in (spec.x, spec.color)), None
    )
    if currency is not None and pc.count_distinct(table.column(currency), mode="all").as_py() < 2:
        currency = None
    splits = [c for c in (spec.color, currency) if c]
    notes: list[str] = []
    if currency is not None:
        notes.append(f"Amounts in different currencies are kept apart (by {currency}).")
    y_label = spec.y or COUNT

    if spec.kind == "scatter":
        frame = table.select([spec.x, *([spec.y] if spec.y else []), *splits]).to_pandas()
        frame = frame.rename(columns={spec.x: "x", **({spec.y: "y"} if spec.y else {})})
    else:
        grouped = table.group_by([spec.x, *splits], use_threads=False)
        aggregation: list[tuple[str | list[str], str]] = [(spec.y, "sum")] if spec.y else [([], "count_all")]
        summed = grouped.aggregate(aggregation)
        frame = summed.to_pandas().rename(columns={spec.x: "x", f"{spec.y}_sum": "y", "count_all": "y"})
    frame["series"] = _series(frame, splits)
    frame = frame[["x", "y", "series"]]

    if spec.kind != "scatter" and kinds.get(spec.x) == "text":
        totals = frame.groupby("x", dropna=False, sort=False)["y"].sum().map(float).sort_values(ascending=False)
        if len(totals) > MAX_BARS:
            notes.append(f"The {MAX_BARS} largest of {len(totals):,} values of {spec.x} are drawn.")
            frame = frame[frame["x"].isin(totals.index[:MAX_BARS])]
        order = {value: i for i, value in enumerate(totals.index)}
        frame = frame.sort_values("x", key=lambda s: s.map(order), kind="stable")
    elif spec.kind != "scatter":
        frame = frame.sort_values("x", kind="stable", na_position="first")
    if len(frame) > MAX_POINTS:
        notes.append(f"The first {MAX_POINTS:,} of {len(frame):,} points are drawn.")
        frame = frame.head(MAX_POINTS)
    return ChartData(spec, frame.reset_index(drop=True), y_label, tuple(notes))


def _series(frame: pd.DataFrame, splits: Sequence[str]) -> pd.Series:
    if not splits:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    parts = [frame[c].map(lambda v: "NULL" if v is None or v is pd.NA or v != v else str(v)) for c in splits]
    label = parts[0]
    for part in parts[1:]:
        label = label + " · " + part
    return label
