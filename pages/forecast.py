"""Forecast: each checking and savings account's balance for the next 30, 60 or 90 days, from its recurring
streams and its typical other spending, with a 90% range, the lowest point, and your low-balance threshold."""

from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from core.analytics import forecast as forecasts
from core.analytics.money_text import money
from core.errors import FinboardError
from core.text import markdown_text
from dashboard import data
from dashboard.context import workspace
from dashboard.filters import url_choice
from dashboard.metrics import kpi
from dashboard.page import analytics_page
from dashboard.streams import low_balance_lines
from dashboard.tables import amount_format

page = analytics_page("Forecast", page_keys=("days",), period=False)
store = workspace().store
days = url_choice("days", {"30": "30 days", "60": "60 days", "90": "90 days"}, "30", label="Look ahead")
d = page.load(data.forecast_data, page.filters, page.today, int(days))
currency = page.currency
frame, accounts = d.forecast, d.accounts
if frame.empty:
    st.info(f"No checking or savings account in {currency} to project.", icon=":material/info:")
    st.stop()

warnings = page.load(data.overview_alerts, page.today).low_balances
for line in low_balance_lines(warnings[warnings["currency"] == currency]):
    st.error(line, icon=":material/warning:")

total_label = f"All {currency} accounts"
labels = [total_label, *accounts["account"]]
shown = st.selectbox("Account", labels, key="forecast_account")
rows = frame[frame["account"] == shown]
account = accounts[accounts["account"] == shown]
threshold = None
if not account.empty and account.iloc[0]["threshold"] is not None and not pd.isna(account.iloc[0]["threshold"]):
    threshold = float(account.iloc[0]["threshold"])
start = float(account.iloc[0]["start"]) if not account.empty else float(accounts["start"].sum())
low = rows.iloc[int(rows["balance"].to_numpy().argmin())]
end = rows.iloc[-1]

c1, c2, c3 = st.columns(3)
kpi(c1, "Today", start, None, currency, help="The current balance minus pending transactions.")
kpi(
    c2,
    f"Lowest, on {low['date']:%b %d}",
    float(low["balance"]),
    None,
    currency,
    help="The lowest projected balance in the period.",
)
kpi(c3, f"In {days} days", float(end["balance"]), None, currency, help="The projected balance at the end.")
st.caption(
    f"Recurring money in minus out over the {days} days, transfers between your accounts included: "
    f"{money(float(rows['recurring'].sum()), currency, signed=True)}."
)

page.registry_chart("forecast", rows=rows, subject=shown, threshold=threshold)
st.caption(
    "The line is today's balance plus the expected recurring money in and out (salary, bills, subscriptions, "
    "moves to savings, card payments) plus the account's typical other spending of the last 90 days. The band "
    "is a 90% range: ordinary spending varies from day to day, and varying bills by their recent range."
)

starts = dict(zip(accounts["account"], accounts["start"].astype(float), strict=True))
starts[total_label] = sum(starts.values())
summary = d.lowest.assign(
    start=lambda f: f["account"].map(starts),
    end=lambda f: [float(frame[frame["account"] == a].iloc[-1]["balance"]) for a in f["account"]],
    threshold=lambda f: pd.to_numeric(
        f["account"].map(dict(zip(accounts["account"], accounts["threshold"], strict=True))), errors="coerce"
    ),
)
money_format = amount_format(page.currency)
st.dataframe(
    summary[["account", "start", "lowest", "lowest_date", "end", "threshold"]],
    hide_index=True,
    width="stretch",
    column_config={
        "account": "Account",
        "start": st.column_config.NumberColumn("Today", format=money_format),
        "lowest": st.column_config.NumberColumn("Lowest", format=money_format),
        "lowest_date": st.column_config.DateColumn("On"),
        "end": st.column_config.NumberColumn(f"In {days} days", format=money_format),
        "threshold": st.column_config.NumberColumn(
            "Warn below", format=money_format, help="Set it below the chart; empty: the warning is for below zero"
        ),
    },
    key="forecast_summary",
)

if not account.empty:
    with st.form("forecast_threshold", border=False):
        st.markdown(f"**Warn me** when {markdown_text(shown)} is projected below (empty: below zero)")
        raw = st.text_input(
            "Threshold",
            value="" if threshold is None else f"{threshold:.2f}",
            max_chars=20,
            placeholder="e.g. 500",
            label_visibility="collapsed",
        )
        if st.form_submit_button("Save threshold"):
            try:
                value = Decimal(raw.replace(",", "").strip()) if raw.strip() else None
                forecasts.set_threshold(store, str(account.iloc[0]["account_id"]), value)
                st.toast("Threshold saved.", icon=":material/check:")
                st.rerun()
            except InvalidOperation:
                st.error(f"“{markdown_text(raw)}” is not an amount; write it like 500 or 500.00.")
            except FinboardError as e:
                st.error(str(e))
