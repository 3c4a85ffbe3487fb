"""How recurring streams read on screen: labels, the tables of the Recurring page, the alerts shared
with the Overview. Merchant names come from banks and people, so they are escaped for Markdown."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from core.analytics.categories import full_label
from core.analytics.money_text import money
from core.text import markdown_text
from dashboard.tables import amount_format

RECURRING_PAGE = "../pages/recurring.py"  # relative to dashboard/app.py, as st.page_link wants
FORECAST_PAGE = "../pages/forecast.py"
FREQUENCY_LABELS = {
    "weekly": "Weekly",
    "biweekly": "Every 2 weeks",
    "semi_monthly": "Twice a month",
    "monthly": "Monthly",
    "quarterly": "Quarterly",
    "annually": "Yearly",
    "unknown": "Irregular",
}
STATUS_LABELS = {"new": "New", "active": "Active", "late": "Late", "stopped": "Stopped"}
SOURCE_LABELS = {"finboard": "Finboard", "plaid": "Plaid"}
def frequency_label(row: Mapping[Hashable, Any]) -> str:
    """ "Monthly"; every two months has no name in Plaid's vocabulary (`unknown`) but is shown as such."""
    if row["cadence"] == "bimonthly":
        return "Every 2 months"
    return FREQUENCY_LABELS.get(str(row["frequency"]), str(row["frequency"]))


def stream_table(frame: pd.DataFrame, currency: str, *, key: str, selectable: bool = False) -> str | None:
    """One table of streams; returns the id of the row selected, if any."""
    records = frame.to_dict("records")
    rows = pd.DataFrame(
        {
            "Name": frame["merchant"],
            "Every": [frequency_label(r) for r in records],
            "Amount": [_amount(r) for r in records],
            "Per month": frame["monthly_amount"],
            "Per year": frame["yearly_amount"],
            "Next": frame["next_date"],
            "Status": frame["status"].map(STATUS_LABELS),
            "Last change": [_change(r, currency) for r in records],
            "Account": frame["account"],
            "Kind": frame["kind"].str.capitalize(),
            "Category": [
                full_label(p, d) for p, d in zip(frame["category_primary"], frame["category_detailed"], strict=True)
            ],
            "Source": frame["source"].map(SOURCE_LABELS),
        }
    )
    money_format = amount_format(currency)
    on_select: Any = "rerun" if selectable else "ignore"  # a selectable table reruns the page on a click
    event: Any = st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * max(len(rows), 1), 38 + 35 * 15),
        key=key,
        column_config={
            "Per month": st.column_config.NumberColumn(format=money_format, help="Expected amount × times a year / 12"),
            "Per year": st.column_config.NumberColumn(format=money_format, help="Expected amount × times a year"),
            "Next": st.column_config.DateColumn(format="ddd MMM D, YYYY"),
            "Amount": st.column_config.TextColumn(help="The last amount; ≈ marks an amount that varies (its usual)"),
        },
        on_select=on_select,
        selection_mode="single-row",
    )
    if selectable and event is not None and event.selection.rows:
        return str(frame.iloc[event.selection.rows[0]]["stream_id"])
    return None


def _amount(row: Mapping[Hashable, Any]) -> str:
    if row["amount_kind"] == "variable":
        return f"≈ {money(row['expected_amount'], row['currency'])} (last {money(row['last_amount'], row['currency'])})"
    return money(row["last_amount"], row["currency"])


def _change(row: Mapping[Hashable, Any], currency: str) -> str:
    changed = row["price_changed_on"]
    if changed is None or pd.isna(changed):
        return ""
    return f"{money(row['previous_amount'], currency)} → {money(row['last_amount'], currency)} on {changed:%b %d, %Y}"


def alert_lines(alerts: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(kind of box, Markdown text, stream id) per alert, merchant names escaped."""
    out = []
    for a in alerts.to_dict("records"):
        name, currency = f"**{markdown_text(a['merchant'])}**", a["currency"]
        amount = money(a["amount"], currency)
        if a["alert"] == "missed" and a["kind"] == "income":
            text = f"{name} ({amount}) was expected on {a['date']:%b %d} and has not arrived."
            box = "error"
        elif a["alert"] == "missed":
            text = f"{name} ({amount}) was expected on {a['date']:%b %d} and has not come: stopped, or late?"
            box = "warning"
        elif a["alert"] == "price_increase":
            text = f"{name} went up from {money(a['previous_amount'], currency)} to {amount} on {a['date']:%b %d}."
            box = "warning"
        else:
            text = f"New {a['kind']}: {name}, {amount}, first on {a['date']:%b %d}."
            box = "info"
        out.append((box, f"{text} · {markdown_text(a['account'])}", str(a["stream_id"])))
    return out


def show_alerts(alerts: pd.DataFrame, *, link: bool) -> None:
    """The alerts as boxes, each with a link to its stream on the Recurring page."""
    icons = {"error": ":material/money_off:", "warning": ":material/trending_up:", "info": ":material/fiber_new:"}
    for box, text, stream_id in alert_lines(alerts):
        getattr(st, box)(text, icon=icons[box])
        if link:
            st.page_link(
                RECURRING_PAGE,
                label="See this stream",
                icon=":material/arrow_forward:",
                query_params={"stream": stream_id},
            )


def low_balance_lines(warnings: pd.DataFrame) -> list[str]:
    """Markdown per account projected below its threshold before its next income."""
    out = []
    for w in warnings.to_dict("records"):
        currency = w["currency"]
        floor = "zero" if not w["threshold"] else money(w["threshold"], currency)
        when = w["next_income_date"]  # None, or NaN once pandas reads a column of names with gaps as strings
        income = (
            f"before the next income ({markdown_text(w['next_income'])}, {when:%b %d})"
            if isinstance(when, date)
            else "within 30 days (no income expected)"
        )
        out.append(
            f"**{markdown_text(w['account'])}** is projected to fall to **{money(w['lowest'], currency)}** on "
            f"{w['lowest_date']:%b %d}, below {floor}, {income}."
        )
    return out
