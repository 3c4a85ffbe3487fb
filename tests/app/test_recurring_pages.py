"""The Recurring and Forecast pages and the Overview's alerts in AppTest, on the hand-made recurring world
(tests/recurring_worlds.py), with the dashboard's clock set to that world's TODAY (2025-06-10)."""

from __future__ import annotations

from datetime import date

import pytest

from core.analytics import ledger, streams
from core.store import Store
from tests.app.test_pages_analytics import open_page
from tests.recurring_worlds import TODAY, recurring_world


class Today(date):
    @classmethod
    def today(cls) -> date:  # type: ignore[override]
        return TODAY


@pytest.fixture
def world(db_env, monkeypatch):
    monkeypatch.setattr("dashboard.page.date", Today)
    return recurring_world(Store(db_env))


def stream_id(store: Store, merchant: str) -> str:
    with ledger.reading(store) as con:
        table = streams.streams(con, TODAY, hidden=True)
    return str(table[table["detected_merchant"] == merchant].iloc[0]["stream_id"])


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def test_the_recurring_page_sums_up_costs_income_and_the_next_30_days(world):
    at = open_page("recurring.py")
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    # Greystar 1,500 + PG&E 88.17 (its usual) + Comcast 60 + Netflix 17.99 + Spotify 11.99; Hulu has stopped
    assert metrics["Subscriptions and bills"] == "$1,678.15"
    assert metrics["Per year"] == "$20,137.80"
    assert metrics["Income per month"] == "$5,435.27"  # 2,500 every 14 days: 2,500 × 365.25 / 14 / 12
    assert [h.value for h in at.subheader][:4] == [
        "Subscriptions and bills", "Income", "Transfers between your accounts",
        "Recurring: the next 30 days"]  # fmt: skip
    assert "**Comcast** ($60.00) was expected on Jun 03" in texts(at.warning)
    assert "**Netflix** went up from $15.49 to $17.99 on May 07" in texts(at.warning)
    assert "New subscription: **Spotify**" in texts(at.info)
    assert at.get("plotly_chart"), "the calendar chart is drawn"
    # 10 Jun - 9 Jul: pay on 20 Jun and 4 Jul; Comcast (late, so today) and 3 Jul, Spotify 12 Jun, PG&E 20 Jun,
    # rent 1 Jul, Netflix 7 Jul: 60 + 60 + 11.99 + 88.17 + 1,500 + 17.99 = 1,738.15
    assert "Expected in: $5,000.00 · subscriptions and bills: $1,738.15 · net +$3,261.85" in texts(at.caption)
    # a page about what comes next says its day, not the sidebar's period and its comparison
    assert at.caption[0].value.startswith(f"As of {TODAY.isoformat()}: the period does not apply here · USD")
    assert "compared with" not in texts(at.caption)


def test_a_link_opens_one_stream_with_its_transactions(world):
    at = open_page("recurring.py", stream=stream_id(world, "Netflix"))
    assert not at.exception, at.exception
    header = texts(at.markdown)
    assert "**Netflix** · Card ••3333 · Monthly · Active" in header
    assert "next expected Mon Jul 07, 2025" in header
    history = next(df.value for df in at.dataframe if "name" in df.value.columns)
    assert len(history) == 6 and list(history["amount"][:2]) == [17.99, 17.99]


def test_rename_categorize_hide_and_show_a_stream(world):
    netflix = stream_id(world, "Netflix")
    at = open_page("recurring.py", stream=netflix)
    at.text_input(key=f"recurring_name_{netflix}").input("Netflix *family*")
    at.selectbox(key=f"recurring_category_{netflix}").set_value("ENTERTAINMENT|ENTERTAINMENT_TV_AND_MOVIES")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception, at.exception
    assert "**Netflix \\*family\\*** (found as Netflix)" in texts(at.markdown)  # Markdown in a name stays text

    at.button(key="recurring_hide").click().run()
    assert "Marked not recurring (1)" in [e.label for e in at.expander]
    assert at.button(key="recurring_restore")  # the selected stream can be shown again
    at.button(key=f"recurring_show_{netflix}").click().run()
    assert "Marked not recurring (1)" not in [e.label for e in at.expander]


def test_the_forecast_page_and_its_threshold(world):
    at = open_page("forecast.py")
    assert not at.exception, at.exception
    assert at.caption[0].value.startswith(f"As of {TODAY.isoformat()}: the period does not apply here")
    assert at.selectbox(key="forecast_account").value == "All USD accounts"
    at.selectbox(key="forecast_account").set_value("Checking ••1111").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Today"] == "$4,000.00"
    assert not at.error
    at.text_input[0].input("50000")
    at.button[[b.label for b in at.button].index("Save threshold")].click().run()
    assert "**Checking ••1111** is projected to fall to" in texts(at.error)
    assert "before the next income (Acme, Jun 20)" in texts(at.error)

    overview = open_page("overview.py")
    assert "**Checking ••1111** is projected to fall to" in texts(overview.error)
    assert "**Netflix** went up from $15.49 to $17.99" in texts(overview.warning)


def test_the_forecast_page_answers_a_bad_threshold_and_other_horizons(world):
    at = open_page("forecast.py", days="90")
    assert not at.exception, at.exception
    assert "In 90 days" in [m.label for m in at.metric]
    at.selectbox(key="forecast_account").set_value("Savings ••2222").run()
    at.text_input[0].input("lots")
    at.button[[b.label for b in at.button].index("Save threshold")].click().run()
    assert "“lots” is not an amount" in texts(at.error)


def test_connections_say_where_each_bank_s_recurring_payments_come_from(world):
    with world.transaction() as con:  # Plaid refused the add-on for this bank at its last sync
        con.execute(
            "INSERT INTO product_refreshes (item_id, product, account_ids, fetched_at, item_created_at, error_code) "
            "SELECT item_id, 'recurring', [], now()::TIMESTAMP, created_at, 'INVALID_PRODUCT' FROM items"
        )
    at = open_page("connections.py")
    assert not at.exception, at.exception
    assert (
        "Recurring payments: found by Finboard (Plaid's Recurring Transactions is not enabled for these Plaid keys)."
        in texts(at.caption)
    )
