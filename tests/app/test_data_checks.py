"""The Balances page's Data checks in AppTest: green when the transactions explain every reported balance,
red with the account and the dates when they do not, and neutral while there is nothing to check."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.store import Store
from tests.conftest import ROOT
from tests.unit.test_analytics_balance_checks import write_world

APP = str(ROOT / "dashboard" / "app.py")


@pytest.fixture
def store(db_env):
    store = Store(db_env)
    with store.transaction() as con:
        write_world(con)
    store.bump_data_version()
    return store


def balances_page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("../pages/balances.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert "Data checks" in [h.value for h in at.subheader]
    return at


def data_checks_tables(at: AppTest) -> list:
    """The section's tables: the ones after the page's own Accounts table."""
    return at.dataframe[1:]


def test_green_when_every_change_reconciles_saying_how_much_was_checked(store):
    at = balances_page(period="all")
    assert [s.value for s in at.success] == [
        "Every change reconciles: 2 pairs of reported balances on 2 accounts (2025-03-01 to 2025-03-31), "
        "each explained to the cent by the transactions between them."
    ]
    assert not at.error
    [accounts] = data_checks_tables(at)
    rows = accounts.value.set_index("account")
    assert rows.loc["Plaid Checking ••0000", ["reported_days", "pairs", "status"]].tolist() == [2, 1, "reconciles"]
    assert rows.loc["Plaid Student Loan ••4444", "status"] == "not checked (loan)"


def test_red_with_the_account_the_dates_and_the_figures_when_a_transaction_is_missing(store):
    with store.transaction() as con:
        con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 'rent'")
    store.bump_data_version()
    at = balances_page(period="all")
    assert not at.success
    assert [e.value for e in at.error] == [
        "1 of 2 accounts do not reconcile: 1 of 2 pairs of reported balances disagree with the transactions between "
        "them (2025-03-01 to 2025-03-31)."
    ]
    disagreements, accounts = data_checks_tables(at)
    row = disagreements.value.iloc[0]
    assert row["account"] == "Plaid Checking ••0000" and row["verdict"] == "$1,200.00 less money out"
    assert (str(row["start_day"].date()), str(row["end_day"].date())) == ("2025-03-01", "2025-03-31")
    assert (row["start_balance"], row["end_balance"], row["bank_change"], row["transactions_change"]) == (
        1000.0, 1780.0, 780.0, 1980.0,
    )  # fmt: skip
    assert accounts.value.set_index("account").loc["Plaid Checking ••0000", "status"] == "1 disagree"


def test_the_account_filter_narrows_the_checks(store):
    with store.transaction() as con:
        con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 'rent'")
    store.bump_data_version()
    at = balances_page(period="all", account="card")
    [success] = at.success
    assert success.value.startswith("Every change reconciles: 1 pair of reported balances on 1 account")


def test_nothing_to_check_yet_is_neither_green_nor_red(store):
    with store.transaction() as con:
        con.execute("DELETE FROM balance_history WHERE date = '2025-03-31'")
    store.bump_data_version()
    at = balances_page(period="all")
    assert not at.success and not at.error
    assert any(i.value.startswith("Nothing to check yet") for i in at.info)
