"""The Connections page lists the latest webhook events, unverified ones marked, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from streamlit.testing.v1 import AppTest

from core.config import load_settings
from core.text import markdown_text
from core.webhooks.audit import WebhookEvent, record_events
from core.workspace import Workspace
from tests.app.test_pages_smoke import run_page
from tests.webhook_support import seed_item


def webhook_tables(at: AppTest) -> list[Any]:
    """The webhook events table (the page's other tables list accounts)."""
    return [t for t in at.table if "Outcome" in t.value.columns]


def cells(at: AppTest) -> list[list[str]]:
    [table] = webhook_tables(at)
    frame = table.value.reset_index()
    return [[str(v) for v in row] for row in frame.itertuples(index=False)]


def test_connections_page_shows_the_latest_webhook_events(db_env):
    ws = Workspace(load_settings())
    seed_item(ws.store, "item-1", ("acc-1",))
    record_events(ws.store, [
        WebhookEvent("e1", datetime(2025, 6, 1, 12, 0, 0), "TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", "item-1", True,
                     "synced: 3 added, 0 modified, 0 removed", "a" * 64),
        WebhookEvent("e2", datetime(2025, 6, 1, 12, 5, 0), "ITEM", "USER_PERMISSION_REVOKED", "item-1", False,
                     "rejected: no Plaid-Verification header", "b" * 64),
    ])  # fmt: skip
    ws.store.bump_data_version()

    at = run_page("connections.py")

    assert not at.exception, at.exception
    assert any(s.value == "Webhook events" for s in at.subheader)
    md = markdown_text  # st.table renders Markdown: claimed fields, names and outcomes are escaped
    assert cells(at) == [
        ["2025-06-01 12:05:00", md("ITEM / USER_PERMISSION_REVOKED"), md("Bank of item-1"), "NO",
         md("rejected: no Plaid-Verification header")],
        ["2025-06-01 12:00:00", md("TRANSACTIONS / SYNC_UPDATES_AVAILABLE"), md("Bank of item-1"), "yes",
         md("synced: 3 added, 0 modified, 0 removed")],
    ]  # fmt: skip


def test_connections_page_says_when_no_webhook_arrived_yet(db_env):
    ws = Workspace(load_settings())
    seed_item(ws.store, "item-1", ("acc-1",))
    ws.store.bump_data_version()
    at = run_page("connections.py")
    assert not at.exception, at.exception
    assert any("No webhooks received yet" in i.value for i in at.info)
    assert not webhook_tables(at)
