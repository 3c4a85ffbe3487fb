"""The Connections page's "Webhook events" section: the latest entries of the audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.items import list_items
from core.webhooks import recent_events
from core.workspace import Workspace
from dashboard.context import data_version
from dashboard.tables import grid_text

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
    return grid_text(pd.DataFrame(rows))  # claimed fields of forged requests: no control characters


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
    st.dataframe(table, hide_index=True)  # a data grid: st.table would render the claimed fields as Markdown
