"""Every period preset's window and the window it is compared with, on days that catch the edge cases:
a plain day, the first of a month, the end of a month (the month before is shorter), 29 February and
1 January. The dates are written out by hand (docs/analytics.md states the rules)."""

from __future__ import annotations

from datetime import date

import pytest

from core.analytics.filters import PERIODS, Filters, Window, describe_period, period_windows


def w(start: str, end: str) -> Window:
    return Window(date.fromisoformat(start), date.fromisoformat(end))


# today -> preset -> (window, previous window)
EXPECTED: dict[date, dict[str, tuple[Window, Window]]] = {
    date(2026, 12, 5): {
        "this_month": (w("2026-12-01", "2026-12-05"), w("2026-11-01", "2026-11-05")),
        "last_month": (w("2026-11-01", "2026-11-30"), w("2026-10-01", "2026-10-31")),
        "last_30_days": (w("2026-11-06", "2026-12-05"), w("2026-10-07", "2026-11-05")),
        "last_90_days": (w("2026-09-07", "2026-12-05"), w("2026-06-09", "2026-09-06")),
        "last_12_months": (w("2025-12-06", "2026-12-05"), w("2024-12-06", "2025-12-05")),
        "year_to_date": (w("2026-01-01", "2026-12-05"), w("2025-01-01", "2025-12-05")),
        "last_year": (w("2025-01-01", "2025-12-31"), w("2024-01-01", "2024-12-31")),
    },
    date(2026, 12, 1): {  # the first of a month
        "this_month": (w("2026-12-01", "2026-12-01"), w("2026-11-01", "2026-11-01")),
        "last_month": (w("2026-11-01", "2026-11-30"), w("2026-10-01", "2026-10-31")),
        "last_30_days": (w("2026-11-02", "2026-12-01"), w("2026-10-03", "2026-11-01")),
        "last_90_days": (w("2026-09-03", "2026-12-01"), w("2026-06-05", "2026-09-02")),
        "last_12_months": (w("2025-12-02", "2026-12-01"), w("2024-12-02", "2025-12-01")),
        "year_to_date": (w("2026-01-01", "2026-12-01"), w("2025-01-01", "2025-12-01")),
        "last_year": (w("2025-01-01", "2025-12-31"), w("2024-01-01", "2024-12-31")),
    },
    date(2025, 3, 31): {  # the end of a month whose month before is shorter
        "this_month": (w("2025-03-01", "2025-03-31"), w("2025-02-01", "2025-02-28")),
        "last_month": (w("2025-02-01", "2025-02-28"), w("2025-01-01", "2025-01-31")),
        "last_30_days": (w("2025-03-02", "2025-03-31"), w("2025-01-31", "2025-03-01")),
        "last_90_days": (w("2025-01-01", "2025-03-31"), w("2024-10-03", "2024-12-31")),
        # 365 days; the 365 before them cross 29 February 2024
        "last_12_months": (w("2024-04-01", "2025-03-31"), w("2023-04-02", "2024-03-31")),
        "year_to_date": (w("2025-01-01", "2025-03-31"), w("2024-01-01", "2024-03-31")),
        "last_year": (w("2024-01-01", "2024-12-31"), w("2023-01-01", "2023-12-31")),
    },
    date(2024, 2, 29): {  # a leap day: "today's date last year" is 28 February
        "this_month": (w("2024-02-01", "2024-02-29"), w("2024-01-01", "2024-01-29")),
        "last_month": (w("2024-01-01", "2024-01-31"), w("2023-12-01", "2023-12-31")),
        "last_30_days": (w("2024-01-31", "2024-02-29"), w("2024-01-01", "2024-01-30")),
        "last_90_days": (w("2023-12-02", "2024-02-29"), w("2023-09-03", "2023-12-01")),
        "last_12_months": (w("2023-03-01", "2024-02-29"), w("2022-02-28", "2023-02-28")),  # 366 days each
        "year_to_date": (w("2024-01-01", "2024-02-29"), w("2023-01-01", "2023-02-28")),
        "last_year": (w("2023-01-01", "2023-12-31"), w("2022-01-01", "2022-12-31")),
    },
    date(2027, 1, 1): {  # the first day of a year
        "this_month": (w("2027-01-01", "2027-01-01"), w("2026-12-01", "2026-12-01")),
        "last_month": (w("2026-12-01", "2026-12-31"), w("2026-11-01", "2026-11-30")),
        "last_30_days": (w("2026-12-03", "2027-01-01"), w("2026-11-03", "2026-12-02")),
        "last_90_days": (w("2026-10-04", "2027-01-01"), w("2026-07-06", "2026-10-03")),
        "last_12_months": (w("2026-01-02", "2027-01-01"), w("2025-01-02", "2026-01-01")),
        "year_to_date": (w("2027-01-01", "2027-01-01"), w("2026-01-01", "2026-01-01")),
        "last_year": (w("2026-01-01", "2026-12-31"), w("2025-01-01", "2025-12-31")),
    },
}
CASES = [(today, period, *windows) for today, presets in EXPECTED.items() for period, windows in presets.items()]


def test_every_preset_is_covered():
    assert all(set(presets) == set(PERIODS) - {"all", "custom"} for presets in EXPECTED.values())


@pytest.mark.parametrize(("today", "period", "window", "previous"), CASES)
def test_a_preset_covers_its_window_and_compares_with_the_right_one(today, period, window, previous):
    assert period_windows(period, today) == (window, previous)
    assert Filters(period=period).window(today) == window
    assert Filters(period=period).previous_window(today) == previous


@pytest.mark.parametrize("today", list(EXPECTED))
def test_rolling_windows_compare_with_as_many_days_just_before(today):
    for period in ("last_30_days", "last_90_days", "last_12_months"):
        window, previous = EXPECTED[today][period]
        assert previous.days == window.days
        assert (window.start - previous.end).days == 1


def test_all_time_and_half_open_ranges_have_nothing_to_compare_with():
    assert period_windows("all", date(2026, 12, 5)) == (Window(None, None), None)
    assert period_windows("custom", date(2026, 12, 5), date(2026, 1, 1), None) == (Window(date(2026, 1, 1), None), None)


def test_a_custom_range_compares_with_as_many_days_just_before():
    _, previous = period_windows("custom", date(2026, 12, 5), date(2026, 2, 1), date(2026, 2, 28))
    assert previous == w("2026-01-04", "2026-01-31")


@pytest.mark.parametrize(
    ("filters", "text"),
    [
        (Filters(period="this_month"),
         "This month: 2026-12-01 to 2026-12-05, compared with 2026-11-01 to 2026-11-05"),
        (Filters(period="last_12_months"),
         "Last 12 months: 2025-12-06 to 2026-12-05, compared with 2024-12-06 to 2025-12-05"),
        (Filters(period="all"), "All time: every transaction, nothing to compare with"),
        (Filters(period="custom", start=date(2026, 3, 1), end=date(2026, 3, 31)),
         "2026-03-01 to 2026-03-31, compared with 2026-01-29 to 2026-02-28"),
        (Filters(period="custom", start=date(2026, 3, 1)),
         "From 2026-03-01 on, nothing to compare with"),
    ],
)  # fmt: skip
def test_the_period_is_described_with_its_dates(filters, text):
    assert describe_period(filters, date(2026, 12, 5)) == text
