"""Categories: what the money was spent on, how that changed, and at which merchants.
Click a category in the treemap to see its transactions."""

import streamlit as st

from core.analytics.categories import full_label, label
from core.analytics.intervals import INTERVAL_LABELS
from core.text import markdown_text
from dashboard.filters import url_choice
from dashboard.page import analytics_page
from dashboard.tables import transactions_table

page = analytics_page("Categories", page_keys=("interval",))
interval = url_choice("interval", INTERVAL_LABELS, "month", label="Group by")
page.read_charts(interval)

left, right = st.columns([3, 2])
with left:
    treemap = page.registry_chart("categories", select=True)
    spending = treemap.data
    refunds = spending[spending["spending"] < 0]
    if not refunds.empty:
        pairs = zip(refunds["category_primary"], refunds["category_detailed"], strict=True)
        names = ", ".join(markdown_text(label(c, p)) for p, c in pairs)
        st.caption(f"Not shown (more refunds than purchases): {names}.")
with right:
    page.registry_chart("merchants")

points = treemap.event.selection.points if treemap.event else []
picked = next((p.get("id") for p in points if p.get("id")), None)
if picked:
    parents = spending.loc[spending["category_detailed"] == picked, "category_primary"]
    name = full_label(parents.iloc[0], picked) if not parents.empty else label(picked)
    st.subheader(f"Transactions in {markdown_text(name)}")
    transactions_table(page, category=str(picked), key="drilldown")
else:
    st.caption("Click a category in the treemap to list its transactions here.")

page.registry_chart("categories-over-time")
