"""The empty state every page shows before a bank is connected."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from core.workspace import Workspace
from dashboard.actions import load_demo_bank
from dashboard.context import workspace
from dashboard.link import connect_button


def no_bank_yet(ws: Workspace | None = None) -> NoReturn:
    """Say no bank is connected, offer "Connect a bank" (and offline "Load demo bank"), then stop the page.

    Call it where a page finds no data: `if accounts.empty: no_bank_yet()`.
    """
    ws = ws or workspace()
    st.info(
        "No bank connected yet. Connect one through Plaid to see your accounts, cash flow and spending; "
        "everything stays in a database on this computer."
        + (" Or load the demo bank to explore with sample data." if ws.settings.is_offline else ""),
        icon=":material/account_balance:",
    )
    with st.container(horizontal=True):
        connect_button("empty_state_connect")
        demo = ws.settings.is_offline and st.button(
            "Load demo bank", key="empty_state_demo", icon=":material/download:"
        )
    if demo and load_demo_bank(ws):
        st.rerun()
    st.stop()
