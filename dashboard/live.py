"""Live updates: an open page reruns by itself when committed data changes.

A webhook-triggered sync (or a `finboard sync` in a terminal) bumps the store's data version, a
sidecar file read without opening the database. A small fragment polls it and reruns the whole
app only when it moved, so an idle page costs one file read per interval and no database lock.
"""

from __future__ import annotations

import streamlit as st

from core.store import Store
from dashboard.context import workspace

POLL_SECONDS = 2.0
SHOWN_VERSION = "_finboard_shown_data_version"


def follow_data_version() -> None:
    """Call once per app run, before the page renders."""
    store = workspace().store
    st.session_state[SHOWN_VERSION] = store.data_version()  # the page about to render shows at least this
    _watch_data_version(store)


@st.fragment(run_every=POLL_SECONDS)
def _watch_data_version(store: Store) -> None:
    if store.data_version() != st.session_state.get(SHOWN_VERSION):
        st.rerun(scope="app")
