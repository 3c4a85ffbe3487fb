"""The Connections page's cards: one per bank login, with its accounts, health and actions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pandas as pd
import streamlit as st

from core.connections import Connection
from core.errors import FinboardError
from core.items import remove_item
from core.sync import refresh_balances
from core.text import markdown_text
from core.workspace import Workspace
from dashboard.actions import sync_with_progress
from dashboard.link import add_accounts_button, reconnect_button

BadgeColor = Literal["green", "orange", "red", "gray"]
# status -> (badge text, colour, icon)
STATUS_BADGE: dict[str, tuple[str, BadgeColor, str | None]] = {
    "healthy": ("Connected", "green", ":material/check_circle:"),
    "login_required": ("Login required", "orange", ":material/key:"),
    "pending_disconnect": ("Access ending soon", "orange", ":material/schedule:"),
    "revoked": ("Access revoked", "red", ":material/block:"),
    "error": ("Sync failed", "red", ":material/sync_problem:"),
}


def show_connection(ws: Workspace, c: Connection) -> None:
    item = c.item
    name = markdown_text(item.label)  # the bank's text, shown as text wherever Streamlit renders Markdown
    text, color, icon = STATUS_BADGE.get(item.status, (markdown_text(item.status), "gray", None))
    with st.container(border=True, key=f"connection_{item.item_id}"):
        head, actions = st.columns([3, 2], vertical_alignment="top")
        with head:
            st.subheader(name, anchor=False)
            st.badge(text, color=color, icon=icon)
            st.write(_explanation(c))
            if item.error_message and item.status == "error":  # the other statuses' text already says it
                st.caption(markdown_text(item.error_message))
            st.caption(f"Last synced {_when(item.last_synced_at)} · {c.transactions:,} transactions")
            st.caption(c.recurring_source)
            if c.history_loading and item.status == "healthy":
                arrives = "appears by itself when ready" if ws.webhook_url else "arrives with a later Sync now"
                st.info(
                    f"The bank has sent recent transactions; Plaid is still gathering older history "
                    f"(up to two years). It {arrives}.",
                    icon=":material/hourglass_top:",
                )
        with actions, st.container(horizontal=True, horizontal_alignment="right"):
            if c.needs_reconnect:
                reconnect_button(item.item_id, key=f"reconnect_{item.item_id}")
            if c.new_accounts_available:
                add_accounts_button(item.item_id, key=f"add_accounts_{item.item_id}")
            sync = st.button("Sync now", key=f"sync_{item.item_id}", icon=":material/sync:")
            balances = st.button(
                "Live balances",
                key=f"balances_{item.item_id}",
                icon=":material/account_balance_wallet:",
                help="Ask the bank for up-to-the-minute balances (Plaid allows 5 requests a minute per bank).",
            )
            if st.button("Disconnect", key=f"remove_{item.item_id}", icon=":material/link_off:"):
                _confirm_disconnect(ws, c)
        if c.accounts:
            st.table(_accounts_table(c), hide_index=True)
        else:
            st.caption("No accounts yet: they appear after the first sync.")
        if sync:
            sync_with_progress(ws, [item.item_id], label=f"Syncing {name}")
            st.rerun()
        if balances:
            _refresh_balances(ws, c)


def _refresh_balances(ws: Workspace, c: Connection) -> None:
    try:
        with st.spinner(f"Asking {markdown_text(c.item.label)} for live balances…"):
            updated = refresh_balances(ws, c.item.item_id)
    except FinboardError as e:
        st.warning(markdown_text(e))  # stays on screen: no rerun
        return
    st.toast(f"{markdown_text(c.item.label)}: live balances for {updated} accounts saved.", icon=":material/check:")


def _explanation(c: Connection) -> str:
    text = c.item.status_text
    if c.item.status == "pending_disconnect" and c.pending_disconnect_at:
        text += f" The bank stops sharing data on {c.pending_disconnect_at:%Y-%m-%d}."
    if c.new_accounts_available:
        text += " The bank has accounts Finboard does not see yet: Add accounts lets you choose them."
    return text


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


def _accounts_table(c: Connection) -> pd.DataFrame:
    """st.table renders its cells as Markdown: the bank's names and types are escaped (shown as written)."""
    return pd.DataFrame(
        {
            "Account": [markdown_text(a.name) if a.name else "(unnamed)" for a in c.accounts],
            "Type": [markdown_text(" / ".join(t for t in (a.type, a.subtype) if t)) for a in c.accounts],
            "Number": [markdown_text(f"••••{a.mask}") if a.mask else "" for a in c.accounts],
        }
    )


@st.dialog("Disconnect this bank?")
def _confirm_disconnect(ws: Workspace, c: Connection) -> None:
    st.write(
        f"Finboard will revoke its access to **{markdown_text(c.item.label)}** at Plaid and delete from this "
        f"computer its {len(c.accounts)} accounts, {c.transactions:,} transactions, balances and account details."
    )
    st.caption("To see this bank again, connect it again: its history is downloaded anew.")
    with st.container(horizontal=True):
        confirm = st.button("Disconnect", type="primary", key="confirm_disconnect")
        if st.button("Cancel", key="cancel_disconnect"):
            st.rerun()
    if confirm:
        try:
            with st.spinner(f"Disconnecting {markdown_text(c.item.label)}…"):
                remove_item(ws, c.item.item_id)
        except FinboardError as e:
            st.error(markdown_text(e))
            return
        st.rerun()
