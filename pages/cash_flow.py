"""Cash flow: income against spending per period, the running net, and where the money went."""

import streamlit as st

from core.analytics.intervals import INTERVAL_LABELS
from dashboard import charts, data
from dashboard.filters import url_choice
from dashboard.metrics import kpi
from dashboard.page import analytics_page

page = analytics_page("Cash flow", page_keys=("interval",))
interval = url_choice("interval", INTERVAL_LABELS, "month", label="Group by")
d = page.load(data.cash_flow_data, page.filters, page.today, interval)
flow = d.flow[d.flow["currency"] == page.currency]
totals = d.totals[d.totals["currency"] == page.currency]
row = totals.iloc[0].to_dict() if not totals.empty else {}

c1, c2, c3, c4 = st.columns(4)
kpi(c1, "Income", row.get("income"), row.get("previous_income"), page.currency)
kpi(c2, "Spending", row.get("spending"), row.get("previous_spending"), page.currency, inverse=True)
kpi(c3, "Net", row.get("net"), row.get("previous_net"), page.currency, help="Income minus spending.")
kpi(c4, "Savings rate", row.get("savings_rate"), row.get("previous_savings_rate"), None, percent=True)

st.subheader("Income and spending")
if d.interval != interval:
    st.caption(f"Grouped by {d.interval}: by {interval} this chart would need more than 5,000 points.")
page.chart(
    charts.cash_flow(flow, page.currency, d.interval),
    name="cash-flow",
    title="Income and spending",
    data=flow,
)
st.subheader("Cumulative net")
page.chart(
    charts.cumulative_net(flow, page.currency, d.interval),
    name="cumulative-net",
    title="Cumulative net",
    data=flow,
)

st.subheader("Where the money went")
edges = d.edges[d.edges["currency"] == page.currency]
page.chart(
    charts.money_flows(edges, page.currency),
    name="money-flows",
    title="Where the money went",
    data=edges,
)
if not page.filters.include_transfers:
    st.caption(
        "Transfers between your own accounts and credit-card payments are left out: they move money, they do not "
        "earn or spend it. Turn on *Include transfers & card payments* in the sidebar to count them."
    )
