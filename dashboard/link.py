"""Plaid Link in the dashboard: a components v2 component and the flow around it.

Buttons start Link through `start_link` (their on_click). `link_flow`, called once per run by app.py,
renders the open Link, handles what it reports (connect, update mode, errors, duplicates, the OAuth
return) and shows the outcome above the page. The component runs in the page itself, not an iframe,
so Plaid's full-viewport modal covers the dashboard and OAuth can navigate the tab (DESIGN.md section 4).

The browser receives a link token, the script URL and a random key: never an access token. Nothing the
person or Plaid supplies is put into the component's HTML or JS; it all travels as `data`. The component's
JavaScript is link.js beside this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import format_datetime
from functools import partial
from importlib import resources
from typing import Any, Literal

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.errors import FinboardError
from core.items import get_item
from core.link import (
    AlreadyConnected,
    LinkedAccount,
    LinkToken,
    PendingLinks,
    Purpose,
    connect_new_item,
    create_link_token,
    finish_update,
    launch_key,
    link_script_url,
    redirect_uri_for,
)
from core.workspace import Workspace
from dashboard.actions import sync_with_progress
from dashboard.context import workspace

log = logging.getLogger(__name__)

COOKIE = "finboard_link"  # holds a PendingLinks key across the OAuth redirect; never a token
OAUTH_PARAM = "oauth_state_id"
LAUNCH = "_finboard_link_launch"
OUTCOME = "_finboard_link_outcome"
NOTICE = "_finboard_link_notice"
MAX_TOKEN_REFRESHES = 2  # INVALID_LINK_TOKEN: fetch a fresh token this often before telling the person

_component = st.components.v2.component(
    "finboard_plaid_link",
    html='<p class="status" role="status" hidden></p>',
    css=".status{margin:0;font-size:.875rem;opacity:.7;font-family:var(--st-font)}",
    # Components v2 takes a file path only for packages that declare a component asset_dir; the source is read here.
    js=resources.files("dashboard").joinpath("link.js").read_text(encoding="utf-8"),
)


@dataclass(frozen=True)
class Launch:
    """One opening of Link in this session. `key` names it in the browser (and in PendingLinks)."""

    token: LinkToken
    key: str
    label: str  # the connection's name for messages, or "your bank" for a new one
    resume: bool = False  # re-opened after the bank's OAuth page sent the person back
    refreshes: int = 0


@dataclass(frozen=True)
class Notice:
    """A message above the page about the last Link, with an optional button to act on it."""

    kind: Literal["success", "warning", "error"]
    text: str
    action: Purpose | None = None
    item_id: str | None = None
    action_label: str = "Try again"


@st.cache_resource(show_spinner=False)
def pending_links() -> PendingLinks:
    """Process-wide: the OAuth return arrives in a new session of the same server."""
    return PendingLinks()


# -- starting Link ----------------------------------------------------------------------------------


def start_link(purpose: Purpose = Purpose.CONNECT, item_id: str | None = None) -> None:
    """Button callback: create a link token server-side and open Link on this run."""
    ws = workspace()
    try:
        token = create_link_token(ws, purpose, item_id=item_id, redirect_uri=redirect_uri_for(ws, st.context.url))
    except FinboardError as e:
        _set_notice(Notice("error", f"Plaid Link could not start: {e}", purpose, item_id))
        return
    _open(token, label=_label(ws, item_id))


def _label(ws: Workspace, item_id: str | None) -> str:
    """The connection's name for messages ("your bank" for a new one)."""
    if item_id is None:
        return "your bank"
    try:
        return get_item(ws, item_id).label
    except FinboardError:
        return "your bank"


def connect_button(key: str, *, primary: bool = True) -> None:
    st.button(
        "Connect a bank",
        key=key,
        type="primary" if primary else "secondary",
        icon=":material/add_link:",
        on_click=start_link,
    )


def reconnect_button(item_id: str, *, key: str) -> None:
    st.button("Reconnect", key=key, type="primary", icon=":material/key:", on_click=start_link,
              args=(Purpose.RECONNECT, item_id))  # fmt: skip


def add_accounts_button(item_id: str, *, key: str) -> None:
    st.button("Add accounts", key=key, icon=":material/playlist_add:", on_click=start_link,
              args=(Purpose.ADD_ACCOUNTS, item_id))  # fmt: skip


def _open(token: LinkToken, *, label: str, resume: bool = False, refreshes: int = 0, key: str | None = None) -> Launch:
    if key is None:  # only a token with a redirect URI can need an OAuth return
        key = pending_links().add(token) if token.redirect_uri else launch_key()
    launch = Launch(token=token, key=key, label=label, resume=resume, refreshes=refreshes)
    st.session_state[LAUNCH] = launch
    st.session_state.pop(NOTICE, None)
    return launch


# -- the flow ----------------------------------------------------------------------------------------


def link_flow(ws: Workspace, *, landing: StreamlitPage) -> None:
    """Once per run, before the page: the open Link, what it reported, and the last notice.

    A new connection lands on `landing` (the Overview) once its first sync succeeded.
    """
    launch: Launch | None = st.session_state.get(LAUNCH) or _resume_oauth()
    if launch is not None:
        outcome = st.session_state.pop(OUTCOME, None)
        if outcome is None or outcome.get("key") != launch.key:
            _render(ws, launch)
        else:
            _finish(ws, launch, outcome, landing)
    _show_notice()


def _render(ws: Workspace, launch: Launch) -> None:
    component_key = f"finboard_link_{launch.key}"
    _component(
        key=component_key,
        data={
            "key": launch.key,
            "link_token": launch.token.token,
            "script_src": link_script_url(ws),
            "resume": launch.resume,
            "cookie": COOKIE if launch.token.redirect_uri else None,
            "cookie_expires": format_datetime(launch.token.expires_at, usegmt=True),
        },
        on_success_change=partial(_keep_outcome, component_key, "success"),
        on_exit_change=partial(_keep_outcome, component_key, "exit"),
    )


def _keep_outcome(component_key: str, trigger: str) -> None:
    """Component callback: keep what Link reported for the run that follows (callbacks run first)."""
    state = st.session_state.get(component_key)  # gone if a late event names a Link already closed
    value = state.get(trigger) if state is not None else None
    if isinstance(value, dict):
        st.session_state[OUTCOME] = {**value, "trigger": trigger}


def _finish(ws: Workspace, launch: Launch, outcome: dict[str, Any], landing: StreamlitPage) -> None:
    st.session_state.pop(LAUNCH, None)
    pending_links().discard(launch.key)
    if launch.resume:
        st.query_params.pop(OAUTH_PARAM, None)
    events = ", ".join(str(e.get("name")) for e in outcome.get("events") or [] if isinstance(e, dict))
    log.info("Link %s (%s, session %s): %s", outcome["trigger"], launch.token.purpose,
             outcome.get("link_session_id"), events)  # fmt: skip
    if outcome["trigger"] == "success":
        _on_success(ws, launch, outcome, landing)
    else:
        _on_exit(ws, launch, outcome)


def _on_success(ws: Workspace, launch: Launch, outcome: dict[str, Any], landing: StreamlitPage) -> None:
    purpose = launch.token.purpose
    institution = outcome.get("institution") or {}
    name = institution.get("name") or launch.label
    if purpose is not Purpose.CONNECT:
        item_id = str(launch.token.item_id)
        finish_update(ws, item_id, purpose)
        results = sync_with_progress(ws, [item_id], label=f"Syncing {launch.label}")
        done = "New accounts were added from" if purpose is Purpose.ADD_ACCOUNTS else "Reconnected"
        if all(r.ok for r in results):
            _set_notice(Notice("success", f"{done} {launch.label}."))
        return
    try:
        with st.spinner(f"Connecting {name}…"):
            result = connect_new_item(
                ws,
                str(outcome.get("public_token") or ""),
                institution_id=institution.get("institution_id"),
                institution_name=institution.get("name"),
                accounts=[LinkedAccount(a.get("name"), a.get("mask")) for a in outcome.get("accounts") or []],
            )
    except FinboardError as e:
        _set_notice(Notice("error", f"{name} could not be connected: {e}", Purpose.CONNECT))
        return
    if isinstance(result, AlreadyConnected):
        existing = result.existing
        _set_notice(
            Notice(
                "warning",
                f"{existing.label} is already connected, so nothing was added. "
                "If it stopped updating, reconnect it instead.",
                Purpose.RECONNECT,
                existing.item_id,
                "Reconnect",
            )
        )
        return
    results = sync_with_progress(ws, [result.item_id], label=f"Loading {name}")
    if all(r.ok for r in results):
        _set_notice(Notice("success", f"{name} is connected."))
        st.switch_page(landing)
    failed = "; ".join(str(r.error) for r in results if not r.ok)
    _set_notice(Notice("warning", f"{name} is connected, but its first sync failed: {failed} Use Sync now to retry."))


def _on_exit(ws: Workspace, launch: Launch, outcome: dict[str, Any]) -> None:
    error = outcome.get("error")
    if not isinstance(error, dict):
        return  # the person closed Link: nothing to say
    purpose, item_id = launch.token.purpose, launch.token.item_id
    if error.get("error_code") == "INVALID_LINK_TOKEN" and launch.refreshes < MAX_TOKEN_REFRESHES:
        # Expired or overused token: a fresh one re-opens Link at once, unnoticed.
        try:
            token = create_link_token(ws, purpose, item_id=item_id, redirect_uri=launch.token.redirect_uri)
        except FinboardError as e:
            _set_notice(Notice("error", f"Plaid Link could not start: {e}", purpose, item_id))
            return
        _render(ws, _open(token, label=launch.label, refreshes=launch.refreshes + 1))
        return
    text = error.get("display_message") or _fallback_text(error)
    code = error.get("error_code") or "unknown"
    request = f", request {outcome['request_id']}" if outcome.get("request_id") else ""
    _set_notice(Notice("error", f"{text} (Plaid: {code}{request})", purpose, item_id))


def _fallback_text(error: dict[str, Any]) -> str:
    if error.get("error_code") == "LINK_UNAVAILABLE":
        return "Plaid Link could not be loaded. Check the internet connection, then try again."
    detail = str(error.get("error_message") or "").rstrip(".")
    return f"Plaid Link stopped with an error: {detail}." if detail else "Plaid Link stopped with an error."


def _resume_oauth() -> Launch | None:
    """Back from the bank's OAuth page (a new session): re-open Link with the same link token."""
    if not st.query_params.get(OAUTH_PARAM):
        return None
    key = st.context.cookies.get(COOKIE)
    token = pending_links().get(key)
    if token is None or key is None:
        st.query_params.pop(OAUTH_PARAM, None)
        _set_notice(
            Notice(
                "warning",
                "You came back from your bank, but this browser has no bank connection in progress "
                "(it expired, or the dashboard was restarted). Please connect the bank again.",
                Purpose.CONNECT,
                action_label="Connect a bank",
            )
        )
        return None
    return _open(token, label=_label(workspace(), token.item_id), resume=True, key=key)


# -- notices -----------------------------------------------------------------------------------------


def _set_notice(notice: Notice) -> None:
    st.session_state[NOTICE] = notice


def _dismiss() -> None:
    st.session_state.pop(NOTICE, None)


def _show_notice() -> None:
    notice: Notice | None = st.session_state.get(NOTICE)
    if notice is None:
        return
    if notice.kind == "success":
        st.success(notice.text, icon=":material/check_circle:")
        _dismiss()  # shown once
        return
    show = st.error if notice.kind == "error" else st.warning
    show(notice.text, icon=":material/error:" if notice.kind == "error" else ":material/warning:")
    with st.container(horizontal=True):
        if notice.action is not None:
            st.button(notice.action_label, key="link_notice_action", type="primary", on_click=start_link,
                      args=(notice.action, notice.item_id))  # fmt: skip
        st.button("Dismiss", key="link_notice_dismiss", on_click=_dismiss)
