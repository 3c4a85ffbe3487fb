"""Transfer review on the Transactions page: the selected row's pair (confirm it, or say it is not a
transfer, or link the row with another), and the list of pairs in the period to confirm or reject.

Decisions are stored by core.analytics.transfers and win over the automatic matching. Bank text
(names, account names) is shown in tables, never in Markdown."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from core.analytics import transfers
from core.analytics.matching import TRANSFER_MATCH_DAYS
from core.errors import FinboardError
from core.store import Store
from dashboard import data
from dashboard.tables import FLOW_TEXT, amount_format

if TYPE_CHECKING:
    from dashboard.page import PageContext

ERROR_KEY = "_transfer_error"
_LIST_ROUND = "_transfer_review_round"


def review_table_key() -> str:
    """The review list's widget key: new after each decision, so the selection does not slide onto the
    next pair when the decided one moves down the list."""
    return f"transfer_review_table_{st.session_state.get(_LIST_ROUND, 0)}"


def act(action: Callable[[], object], success: str) -> None:
    """Run a decision, say it worked, and rerun; a refusal is shown on the next run."""
    try:
        action()
        st.toast(success, icon=":material/check:")
    except FinboardError as e:
        st.session_state[ERROR_KEY] = str(e)
    st.session_state[_LIST_ROUND] = st.session_state.get(_LIST_ROUND, 0) + 1
    st.rerun()


def selected_transfer(page: PageContext, store: Store, txn: pd.Series, review: data.TransferReview) -> None:
    """What the selected transaction counts as, its pair if it has one, and the decisions the person can make."""
    txn_id = str(txn["transaction_id"])
    st.markdown(f"Counts as: **{FLOW_TEXT.get(str(txn['flow']), 'Transfer between your accounts')}**")
    if txn["flow"] == "transfer_internal":
        other = txn["transfer_pair_id"]
        st.dataframe(
            pd.DataFrame({"the other half": [txn["pair_account"]], "on": [txn["pair_date"]]}),
            hide_index=True,
            column_config={"on": st.column_config.DateColumn("On", format="YYYY-MM-DD")},
        )
        st.caption(
            "You confirmed this pair; it stands whatever the automatic rule says."
            if review.decision == "pair"
            else f"Suggested by Finboard: the same amount in the other direction, at most {TRANSFER_MATCH_DAYS} days "
            "apart, both filed as transfers or loan payments. Confirm it, or say it is not a transfer."
        )
        left, right, _ = st.columns([1, 2, 2])
        if review.decision != "pair" and left.button("Confirm pair", key="tr_confirm", type="primary"):
            act(lambda: transfers.link(store, txn_id, str(other)), "Pair confirmed.")
        if right.button("Not a transfer between my accounts", key="tr_reject"):
            act(lambda: transfers.mark_not_transfer(store, txn_id), "Marked: not a transfer.")
    elif review.decision == "not_transfer":
        st.caption("You marked it: not a transfer between your accounts, so it never pairs automatically.")
    if review.decision is not None and st.button("Forget my decision (use the automatic rule)", key="tr_forget"):
        act(lambda: transfers.forget(store, txn_id), "Decision forgotten.")
    if txn["flow"] == "transfer_internal":
        return
    candidates = review.candidates
    if candidates.empty:
        st.caption(
            f"No transaction in another account moves the same amount the other way within "
            f"{transfers.LINK_WINDOW_DAYS} days, so it cannot be linked as a transfer."
        )
        return
    labels = {
        str(r["transaction_id"]): f"{r['date']:%Y-%m-%d} · {r['account']} · {r['amount']:+,.2f} · {r['name']}"
        + (" (already paired)" if r["paired"] else "")
        for r in candidates.to_dict("records")
    }
    with st.form("link_transfer", border=False):
        other_id = st.selectbox(
            "Link as a transfer with",
            list(labels),
            format_func=labels.__getitem__,
            key=f"tr_link_{txn_id}",
            help="The other half of a move between your accounts: the same amount the other way, in another account.",
        )
        if st.form_submit_button("Link as a transfer"):
            act(lambda: transfers.link(store, txn_id, str(other_id)), "Linked as a transfer.")


def review_list(page: PageContext, store: Store, review: data.TransferReview) -> None:
    """The transfer pairs in the period, suggested ones first: select one to confirm or reject it."""
    pairs = review.pairs
    total = int(pairs["total"].iloc[0]) if not pairs.empty else 0
    suggested = int((~pairs["confirmed"]).sum()) if not pairs.empty else 0
    shown = f" (the first {len(pairs)})" if total > len(pairs) else ""
    st.caption(
        f"{total:,} transfers between your accounts in this period{shown}, {suggested:,} suggested by Finboard and "
        "not yet confirmed. Confirmed pairs and pairs you linked always count as transfers; a pair you reject "
        "never comes back."
    )
    if pairs.empty:
        return
    table = pd.DataFrame(
        {
            "status": ["Confirmed" if c else "Suggested" for c in pairs["confirmed"]],
            "date": pairs["out_date"],
            "from": pairs["out_account"],
            "to": pairs["in_account"],
            "amount": pairs["amount"],
            "days apart": pairs["gap_days"],
            "description": [m if isinstance(m, str) and m else n for m, n in zip(pairs["out_merchant"],
                                                                              pairs["out_name"], strict=True)],
        }
    )  # fmt: skip
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(table), 38 + 35 * 10),
        column_config={
            "status": st.column_config.TextColumn("Status", width="small"),
            "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", width="small"),
            "from": st.column_config.TextColumn("From", width="medium"),
            "to": st.column_config.TextColumn("To", width="medium"),
            "amount": st.column_config.NumberColumn("Amount", format=amount_format(page.currency), width="small"),
            "days apart": st.column_config.NumberColumn("Days apart", width="small"),
            "description": st.column_config.TextColumn("Description", width="medium"),
        },
        key=review_table_key(),
        on_select="rerun",
        selection_mode="single-row",
    )
    if not event.selection.rows:
        st.caption("Select a pair to confirm or reject it.")
        return
    pair = pairs.iloc[event.selection.rows[0]]
    out_id, in_id = str(pair["out_id"]), str(pair["in_id"])
    left, middle, _ = st.columns([1, 1, 3])
    if not pair["confirmed"] and left.button("Confirm pair", key="tr_list_confirm", type="primary"):
        act(lambda: transfers.link(store, out_id, in_id), "Pair confirmed.")
    if middle.button("Not a pair", key="tr_list_reject", help="Neither transaction is a transfer between your "
                     "accounts: they count by their categories and never pair automatically."):  # fmt: skip
        act(lambda: transfers.mark_not_transfer(store, out_id, in_id), "Marked: not a transfer.")
