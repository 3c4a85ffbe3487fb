"""Connections: every bank login with its accounts and health, and the actions on it."""

import streamlit as st

from core.connections import list_connections
from dashboard.actions import load_demo_bank
from dashboard.connection_cards import show_connection
from dashboard.context import workspace
from dashboard.empty_state import no_bank_yet
from dashboard.link import connect_button
from dashboard.webhook_events import show_webhook_events

ws = workspace()
st.title("Connections")

connections = list_connections(ws)
if not connections:
    no_bank_yet(ws)

st.caption("Each connection is one login at a bank, made through Plaid. Finboard stores its data on this computer.")
with st.container(horizontal=True):
    connect_button("connections_connect", primary=False)
    demo = ws.settings.is_offline and st.button("Load demo bank", key="connections_demo", icon=":material/download:")
if demo and load_demo_bank(ws):
    st.rerun()

for connection in connections:
    show_connection(ws, connection)

show_webhook_events(ws)
