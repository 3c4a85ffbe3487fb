"""The emulator's catalog is data (core/emulator/catalog.toml), loaded and checked at start-up."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from core.emulator import catalog
from core.emulator.catalog import CatalogError, load

TEXT = resources.files("core.emulator").joinpath("catalog.toml").read_text(encoding="utf-8")


def test_the_packaged_catalog_loads_every_section() -> None:
    loaded = load(TEXT)
    assert loaded == catalog.CATALOG
    assert catalog.INSTITUTIONS_BY_ID["ins_109508"].name == "First Platypus Bank"
    assert catalog.TRAVEL_FLIGHT.key == "united" and catalog.RENT.funding == "checking"
    assert dict((m.key, day) for m, day in catalog.SUBSCRIPTIONS)["netflix"] == 7
    assert catalog.SALARY.name == "{employer} Payroll"
    assert catalog.FORCEABLE_ERRORS["ITEM_LOCKED"].error_type == "ITEM_ERROR"
    assert len(catalog.MERCHANTS) == TEXT.count("[[merchants]]")


def test_an_added_institution_is_all_it_takes() -> None:
    extra = TEXT + (
        '\n[[institutions]]\ninstitution_id = "ins_999"\nname = "Test Bank"\ncountry_codes = ["US"]\n'
        'oauth = false\nrouting_numbers = []\nprimary_color = "#000000"\nurl = "https://example.com"\n'
    )
    assert load(extra).institutions[-1].name == "Test Bank"


def _edit(pattern: str, replacement: str) -> str:
    text, n = re.subn(pattern, replacement, TEXT, count=1, flags=re.MULTILINE)
    assert n == 1, pattern
    return text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("products = [", "not valid TOML"),
        (
            _edit(r'^key = "safeway"$', 'key = "safeway"\ncolour = "red"'),
            "merchant 'safeway' has unknown field(s) colour",
        ),
        (_edit(r'^channel = "in store"$', ""), "merchant 'safeway' lacks channel"),
        (_edit(r'^role = "everyday"$', 'role = "sometimes"'), "has role 'sometimes'"),
        (_edit(r"^cents = \[1800, 14500\]$", "cents = [14500, 1800]"), "low above high"),
        (_edit(r'^funding = "debit"$', 'funding = "cash"'), "funding must be one of card, debit, checking"),
        (_edit(r'^detailed = "FOOD_AND_DRINK_GROCERIES"$', 'detailed = "GROCERIES"'), "not a PFC v2 detailed"),
        (_edit(r'^role = "flight"$', 'role = "travel"'), "exactly one merchant must have role 'flight'"),
        (_edit(r'^key = "trader_joes"$', 'key = "safeway"'), "merchant key 'safeway' is used twice"),
        (_edit(r"^day = 7$", ""), "a subscription merchant has these scheduling fields: day, ends, price_change"),
        (_edit(r"^atm_fee = .*$", ""), "[rows] lacks atm_fee"),
        (_edit(r'^url = "https://plaid.com"$', ""), "institution 1 lacks url"),
    ],
    ids=lambda v: v[:40] if len(v) < 60 else None,
)
def test_a_malformed_catalog_is_refused_with_the_entry_and_field_named(text: str, message: str) -> None:
    with pytest.raises(CatalogError, match=re.escape(message)):
        load(text)
