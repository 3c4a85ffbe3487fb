"""Overview: how the period went (income, spending, savings rate, net worth against the previous
period), small trends, and the connections that need attention."""

import streamlit as st

from core.items import STATUS_TEXT
from core.text import markdown_text
from dashboard import data
from dashboard.metrics import kpi, outside_transfers_note
from dashboard.page import analytics_page
from dashboard.streams import FORECAST_PAGE, low_balance_lines, show_alerts

page = analytics_page("Overview")
d = page.load(data.overview_data, page.filters, page.today)

for item in d.attention.to_dict("records"):
    bank = markdown_text(item["institution"])
    if item["stale"]:
        synced = item["last_synced_at"]
        when = "never" if synced is None or synced != synced else f"last on {synced:%Y-%m-%d}"
        st.warning(
            f"**{bank}** has not synced for a while ({when}). Sync it on the Connections page.",
            icon=":material/sync_problem:",
        )
    else:
        st.error(f"**{bank}**: {STATUS_TEXT.get(item['status'], item['status'])}", icon=":material/link_off:")

alerts = page.load(data.overview_alerts, page.today)
for line in low_balance_lines(alerts.low_balances):
    st.error(line, icon=":material/warning:")
    st.page_link(FORECAST_PAGE, label="See the forecast", icon=":material/arrow_forward:")
show_alerts(alerts.streams, link=True)

page.read_charts(d.interval, {"net-worth": "day"})  # the daily net worth trend, whatever the period
row = d.summary.iloc[0].to_dict() if not d.summary.empty else {}
flow, _ = page.rows("cash-flow")
worth, _ = page.rows("net-worth")
worth = worth[worth["complete"]]
c1, c2, c3, c4 = st.columns(4)
kpi(
    c1,
    "Net worth",
    row.get("net_worth"),
    row.get("previous_net_worth"),
    page.currency,
    trend=worth["net_worth"].tolist(),
    help="Assets minus debts, from current balances.",
)
kpi(c2, "Income", row.get("income"), row.get("previous_income"), page.currency, trend=flow["income"].tolist())
kpi(
    c3,
    "Spending",
    row.get("spending"),
    row.get("previous_spending"),
    page.currency,
    trend=flow["spending"].tolist(),
    inverse=True,
    help="Money out, net of refunds.",
)
kpi(
    c4,
    "Savings rate",
    row.get("savings_rate"),
    row.get("previous_savings_rate"),
    None,
    percent=True,
    trend=[n / i if i else None for n, i in zip(flow["net"], flow["income"], strict=True)],
    help="Net (income minus spending) as a share of income.",
)
st.caption(outside_transfers_note(row, page.currency))

left, right = st.columns([3, 2])
with left:
    page.registry_chart("cash-flow", height=340)
with right:
    page.registry_chart("main-categories", height=340)
page.registry_chart("net-worth", height=300)
