"""Process-wide objects and the cache key that a committed sync changes."""

from __future__ import annotations

import streamlit as st

from core.config import Settings, load_settings
from core.errors import FinboardError
from core.text import configure_logging
from core.workspace import Workspace


@st.cache_resource(show_spinner=False)
def _workspace_for(settings: Settings) -> Workspace:
    configure_logging()  # this process's log lines (a sync's, a webhook's) without control characters
    return Workspace(settings)


def workspace() -> Workspace:
    """The workspace for the current settings; a configuration problem stops the page with its message."""
    try:
        return _workspace_for(load_settings())
    except FinboardError as e:
        st.error(f"**Finboard cannot start:** {e}")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers satisfied


def data_version() -> int:
    """Bumped by every committed change; cached queries take it as an argument so they refresh."""
    return workspace().store.data_version()


def show_error(error: FinboardError) -> None:
    st.error(str(error), icon=":material/error:")
