"""Accounts and balances: /accounts/get with every sync (cached balances, free), applied with its update.

Real-time balances (/accounts/balance/get) come back in the same shape and are fetched on demand only
(core/sync/balances.py). The mapping is `accounts_table`: Plaid's accounts as Arrow rows, balances flattened.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from core.errors import FinboardError
from core.products.base import Derived, Product, Refetch


class MalformedAccounts(FinboardError):
    """Plaid sent accounts we cannot read; nothing was written."""


ACCOUNTS = pa.schema(
    [
        ("account_id", pa.string()),
        ("name", pa.string()),
        ("official_name", pa.string()),
        ("mask", pa.string()),
        ("type", pa.string()),
        ("subtype", pa.string()),
        ("current", pa.float64()),
        ("available", pa.float64()),
        ("limit", pa.float64()),
        ("iso_currency_code", pa.string()),
        ("unofficial_currency_code", pa.string()),
    ]
)


def accounts_table(accounts: Any) -> pa.Table:
    """Plaid's `accounts` list as Arrow rows (balances flattened), validated."""
    if not isinstance(accounts, list):
        raise MalformedAccounts("Plaid sent an /accounts response without an accounts list.")
    rows = []
    for acc in accounts:
        if not isinstance(acc, dict) or not isinstance(acc.get("account_id"), str):
            raise MalformedAccounts("Plaid sent an account without an account_id.")
        balances = acc.get("balances") or {}
        rows.append({**{k: acc.get(k) for k in ACCOUNTS.names[:6]}, **{k: balances.get(k) for k in ACCOUNTS.names[6:]}})
    try:
        return pa.Table.from_pylist(rows, schema=ACCOUNTS)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise MalformedAccounts(f"Plaid sent an account with a field we cannot read ({e}).") from None


PRODUCT = Product(
    name="accounts",
    label="Accounts",
    endpoint="/accounts/get",
    tables=("accounts",),
    refetch=Refetch.EVERY_SYNC,
    counted="accounts",
    derived=(
        Derived("balance_history", "account_id", "accounts"),  # snapshots and the history walked back
        Derived("forecast_thresholds", "account_id", "accounts"),  # the person's low-balance warning for it
    ),
)
