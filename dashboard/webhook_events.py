"""The Connections page's "Webhook events" section: the latest entries of the audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.items import list_items
from core.text import markdown_text
from core.webhooks import recent_events
from core.workspace import Workspace
from dashboard.context import data_version

SHOWN_EVENTS = 20


@st.cache_data(show_spinner=False)
def _events_table(_ws: Workspace, db_path: str, version: int) -> pd.DataFrame:
    labels = {item.item_id: item.label for item in list_items(_ws)}
    rows = [
        {
            "Received (UTC)": e.received_at.strftime("%Y-%m-%d %H:%M:%S"),
            "Webhook": f"{e.webhook_type or '?'} / {e.webhook_code or '?'}",
            "Connection": labels.get(e.item_id or "", e.item_id or ""),
            "Verified": "yes" if e.verified else "NO",
            "Outcome": e.outcome,
        }
        for e in recent_events(_ws.store, SHOWN_EVENTS)
    ]
    table = pd.DataFrame(rows)
    # st.table renders cells as Markdown, and a forged request's claimed fields are anyone's text: escaped.
    for column in ("Webhook", "Connection", "Outcome"):
        if column in table:
            table[column] = table[column].map(markdown_text)
    return table


def show_webhook_events(ws: Workspace) -> None:
    """What Plaid told us lately and what Finboard did about it; unverified requests had no effect."""
    st.subheader("Webhook events")
    where = f" at {ws.webhook_url}" if ws.webhook_url else " (no PLAID_WEBHOOK_URL is configured)"
    st.caption(
        f"Plaid reports new transactions and connection problems to Finboard's receiver{where}; "
        f"the latest {SHOWN_EVENTS} are listed. Requests not signed by Plaid are refused and had no effect."
    )
    table = _events_table(ws, str(ws.store.path), data_version())
    if table.empty:
        st.info("No webhooks received yet.")
        return
    st.table(table.set_index("Received (UTC)"))
