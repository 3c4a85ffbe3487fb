"""Cash flow: income against spending per period, the running net, and where the money went."""

import streamlit as st

from core.analytics.intervals import INTERVAL_LABELS
from dashboard import data
from dashboard.filters import url_choice
from dashboard.metrics import kpi
from dashboard.page import analytics_page

page = analytics_page("Cash flow", page_keys=("interval",))
interval = url_choice("interval", INTERVAL_LABELS, "month", label="Group by")
page.read_charts(interval)
totals = page.load(data.cash_flow_totals, page.filters, page.today)
row = totals.iloc[0].to_dict() if not totals.empty else {}

c1, c2, c3, c4 = st.columns(4)
kpi(c1, "Income", row.get("income"), row.get("previous_income"), page.currency)
kpi(c2, "Spending", row.get("spending"), row.get("previous_spending"), page.currency, inverse=True)
kpi(c3, "Net", row.get("net"), row.get("previous_net"), page.currency, help="Income minus spending.")
kpi(c4, "Savings rate", row.get("savings_rate"), row.get("previous_savings_rate"), None, percent=True)
# Beside net, never in it: money that crossed Finboard's edge, and what the two together did to balances.
c1, c2, c3, c4 = st.columns(4)
kpi(c1, "Transfers in from outside", row.get("transfers_in_outside"), row.get("previous_transfers_in_outside"),
    page.currency, neutral=True, help="Deposits, wires and loans received, money from people: neither income nor "
    "spending.")  # fmt: skip
kpi(c2, "Transfers out to outside", row.get("transfers_out_outside"), row.get("previous_transfers_out_outside"),
    page.currency, neutral=True, help="ATM cash, investment contributions, payments to cards that are not "
    "connected: neither spending nor income.")  # fmt: skip
kpi(c3, "Between your accounts", row.get("transfers_out_internal"), None, page.currency,
    help="Moved from one of your connected accounts to another (matched or confirmed pairs): in none of the "
    "figures.")  # fmt: skip
kpi(c4, "Money in − money out", row.get("money_in_minus_out"), None, page.currency,
    help="Every transaction: net + transfers in − out (outside) + transfers in − out between your accounts.")

page.registry_chart("cash-flow")
page.registry_chart("cumulative-net")
page.registry_chart("money-flows")
st.caption(
    "Transfers between your own accounts (card payments included) are left out: they move money, they do not "
    "earn or spend it. Transfers to and from outside Finboard have their own hub, so *Saved* is the net."
)
