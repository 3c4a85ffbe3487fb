"""Connections: every item with its health, and the actions on it."""

import streamlit as st

from core.errors import FinboardError
from core.items import list_items, remove_item
from dashboard.actions import load_demo_bank, sync_with_progress
from dashboard.context import workspace
from dashboard.webhook_events import show_webhook_events

ws = workspace()
st.title("Connections")

items = list_items(ws)
if ws.settings.is_offline and st.button("Load demo bank", type="primary" if not items else "secondary"):
    load_demo_bank(ws)
    st.rerun()

if not items:
    st.info(
        "No bank connected yet."
        + (" Load the demo bank to explore with sample data." if ws.settings.is_offline else "")
    )
    st.stop()

for item in items:
    with st.container(border=True):
        left, right = st.columns([3, 2])
        left.markdown(f"**{item.label}**  \n{item.status_text}")
        if item.error_message and item.status != "healthy":
            left.caption(item.error_message)
        last = item.last_synced_at.strftime("%Y-%m-%d %H:%M UTC") if item.last_synced_at else "never"
        left.caption(f"Last sync: {last}")
        if right.button("Sync now", key=f"sync_{item.item_id}"):
            sync_with_progress(ws, [item.item_id])
            st.rerun()
        if right.button("Disconnect", key=f"remove_{item.item_id}"):
            try:
                remove_item(ws, item.item_id)
                st.rerun()
            except FinboardError as e:
                st.error(str(e))

show_webhook_events(ws)
