"""Time buckets for charts, chosen so no chart carries more than MAX_POINTS points."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal, get_args

from core.analytics.filters import Window

Interval = Literal["day", "week", "month", "quarter", "year"]
INTERVALS: tuple[Interval, ...] = get_args(Interval)
INTERVAL_LABELS: dict[Interval, str] = {
    "day": "Day",
    "week": "Week",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
}
MAX_POINTS = 5000  # per chart, across all its series
_DAYS_PER = {"day": 1, "week": 7, "month": 30.44, "quarter": 91.31, "year": 365.25}


def bucket_start(day: date, interval: Interval) -> date:
    """The first day of the bucket holding `day` (weeks start on Monday, as DuckDB's date_trunc)."""
    match interval:
        case "day":
            return day
        case "week":
            return day - timedelta(days=day.weekday())
        case "month":
            return day.replace(day=1)
        case "quarter":
            return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        case "year":
            return date(day.year, 1, 1)


def first_label(asked: Window, bounded: Window, interval: Interval) -> date:
    """The label of a chart's first bucket: the first day it holds. A window that starts mid-bucket (a
    week from Monday 27 October cut at Saturday 1 November) labels it by its start; an open window
    (all time) cuts nothing, so the bucket keeps its own first day."""
    assert bounded.start is not None
    return asked.start if asked.start is not None else bucket_start(bounded.start, interval)


def bucket_count(window: Window, interval: Interval) -> int:
    """How many buckets a closed window spans (an estimate for months and longer, never low by more than 1)."""
    assert window.start is not None and window.end is not None
    days = (window.end - bucket_start(window.start, interval)).days + 1
    return int(days / _DAYS_PER[interval]) + 1


def fit_interval(window: Window, wanted: Interval, series: int = 1, max_points: int = MAX_POINTS) -> Interval:
    """`wanted`, or the next coarser interval whose buckets x series fit in max_points."""
    for interval in INTERVALS[INTERVALS.index(wanted) :]:
        if bucket_count(window, interval) * max(series, 1) <= max_points:
            return interval
    return "year"


def auto_interval(window: Window) -> Interval:
    """A readable default: days up to a month, weeks up to a quarter, then months."""
    days = window.days or 0
    if days <= 31:
        return "day"
    if days <= 92:
        return "week"
    return "month" if days <= 3 * 366 else "quarter"


def sample_days(window: Window, interval: Interval) -> list[date]:
    """The last day of each bucket in the window (the window's end for the last one)."""
    assert window.start is not None and window.end is not None
    days: list[date] = []
    current = bucket_start(window.start, interval)
    while current <= window.end:
        following = _next_bucket(current, interval)
        days.append(min(following - timedelta(days=1), window.end))
        current = following
    return days


def _next_bucket(start: date, interval: Interval) -> date:
    match interval:
        case "day":
            return start + timedelta(days=1)
        case "week":
            return start + timedelta(days=7)
        case "month":
            return date(start.year + start.month // 12, start.month % 12 + 1, 1)
        case "quarter":
            month = start.month + 3
            return date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        case "year":
            return date(start.year + 1, 1, 1)
