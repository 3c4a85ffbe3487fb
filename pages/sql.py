"""SQL: query a read-only copy of the read model, page through the result, chart it, download it,
save it or share it as a link. `filtered_transactions` is what the sidebar filters select."""

import streamlit as st

from core.workbench.saved import LINK_KEYS
from dashboard import workbench
from dashboard.page import analytics_page

page = analytics_page("SQL", page_keys=LINK_KEYS)
copy = workbench.load_copy(page)

main_col, schema_col = st.columns([3, 1])
with schema_col:
    workbench.schema(page, copy)
with main_col:
    sql, from_link = workbench.editor()
    run_clicked = st.button("Run", type="primary", icon=":material/play_arrow:")
    if run_clicked or from_link or workbench.take_run_request():
        workbench.run(page, copy, sql)
    result = workbench.results(page)
    spec = None
    if result is not None:
        workbench.pending_chart(result)
        spec = workbench.chart_builder(page, result, from_link)
    workbench.saved(page, sql, spec)
