"""Every personal_finance_category the emulator can emit is in Plaid's PFC taxonomy (pfc-taxonomy-all.csv)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import orjson
import pytest

from core.emulator.catalog import emitted_categories
from core.emulator.endpoints.transactions import PFC_V1
from core.emulator.ids import IdFactory
from core.emulator.world import World


@pytest.fixture(scope="module")
def taxonomy(shared_plaid: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(PFC v2 pairs, PFC v1 pairs) from the CSV: header, then a note row, then one row per v2 category."""
    rows = list(csv.reader((shared_plaid / "pfc-taxonomy-all.csv").read_text().splitlines()))[2:]
    v2 = {(r[0], r[1]) for r in rows}
    v1 = {(r[3], r[4]) for r in rows if r[3] and " / " not in r[3]}
    return v2, v1


def test_the_catalogue_uses_only_v2_categories(taxonomy: tuple[set[tuple[str, str]], set[tuple[str, str]]]) -> None:
    v2, _ = taxonomy
    assert emitted_categories() - v2 == set()


def test_generated_histories_stay_inside_the_catalogue() -> None:
    found: set[tuple[str, str]] = set()
    for seed in range(3):
        world = World(IdFactory(seed), seed, 0, date(2025, 1, 15), None)
        changes = world.history()
        for _ in range(10):
            changes += world.advance_day()
        for change in changes:
            if change[5] is not None:
                pfc = orjson.loads(change[5])["personal_finance_category"]
                found.add((pfc["primary"], pfc["detailed"]))
    assert found <= emitted_categories()
    assert len(found) > 40  # the history is varied, not a handful of categories


def test_v1_translations_exist(taxonomy: tuple[set[tuple[str, str]], set[tuple[str, str]]]) -> None:
    _, v1 = taxonomy
    assert set(PFC_V1.values()) <= v1
    # every other emitted v2 category is also a v1 category under the same name
    untranslated = {pair for pair in emitted_categories() if pair[1] not in PFC_V1 and pair[1] != "OTHER_OTHER"}
    assert untranslated <= v1
