"""Recurring: subscriptions and bills (what they cost a month and a year, when they come next, what changed),
income, transfers between your accounts, the next 30 days, and your choices about each stream."""

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.analytics import streams as stream_choices
from core.analytics.categories import full_label
from core.analytics.money_text import money
from core.errors import FinboardError
from core.text import markdown_text
from dashboard import data
from dashboard.context import workspace
from dashboard.filters import url_state, url_write
from dashboard.metrics import kpi
from dashboard.page import analytics_page
from dashboard.streams import SOURCE_LABELS, STATUS_LABELS, frequency_label, show_alerts, stream_table

STREAM_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")  # Finboard's (fb-...) or Plaid's stream ids
page = analytics_page("Recurring", page_keys=("stream",), period=False)
store = workspace().store
st.caption(
    "Streams are found in all of your history, so the period does not apply; accounts, categories, "
    "merchant text and currency do. Amounts are what the next one is expected to be."
)
d = page.load(data.recurring_data, page.filters, page.today)
currency = page.currency
active = d.streams[d.streams["status"] != "stopped"]
spending = active[active["kind"].isin(["subscription", "bill"])]
income = active[active["kind"] == "income"]
transfers = active[active["kind"] == "transfer"]
coming, _ = page.rows("recurring-calendar")
outside = coming[coming["kind"] != "transfer"]
money_in = outside.loc[outside["direction"] == "inflow", "amount"].sum()
money_out = outside.loc[outside["direction"] == "outflow", "amount"].sum()

c1, c2, c3 = st.columns(3)
kpi(
    c1,
    "Subscriptions and bills",
    spending["monthly_amount"].sum(),
    None,
    currency,
    help="Per month: each expected amount times how often it comes in a year, divided by 12.",
)
kpi(c2, "Per year", spending["yearly_amount"].sum(), None, currency, help="The same, for a whole year.")
kpi(c3, "Income per month", income["monthly_amount"].sum(), None, currency, help="Recurring money in.")

show_alerts(d.alerts, link=False)

stream_state = url_state(
    "stream", lambda raw: raw if STREAM_ID.fullmatch(raw) else None, "", problem="is not a stream id."
)
chosen = st.session_state.get(stream_state) or None

SECTIONS = (
    ("Subscriptions and bills", spending, "recurring_spending", None, "No subscriptions or bills found."),
    ("Income", income, "recurring_income", None, "No recurring income found."),
    (
        "Transfers between your accounts",
        transfers,
        "recurring_transfers",
        "Moves to savings, card payments and other money between your own accounts: neither income nor "
        "spending, but they move each account's balance on schedule (the forecast counts them).",
        "None found.",
    ),
)
picked = None
for title, frame, key, about, nothing in SECTIONS:
    st.subheader(title)
    if about:
        st.caption(about)
    if frame.empty:
        st.caption(f"{nothing} (for these filters)")
    else:
        picked = stream_table(frame, currency, key=key, selectable=True) or picked

page.registry_chart(
    "recurring-calendar",
    note=f"Expected in: {money(money_in, currency)} · subscriptions and bills: {money(money_out, currency)}"
    f" · net {money(money_in - money_out, currency, signed=True)} (transfers between your accounts left out).",
)
if not coming.empty:
    with st.expander(f"Day by day ({len(coming)})", icon=":material/calendar_month:"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Date": coming["date"],
                    "Name": coming["merchant"],
                    "Kind": coming["kind"].str.capitalize(),
                    "In / out": coming["direction"].map({"inflow": "In", "outflow": "Out"}),
                    "Amount": coming["amount"],
                    "Account": coming["account"],
                    "Status": coming["status"].map(STATUS_LABELS),
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={"Date": st.column_config.DateColumn(format="ddd MMM D")},
        )

stopped = d.streams[d.streams["status"] == "stopped"]
if not stopped.empty:
    with st.expander(f"Stopped ({len(stopped)})", icon=":material/block:"):
        st.caption("Streams whose next date passed well beyond the usual delay. Select one to see it.")
        picked = stream_table(stopped, currency, key="recurring_stopped", selectable=True) or picked

# -- one stream: what it is made of, and the person's choices ------------------------------------

if picked:
    chosen = picked
url_write("stream", chosen)
everything = pd.concat([d.streams, d.hidden], ignore_index=True)
selected = everything[everything["stream_id"] == chosen]


def apply(action: Callable[[], object], success: str) -> None:
    try:
        action()
        st.toast(success, icon=":material/check:")
    except FinboardError as e:
        st.session_state["_recurring_error"] = str(e)


if error := st.session_state.pop("_recurring_error", None):
    st.error(error)

st.subheader("A stream")
if selected.empty:
    st.caption(
        "Select a row in one of the tables above to see its transactions, rename it, set its category "
        "or mark it as not recurring."
    )
    if chosen:
        st.warning("That stream is not in your data any more, or the filters hide it.", icon=":material/link_off:")
else:
    s = selected.iloc[0].to_dict()
    original = f" (found as {markdown_text(s['detected_merchant'])})" if s["renamed"] else ""
    st.markdown(
        f"**{markdown_text(s['merchant'])}**{original} · {markdown_text(s['account'])} · {frequency_label(s)} · "
        f"{STATUS_LABELS[s['status']]} · source: {SOURCE_LABELS.get(s['source'], s['source'])}  \n"
        f"{s['transactions']} transactions from {s['first_date']:%b %d, %Y} to {s['last_date']:%b %d, %Y}; "
        f"average {money(s['average_amount'], s['currency'])}, last "
        f"{money(s['last_amount'], s['currency'])}"
        + (f"; next expected {s['next_date']:%a %b %d, %Y}." if pd.notna(s["next_date"]) else ".")
    )
    history = page.load(data.stream_transactions, s["stream_id"])
    st.dataframe(
        history[["date", "name", "amount", "category_primary"]],
        hide_index=True,
        width="stretch",
        column_config={
            "date": st.column_config.DateColumn("Date"),
            "name": "Description",
            "amount": st.column_config.NumberColumn("Amount (positive = money out)", format="%.2f"),
            "category_primary": "Category",
        },
        key="recurring_history",
    )
    categories = page.load(data.categorize_data).categories
    options = {"": "The stream's own category"} | {
        f"{p}|{dd or ''}": full_label(p, dd)
        for p, dd in zip(categories["category_primary"], categories["category_detailed"], strict=True)
    }
    with st.form("recurring_choices", border=False):
        name_col, category_col = st.columns(2)
        new_name = name_col.text_input(
            "Name",
            value=s["merchant"] if s["renamed"] else "",
            max_chars=100,
            placeholder=str(s["detected_merchant"]),
            key=f"recurring_name_{s['stream_id']}",
        )
        category = category_col.selectbox(
            "Category", list(options), format_func=options.__getitem__, key=f"recurring_category_{s['stream_id']}"
        )
        if st.form_submit_button("Save", type="primary"):
            primary, _, detailed = category.partition("|")

            def save(stream_id: str = str(s["stream_id"])) -> None:
                stream_choices.rename(store, stream_id, new_name)
                if primary:
                    stream_choices.set_category(store, stream_id, primary, detailed or None)

            apply(save, "Saved.")
            st.rerun()
    if s["not_recurring"]:
        if st.button("It is recurring after all", icon=":material/undo:", key="recurring_restore"):
            apply(lambda: stream_choices.mark_not_recurring(store, str(s["stream_id"]), False), "Shown again.")
            st.rerun()
    elif st.button(
        "Not recurring",
        key="recurring_hide",
        icon=":material/visibility_off:",
        help="Hide it from these lists, the totals and the forecast (its money counts as ordinary "
        "spending there). You can undo this below.",
    ):
        apply(lambda: stream_choices.mark_not_recurring(store, str(s["stream_id"])), "Marked as not recurring.")
        st.rerun()

if not d.hidden.empty:
    with st.expander(f"Marked not recurring ({len(d.hidden)})", icon=":material/visibility_off:"):
        for h in d.hidden.to_dict("records"):
            text_col, undo_col = st.columns([6, 1], vertical_alignment="center")
            name, account = markdown_text(h["merchant"]), markdown_text(h["account"])
            text_col.markdown(f"**{name}** · {account} · {frequency_label(h)}")
            if undo_col.button("Show", key=f"recurring_show_{h['stream_id']}", icon=":material/undo:"):
                apply(
                    lambda sid=str(h["stream_id"]): stream_choices.mark_not_recurring(store, sid, False), "Shown again."
                )
                st.rerun()
