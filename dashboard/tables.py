"""The transaction table: one server-side page at a time, with totals over everything that matches."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from core.analytics.categories import full_label
from core.analytics.transactions import SortKey, TransactionPage
from dashboard import data
from dashboard.charts import ZERO_DECIMALS, money

if TYPE_CHECKING:
    from dashboard.page import PageContext

SORTS: dict[str, tuple[SortKey, bool, str]] = {
    "date_desc": ("date", True, "Newest first"),
    "date_asc": ("date", False, "Oldest first"),
    "amount_asc": ("amount", False, "Largest money out"),
    "amount_desc": ("amount", True, "Largest money in"),
    "merchant": ("merchant", False, "Merchant A–Z"),
    "name": ("name", False, "Name A–Z"),
    "category": ("category", False, "Category"),
    "account": ("account", False, "Account"),
}
SOURCE_LABELS = {"user": "you", "rule": "rule", "plaid": "Plaid"}


def transactions_table(
    page: PageContext,
    *,
    key: str,
    category: str | None = None,
    search: str = "",
    sort: str = "date_desc",
    number: int = 1,
    selectable: bool = False,
) -> tuple[TransactionPage, str | None]:
    """Show one page of the filtered transactions (optionally only `category`); returns the page and,
    with `selectable`, the id of the row the user selected."""
    filters = replace(page.filters, categories=(category,)) if category else page.filters
    sort_key, descending, _ = SORTS[sort]
    result = page.load(data.transactions_data, filters, page.today, search, sort_key, descending, number)
    st.markdown(summary(result, page.currency))
    rows = display_rows(result.rows)
    event = st.dataframe(
        rows.drop(columns=["transaction_id"]),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * max(len(rows), 1), 38 + 35 * 20),
        column_config=column_config(page.currency),
        key=f"{key}_table",
        **({"on_select": "rerun", "selection_mode": "single-row"} if selectable else {}),
    )
    selected = None
    if selectable and event is not None and event.selection.rows:
        selected = str(rows.iloc[event.selection.rows[0]]["transaction_id"])
    return result, selected


def summary(result: TransactionPage, currency: str) -> str:
    parts = [
        f"**{result.total:,}** transactions",
        f"money in **{money(result.money_in, currency)}**",
        f"money out **{money(result.money_out, currency)}**",
    ]
    hidden, switches = [], []
    if result.hidden_pending:
        hidden.append(f"{result.hidden_pending:,} pending")
        switches.append("*Include pending*")
    if result.hidden_transfers:
        hidden.append(f"{result.hidden_transfers:,} transfers")
        switches.append("*Show transfers*")
    line = " · ".join(parts)
    if hidden:
        line += f"  \n:gray[Not shown: {' and '.join(hidden)} (see {' and '.join(switches)} in the sidebar).]"
    return line


def display_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns a person reads, in order; amounts are already money-in-positive."""
    if rows.empty:
        return pd.DataFrame(
            columns=["transaction_id", "date", "name", "amount", "category", "counts as", "account", "status"]
        )
    status = ["pending" if p else "" for p in rows["pending"]]
    return pd.DataFrame(
        {
            "transaction_id": rows["transaction_id"],
            "date": rows["date"],
            "name": [
                m if isinstance(m, str) and m else n for m, n in zip(rows["merchant_name"], rows["name"], strict=True)
            ],
            "description": rows["name"],
            "amount": rows["amount"],
            "category": [
                full_label(p, d) for p, d in zip(rows["category_primary"], rows["category_detailed"], strict=True)
            ],
            "set by": [SOURCE_LABELS.get(s, s) for s in rows["category_source"]],
            "counts as": [counts_as(r) for r in rows.to_dict("records")],
            "account": rows["account"],
            "status": status,
        }
    )


FLOW_TEXT = {"income": "Income", "spending": "Spending", "transfer_outside": "Transfer, outside Finboard"}


def counts_as(row: dict[str, object]) -> str:
    """What a row counts as; for one half of a transfer between your accounts, where the other half is."""
    if row.get("flow") != "transfer_internal":
        return FLOW_TEXT.get(str(row.get("flow")), "")
    when = row.get("pair_date")
    day = f" on {when:%Y-%m-%d}" if isinstance(when, date) and pd.notna(when) else ""
    return f"Transfer ↔ {row.get('pair_account') or 'another account'}{day}"


NAMED_FORMATS = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}  # st.column_config's currency formats


def amount_format(currency: str) -> str:
    """st.column_config's number format for amounts in `currency`."""
    decimals = 0 if currency in ZERO_DECIMALS else 2
    return NAMED_FORMATS.get(currency, f"%.{decimals}f {currency}")


def column_config(currency: str) -> dict[str, object]:
    return {
        "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", width="small"),
        "name": st.column_config.TextColumn("Merchant", width="medium"),
        "description": st.column_config.TextColumn("Description", width="medium"),
        "amount": st.column_config.NumberColumn(
            "Amount", format=amount_format(currency), help="Money in is positive.", width="small"
        ),
        "category": st.column_config.TextColumn("Category", width="medium"),
        "set by": st.column_config.TextColumn("Set by", width="small", help="Who chose the category."),
        "counts as": st.column_config.TextColumn(
            "Counts as", width="medium", help="Income, spending or a transfer (↔ the other half, in your accounts)."
        ),
        "account": st.column_config.TextColumn("Account", width="medium"),
        "status": st.column_config.TextColumn("", width="small"),
    }
