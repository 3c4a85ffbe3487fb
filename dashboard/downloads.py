"""Charts with their downloads: the camera button (PNG or SVG, named after the chart and the
filters), and a Download menu with server-side PNG/SVG/PDF (kaleido), self-contained HTML and
the chart's data as CSV, Parquet and XLSX. File contents are made only when clicked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import export
from core.analytics.filters import PERIOD_LABELS, Filters
from core.store import Store
from dashboard.charts import money

IMAGE_STATE = "u_image"  # set by dashboard.filters.image_format


@st.cache_resource(show_spinner=False)
def chromium() -> str | None:
    return export.chromium_path()


def file_stem(name: str, filters: Filters, today: date) -> str:
    return f"finboard-{name}-{filters.slug(today)}"


def scope(filters: Filters, today: date, *, period: bool = True) -> str:
    """What the filters cover, in words: "Last 12 months (2024-03-11 – 2025-03-10) · USD · posted only"
    (without the period when `period` is False)."""
    window = filters.window(today)
    if window.start or window.end:
        dates = f"{window.start or 'first day'} – {window.end or 'today'}"
        label = dates if filters.period == "custom" else f"{PERIOD_LABELS[filters.period]} ({dates})"
    else:
        label = PERIOD_LABELS[filters.period]
    parts = [label] if period else []
    parts.append(filters.currency or "all currencies")
    parts.append("pending included" if filters.include_pending else "posted only")
    if filters.include_transfers:
        parts.append("transfers listed")
    if filters.accounts:
        parts.append(f"{len(filters.accounts)} account{'s' if len(filters.accounts) > 1 else ''}")
    if filters.categories:
        parts.append(f"{len(filters.categories)} categor{'ies' if len(filters.categories) > 1 else 'y'}")
    if filters.merchant:
        parts.append(f"“{filters.merchant}”")
    if filters.min_amount is not None or filters.max_amount is not None:
        low, high = money(_f(filters.min_amount), filters.currency), money(_f(filters.max_amount), filters.currency)
        parts.append(f"amounts {low} to {high}")
    return " · ".join(parts)


def chart(
    fig: go.Figure,
    *,
    name: str,
    title: str,
    filters: Filters,
    today: date,
    data: pd.DataFrame,
    select: bool = False,
) -> Any:
    """Show a chart with its downloads; with `select`, clicks select points and the event is returned."""
    stem = file_stem(name, filters, today)
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": st.session_state.get(IMAGE_STATE, "png"), "filename": stem, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    }
    kwargs: dict[str, Any] = {"on_select": "rerun", "selection_mode": ("points",)} if select else {}
    event = st.plotly_chart(fig, key=f"chart_{name}", config=config, width="stretch", **kwargs)
    subtitle = scope(filters, today)

    def titled() -> go.Figure:  # a copy with its title, made only when a file is asked for
        return go.Figure(fig).update_layout(
            title={"text": f"{title}<br><sup>{subtitle}</sup>", "x": 0.01},
            margin={"t": 80},
            height=max(fig.layout.height or 400, 420),
        )

    with st.popover("Download", icon=":material/download:"):
        if chromium():
            image_row = st.columns(3)
            for column, fmt in zip(image_row, export.IMAGE_FORMATS, strict=True):
                column.download_button(
                    fmt.upper(),
                    data=_image(titled, fmt),
                    file_name=f"{stem}.{fmt}",
                    mime=export.MIME[fmt],
                    key=f"dl_{name}_{fmt}",
                    on_click="ignore",
                )
        else:
            st.caption(export.NO_CHROMIUM)
        st.download_button(
            "HTML (interactive, works offline)",
            data=lambda: export.figure_html(titled(), title),
            file_name=f"{stem}.html",
            mime=export.MIME["html"],
            key=f"dl_{name}_html",
            on_click="ignore",
        )
        st.caption("The data behind the chart")
        table_downloads(lambda: data, stem, key=f"dl_{name}_data", sheet=name)
    return event


def table_downloads(frame: Callable[[], pd.DataFrame], stem: str, *, key: str, sheet: str) -> None:
    """CSV, Parquet and XLSX buttons for a table built only when a button is clicked."""
    for column, fmt in zip(st.columns(3), export.FORMATS, strict=True):
        column.download_button(
            fmt.upper() if fmt != "parquet" else "Parquet",
            data=_table(frame, fmt, sheet),
            file_name=f"{stem}.{fmt}",
            mime=export.MIME[fmt],
            key=f"{key}_{fmt}",
            on_click="ignore",
        )


def transactions_downloads(store: Store, filters: Filters, today: date, count: int, *, key: str) -> None:
    """CSV, Parquet and XLSX of the `count` transactions the filters select, written by DuckDB on click."""
    stem = file_stem("transactions", filters, today)
    for column, fmt in zip(st.columns(3), export.FORMATS, strict=True):
        too_many = fmt == "xlsx" and count > export.XLSX_MAX_ROWS
        column.download_button(
            fmt.upper() if fmt != "parquet" else "Parquet",
            data=_transactions(store, fmt, filters, today),
            file_name=f"{stem}.{fmt}",
            mime=export.MIME[fmt],
            key=f"{key}_{fmt}",
            on_click="ignore",
            disabled=too_many,
            help="More rows than an Excel sheet holds: use CSV or Parquet." if too_many else None,
        )


def _transactions(store: Store, fmt: export.Format, filters: Filters, today: date) -> Callable[[], bytes]:
    return lambda: export.transactions_bytes(store, fmt, filters, today)


def _image(fig: Callable[[], go.Figure], fmt: export.ImageFormat) -> Callable[[], bytes]:
    return lambda: export.figure_image(fig(), fmt)


def _table(frame: Callable[[], pd.DataFrame], fmt: export.Format, sheet: str) -> Callable[[], bytes]:
    return lambda: export.table_bytes(frame(), fmt, sheet=sheet)


def _f(value: object) -> float | None:
    return None if value is None else float(str(value))
