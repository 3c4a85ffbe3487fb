"""The Balances page's "Data checks": do the transactions explain the balances the bank reported?

The rule and its figures come from core.analytics.balance_checks; this only shows them. Bank text
(account and institution names) goes into tables, never into Markdown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.analytics.balance_checks import BalanceChecks

RULE = (
    "Each change between two balances the bank reported on different days must equal the posted transactions "
    "dated between them (pending ones never count), to the cent. Checking, savings and credit accounts only: "
    "a loan's balance is its principal and an investment's its market value."
)

PAIR_COLUMNS = ["account", "start_day", "end_day", "verdict", "start_balance", "end_balance", "bank_change",
                "transactions_change", "posted_change", "same_day"]  # fmt: skip


def data_checks(checks: BalanceChecks) -> None:
    """The section: a green, amber or red summary line, then the disagreements and the accounts."""
    st.subheader("Data checks")
    if checks.accounts.empty:
        st.info("No accounts yet.", icon=":material/hourglass_empty:")
        return
    summary = checks.summary()
    if checks.checked_accounts.empty:
        st.info(summary, icon=":material/hourglass_empty:")
    elif checks.ok:
        st.success(summary, icon=":material/check_circle:")
    else:
        st.error(summary, icon=":material/error:")
        _disagreements(checks.disagreements)
    st.caption(RULE)
    if checks.ok:
        with st.expander("Per account"):
            _accounts(checks.accounts)
    else:
        _accounts(checks.accounts)


def _disagreements(pairs: pd.DataFrame) -> None:
    """One row per pair that disagrees, with every figure needed to recompute it."""
    money = st.column_config.NumberColumn
    st.dataframe(
        pairs[PAIR_COLUMNS],
        hide_index=True,
        width="stretch",
        column_config={
            "account": "Account",
            "start_day": st.column_config.DateColumn("From", format="YYYY-MM-DD", width="small"),
            "end_day": st.column_config.DateColumn("To", format="YYYY-MM-DD", width="small"),
            "verdict": st.column_config.TextColumn(
                "Transactions explain",
                help="…than the bank reports. Less money out: a missing purchase or "
                "withdrawal, or a duplicated deposit or payment; more: the other way round.",
            ),
            "start_balance": money("Then", format="%.2f", help="The balance the bank reported on From."),
            "end_balance": money("After", format="%.2f", help="The balance the bank reported on To."),
            "bank_change": money("Change", format="%+.2f", help="The bank's: after minus then."),
            "posted_change": money("Posted", format="%+.2f", help="Posted transactions dated after From, up to To."),
            "same_day": money(
                "Same day",
                format="%+.2f",
                help="Transactions dated From or To that the bank had not posted yet when it reported that day's "
                "balance (or that were removed since).",
            ),
            "transactions_change": money(
                "Explained", format="%+.2f", help="The change the transactions explain: posted plus same day."
            ),
        },
    )


def _accounts(accounts: pd.DataFrame) -> None:
    status = [
        f"not checked ({a['type']})" if not a["checked"]
        else "needs balances reported on a second day" if a["pairs"] == 0
        else f"{a['disagreeing']} disagree" if a["disagreeing"]
        else "reconciles"
        for a in accounts.to_dict("records")
    ]  # fmt: skip
    st.dataframe(
        accounts[["institution", "account", "currency", "reported_days", "first_day", "last_day", "pairs"]].assign(
            status=status
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "institution": "Institution",
            "account": "Account",
            "currency": "Currency",
            "reported_days": st.column_config.NumberColumn("Days reported", help="Days with a balance from the bank."),
            "first_day": st.column_config.DateColumn("First", format="YYYY-MM-DD"),
            "last_day": st.column_config.DateColumn("Last", format="YYYY-MM-DD"),
            "pairs": st.column_config.NumberColumn("Pairs checked"),
            "status": "Result",
        },
    )
