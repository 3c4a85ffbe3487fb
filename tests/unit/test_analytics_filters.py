"""Filters: parsing query parameters (never raising), round trips, date windows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.analytics.filters import (
    PERIODS,
    Filters,
    Known,
    Window,
    parse_query,
    parse_query_string,
)

TODAY = date(2025, 3, 10)


def test_no_parameters_give_the_defaults():
    parsed = parse_query({})
    assert parsed.filters == Filters()
    assert parsed.problems == ()


def test_every_parameter_is_read():
    parsed = parse_query_string(
        "from=2025-01-01&to=2025-01-31&account=chk&account=card&category=FOOD_AND_DRINK&merchant=whole"
        "&min=10&max=200.5&pending=1&transfers=true&currency=usd"
    )
    assert parsed.problems == ()
    assert parsed.filters == Filters(
        period="custom",
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        accounts=("chk", "card"),
        categories=("FOOD_AND_DRINK",),
        merchant="whole",
        min_amount=Decimal("10.00"),
        max_amount=Decimal("200.50"),
        include_pending=True,
        include_transfers=True,
        currency="USD",
    )


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("period=fortnight", "`period=fortnight` is not a known period"),
        ("from=2025-13-01", "`from=2025-13-01` is not a date"),
        ("to=yesterday", "`to=yesterday` is not a date"),
        ("min=abc", "`min=abc` is not an amount"),
        ("max=-5", "`max=-5` must be a positive amount"),
        ("max=NaN", "`max=NaN` must be a positive amount"),
        ("pending=maybe", "`pending=maybe` is not 1 or 0"),
        ("currency=US$", "`currency=US$` is not a currency code"),
        ("currency=JPY", "`currency=JPY`: no account or transaction uses it"),
        ("account=nope", "`account=nope` does not exist in your data"),
        ("category=MADE_UP", "`category=MADE_UP` does not exist in your data"),
    ],
)
def test_an_invalid_parameter_is_dropped_and_explained(query, problem):
    known = Known(accounts=frozenset({"chk"}), categories=frozenset({"FOOD_AND_DRINK"}), currencies=frozenset({"USD"}))
    parsed = parse_query_string(query, known)
    assert parsed.filters == Filters()
    assert len(parsed.problems) == 1
    assert parsed.problems[0].startswith(problem)


def test_valid_parameters_survive_beside_invalid_ones():
    parsed = parse_query_string("period=last_month&min=oops&currency=EUR")
    assert parsed.filters == Filters(period="last_month", currency="EUR")
    assert len(parsed.problems) == 1


def test_reversed_bounds_are_swapped_with_a_note():
    parsed = parse_query_string("from=2025-02-01&to=2025-01-01&min=50&max=5")
    f = parsed.filters
    assert (f.start, f.end, f.min_amount, f.max_amount) == (date(2025, 1, 1), date(2025, 2, 1), 5, 50)
    assert len(parsed.problems) == 2


def test_a_custom_range_wins_over_a_preset_with_a_note():
    parsed = parse_query_string("period=last_month&from=2025-01-01")
    assert parsed.filters.period == "custom"
    assert parsed.filters.start == date(2025, 1, 1)
    assert "ignored" in parsed.problems[0]


def test_a_repeated_single_value_uses_the_first():
    parsed = parse_query_string("currency=USD&currency=EUR")
    assert parsed.filters.currency == "USD"
    assert "given 2 times" in parsed.problems[0]


def test_previous_month_to_date_stops_at_the_end_of_a_shorter_month():
    assert Filters(period="this_month").previous_window(date(2025, 3, 31)) == Window(
        date(2025, 2, 1), date(2025, 2, 28)
    )


def test_a_custom_range_compares_with_the_same_number_of_days_before():
    f = Filters(period="custom", start=date(2025, 2, 1), end=date(2025, 2, 28))
    assert f.previous_window(TODAY) == Window(date(2025, 1, 4), date(2025, 1, 31))
    assert Filters(period="custom", start=date(2025, 2, 1)).previous_window(TODAY) is None


filters_strategy = st.builds(
    Filters,
    period=st.sampled_from([p for p in PERIODS if p != "custom"]),
    accounts=st.lists(st.sampled_from(["chk", "sav", "card"]), unique=True).map(tuple),
    categories=st.lists(st.sampled_from(["FOOD_AND_DRINK", "INCOME_WAGES"]), unique=True).map(tuple),
    merchant=st.text(alphabet="abc &%_'", max_size=10).map(lambda s: " ".join(s.split())),
    min_amount=st.none() | st.decimals(min_value=0, max_value=1000, places=2),
    include_pending=st.booleans(),
    include_transfers=st.booleans(),
    currency=st.none() | st.sampled_from(["USD", "EUR"]),
)


@given(filters_strategy)
def test_the_query_string_reproduces_the_filters(filters):
    parsed = parse_query_string(filters.query_string())
    assert parsed.problems == ()
    assert parsed.filters == filters


def test_a_custom_range_round_trips_through_the_url():
    f = Filters(period="custom", start=date(2024, 5, 1), end=date(2024, 6, 30), currency="EUR")
    assert f.query_string() == "from=2024-05-01&to=2024-06-30&currency=EUR"
    assert parse_query_string(f.query_string()).filters == f


@given(st.dictionaries(st.sampled_from(["period", "from", "to", "min", "max", "pending", "currency", "account"]),
                       st.lists(st.text(max_size=12), max_size=3)))  # fmt: skip
def test_parsing_never_raises(params):
    parsed = parse_query(params, Known(accounts=frozenset({"chk"}), currencies=frozenset({"USD"})))
    assert isinstance(parsed.filters, Filters)
