"""Recurring Transactions: Plaid's own recurring streams (/transactions/recurring/get), stored per item.

Plaid asks to call it once the item's whole history is in (`historical_update_complete`), and again on
RECURRING_TRANSACTIONS_UPDATE; a sync fetches it after every transactions update once the history is complete.
Recurring Transactions is an add-on: a client without it gets INVALID_PRODUCT, an item whose user did not consent
ADDITIONAL_CONSENT_REQUIRED. Those refusals are quiet: the item's streams come from Finboard's own detector
(core.analytics.recurring), and the Connections page says so. The analytics turn these rows into the same shape
as the detector's streams (core.analytics.recurring.rebuild).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.products.base import Json, MalformedProductData, Product, Refetch, Seal, dicts

FREQUENCIES = ("WEEKLY", "BIWEEKLY", "SEMI_MONTHLY", "MONTHLY", "ANNUALLY", "UNKNOWN")
STATUSES = ("MATURE", "EARLY_DETECTION", "TOMBSTONED", "UNKNOWN")
REFUSALS = frozenset(
    {"INVALID_PRODUCT", "ADDITIONAL_CONSENT_REQUIRED", "PRODUCT_NOT_ENABLED", "PRODUCTS_NOT_SUPPORTED"}
)


def recurring_rows(body: Json, seal: Seal) -> dict[str, list[Json]]:
    """One plaid_recurring_streams row per stream, money in and money out."""
    rows = []
    for direction in ("inflow", "outflow"):
        for stream in dicts(body.get(f"{direction}_streams"), f"{direction}_streams"):
            rows.append(_row(stream, direction))
    return {"plaid_recurring_streams": rows}


def _row(stream: Json, direction: str) -> Json:
    for key in ("stream_id", "account_id"):
        if not isinstance(stream.get(key), str) or not stream[key]:
            raise MalformedProductData(f"Plaid sent a recurring stream without a {key}.")
    frequency = stream.get("frequency") if stream.get("frequency") in FREQUENCIES else "UNKNOWN"
    status = stream.get("status") if stream.get("status") in STATUSES else "UNKNOWN"
    ids = stream.get("transaction_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise MalformedProductData("Plaid sent a recurring stream whose transaction_ids we cannot read.")
    average, last = _amount(stream.get("average_amount")), _amount(stream.get("last_amount"))
    found = stream.get("personal_finance_category")
    pfc: Json = found if isinstance(found, dict) else {}
    return {
        "stream_id": stream["stream_id"],
        "account_id": stream["account_id"],
        "direction": direction,
        "description": _text(stream.get("description")),
        "merchant_name": _text(stream.get("merchant_name")),
        "category_primary": _text(pfc.get("primary")),
        "category_detailed": _text(pfc.get("detailed")),
        "frequency": frequency,
        "status": status,
        "is_active": bool(stream.get("is_active")),
        "first_date": _date(stream.get("first_date")),
        "last_date": _date(stream.get("last_date")),
        "predicted_next_date": _date(stream.get("predicted_next_date")),
        "average_amount": average[0],
        "last_amount": last[0],
        "iso_currency_code": last[1] or average[1],
        "unofficial_currency_code": last[2] or average[2],
        "transaction_ids": ids,
    }


def _amount(value: Any) -> tuple[float | None, str | None, str | None]:
    if not isinstance(value, dict):
        return None, None, None
    amount = value.get("amount")
    number = float(amount) if isinstance(amount, int | float) and not isinstance(amount, bool) else None
    return number, _text(value.get("iso_currency_code")), _text(value.get("unofficial_currency_code"))


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        raise MalformedProductData(f"Plaid sent a recurring stream with a date we cannot read: {value[:20]!r}") from (
            None
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


PRODUCT = Product(
    name="recurring",
    label="Recurring transactions",
    endpoint="/transactions/recurring/get",
    tables=("plaid_recurring_streams",),
    refetch=Refetch.EVERY_SYNC,  # streams change with every update
    requires="transactions",  # an add-on of Transactions: a client or item without it is refused (REFUSALS)
    rows=recurring_rows,
    counted="recurring streams",
    webhooks=frozenset({("TRANSACTIONS", "RECURRING_TRANSACTIONS_UPDATE")}),
    after_history=True,
    quiet_refusals=REFUSALS,
)
