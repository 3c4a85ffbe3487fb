"""The public read model, copied out of the database file for the workbench in one unit of work.

What SQL may see is decided here and nowhere else. A copy is a set of Arrow tables read in one
transaction (so they agree with each other) and labelled with the data version read just before;
the file is open only while they are read (about 0.5 s for a million transactions).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from core.analytics import ledger, streams
from core.analytics.filters import Filters, ledger_where
from core.store import Store


@dataclass(frozen=True)
class Public:
    """How one public relation is copied: the query that reads it (or, for a relation worked out in Python,
    the function that builds it from a connection), and whether it reads the analytics ledger (then brought
    up to date first, as every page does)."""

    query: str = ""
    from_ledger: bool = False
    build: Callable[[duckdb.DuckDBPyConnection, date], pa.Table] | None = None

    def read(self, cur: duckdb.DuckDBPyConnection, today: date) -> pa.Table:
        return self.build(cur, today) if self.build is not None else cur.sql(self.query).to_arrow_table()


# The recurring streams as the Recurring page shows them: status and next date worked out on the day the copy
# is made, the person's names and categories applied, hidden ones flagged by not_recurring. Amounts are
# positive DECIMAL(18,2) money; direction gives the sign.
_TEXT, _DAY, _MONEY = pa.string(), pa.date32(), pa.decimal128(18, 2)
_STREAM_TEXT = ("stream_id", "source", "kind", "direction", "account_id", "merchant", "detected_merchant",
                "category_primary", "category_detailed", "frequency", "amount_kind")  # fmt: skip
STREAM_SCHEMA = pa.schema(
    [
        *((name, _TEXT) for name in _STREAM_TEXT),
        *((name, _MONEY) for name in ("average_amount", "last_amount", "expected_amount", "previous_amount")),
        ("price_changed_on", _DAY),
        ("monthly_amount", _MONEY),
        ("yearly_amount", _MONEY),
        ("currency", _TEXT),
        *((name, _DAY) for name in ("first_date", "last_date", "next_date")),
        ("status", _TEXT),
        ("transactions", pa.int64()),
        ("is_transfer", pa.bool_()),
        ("not_recurring", pa.bool_()),
    ]
)


def _recurring_streams(cur: duckdb.DuckDBPyConnection, today: date) -> pa.Table:
    frame = streams.streams(cur, today, hidden=True).reindex(columns=STREAM_SCHEMA.names)
    as_read = pa.schema(pa.field(f.name, pa.float64()) if f.type == _MONEY else f for f in STREAM_SCHEMA)
    return pa.Table.from_pandas(frame, schema=as_read, preserve_index=False).cast(STREAM_SCHEMA)


FLOW_COLUMNS = "transaction_id, flow, is_transfer, transfer_pair_id"  # what each transaction counts as

# The rule: a relation is public when README's "Your data" section documents it for analysts. It is
# copied whole when it was made for analysts, by its public columns when the table also keeps the
# sync's own state. A new read-model table or view is one line here (and one row in the README).
PUBLIC: dict[str, Public] = {
    "items": Public("SELECT item_id, institution_id, institution_name, status, error_code, last_synced_at FROM items"),
    "accounts": Public("SELECT * FROM accounts"),
    "transactions": Public("SELECT * FROM transactions"),
    "balance_history": Public("SELECT * FROM balance_history"),
    "transaction_flows": Public(f"SELECT {FLOW_COLUMNS} FROM analytics_ledger", from_ledger=True),
    "recurring_streams": Public(from_ledger=True, build=_recurring_streams),
    "recurring_stream_transactions": Public(
        "SELECT stream_id, transaction_id, date, amount FROM recurring_stream_transactions", from_ledger=True
    ),
}
# Everything else in the file, and why it stays out. tests/unit/test_workbench_readmodel.py fails
# when a migration adds a relation that is in neither list, so a new table is a decision, not an accident.
NOT_PUBLIC: dict[str, str] = {
    "item_tokens": "encrypted access tokens",
    "vault_check": "the encryption key's check value",
    "account_numbers": "account and routing numbers",
    "account_owners": "owners' names, emails, phone numbers and addresses",
    "plaid_transactions": "Plaid's rows before your categories; `transactions` is the public view",
    "plaid_transaction_rows": "the sync's staging",
    "transaction_annotations": "shown through `transactions` (category, note, tags)",
    "category_rules": "applied through `transactions` (category_source, category_rule_id)",
    "saved_views": "dashboard settings",
    "saved_queries": "dashboard settings",
    "analytics_ledger": "derived for the charts; what each transaction counts as is public as transaction_flows",
    "transfer_decisions": "your transfer reviews, applied through transaction_flows (flow, transfer_pair_id)",
    "analytics_daily": "derived for the charts",
    "analytics_daily_by_account": "derived for the charts",
    "analytics_daily_merchants": "derived for the charts",
    "analytics_names": "derived for the charts",
    "analytics_ledger_source": "derived for the charts",
    "balance_requests": "the sync's rate-limit bookkeeping",
    "product_refreshes": "the sync's bookkeeping",
    "webhook_events": "the webhook audit log (see the Connections page)",
    "schema_version": "the schema's history",
    "plaid_recurring_streams": "Plaid's answer as fetched; what it says is public through recurring_streams",
    "recurring_choices": "your names, categories and 'not recurring' marks, applied through recurring_streams",
    "recurring_source": "the recurring rebuild's bookkeeping",
    "forecast_thresholds": "dashboard settings (the Forecast page's warning thresholds)",
}
# The transactions the current filters select (the dashboard's sidebar, or `finboard sql`'s export
# filters): the columns of `transactions` and of `transaction_flows`. Built per filter, not copied.
FILTERED = "filtered_transactions"


@dataclass(frozen=True)
class ReadModelCopy:
    """Public relations as Arrow tables, as of data version `version`."""

    version: int
    tables: Mapping[str, pa.Table]
    seconds: float  # how long the file was read

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.tables.values())


def copy_read_model(store: Store, names: Iterable[str] | None = None, today: date | None = None) -> ReadModelCopy:
    """Read the public relations (all, or those in `names`) in one transaction of one short connection;
    what depends on the day (a recurring stream's status and next date) is as of `today` (default: today)."""
    wanted = [n for n in PUBLIC if names is None or n in set(names)]
    version = store.data_version()  # read first: a change committed meanwhile makes the copy look older, never newer
    started = time.perf_counter()
    tables: dict[str, pa.Table] = {}
    opened = ledger.reading(store) if any(PUBLIC[n].from_ledger for n in wanted) else store.connect()
    with opened as con, con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        for name in wanted:
            tables[name] = PUBLIC[name].read(cur, today or date.today())
        cur.execute("COMMIT")
    return ReadModelCopy(version, tables, time.perf_counter() - started)


def filtered_transactions(store: Store, transactions: pa.Table, filters: Filters, today: date) -> pa.Table:
    """The rows of `transactions` that `filters` select (decided by the analytics ledger, as on every page),
    with what each counts as: the columns of `transactions`, then flow, is_transfer and transfer_pair_id."""
    where = ledger_where(filters, filters.window(today), rows=True)
    with ledger.reading(store) as con, con.cursor() as cur:
        facts = cur.sql(f"SELECT {FLOW_COLUMNS} FROM analytics_ledger l WHERE {where.sql}", params=where.params)
        selected = facts.to_arrow_table()
    return with_flows(transactions, selected)


def with_flows(transactions: pa.Table, flows: pa.Table) -> pa.Table:
    """The rows of `transactions` named in `flows` (in its order), with its other columns appended.

    By positions rather than Arrow's join, which cannot carry list columns such as `tags`.
    """
    positions = pc.index_in(flows.column("transaction_id"), value_set=transactions.column("transaction_id"))
    found = pc.is_valid(positions)  # a transaction synced after the copy was made waits for the next copy
    rows = transactions.take(positions.filter(found))
    for name in flows.column_names[1:]:
        rows = rows.append_column(flows.field(name), flows.column(name).filter(found))
    return rows


def relations_named(sql: str) -> set[str]:
    """The public relations (and filtered_transactions) whose names appear in a script, to copy only those.

    Only a shortcut for `finboard sql`: a name in a comment or a string is copied needlessly, which is
    harmless. What a query may reach is decided by the copy and the locked-down instance, never by the text.
    """
    words = {w.lower() for w in re.findall(r"\w+", sql)}
    named = {n for n in (*PUBLIC, FILTERED) if n in words}
    if FILTERED in named:
        named.add("transactions")
    return named
