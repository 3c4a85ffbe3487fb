"""The analytics pages in AppTest on the hand-made world: filters from the URL, warnings for bad
parameters, filters that follow the user across pages, saved views, the transaction list, rules."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.store import Store
from tests.conftest import ROOT
from tests.worlds import small_world

APP = str(ROOT / "dashboard" / "app.py")
ANALYTICS_PAGES = ["overview.py", "cash_flow.py", "categories.py", "balances.py", "transactions.py"]
JANUARY = {"from": "2025-01-01", "to": "2025-01-31"}


@pytest.fixture
def world(db_env):
    small_world(Store(db_env))
    return db_env


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(f"../pages/{page}")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


@pytest.mark.parametrize("page", ANALYTICS_PAGES)
def test_every_page_shows_its_charts_for_the_filters(world, page):
    at = open_page(page, **JANUARY)
    assert not at.exception, at.exception
    assert at.caption[0].value.startswith(
        "2025-01-01 to 2025-01-31, compared with 2024-12-01 to 2024-12-31 · USD · posted only"
    )
    if page != "transactions.py":
        assert at.get("plotly_chart"), "the page draws charts"
    assert "were ignored" not in warnings(at)


def test_a_url_reproduces_the_view(world):
    at = open_page("cash_flow.py", **JANUARY, currency="USD", interval="week")
    assert metrics(at) == {
        "Income": "$3,012.00", "Spending": "$1,347.50", "Net": "$1,664.50", "Savings rate": "55%",
        "Transfers in from outside": "$250.00", "Transfers out to outside": "$60.00",
        "Between your accounts": "$635.50",
        "Money in − money out": "$1,854.50",  # 1,664.50 + 250 - 60 (+ 635.50 - 635.50)
    }  # fmt: skip
    assert at.segmented_control(key="u_interval").value == "week"


def test_amounts_of_another_currency_are_shown_apart(world):
    at = open_page("cash_flow.py", **JANUARY, currency="EUR")
    assert metrics(at)["Income"] == "€2,000.00"
    assert metrics(at)["Spending"] == "€30.00"


def test_filters_in_the_url_narrow_the_numbers(world):
    at = open_page("cash_flow.py", **JANUARY, account="chk", transfers="1")
    assert metrics(at)["Spending"] == "$1,252.00"  # rent, gas, fee: showing transfers never makes them spending
    assert metrics(at)["Between your accounts"] == "$635.50"  # the card payment and the move to savings
    at = open_page("cash_flow.py", **JANUARY, merchant="whole foods")
    assert metrics(at)["Spending"] == "$130.00"


def test_invalid_parameters_are_dropped_with_a_visible_warning(world):
    at = open_page(
        "cash_flow.py", period="fortnight", min="abc", currency="XYZ", account="nope", bogus="1", interval="hourly"
    )
    assert not at.exception
    text = warnings(at)
    for expected in (
        "`period=fortnight`",
        "`min=abc`",
        "`currency=XYZ`",
        "`account=nope`",
        "`bogus`",
        "`interval=hourly`",
    ):
        assert expected in text
    assert dict(at.query_params) == {"currency": "USD"}  # only what the page now shows
    assert at.caption[0].value.startswith("Last 12 months")


def test_changing_a_filter_updates_the_url(world):
    at = open_page("overview.py", **JANUARY)
    at.sidebar.text_input(key="f_merchant").input("whole").run()
    at.sidebar.toggle(key="f_pending").set_value(True).run()
    assert at.query_params["merchant"] == "whole"
    assert at.query_params["pending"] == "1"
    assert at.query_params["from"] == "2025-01-01"


def test_filters_follow_the_user_to_other_pages(world):
    at = open_page("cash_flow.py", **JANUARY, transfers="1")
    at.sidebar.multiselect(key="f_accounts").select("chk").run()
    at.switch_page("../pages/connections.py").run()
    at.switch_page("../pages/categories.py").run()
    assert not at.exception
    assert at.sidebar.multiselect(key="f_accounts").value == ["chk"]
    assert at.sidebar.toggle(key="f_transfers").value is True
    assert at.caption[0].value.startswith("2025-01-01 to 2025-01-31")


def test_a_saved_view_brings_its_filters_back(world):
    at = open_page("cash_flow.py", **JANUARY, currency="EUR")
    at.sidebar.text_input(key="view_name").input("Euro January").run()
    at.sidebar.button[[b.label for b in at.sidebar.button].index("Save current filters")].click().run()
    at.sidebar.selectbox(key="f_period").set_value("this_month").run()
    assert metrics(at)["Income"] == "€0.00"  # nothing this month: zero, not a gap
    at.sidebar.button(key="view_open_Euro January").click().run()
    assert metrics(at)["Income"] == "€2,000.00"
    assert at.query_params["currency"] == "EUR"


def test_overview_names_the_connections_that_need_attention(world):
    at = open_page("overview.py", period="all")
    assert any("Bank B" in e.value and "log in again" in e.value for e in at.error)


def test_balances_leave_other_currencies_out_and_say_so(world):
    at = open_page("balances.py")
    assert metrics(at)["Net worth"] == "$5,700.00"
    assert any("1 account(s) in EUR are not shown" in c.value for c in at.caption)


def test_transactions_search_sort_and_page_come_from_the_url(world):
    at = open_page("transactions.py", **JANUARY, q="whole", sort="amount_asc")
    table = at.dataframe[0].value
    assert list(table["name"]) == ["Whole Foods", "Whole Foods"]
    assert list(table["amount"]) == [-150.25, 20.25]
    assert "**2** transactions" in at.markdown[0].value


def test_a_rule_added_on_the_transactions_page_recategorizes_now(world):
    at = open_page("transactions.py", **JANUARY, q="starbucks")
    at.text_input(key="rule_pattern").input("starbucks")
    at.selectbox(key="rule_category").set_value("GENERAL_MERCHANDISE|GENERAL_MERCHANDISE_ONLINE_MARKETPLACES")
    at.button[[b.label for b in at.button].index("Add rule")].click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["category"]) == ["General merchandise › Online marketplaces"]
    assert list(table["set by"]) == ["rule"]


def test_charts_download_with_names_that_say_what_they_show(world):
    at = open_page("cash_flow.py", **JANUARY, currency="USD")
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    expected = {"format": "png", "filename": "finboard-cash-flow-2025-01-01_2025-01-31_USD", "scale": 2}
    assert config["toImageButtonOptions"] == expected
    at = open_page("cash_flow.py", **JANUARY, image="svg")
    assert json.loads(at.get("plotly_chart")[0].proto.config)["toImageButtonOptions"]["format"] == "svg"


def test_a_busy_database_is_a_message_not_a_stack_trace(world, monkeypatch):
    from core.analytics import ledger
    from core.store import StoreBusy

    def busy(store):
        raise StoreBusy("The database is busy: another Finboard process has been using it for over 30 s.")

    monkeypatch.setattr(ledger, "refresh", busy)
    at = open_page("cash_flow.py")
    assert not at.exception
    assert any("is busy" in e.value for e in at.error)


def test_the_overview_says_what_moved_beside_net(world):
    at = open_page("overview.py", **JANUARY)
    note = next(c.value for c in at.caption if c.value.startswith("Beside net"))
    assert "**$250.00** came in from and **$60.00** went out to accounts outside Finboard" in note
    assert "**$635.50** moved between your own accounts" in note


def test_the_transaction_list_says_what_each_row_counts_as(world):
    at = open_page("transactions.py", **JANUARY, transfers="1", q="online transfer")
    table = at.dataframe[0].value
    assert list(table["counts as"]) == [
        "Transfer ↔ Checking ••1111 on 2025-01-25", "Transfer ↔ Savings ••2222 on 2025-01-27"
    ]  # fmt: skip


def test_a_suggested_pair_is_confirmed_and_rejected_from_the_review_list(world):
    at = open_page("transactions.py", **JANUARY)
    review = at.dataframe(key="transfer_review_table_0")
    assert list(review.value["status"]) == ["Suggested", "Suggested"]
    assert list(review.value["amount"]) == [500.0, 135.5]
    at = select_row(at, "transfer_review_table_0")
    at.button(key="tr_list_confirm").click().run()
    assert not at.exception
    # a fresh list: nothing selected, so the next click cannot land on the pair that moved up
    assert list(at.dataframe(key="transfer_review_table_1").value["status"]) == ["Suggested", "Confirmed"]
    assert "tr_list_confirm" not in [b.key for b in at.button]
    at = select_row(at, "transfer_review_table_1")
    at.button(key="tr_list_reject").click().run()  # the card payment pair is not a transfer after all
    assert list(at.dataframe(key="transfer_review_table_2").value["status"]) == ["Confirmed"]
    assert metrics(open_page("cash_flow.py", **JANUARY))["Transfers out to outside"] == "$195.50"  # 60 + 135.50


def select_row(at: AppTest, key: str, row: int = 0) -> AppTest:
    at.session_state[key] = {"selection": {"rows": [row], "columns": []}}
    return at.run()


def test_the_selected_transaction_shows_its_pair_and_can_be_unpaired_and_linked_again(world):
    at = select_row(open_page("transactions.py", **JANUARY, transfers="1", q="online transfer 9"), "transactions_table")
    assert "Counts as: **Transfer between your accounts**" in [m.value for m in at.markdown]
    at.button(key="tr_reject").click().run()  # "Not a transfer between my accounts"
    at = select_row(at, "transactions_table")
    assert "Counts as: **Transfer, outside Finboard**" in [m.value for m in at.markdown]
    at.button(key="tr_forget").click().run()
    at = select_row(at, "transactions_table", 1)
    assert "Counts as: **Transfer between your accounts**" in [m.value for m in at.markdown]
    # the check deposit has no twin: nothing to link it with, and the page says why
    at = select_row(open_page("transactions.py", **JANUARY, transfers="1", q="check deposit"), "transactions_table")
    assert any("cannot be linked" in c.value for c in at.caption)
    assert not at.exception
