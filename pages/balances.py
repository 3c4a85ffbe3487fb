"""Balances: what is owned and owed now, how balances and net worth moved, and credit utilization."""

import streamlit as st

from core.analytics.intervals import INTERVAL_LABELS
from core.text import markdown_text
from dashboard import data
from dashboard.data_checks import data_checks
from dashboard.filters import url_choice
from dashboard.metrics import kpi
from dashboard.page import analytics_page
from dashboard.tables import amount_format, grid_text

page = analytics_page("Balances", page_keys=("interval",))
interval = url_choice(
    "interval", {k: INTERVAL_LABELS[k] for k in ("day", "week", "month")}, "day", label="History: one point per"
)
page.read_charts(interval)
d = page.load(data.balances_data, page.filters)
now = d.net_worth.iloc[0].to_dict() if not d.net_worth.empty else {}

c1, c2, c3 = st.columns(3)
kpi(c1, "Net worth", now.get("net_worth"), None, page.currency, help="Assets minus debts, from current balances.")
kpi(c2, "Assets", now.get("assets"), None, page.currency, help="Cash, savings and investments.")
kpi(c3, "Debts", now.get("liabilities"), None, page.currency, help="Credit cards and loans: what is owed.")

left, right = st.columns([3, 2])
with left:
    accounts = page.registry_chart("accounts").data
with right:
    page.registry_chart("credit-utilization")
    st.caption("Balance as a share of the limit. Lenders like to see under 30%.")

worth = page.registry_chart("net-worth").data
if worth["derived"].any():
    st.caption("Dotted: balances worked back from transactions, before the bank reported them day by day.")
if (~worth["complete"]).any():
    st.caption("Days before every account has a balance are left out.")

page.registry_chart("balance-history")

st.subheader("Accounts")
money_format = amount_format(page.currency)
st.dataframe(
    grid_text(accounts)[
        [
            "institution",
            "name",
            "mask",
            "type",
            "subtype",
            "current_balance",
            "available_balance",
            "credit_limit",
            "utilization",
            "updated_at",
        ]
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "institution": "Institution",
        "name": "Account",
        "mask": "Number",
        "type": "Type",
        "subtype": "Kind",
        "current_balance": st.column_config.NumberColumn("Balance", format=money_format),
        "available_balance": st.column_config.NumberColumn("Available", format=money_format),
        "credit_limit": st.column_config.NumberColumn("Limit", format=money_format),
        "utilization": st.column_config.ProgressColumn("Utilization", format="percent", min_value=0, max_value=1),
        "updated_at": st.column_config.DatetimeColumn("Updated (UTC)", format="YYYY-MM-DD HH:mm"),
    },
)
if not d.other_accounts.empty:
    currencies = ", ".join(markdown_text(c) for c in sorted(set(d.other_accounts["currency"])))
    st.caption(
        f"{len(d.other_accounts)} account(s) in {currencies} are not shown: choose the currency in the sidebar. "
        "Balances in different currencies are never added together."
    )

data_checks(page.load(data.balance_checks_data, page.filters.accounts))
