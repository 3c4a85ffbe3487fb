"""Charts with their downloads: the camera button (PNG or SVG, named after the chart and the
filters), and a Download menu with server-side PNG/SVG/PDF (kaleido) and self-contained HTML, each
with the chart's title and caption (core.charts.caption), and the chart's data as CSV, Parquet and
XLSX. File contents are made only when clicked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import export
from core.analytics.filters import Filters
from core.charts.caption import caption, titled
from core.store import Store

IMAGE_STATE = "u_image"  # set by dashboard.filters.image_format


@st.cache_resource(show_spinner=False)
def chromium() -> str | None:
    return export.chromium_path()


def file_stem(name: str, filters: Filters, today: date) -> str:
    return f"finboard-{name}-{filters.slug(today)}"


def chart(
    fig: go.Figure,
    *,
    name: str,
    title: str,
    filters: Filters,
    today: date,
    data: pd.DataFrame,
    select: bool = False,
    period: bool = True,
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
    lines = caption(filters, today, period=period)

    def exported() -> go.Figure:  # a copy with its title and caption, made only when a file is asked for
        return titled(fig, title, lines)

    with st.popover("Download", icon=":material/download:"):
        if chromium():
            image_row = st.columns(3)
            for column, fmt in zip(image_row, export.IMAGE_FORMATS, strict=True):
                column.download_button(
                    fmt.upper(),
                    data=_image(exported, fmt),
                    file_name=f"{stem}.{fmt}",
                    mime=export.MIME[fmt],
                    key=f"dl_{name}_{fmt}",
                    on_click="ignore",
                )
        else:
            st.caption(export.NO_CHROMIUM)
        st.download_button(
            "HTML (interactive, works offline)",
            data=lambda: export.figure_html(exported(), title),
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
