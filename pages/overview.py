"""Overview: accounts and monthly cash flow."""

from datetime import date

import streamlit as st

from core.analytics import balances, cash_flow, ledger
from core.analytics.filters import Filters
from dashboard import charts
from dashboard.actions import load_demo_bank
from dashboard.context import data_version, workspace

ws = workspace()


@st.cache_data(show_spinner=False)
def _accounts(version: int):
    with ledger.reading(ws.store) as con:
        return balances.accounts(con, Filters())


@st.cache_data(show_spinner=False)
def _cash_flow(version: int):
    with ledger.reading(ws.store) as con:
        return cash_flow.cash_flow(con, Filters(), date.today(), "month")[0].rename(columns={"period": "month"})


st.title("Overview")
accounts = _accounts(data_version())
if accounts.empty:
    st.info("No bank connected yet. Connect one on the **Connections** page to see your accounts and cash flow.")
    if ws.settings.is_offline and st.button("Load demo bank", type="primary", icon=":material/download:"):
        load_demo_bank(ws)
        st.rerun()
    st.stop()

st.subheader("Accounts")
st.dataframe(
    accounts,
    hide_index=True,
    column_config={
        "current_balance": st.column_config.NumberColumn("Current", format="%.2f"),
        "available_balance": st.column_config.NumberColumn("Available", format="%.2f"),
        "credit_limit": st.column_config.NumberColumn("Limit", format="%.2f"),
    },
)

st.subheader("Monthly cash flow")
flow = _cash_flow(data_version())
for currency, rows in flow.groupby("currency"):
    st.plotly_chart(charts.monthly_cash_flow(rows, str(currency)), key=f"cash_flow_{currency}")
