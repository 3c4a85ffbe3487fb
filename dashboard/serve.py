"""The dashboard as an ASGI app: Streamlit's st.App around app.py, with Finboard's front door before it.

`finboard run` starts `streamlit run dashboard/serve.py`; Streamlit finds the `st.App` below and serves it with
uvicorn, running the middleware of dashboard/gate.py (Host check, login) before its own, for HTTP and WebSocket.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/serve.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

from core.config import PRIVATE_UMASK, load_settings  # noqa: E402
from dashboard.gate import middleware  # noqa: E402

os.umask(PRIVATE_UMASK)  # `finboard run` set it already; a bare `streamlit run dashboard/serve.py` gets it here
app = st.App(Path(__file__).with_name("app.py"), middleware=middleware(load_settings()))
