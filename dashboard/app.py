"""Finboard's entry point: page config, the mode banner and the navigation. Pages live in pages/."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

from dashboard.context import workspace  # noqa: E402
from dashboard.gate import LOGOUT_FORM  # noqa: E402
from dashboard.link import link_flow  # noqa: E402
from dashboard.live import follow_data_version  # noqa: E402

PAGES = ROOT / "pages"
# A packaged image, inlined as a data URI: a ":material/...:" page icon makes every browser fetch it from Google.
PAGE_ICON = Path(__file__).resolve().parent / "static" / "finboard.svg"
MODE_BANNER = {
    "offline": ("Offline mode: the built-in Plaid emulator with demo banks. No real accounts.", ":material/science:"),
    "sandbox": ("Plaid sandbox: test institutions and fake credentials.", ":material/experiment:"),
    "production": ("Plaid production: real bank data.", ":material/lock:"),
}

st.set_page_config(page_title="Finboard", page_icon=PAGE_ICON, layout="wide")

ws = workspace()
text, icon = MODE_BANNER[ws.settings.mode]
st.sidebar.caption(f"{icon} {text}")
if ws.settings.password:  # dashboard/gate.py asked for it before this page loaded
    st.sidebar.html(LOGOUT_FORM)  # a form, not a link: Streamlit opens links in a new tab
follow_data_version()  # reruns an open page when a webhook-triggered sync commits

overview = st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True)
navigation = st.navigation(
    [
        overview,
        st.Page(PAGES / "cash_flow.py", title="Cash flow", icon=":material/swap_vert:"),
        st.Page(PAGES / "categories.py", title="Categories", icon=":material/donut_small:"),
        st.Page(PAGES / "balances.py", title="Balances", icon=":material/account_balance_wallet:"),
        st.Page(PAGES / "transactions.py", title="Transactions", icon=":material/receipt_long:"),
        st.Page(PAGES / "recurring.py", title="Recurring", icon=":material/event_repeat:"),
        st.Page(PAGES / "forecast.py", title="Forecast", icon=":material/trending_flat:"),
        st.Page(PAGES / "sql.py", title="SQL", icon=":material/terminal:"),
        st.Page(PAGES / "connections.py", title="Connections", icon=":material/account_balance:"),
        st.Page(PAGES / "settings.py", title="Settings", icon=":material/settings:"),
    ]
)
link_flow(ws, landing=overview)  # Plaid Link above every page, including the return from a bank's OAuth page
navigation.run()
