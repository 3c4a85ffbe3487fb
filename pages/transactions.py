"""Transactions: search, sort and page through them (one page at a time from the server), change a
transaction's category, manage the rules that categorize by merchant or name, and review transfers."""

from collections.abc import Callable

import streamlit as st

from core.analytics import categorize
from core.analytics.categories import full_label
from core.errors import FinboardError
from dashboard import data
from dashboard import transfers as transfer_review
from dashboard.context import workspace
from dashboard.downloads import transactions_downloads
from dashboard.filters import url_state, url_write
from dashboard.page import analytics_page
from dashboard.tables import SORTS, SOURCE_LABELS, transactions_table

page = analytics_page("Transactions", page_keys=("q", "sort", "page"))
store = workspace().store

search_col, sort_col = st.columns([3, 1])
q_state = url_state("q", lambda raw: raw[:100], "", problem="is not a search.")
search = search_col.text_input(
    "Search",
    key=q_state,
    placeholder="Merchant, description, category or note",
    max_chars=100,
    icon=":material/search:",
)
sort_state = url_state(
    "sort", lambda raw: raw if raw in SORTS else None, "date_desc", problem=f"is not a sort order ({', '.join(SORTS)})."
)
sort = sort_col.selectbox("Sort", list(SORTS), format_func=lambda s: SORTS[s][2], key=sort_state)
url_write("q", search.strip())
url_write("sort", None if sort == "date_desc" else sort)

page_state = url_state(
    "page", lambda raw: int(raw) if raw.isdigit() and int(raw) > 0 else None, 1, problem="is not a page number."
)
# A new search or sort starts again at page 1.
if st.session_state.get("_tx_query") != (search, sort, page.filters):
    if "_tx_query" in st.session_state:
        st.session_state[page_state] = 1
    st.session_state["_tx_query"] = (search, sort, page.filters)
result, selected = transactions_table(
    page, key="transactions", search=search.strip(), sort=sort, number=st.session_state[page_state], selectable=True
)
st.session_state[page_state] = result.page
url_write("page", None if result.page == 1 else str(result.page))

prev_col, where_col, next_col, _ = st.columns([1, 2, 1, 4], vertical_alignment="center")
prev_col.button(
    "Previous",
    icon=":material/chevron_left:",
    disabled=result.page <= 1,
    key="tx_prev",
    on_click=lambda: st.session_state.update({page_state: result.page - 1}),
)
where_col.markdown(f"Page **{result.page:,}** of **{result.pages:,}**")
next_col.button(
    "Next",
    icon=":material/chevron_right:",
    disabled=result.page >= result.pages,
    key="tx_next",
    on_click=lambda: st.session_state.update({page_state: result.page + 1}),
)

with st.popover("Download these transactions", icon=":material/download:"):
    st.caption(f"All {result.total:,} that match the filters (amount in Plaid's sign: positive = money out).")
    transactions_downloads(store, page.filters, page.today, result.total, key="dl_transactions")

choices = page.load(data.categorize_data)
pairs = [
    (p, d) for p, d in zip(choices.categories["category_primary"], choices.categories["category_detailed"], strict=True)
]
options = {f"{p}|{d or ''}": full_label(p, d) for p, d in pairs}


def apply(action: Callable[[], object], success: str) -> None:
    try:
        action()
        st.toast(success, icon=":material/check:")
    except FinboardError as e:
        st.session_state["_tx_error"] = str(e)


if error := st.session_state.pop("_tx_error", None):
    st.error(error)

st.subheader("Change a category")
if selected is None:
    st.caption("Select a transaction in the table (the box at the left of a row) to change its category.")
else:
    txn = page.load(data.transaction, selected).iloc[0]
    now = full_label(txn["category_primary"], txn["category_detailed"])
    plaid = full_label(txn["plaid_category_primary"], txn["plaid_category_detailed"])
    st.markdown(
        f"**{txn['merchant_name'] or txn['name']}** · {txn['date']:%Y-%m-%d} · {txn['account']}  \n"
        f"Category: **{now}**, set by {SOURCE_LABELS[txn['category_source']]} (Plaid: {plaid})"
    )
    with st.form("recategorize", border=False):
        current = f"{txn['category_primary']}|{txn['category_detailed'] or ''}"
        picked = st.selectbox(
            "New category",
            list(options),
            index=list(options).index(current) if current in options else 0,
            format_func=options.__getitem__,
            key=f"tx_category_{selected}",
        )
        also_rule = st.checkbox(
            f"Also for every transaction whose merchant or name contains "
            f"“{txn['merchant_name'] or txn['name']}”, now and in future"
        )
        submitted = st.form_submit_button("Apply", type="primary")
    if submitted:
        primary, detailed = picked.split("|")
        pattern = str(txn["merchant_name"] or txn["name"])
        if also_rule:  # the rule covers this transaction too, unless a category set by hand stands in its way
            if txn["category_source"] == "user":
                categorize.clear_category(store, selected)
            apply(lambda: categorize.add_rule(store, pattern, primary, detailed or None), "Rule added and applied.")
        else:
            apply(lambda: categorize.set_category(store, selected, primary, detailed or None), "Category changed.")
        st.rerun()
    if txn["category_source"] == "user" and st.button("Use the rule's or Plaid's category again"):
        apply(lambda: categorize.clear_category(store, selected), "Category reset.")
        st.rerun()

review = page.load(data.transfer_review, page.filters, page.today, selected)
if error := st.session_state.pop(transfer_review.ERROR_KEY, None):
    st.error(error)
st.subheader("Transfer")
if selected is None:
    st.caption("Select a transaction to see what it counts as and its transfer pair, or to link it with another.")
else:
    transfer_review.selected_transfer(page, store, page.load(data.transaction, selected).iloc[0], review)

with st.expander(f"Category rules ({len(choices.rules)})", icon=":material/rule:"):
    st.caption(
        "A rule sets the category of every transaction whose merchant or name contains its text, now and "
        "when new transactions arrive. The newest matching rule wins; a category you set on one "
        "transaction beats every rule."
    )
    for rule in choices.rules.to_dict("records"):
        text_col, delete_col = st.columns([6, 1], vertical_alignment="center")
        category = full_label(rule["category_primary"], rule["category_detailed"])
        text_col.markdown(f"“{rule['pattern']}” → **{category}** · {rule['transactions']:,} transactions")
        if delete_col.button("", icon=":material/delete:", key=f"rule_delete_{rule['rule_id']}", help="Delete"):
            apply(lambda rule_id=rule["rule_id"]: categorize.delete_rule(store, int(rule_id)), "Rule deleted.")
            st.rerun()
    with st.form("new_rule", border=False, clear_on_submit=True):
        text_col, category_col = st.columns(2)
        pattern = text_col.text_input("Merchant or name contains", max_chars=100, key="rule_pattern")
        rule_category = category_col.selectbox(
            "Category", list(options), format_func=options.__getitem__, key="rule_category"
        )
        if st.form_submit_button("Add rule"):
            primary, detailed = rule_category.split("|")
            apply(lambda: categorize.add_rule(store, pattern, primary, detailed or None), "Rule added and applied.")
            st.rerun()

st.subheader("Transfers between your accounts")
transfer_review.review_list(page, store, review)
