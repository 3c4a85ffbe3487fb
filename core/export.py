"""Exports for scripts and people: the read model written as files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from core.store import Store

Format = Literal["csv", "parquet"]

TRANSACTIONS_SQL = """
SELECT t.date, t.authorized_date, a.name AS account, t.name, t.merchant_name, t.amount,
       coalesce(t.iso_currency_code, t.unofficial_currency_code) AS currency, t.pending,
       t.category_primary, t.category_detailed, t.payment_channel, t.note,
       t.transaction_id, t.account_id, t.item_id
FROM transactions t LEFT JOIN accounts a USING (account_id)
ORDER BY t.date, t.transaction_id
"""


def export_transactions(store: Store, fmt: Format, out: Path) -> int:
    """Write every transaction to `out` (atomically: a partial file never replaces a good one)."""
    out = out.expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet"
    with store.connect() as con:
        con.execute(f"COPY ({TRANSACTIONS_SQL}) TO '{_sql_string(tmp)}' ({options})")
        row = con.execute(f"SELECT count(*) FROM ({TRANSACTIONS_SQL})").fetchone()
    tmp.replace(out)
    return int(row[0]) if row else 0


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")
