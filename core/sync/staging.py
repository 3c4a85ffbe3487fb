"""Where an update's pages wait, outside the main database file, until the update is complete.

Pages are appended as Parquet files in a per-item directory beside the database, so a
million-transaction history never sits in memory and the main file is not locked while Plaid
is read. When the last page has arrived, `finalize` reduces the changes to one row per
transaction (the last change wins) with the store's types, still outside the main file; the
apply transaction then only copies rows. A directory left by a killed run is deleted, never
applied: the next sync starts again from the cursor stored with the data.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from core.errors import FinboardError
from core.products.transactions import STAGED

# Rows buffered in memory before a Parquet file is written: ~25 MB of Arrow data.
FLUSH_ROWS = 50_000
# The private DuckDB instance that finalizes an update spills to disk beyond this; with the
# process's own ~250 MB (libraries, Arrow pool) it keeps a million-transaction sync under 500 MB.
FINALIZE_MEMORY = "192MB"


class StagingError(FinboardError):
    """The staging area could not be written (disk full, permissions); nothing was applied."""


@dataclass(frozen=True)
class FinalUpdate:
    """An update reduced to one change per transaction, as typed Parquet ready to apply."""

    path: Path  # Parquet: transaction_id, removed, and the plaid_transactions columns
    rows: int


class StagingArea:
    """One update's staged pages. Owned by the run that holds the item's sync lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._files = 0
        self.rows = 0

    @classmethod
    def fresh(cls, directory: Path) -> StagingArea:
        """An empty staging area, deleting whatever an earlier (killed or failed) run left there."""
        discard(directory)
        try:
            directory.mkdir(parents=True)
        except OSError as e:
            raise StagingError(f"Cannot create the sync staging folder {directory}: {e.strerror}.") from None
        return cls(directory)

    def append(self, changes: pa.Table) -> None:
        self._buffer.append(changes)
        self._buffered += changes.num_rows
        self.rows += changes.num_rows
        if self._buffered >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._buffered:
            return
        path = self.directory / f"changes-{self._files:06d}.parquet"
        try:
            pq.write_table(pa.concat_tables(self._buffer), path, compression="snappy")
        except OSError as e:
            raise StagingError(f"Cannot write the sync staging file {path}: {e}.") from None
        self._files += 1
        self._buffer, self._buffered = [], 0

    def finalize(self) -> FinalUpdate:
        """Reduce every staged change to the last one per transaction, typed as the store wants."""
        self.flush()
        pa.default_memory_pool().release_unused()  # the pages' buffers, before DuckDB takes its share
        out = self.directory / "final.parquet"
        if not self._files:
            pq.write_table(STAGED.empty_table(), self.directory / "changes-empty.parquet")
        con = duckdb.connect(config={"memory_limit": FINALIZE_MEMORY, "temp_directory": str(self.directory / "tmp")})
        try:
            con.execute("SET enable_progress_bar = false")  # it would be drawn on stdout, amid `finboard sync`
            con.execute("SET preserve_insertion_order = false")
            con.execute(
                f"COPY ({FINALIZE_SQL}) TO ? (FORMAT parquet, COMPRESSION snappy)",
                [str(self.directory / "changes-*.parquet"), str(out)],
            )
            row = con.execute("SELECT count(*) FROM read_parquet(?)", [str(out)]).fetchone()
        except duckdb.ConversionException as e:
            raise StagingError(f"A transaction from Plaid has a value we cannot store ({e}).") from None
        finally:
            con.close()
        return FinalUpdate(out, int(row[0]) if row else 0)


# Amounts become DECIMAL(18,2) here (DuckDB rounds the double to the nearest cent), so a value
# that does not fit fails before the main file is touched.
FINALIZE_SQL = """
SELECT transaction_id, removed, account_id, CAST(date AS DATE) AS date,
       CAST(authorized_date AS DATE) AS authorized_date, name, merchant_name,
       CAST(amount AS DECIMAL(18,2)) AS amount, iso_currency_code, unofficial_currency_code, pending,
       pending_transaction_id, category_primary, category_detailed, category_confidence, payment_channel,
       location_city, location_region, location_country
FROM read_parquet(?)
QUALIFY row_number() OVER (PARTITION BY transaction_id ORDER BY seq DESC) = 1
"""


def discard(directory: Path) -> None:
    """Delete a staging directory and everything in it (missing is fine)."""
    shutil.rmtree(directory, ignore_errors=True)
