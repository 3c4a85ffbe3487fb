"""What every analytics page starts with: the title, the shared filters, the empty state and the
report bundle download."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.analytics.filters import Filters, describe_period
from core.analytics.intervals import Interval
from core.charts.caption import scope
from core.charts.registry import CHARTS, Rows, on_page, same_rows
from core.errors import FinboardError
from core.report import report_bytes
from core.text import markdown_text
from dashboard import data
from dashboard.context import workspace
from dashboard.downloads import chart, file_stem
from dashboard.empty_state import no_bank_yet
from dashboard.filters import sidebar_filters

T = TypeVar("T")


@dataclass(frozen=True)
class ShownChart:
    """A registry chart as a page showed it: its rows, their interval and the selection event (with `select`)."""

    data: pd.DataFrame
    interval: Interval
    event: Any


@dataclass(frozen=True)
class PageContext:
    title: str
    filters: Filters
    today: date
    src: data.Source
    _read: dict[data.ChartKey, Rows] = field(default_factory=dict, compare=False, repr=False)  # this run's reads
    _intervals: dict[str, Interval] = field(default_factory=dict, compare=False, repr=False)  # read_charts' choice

    @property
    def currency(self) -> str:
        return self.filters.currency or ""

    def chart(
        self, fig: go.Figure, *, name: str, title: str, data: pd.DataFrame, select: bool = False, period: bool = True
    ) -> Any:
        """The figure with its downloads, named after `name` and these filters (see dashboard.downloads)."""
        return chart(
            fig, name=name, title=title, filters=self.filters, today=self.today, data=data, select=select, period=period
        )

    def read_charts(self, interval: Interval = "month", intervals: dict[str, Interval] | None = None) -> None:
        """Read the rows of every registry chart on this page at once, on one connection, at `interval` (or
        `intervals[name]`): what the page's registry_chart and rows calls then use."""
        charts = tuple((c.name, (intervals or {}).get(c.name, interval)) for c in on_page(self.title))
        self._intervals.update(charts)
        self._read.update(self.load(data.charts_rows, charts, self.filters, self.today))

    def rows(self, name: str, interval: Interval | None = None) -> Rows:
        """The rows of the registry's chart `name` for these filters (cached; in the filters' currency), at
        `interval`, else the one read_charts used for it, else month."""
        interval = interval or self._intervals.get(name, "month")
        read = self._read.get((same_rows(name), interval))
        return read if read is not None else self.load(data.chart_rows, name, self.filters, self.today, interval)

    def registry_chart(
        self,
        name: str,
        interval: Interval | None = None,
        *,
        rows: pd.DataFrame | None = None,
        subject: str | None = None,
        note: str | None = None,
        select: bool = False,
        **options: Any,
    ) -> ShownChart:
        """Chart `name` of core.charts.registry under its title (": subject" added), a note when its rows had to
        be grouped coarser than `interval` (default: read_charts' choice), then `note`, the figure and its
        downloads. `rows` replaces the registry's rows (the Forecast page's chosen account); `options` go to the
        figure (e.g. height)."""
        spec = CHARTS[name]
        interval = interval or self._intervals.get(name, "month")
        frame, used = (rows, interval) if rows is not None else self.rows(name, interval)
        title = spec.title if subject is None else f"{spec.title}: {subject}"
        st.subheader(spec.title if subject is None else f"{spec.title}: {markdown_text(subject)}")  # ours, then data
        if used != interval:
            st.caption(f"Grouped by {used}: by {interval} this chart would need more than 5,000 points.")
        if note:
            st.caption(note)
        fig = spec.figure(frame, self.currency, used, **options)
        event = self.chart(fig, name=name, title=title, data=frame, select=select, period=spec.period)
        return ShownChart(frame, used, event)

    def load(self, loader: Callable[..., T], *args: Any) -> T:
        """`loader(src, *args)`; a database that cannot be read stops the page with the reason."""
        return guarded(loader, self.src, *args)


def guarded(action: Callable[..., T], *args: Any) -> T:
    try:
        return action(*args)
    except FinboardError as e:  # e.g. the database is busy with another process for too long
        st.error(str(e), icon=":material/error:")
        st.stop()
        raise  # st.stop() raises; this line only reassures type checkers


def analytics_page(title: str, *, page_keys: Sequence[str] = (), period: bool = True) -> PageContext:
    """Title, sidebar filters and a line saying what the page shows; stops with help when there is no data.
    A page about today and what comes next (`period` False) says the day instead of the period."""
    st.title(title)
    filters = guarded(sidebar_filters, title, page_keys)
    src = guarded(data.source)
    if not guarded(data.choices, src).currencies:
        no_bank_yet()
    today = date.today()
    # The period with its dates and what it is compared with, then the other filters (docs/analytics.md).
    when = describe_period(filters, today) if period else f"As of {today.isoformat()}: the period does not apply here"
    st.caption(f"{when} · {scope(filters, today, period=False)}")
    _report_bundle(filters, today)
    return PageContext(title, filters, today, src)


def _report_bundle(filters: Filters, today: date) -> None:
    store = workspace().store
    st.sidebar.download_button(
        "Report bundle (.zip)",
        data=lambda: report_bytes(store, filters, today, "month"),
        file_name=f"{file_stem('report', filters, today)}.zip",
        mime="application/zip",
        icon=":material/folder_zip:",
        on_click="ignore",
        help="Every chart as HTML and PNG with its title and caption, the data behind each as CSV, the filtered "
        "transactions and the filters.",
        key="report_bundle",
    )
