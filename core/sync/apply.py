"""Apply one finalized update to the main database: staged in short steps, revealed in one.

First the update's rows are copied into plaid_transaction_rows in transactions of at most
STAGE_CHUNK_ROWS rows, hidden (staged_batch set; the plaid_transactions view shows only rows
without it), so each holds the file for a fraction of a second even for a million rows. Then
one short transaction reveals them: everything an update changes (transactions, the user's
annotations that follow a pending transaction to its posted one, accounts, today's balance
snapshot, the derived history, the new cursor and the item's health; the person's transfer decisions
follow pending transactions the same way) becomes visible together,
so a reader sees the state before the update or after it, and a crash at any instant leaves one
of the two. Hidden rows left by a run that died are deleted by the item's next sync.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from core.errors import FinboardError
from core.store import LOCK_POLL_MAX, Store
from core.sync.balances import derive_history, store_accounts
from core.sync.faults import crash_point
from core.sync.health import SUCCESS_SQL
from core.sync.staging import FinalUpdate

INSERT_MEMORY = "200MB"
# Rows copied per staging transaction: ~0.3-0.5 s of holding the file on this kind of machine.
STAGE_CHUNK_ROWS = 200_000
# Pause between staging transactions: longer than a waiting process polls (see core.store), so a
# dashboard or export in another process gets the file between two chunks instead of starving.
STAGE_PAUSE_SECONDS = 2 * LOCK_POLL_MAX


class ConcurrentChange(FinboardError):
    """The item changed under the sync (removed, or synced elsewhere); nothing was applied."""


@dataclass(frozen=True)
class ItemUpdate:
    """What to write for one item besides its transactions."""

    item_id: str
    start_cursor: str  # the cursor the update was read from; must still be the stored one
    next_cursor: str
    accounts: pa.Table | None  # from /accounts/get; None leaves accounts as they are
    products: list[str] | None  # the item's products according to Plaid; None leaves them
    now: datetime
    update_status: str | None = None  # how much history Plaid has ready; None leaves it


# A posted transaction that is new to the store inherits the annotations of the pending one it
# replaces. Field by field, anything already set on the posted transaction wins.
CARRY_ANNOTATIONS = """
INSERT INTO transaction_annotations AS t (transaction_id, category_primary, category_detailed, note, tags, updated_at)
SELECT u.transaction_id, a.category_primary, a.category_detailed, a.note, a.tags, a.updated_at
FROM read_parquet($final) u
JOIN transaction_annotations a ON a.transaction_id = u.pending_transaction_id
WHERE NOT u.removed
  AND u.transaction_id NOT IN (SELECT transaction_id FROM plaid_transactions WHERE item_id = $item_id)
ON CONFLICT (transaction_id) DO UPDATE SET
    category_primary = coalesce(t.category_primary, excluded.category_primary),
    category_detailed = coalesce(t.category_detailed, excluded.category_detailed),
    note = coalesce(t.note, excluded.note),
    tags = coalesce(t.tags, excluded.tags)
"""

# Annotations that moved to a posted transaction leave the pending one once it is gone.
DROP_MOVED_ANNOTATIONS = """
DELETE FROM transaction_annotations
WHERE transaction_id IN (
    SELECT pending_transaction_id FROM read_parquet($final) WHERE NOT removed AND pending_transaction_id IS NOT NULL
)
AND transaction_id NOT IN (SELECT transaction_id FROM plaid_transactions)
"""

# The person's transfer decisions (confirmed, linked, "not a transfer") follow a pending transaction to
# the posted one the same way, and the other half of a pair then points at the posted one.
CARRY_TRANSFER_DECISIONS = """
INSERT INTO transfer_decisions (transaction_id, decision, pair_id, updated_at)
SELECT u.transaction_id, d.decision, d.pair_id, d.updated_at
FROM read_parquet($final) u
JOIN transfer_decisions d ON d.transaction_id = u.pending_transaction_id
WHERE NOT u.removed
  AND u.transaction_id NOT IN (SELECT transaction_id FROM plaid_transactions WHERE item_id = $item_id)
ON CONFLICT (transaction_id) DO NOTHING
"""
REPOINT_TRANSFER_DECISIONS = """
UPDATE transfer_decisions AS d SET pair_id = u.transaction_id
FROM read_parquet($final) u
WHERE NOT u.removed AND d.pair_id = u.pending_transaction_id
  AND u.transaction_id IN (SELECT transaction_id FROM transfer_decisions)
"""
DROP_MOVED_TRANSFER_DECISIONS = """
DELETE FROM transfer_decisions
WHERE transaction_id IN (
    SELECT pending_transaction_id FROM read_parquet($final) WHERE NOT removed AND pending_transaction_id IS NOT NULL
)
AND transaction_id NOT IN (SELECT transaction_id FROM plaid_transactions)
"""

DELETE_CHANGED = """
DELETE FROM plaid_transaction_rows
WHERE item_id = $item_id AND staged_batch IS NULL
  AND transaction_id IN (SELECT transaction_id FROM read_parquet($final))
"""

STAGE_CHUNK = """
INSERT INTO plaid_transaction_rows (transaction_id, account_id, item_id, date, authorized_date, name, merchant_name,
    amount, iso_currency_code, unofficial_currency_code, pending, pending_transaction_id, category_primary,
    category_detailed, category_confidence, payment_channel, location_city, location_region, location_country,
    updated_at, staged_batch)
SELECT transaction_id, account_id, $item_id, date, authorized_date, name, merchant_name, amount, iso_currency_code,
       unofficial_currency_code, pending, pending_transaction_id, category_primary, category_detailed,
       category_confidence, payment_channel, location_city, location_region, location_country, $now, $batch
FROM read_parquet($final, file_row_number = true)
WHERE NOT removed AND file_row_number >= $first AND file_row_number < $last
"""

REVEAL = "UPDATE plaid_transaction_rows SET staged_batch = NULL WHERE staged_batch = $batch"
DISCARD_STAGED = "DELETE FROM plaid_transaction_rows WHERE item_id = $item_id AND staged_batch IS NOT NULL"


def stage_rows(store: Store, update: ItemUpdate, final: FinalUpdate) -> tuple[int, float]:
    """Copy the update's rows into the file, hidden, a chunk per transaction; returns (batch, longest hold).

    The caller holds the item's sync lock, so hidden rows of this item belong to this run or to a dead one.
    """
    batch = time.time_ns()
    longest = 0.0
    for first in range(0, final.rows, STAGE_CHUNK_ROWS):
        params = {"final": str(final.path), "item_id": update.item_id, "now": update.now, "batch": batch,
                  "first": first, "last": first + STAGE_CHUNK_ROWS}  # fmt: skip
        with store.transaction() as con, _lean_bulk_insert(con):
            opened = time.perf_counter()
            con.execute(STAGE_CHUNK, params)
        longest = max(longest, time.perf_counter() - opened)
        crash_point("staging-chunk")
        if first + STAGE_CHUNK_ROWS < final.rows:
            time.sleep(STAGE_PAUSE_SECONDS)
    return batch, longest


def discard_staged(store: Store, item_id: str) -> None:
    """Delete hidden rows a failed or killed run of this item's sync left behind (a no-op read otherwise)."""
    with store.connect() as con:
        query = "SELECT count(*) FROM plaid_transaction_rows WHERE item_id = ? AND staged_batch IS NOT NULL"
        if not con.execute(query, [item_id]).fetchall()[0][0]:
            return
    with store.transaction() as con:
        con.execute(DISCARD_STAGED, {"item_id": item_id})


def apply_update(con: duckdb.DuckDBPyConnection, update: ItemUpdate, final: FinalUpdate, batch: int) -> None:
    """Reveal one staged update inside the caller's transaction (see Store.transaction)."""
    _check_cursor(con, update)
    params = {"final": str(final.path), "item_id": update.item_id}
    if final.rows:
        carried = con.execute(CARRY_ANNOTATIONS, params).fetchall()[0][0]
        moved = con.execute(CARRY_TRANSFER_DECISIONS, params).fetchall()[0][0]
        if moved:
            con.execute(REPOINT_TRANSFER_DECISIONS, {"final": params["final"]})
        if _has_transactions(con, update.item_id):  # a first sync has nothing to replace
            con.execute(DELETE_CHANGED, params)
        con.execute(REVEAL, {"batch": batch})
        if carried:
            con.execute(DROP_MOVED_ANNOTATIONS, {"final": params["final"]})
        if moved:
            con.execute(DROP_MOVED_TRANSFER_DECISIONS, {"final": params["final"]})
    if update.accounts is not None:
        store_accounts(con, update.item_id, update.accounts, update.now)
    derive_history(con, update.item_id)
    if update.products is not None:
        con.execute("UPDATE items SET products = ? WHERE item_id = ?", [update.products, update.item_id])
    if update.update_status is not None:
        query = "UPDATE items SET transactions_update_status = ? WHERE item_id = ?"
        con.execute(query, [update.update_status, update.item_id])
    con.execute(
        f"UPDATE items SET cursor = $cursor, {SUCCESS_SQL} WHERE item_id = $item_id",
        {"cursor": update.next_cursor, "now": update.now, "item_id": update.item_id},
    )
    crash_point("apply-before-commit")


@contextmanager
def _lean_bulk_insert(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB insert in parallel, straight into the file, within a bounded amount of memory.

    With insertion order preserved, a big insert goes through the WAL and is rewritten by the
    checkpoint when the connection closes; row order in plaid_transaction_rows means nothing,
    every reader sorts. The memory limit keeps an insert from buffering hundreds of MB. Both
    settings belong to the database instance, so they go back to DuckDB's defaults (which
    Finboard uses everywhere) right after the insert.
    """
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET memory_limit = '{INSERT_MEMORY}'")
    try:
        yield
    finally:
        con.execute("RESET preserve_insertion_order")
        con.execute("RESET memory_limit")


def _has_transactions(con: duckdb.DuckDBPyConnection, item_id: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM plaid_transactions WHERE item_id = ?", [item_id]).fetchall()[0][0])


def _check_cursor(con: duckdb.DuckDBPyConnection, update: ItemUpdate) -> None:
    rows = con.execute("SELECT cursor FROM items WHERE item_id = ?", [update.item_id]).fetchall()
    if not rows:
        raise ConcurrentChange("The connection was removed while it was syncing; nothing was written.")
    if rows[0][0] != update.start_cursor:
        raise ConcurrentChange(
            "The connection was synced by another process at the same time; nothing was written. Sync again."
        )
