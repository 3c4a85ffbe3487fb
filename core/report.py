"""What the registry's charts export as: the data behind one chart or data set (CSV, Parquet, XLSX), one chart
as an image or HTML page with its title and caption, and the report bundle of them all. Shared by the
dashboard's "Report bundle" button and `finboard export`, so it does not import Streamlit."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any, cast

import pandas as pd
import plotly.graph_objects as go

from core import export
from core.analytics import ledger
from core.analytics.filters import Filters
from core.analytics.intervals import Interval
from core.charts.caption import caption, titled
from core.charts.registry import CHARTS, Chart
from core.export import ExportError, ReportChart
from core.store import Store


def chart(name: str) -> Chart:
    """The registry's chart or data set `name`; an ExportError naming the choices otherwise."""
    if name not in CHARTS:
        raise ExportError(f"Unknown chart or data set {name!r}; choose one of: transactions, {', '.join(CHARTS)}.")
    return CHARTS[name]


def dataset_frame(store: Store, name: str, filters: Filters, today: date, interval: Interval) -> pd.DataFrame:
    """The rows behind chart or data set `name` for these filters."""
    spec = chart(name)
    with ledger.reading(store) as con:
        return spec.rows(con, filters, today, interval)[0]


def export_dataset(
    store: Store, name: str, fmt: export.Format, out: Path, filters: Filters, today: date, interval: Interval
) -> int:
    """Write the data behind one chart to `out`; returns the number of rows."""
    frame = dataset_frame(store, name, filters, today, interval)
    with export.atomic_file(out.expanduser().resolve()) as tmp:
        tmp.write_bytes(export.table_bytes(frame, fmt, sheet=name))
    return len(frame)


def exported_figure(spec: Chart, frame: pd.DataFrame, filters: Filters, today: date, interval: Interval,
                    *, title: str | None = None, **options: Any) -> go.Figure:  # fmt: skip
    """The chart as it is exported: drawn from `frame`, with its title (or `title`) and caption."""
    fig = spec.figure(frame, filters.currency or "", interval, **options)
    return titled(fig, title or spec.title, caption(filters, today, period=spec.period))


def figure_bytes(fig: go.Figure, fmt: str, title: str) -> bytes:
    """An exported figure as PNG, SVG or PDF (kaleido) or a self-contained HTML page."""
    if fmt == "html":
        return export.figure_html(fig, title)
    return export.figure_image(fig, cast(export.ImageFormat, fmt))


def export_figure(
    store: Store, name: str, fmt: str, out: Path, filters: Filters, today: date, interval: Interval
) -> int:
    """Write chart `name` as PNG, SVG, PDF or HTML to `out`, titled and captioned; returns the rows drawn."""
    spec = chart(name)
    if fmt not in spec.formats:
        raise ExportError(f"{name} exports as {', '.join(spec.formats)}, not {fmt}.")
    with ledger.reading(store) as con:
        frame, used = spec.rows(con, filters, today, interval)
    data = figure_bytes(exported_figure(spec, frame, filters, today, used), fmt, spec.title)
    with export.atomic_file(out.expanduser().resolve()) as tmp:
        tmp.write_bytes(data)
    return len(frame)


def report_charts(store: Store, filters: Filters, today: date, interval: Interval) -> list[ReportChart]:
    """Every chart and data set of the registry for `filters` (which should name a currency), in its order."""
    items = []
    with ledger.reading(store) as con:
        for spec in CHARTS.values():
            frame, used = spec.rows(con, filters, today, interval)
            fig = exported_figure(spec, frame, filters, today, used) if spec.draw else None
            items.append(ReportChart(spec.name, spec.title, fig, frame))
    return items


def write_report(
    store: Store, filters: Filters, today: date, out: Path, *, interval: Interval = "month", images: bool = True
) -> list[str]:
    """Write the bundle zip to `out`; returns the files it holds."""
    items = report_charts(store, filters, today, interval)
    with tempfile.TemporaryDirectory(prefix=".finboard-report-", dir=export.staging_dir(store)) as tmp:
        transactions = Path(tmp) / "transactions.csv"
        count = export.export_transactions(store, "csv", transactions, filters, today)
        manifest: dict[str, object] = {
            "title": "Finboard report",
            "filters": filters.describe(today),
            "interval": interval,
            "transactions": count,
            "data_version": store.data_version(),
        }
        return export.write_bundle(out, items, transactions, manifest, images=images)


def report_bytes(store: Store, filters: Filters, today: date, interval: Interval, *, images: bool = True) -> bytes:
    """The bundle as bytes, for a download button."""
    with tempfile.TemporaryDirectory(prefix=".finboard-report-", dir=export.staging_dir(store)) as tmp:
        out = Path(tmp) / "report.zip"
        write_report(store, filters, today, out, interval=interval, images=images)
        return out.read_bytes()
