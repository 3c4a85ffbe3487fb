"""The money rules' table: every PFC v1 and v2 code in Plaid's taxonomy has a decided flow, following
what Plaid says the category is, and the SQL form of the table says the same as the Python one."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from core.analytics import money_rules
from core.analytics.money_rules import FLOW_BY_PRIMARY, category_flow, category_flow_sql


@pytest.fixture(scope="module")
def codes(shared_plaid: Path) -> set[tuple[str, str]]:
    """Every (primary, detailed) pair of pfc-taxonomy-all.csv, PFC v2 and v1 (v1 cells may hold "A / B")."""
    rows = list(csv.reader((shared_plaid / "pfc-taxonomy-all.csv").read_text().splitlines()))[2:]
    found = {(r[0], r[1]) for r in rows}
    for r in rows:
        if r[3]:
            found |= set(zip(r[3].split(" / "), r[4].split(" / "), strict=True))
    return found


def test_every_primary_in_the_taxonomy_has_a_decided_flow(codes):
    """No code falls through to the default for categories Plaid does not have."""
    assert {primary for primary, _ in codes} - set(FLOW_BY_PRIMARY) == set()
    assert len(codes) == 126  # 123 v2 codes and 3 that exist only in v1


def test_every_detailed_exception_is_a_real_code(codes):
    assert set(money_rules.FLOW_BY_DETAILED) <= {detailed for _, detailed in codes}


@pytest.mark.parametrize(
    ("primary", "detailed", "flow"),
    [
        ("INCOME", "INCOME_SALARY", "income"),  # v2
        ("INCOME", "INCOME_WAGES", "income"),  # v1
        ("INCOME", "INCOME_TAX_REFUND", "income"),
        ("TRANSFER_IN", "TRANSFER_IN_DEPOSIT", "transfer_outside"),  # cash, checks, a deposit from someone
        ("TRANSFER_IN", "TRANSFER_IN_CASH_ADVANCES_AND_LOANS", "transfer_outside"),  # v1: borrowed, not earned
        ("LOAN_DISBURSEMENTS", "LOAN_DISBURSEMENTS_PERSONAL", "transfer_outside"),  # v2 of the same
        ("TRANSFER_OUT", "TRANSFER_OUT_WITHDRAWAL", "transfer_outside"),  # ATM cash
        ("TRANSFER_OUT", "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS", "transfer_outside"),
        ("LOAN_PAYMENTS", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT", "transfer_outside"),  # a card not connected
        ("LOAN_PAYMENTS", "LOAN_PAYMENTS_EWA", "transfer_outside"),  # returns an advance that came in
        ("LOAN_PAYMENTS", "LOAN_PAYMENTS_MORTGAGE_PAYMENT", "spending"),
        ("LOAN_PAYMENTS", "LOAN_PAYMENTS_CAR_PAYMENT", "spending"),
        ("OTHER", "OTHER_OTHER", "transfer_outside"),  # v1 calls it "other transfer in/out"
        ("BANK_FEES", "BANK_FEES_ATM_FEES", "spending"),
        ("GOVERNMENT_AND_NON_PROFIT", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT", "spending"),
        ("UNCATEGORIZED", None, "transfer_outside"),  # no category at all: like OTHER
        ("MY_OWN_CATEGORY", None, "spending"),  # a category the person made up
    ],
)
def test_what_a_category_counts_as(primary, detailed, flow):
    assert category_flow(primary, detailed) == flow


def test_the_sql_table_says_the_same_as_the_python_one(codes):
    pairs = [*sorted(codes), ("UNCATEGORIZED", None), ("MY_OWN_CATEGORY", None), ("INCOME", None)]
    con = duckdb.connect()
    con.execute("CREATE TABLE c (p VARCHAR, d VARCHAR)")
    con.executemany("INSERT INTO c VALUES (?, ?)", [list(p) for p in pairs])
    rows = con.execute(f"SELECT p, d, {category_flow_sql('p', 'd')} FROM c").fetchall()
    assert {(p, d): f for p, d, f in rows} == {(p, d): category_flow(p, d) for p, d in pairs}
