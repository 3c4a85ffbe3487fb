"""The user's categories: one transaction at a time, or by rule for existing and future ones.

Precedence: a category set on a transaction > the newest matching rule > Plaid's category.
A transaction's category lives in `transaction_annotations`, which the sync engine keeps across
re-syncs and carries from a pending transaction to the posted one that replaces it. A rule
("merchant or name contains X -> category Y") lives in `category_rules`; the `transactions` view
applies it to every transaction, present and future, when read. The analytics ledger holds the
result, patched in the same transaction as the edit (see core/analytics/ledger.py).
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from core.analytics import ledger
from core.errors import FinboardError
from core.store import Store

CATEGORY_PATTERN = re.compile(r"[A-Z][A-Z0-9_]{1,79}")
MAX_PATTERN = 100
_MATCHES_PATTERN = "(contains(lower(x.merchant_name), lower($pattern)) OR contains(lower(x.name), lower($pattern)))"


class CategorizeError(FinboardError):
    """A category or rule cannot be saved; the message says why."""


def set_category(store: Store, transaction_id: str, primary: str, detailed: str | None) -> None:
    """Give one transaction the user's category (beats rules and Plaid; survives re-syncs)."""
    primary, detailed = _category(primary, detailed)
    _require_transaction(store, transaction_id)

    def change(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "INSERT INTO transaction_annotations (transaction_id, category_primary, category_detailed, updated_at) "
            "VALUES ($id, $primary, $detailed, current_timestamp) ON CONFLICT (transaction_id) DO UPDATE SET "
            "category_primary = excluded.category_primary, category_detailed = excluded.category_detailed, "
            "updated_at = excluded.updated_at",
            {"id": transaction_id, "primary": primary, "detailed": detailed},
        )

    ledger.edit(store, change, "x.transaction_id = $id", {"id": transaction_id})


def clear_category(store: Store, transaction_id: str) -> None:
    """Drop the user's category on one transaction (rules and Plaid apply again); notes stay."""

    def change(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "UPDATE transaction_annotations SET category_primary = NULL, category_detailed = NULL, "
            "updated_at = current_timestamp WHERE transaction_id = $id",
            {"id": transaction_id},
        )
        con.execute(
            "DELETE FROM transaction_annotations WHERE transaction_id = $id AND note IS NULL "
            "AND (tags IS NULL OR len(tags) = 0)",
            {"id": transaction_id},
        )

    ledger.edit(store, change, "x.transaction_id = $id", {"id": transaction_id})


def add_rule(store: Store, pattern: str, primary: str, detailed: str | None) -> int:
    """Add "merchant or name contains `pattern` -> category"; returns the new rule's id."""
    pattern = " ".join(pattern.split())
    if not pattern:
        raise CategorizeError("A rule needs some text to look for in the merchant or name.")
    if len(pattern) > MAX_PATTERN:
        raise CategorizeError(f"A rule's text can be at most {MAX_PATTERN} characters.")
    primary, detailed = _category(primary, detailed)
    rule_id: list[int] = []

    def change(con: duckdb.DuckDBPyConnection) -> None:
        row = con.execute(
            "INSERT INTO category_rules (pattern, category_primary, category_detailed) VALUES ($pattern, $p, $d) "
            "RETURNING rule_id",
            {"pattern": pattern, "p": primary, "d": detailed},
        ).fetchone()
        assert row is not None
        rule_id.append(int(row[0]))

    ledger.edit(store, change, _MATCHES_PATTERN, {"pattern": pattern})
    return rule_id[0]


def delete_rule(store: Store, rule_id: int) -> None:
    """Remove a rule; the transactions it categorized fall back to older rules or Plaid."""

    def change(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("DELETE FROM category_rules WHERE rule_id = $id", {"id": rule_id})

    ledger.edit(store, change, "x.category_rule_id = $id", {"id": rule_id})


def rules(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every rule, newest first, with how many transactions it categorizes now:
    rule_id, pattern, category_primary, category_detailed, created_at, transactions."""
    return con.execute(
        """
        SELECT r.rule_id, r.pattern, r.category_primary, r.category_detailed, r.created_at,
               count(l.transaction_id) AS transactions
        FROM category_rules r LEFT JOIN analytics_ledger l ON l.category_rule_id = r.rule_id
        GROUP BY ALL ORDER BY r.rule_id DESC
        """
    ).df()


def _category(primary: str, detailed: str | None) -> tuple[str, str | None]:
    primary, detailed = primary.strip().upper(), (detailed or "").strip().upper() or None
    for code in (primary, detailed):
        if code is not None and not CATEGORY_PATTERN.fullmatch(code):
            raise CategorizeError(f"{code!r} is not a category code: use capitals, digits and _, e.g. FOOD_AND_DRINK.")
    if detailed and not detailed.startswith(primary + "_"):
        raise CategorizeError(f"{detailed} is not a detailed category of {primary}.")
    return primary, detailed


def _require_transaction(store: Store, transaction_id: str) -> None:
    with store.connect() as con:
        found = con.execute("SELECT 1 FROM plaid_transactions WHERE transaction_id = $id", {"id": transaction_id})
        if found.fetchone() is None:
            raise CategorizeError(f"No transaction {transaction_id}; it may have been removed by the bank.")
