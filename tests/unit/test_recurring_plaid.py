"""Plaid's recurring streams as a product (core/products/recurring.py): fetched by the sync once the history is
complete and on RECURRING_TRANSACTIONS_UPDATE, shown in the detector's shape, deleted with the item; when Plaid
refuses the add-on, Finboard's detector stands in without a word in the sync result, and Connections says so."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.analytics import forecast, ledger, streams
from core.connections import list_connections
from core.items import access_token, remove_item
from core.products.base import MalformedProductData
from core.products.recurring import recurring_rows
from core.sync import sync_items
from core.sync.products import due_products
from core.webhooks.dispatch import dispatch
from core.webhooks.jobs import ItemJob
from core.webhooks.processor import describe_job
from tests.unit.sync_emulated import connect, emulator, workspace
from tests.unit.sync_world import ChangeLogWorld, FakeGateway, workspace_with_item

TODAY = date(2025, 6, 1)  # the emulator's today: Netflix went up on 2025-01-07, Hulu stopped after 2024-10-26


def stream(**fields):  # type: ignore[no-untyped-def]
    base = {
        "account_id": "acc-1", "stream_id": "st-1", "category": None, "category_id": None, "description": "NETFLIX",
        "merchant_name": "Netflix", "first_date": "2025-01-07", "last_date": "2025-05-07",
        "predicted_next_date": "2025-06-07", "frequency": "MONTHLY", "transaction_ids": ["t1", "t2"],
        "average_amount": {"amount": 15.49, "iso_currency_code": "USD", "unofficial_currency_code": None},
        "last_amount": {"amount": 15.49, "iso_currency_code": "USD", "unofficial_currency_code": None},
        "is_active": True, "status": "MATURE", "is_user_modified": False,
        "personal_finance_category": {"primary": "ENTERTAINMENT", "detailed": "ENTERTAINMENT_TV_AND_MOVIES"},
    }  # fmt: skip
    return {**base, **fields}


def test_the_mapping_reads_streams_and_refuses_what_it_cannot_read():
    rows = recurring_rows({"inflow_streams": [], "outflow_streams": [stream()]}, lambda s: s)["plaid_recurring_streams"]
    assert rows[0]["direction"] == "outflow" and rows[0]["predicted_next_date"] == date(2025, 6, 7)
    assert rows[0]["category_primary"] == "ENTERTAINMENT" and rows[0]["transaction_ids"] == ["t1", "t2"]
    odd = recurring_rows(
        {"inflow_streams": [stream(frequency="FORTNIGHTLY", status=None, average_amount=None, merchant_name="")],
         "outflow_streams": []}, lambda s: s)["plaid_recurring_streams"][0]  # fmt: skip
    assert (odd["frequency"], odd["status"], odd["average_amount"], odd["merchant_name"]) == (
        "UNKNOWN", "UNKNOWN", None, None)  # fmt: skip
    for bad in (stream(stream_id=None), stream(transaction_ids="t1"), stream(last_date="2025-13-01")):
        with pytest.raises(MalformedProductData):
            recurring_rows({"inflow_streams": [bad], "outflow_streams": []}, lambda s: s)
    with pytest.raises(MalformedProductData):
        recurring_rows({"inflow_streams": None, "outflow_streams": []}, lambda s: s)


def synced(tmp_path, emu):  # type: ignore[no-untyped-def]
    ws = workspace(emu, tmp_path / "fb.duckdb")
    item = connect(ws)
    results = sync_items(ws)
    assert all(r.ok for r in results)
    return ws, item, results


def table(ws):  # type: ignore[no-untyped-def]
    with ledger.reading(ws.store) as con:
        return streams.streams(con, TODAY, hidden=True).set_index("detected_merchant")


def test_plaid_s_streams_are_shown_with_their_predicted_dates(tmp_path):
    with emulator(today=TODAY) as emu:
        ws, item, _ = synced(tmp_path, emu)
        plaid = {s["merchant_name"] or s["description"]: s for s in _plaid(ws, item)}
    found = table(ws)
    assert set(found["source"]) == {"plaid"}
    netflix = found.loc["Netflix"]
    assert (netflix["next_date"], netflix["status"], netflix["last_amount"], netflix["previous_amount"]) == (
        date(2025, 6, 7), "active", 17.99, 15.49)  # fmt: skip
    assert netflix["stream_id"] == plaid["Netflix"]["stream_id"]  # Plaid's own id
    assert (found.loc["Hulu", "status"], found.loc["Hulu", "next_date"]) == ("stopped", None)
    assert (found.loc["Amazon Prime", "frequency"], found.loc["Amazon Prime", "next_date"]) == (
        "annually", date(2025, 8, 14))  # fmt: skip
    assert found.loc["SFPUC", "frequency"] == "unknown"
    assert "Ferry Plaza Farmers Market" not in found.index
    [connection] = list_connections(ws)
    assert (
        connection.recurring_source
        == f"Recurring payments: from Plaid's Recurring Transactions ({len(plaid)} streams)."
    )


def test_a_refused_add_on_falls_back_to_finboard_quietly_and_connections_says_so(tmp_path):
    with emulator(today=TODAY) as emu:
        emu.control.refuse("/transactions/recurring/get")
        ws, _, results = synced(tmp_path, emu)
        assert results[0].notes == []  # nothing for the person to do: Finboard finds the streams itself
        found = table(ws)
        assert set(found["source"]) == {"finboard"}
        assert found.loc["Netflix", "next_date"] == date(2025, 6, 7)
        [connection] = list_connections(ws)
        assert connection.recurring_source == (
            "Recurring payments: found by Finboard (Plaid's Recurring Transactions is not enabled for these "
            "Plaid keys).")  # fmt: skip

        emu.control.refuse("/transactions/recurring/get", None)  # the add-on is switched on
        assert all(r.ok for r in sync_items(ws))
        assert set(table(ws)["source"]) == {"plaid"}  # Plaid's streams alone changed: the streams follow

        emu.control.refuse("/transactions/recurring/get", "ADDITIONAL_CONSENT_REQUIRED")
        assert all(r.ok for r in sync_items(ws))
        assert set(table(ws)["source"]) == {"finboard"}
        with ws.store.connect() as con:  # nothing of Plaid's stays once it refused
            assert con.execute("SELECT count(*) FROM plaid_recurring_streams").fetchone() == (0,)
        assert "did not allow Recurring Transactions" in list_connections(ws)[0].recurring_source


def test_the_webhook_refetches_and_disconnect_deletes_them(tmp_path):
    with emulator(today=TODAY) as emu:
        ws, item, _ = synced(tmp_path, emu)
        payload = {"webhook_type": "TRANSACTIONS", "webhook_code": "RECURRING_TRANSACTIONS_UPDATE", "item_id": item,
                   "account_ids": [], "environment": "sandbox"}  # fmt: skip
        result = dispatch(ws, payload, "healthy")
        assert (result.outcome, result.job) == ("Recurring transactions refetch queued", "recurring")
        assert describe_job(ws, ItemJob(item, "recurring")) == (
            f"Recurring transactions refetched: {len(_plaid(ws, item))} recurring streams"
        )
        netflix = table(ws).loc["Netflix", "stream_id"]
        streams.rename(store=ws.store, stream_id=netflix, name="Netflix family")
        describe_job(ws, ItemJob(item, "recurring"))  # fetched again: Plaid's ids and the choice stay
        assert table(ws).loc["Netflix", "merchant"] == "Netflix family"
        with ws.store.connect() as con:
            checking = con.execute("SELECT account_id FROM accounts WHERE subtype = 'checking' LIMIT 1").fetchone()[0]
        forecast.set_threshold(ws.store, checking, Decimal("100"))
        remove_item(ws, item)
    with ws.store.connect() as con:
        assert con.execute("SELECT count(*) FROM plaid_recurring_streams").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM recurring_streams").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM recurring_stream_transactions").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM forecast_thresholds").fetchone() == (0,)


def test_it_waits_for_the_whole_history(tmp_path):
    world = ChangeLogWorld()
    world.add()
    world.update_status = "INITIAL_UPDATE_COMPLETE"
    ws = workspace_with_item(tmp_path, FakeGateway(world))
    assert all(r.ok for r in sync_items(ws))
    assert "recurring" not in [p.name for p in due_products(ws, "item-1")]
    assert list_connections(ws)[0].recurring_source.endswith("until Plaid has this bank's whole history.")
    world.update_status = "HISTORICAL_UPDATE_COMPLETE"
    world.add(day=1)
    assert all(r.ok for r in sync_items(ws))
    assert "recurring" in [p.name for p in due_products(ws, "item-1")]
    assert list_connections(ws)[0].recurring_source.endswith("(0 streams).")


def _plaid(ws, item):  # type: ignore[no-untyped-def]
    """The item's streams as the emulator's /transactions/recurring/get answers them, through the gateway."""
    body = ws.gateway.fetch_product("/transactions/recurring/get", access_token(ws, item))
    return [*body["inflow_streams"], *body["outflow_streams"]]
