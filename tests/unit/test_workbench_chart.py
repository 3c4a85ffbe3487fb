"""The one-click chart on several result shapes: defaults from column types, what is drawn, URL round trips."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlencode

import pyarrow as pa
import pytest

from core.charts.figures import query_chart
from core.workbench import chart
from core.workbench.chart import ChartSpec, chart_data, default_chart, parse_chart

MONEY = pa.decimal128(18, 2)


def money(*values: str) -> pa.Array:
    return pa.array([Decimal(v) for v in values], MONEY)


MONTHLY = pa.table(
    {
        "month": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)],
        "spent": money("10.50", "20.25", "5.00"),
        "transactions": [3, 4, 1],
    }
)
BY_CATEGORY = pa.table(
    {
        "category_primary": ["FOOD", "FOOD", "RENT", "TRAVEL"],
        "iso_currency_code": ["USD", "CAD", "USD", "USD"],
        "spent": money("100.00", "30.00", "1200.00", "50.00"),
    }
)


def test_a_date_and_a_number_make_a_line():
    assert default_chart(MONTHLY) == ChartSpec("line", "month", "spent", None)


def test_a_category_a_currency_and_a_number_make_bars_coloured_by_currency():
    assert default_chart(BY_CATEGORY) == ChartSpec("bar", "category_primary", "spent", "iso_currency_code")


def test_two_numbers_make_a_scatter():
    table = pa.table({"amount": [1.5, 2.5, 3.0], "days": [1, 2, 3]})
    assert default_chart(table) == ChartSpec("scatter", "amount", "days", None)


def test_text_alone_counts_rows():
    table = pa.table({"merchant": ["a", "b", "a"]})
    spec = default_chart(table)
    assert spec == ChartSpec("bar", "merchant", None, None)
    drawn = chart_data(table, spec)
    assert drawn.frame.to_dict("list") == {"x": ["a", "b"], "y": [2, 1], "series": [None, None]}
    assert drawn.y_label == "rows"


@pytest.mark.parametrize(
    "table",
    [
        pa.table({"count_star()": [1_000_000]}),  # one number: nothing to chart
        pa.table({"month": pa.array([], pa.date32()), "spent": pa.array([], MONEY)}),  # no rows
        pa.table({"tags": [["a"], ["b"]]}),  # nothing drawable
    ],
)
def test_results_with_nothing_to_chart_have_no_default(table):
    assert default_chart(table) is None


def test_a_colour_column_with_too_many_values_is_not_a_default():
    table = pa.table({"day": [date(2025, 1, d) for d in range(1, 31)], "merchant": [f"m{d}" for d in range(30)],
                      "amount": list(range(30))})  # fmt: skip
    assert default_chart(table) == ChartSpec("line", "day", "amount", None)


def test_rows_with_the_same_x_and_colour_are_added_up_exactly():
    table = pa.table({"category": ["A", "A", "B"], "amount": money("0.10", "0.20", "5.00")})
    drawn = chart_data(table, ChartSpec("bar", "category", "amount"))
    assert list(drawn.frame["x"]) == ["B", "A"]  # largest first
    assert list(drawn.frame["y"]) == [Decimal("5.00"), Decimal("0.30")]  # DECIMAL sums, not floats


def test_amounts_in_different_currencies_are_never_added():
    drawn = chart_data(BY_CATEGORY, ChartSpec("bar", "category_primary", "spent"))
    food = drawn.frame[drawn.frame["x"] == "FOOD"]
    assert sorted(zip(food["series"], food["y"], strict=True)) == [
        ("CAD", Decimal("30.00")),
        ("USD", Decimal("100.00")),
    ]
    assert "kept apart (by iso_currency_code)" in drawn.notes[0]


def test_a_chosen_colour_is_split_by_currency_too():
    table = BY_CATEGORY.append_column("kind", pa.array(["a", "a", "b", "b"]))
    drawn = chart_data(table, ChartSpec("bar", "category_primary", "spent", "kind"))
    assert set(drawn.frame["series"]) == {"a · USD", "a · CAD", "b · USD"}


def test_a_line_is_sorted_along_x_and_a_scatter_keeps_rows():
    shuffled = MONTHLY.take([2, 0, 1])
    line = chart_data(shuffled, ChartSpec("line", "month", "spent"))
    assert list(line.frame["x"]) == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    scatter = chart_data(shuffled, ChartSpec("scatter", "month", "spent"))
    assert list(scatter.frame["y"]) == [Decimal("5.00"), Decimal("10.50"), Decimal("20.25")]


def test_null_x_values_are_their_own_point():
    table = pa.table({"day": [None, date(2025, 1, 1), None], "n": [1, 2, 3]})
    drawn = chart_data(table, ChartSpec("bar", "day", "n"))
    assert sorted(drawn.frame["y"]) == [2, 4]


def test_too_many_bars_or_points_are_cut_with_a_note(monkeypatch):
    many = pa.table({"merchant": [f"m{i:03}" for i in range(100)], "spent": list(range(100))})
    drawn = chart_data(many, ChartSpec("bar", "merchant", "spent"))
    assert len(drawn.frame) == chart.MAX_BARS
    assert drawn.frame["x"].iloc[0] == "m099"
    assert f"The {chart.MAX_BARS} largest of 100 values of merchant are drawn." in drawn.notes
    monkeypatch.setattr(chart, "MAX_POINTS", 10)
    stamps = pa.table({"at": [datetime(2025, 1, 1, 0, i) for i in range(50)], "v": list(range(50))})
    drawn = chart_data(stamps, ChartSpec("line", "at", "v"))
    assert len(drawn.frame) == 10
    assert "The first 10 of 50 points are drawn." in drawn.notes


def test_a_chart_round_trips_through_url_parameters():
    spec = ChartSpec("area", "month", "spent", None)
    params = parse_qs(urlencode(spec.to_query(), doseq=True))
    assert parse_chart(params, MONTHLY) == (spec, [])
    spec = ChartSpec("bar", "category_primary", "spent", "iso_currency_code")
    assert parse_chart(parse_qs(urlencode(spec.to_query(), doseq=True)), BY_CATEGORY) == (spec, [])


@pytest.mark.parametrize(
    ("params", "expected", "problem"),
    [
        ({}, None, None),
        ({"chart": ["pie"], "x": ["month"]}, None, "`chart=pie` is not a chart type"),
        ({"chart": ["bar"], "x": ["nope"]}, None, "`x=nope` is not a column"),
        ({"chart": ["bar"], "x": ["month"], "y": ["nope"]}, ChartSpec("bar", "month"), "`y=nope` is not a number"),
        ({"chart": ["line"], "x": ["month"], "y": ["spent"], "color": ["month"]}, ChartSpec("line", "month", "spent"),
         "`color=month` cannot colour"),
        ({"chart": ["scatter"], "x": ["month"]}, ChartSpec("bar", "month"), "A scatter needs a number"),
    ],
)  # fmt: skip
def test_unusable_chart_parameters_are_explained(params, expected, problem):
    spec, problems = parse_chart(params, MONTHLY)
    assert spec == expected
    assert (problem is None and not problems) or any(problem in p for p in problems)


def test_the_figure_draws_one_trace_per_series_and_escapes_text():
    table = pa.table(
        {
            "merchant": ["<b>Bold</b> & co", "%{y} shop", "plain"],
            "iso_currency_code": ["USD", "CAD", "USD"],
            "spent": money("1.00", "2.00", "3.00"),
        }
    )
    fig = query_chart(chart_data(table, default_chart(table)))
    assert {t.name for t in fig.data} == {"USD", "CAD"}
    xs = [x for t in fig.data for x in t.x]
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in xs and "&#37;{y} shop" in xs
    assert all(isinstance(y, float) for t in fig.data for y in t.y)
    assert fig.layout.barmode == "group"  # side by side: amounts of different currencies are never stacked


def test_an_empty_result_draws_a_message():
    spec = ChartSpec("bar", "month", "spent")
    fig = query_chart(chart_data(MONTHLY.slice(0, 0), spec))
    assert "no rows" in fig.layout.annotations[0].text
