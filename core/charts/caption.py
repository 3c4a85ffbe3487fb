"""What a chart shows, in words: the scope of the filters, and the title and caption every exported chart
(PNG, SVG, PDF, HTML; dashboard downloads, the report bundle and `finboard export`) carries, so a picture
pasted into a report says what it shows, for which period, filters and currency, and when it was made."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import plotly.graph_objects as go

from core.analytics.filters import PERIOD_LABELS, Filters, describe_period
from core.analytics.money_text import money
from core.text import markdown_text, plotly_text


def scope(filters: Filters, today: date, text: Callable[[str], str] = markdown_text, *, period: bool = True) -> str:
    """What the filters cover, in words: "Last 12 months (2024-03-11 – 2025-03-10) · USD · posted only"
    (without the period when `period` is False).

    The person's merchant text and the currency code go through `text`: Markdown escaping for a caption,
    plotly_text for a chart title."""
    window = filters.window(today)
    if window.start or window.end:
        dates = f"{window.start or 'first day'} – {window.end or 'today'}"
        label = dates if filters.period == "custom" else f"{PERIOD_LABELS[filters.period]} ({dates})"
    else:
        label = PERIOD_LABELS[filters.period]
    parts = [label] if period else []
    parts.append(text(filters.currency) if filters.currency else "all currencies")
    parts.append("pending included" if filters.include_pending else "posted only")
    if filters.include_transfers:
        parts.append("transfers listed")
    if filters.accounts:
        parts.append(f"{len(filters.accounts)} account{'s' if len(filters.accounts) > 1 else ''}")
    if filters.categories:
        parts.append(f"{len(filters.categories)} categor{'ies' if len(filters.categories) > 1 else 'y'}")
    if filters.merchant:
        parts.append(f"“{text(filters.merchant)}”")
    if filters.min_amount is not None or filters.max_amount is not None:
        low, high = money(_f(filters.min_amount), filters.currency), money(_f(filters.max_amount), filters.currency)
        parts.append(f"amounts {low} to {high}")
    return " · ".join(parts)


def caption(filters: Filters, today: date, made: date | None = None, *, period: bool = True) -> tuple[str, str]:
    """The two caption lines under an exported chart's title, as Plotly text: the period with its dates (and what
    it is compared with), or for a chart about today (`period` False) that day; then the other filters with the
    currency, and the day the file was made."""
    others = scope(filters, today, plotly_text, period=False)
    when = describe_period(filters, today) if period else f"As of {today.isoformat()} (the period does not apply)"
    return plotly_text(when), f"{others} · made on {(made or date.today()).isoformat()}"


def titled(fig: go.Figure, title: str, lines: tuple[str, ...]) -> go.Figure:
    """A copy of `fig` with `title` (a bank's or a person's text is escaped here) and the caption `lines`."""
    text = "<br>".join([plotly_text(title), *(f"<sup>{line}</sup>" for line in lines)])
    return go.Figure(fig).update_layout(
        title={"text": text, "x": 0.01, "y": 0.97, "yanchor": "top"},
        margin={"t": 110},
        height=max(fig.layout.height or 400, 440),
    )


def _f(value: object) -> float | None:
    return None if value is None else float(str(value))
