"""Transactions: /transactions/sync, read page by page from the item's cursor (core/sync/engine.py).

The mapping is `parse_page`: one page, from raw JSON bytes to typed Arrow rows. pyarrow's JSON
reader parses the page in C++ against an explicit schema of only the fields we use: unknown
fields are ignored (Plaid adds fields), a wrong type is an error, and the result is columnar,
ready to stage. On 500-transaction pages this was ~3x faster than orjson plus building columns
in Python, and two orders of magnitude faster than plaid-python's models (DESIGN.md section 4;
tests/perf/bench_sync.py measures the latter).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.json as pj

from core.errors import FinboardError
from core.products.base import Derived, Product, Refetch


class MalformedPage(FinboardError):
    """Plaid sent a page we cannot read; nothing from the update is written."""


_PFC = pa.struct([("primary", pa.string()), ("detailed", pa.string()), ("confidence_level", pa.string())])
_LOCATION = pa.struct([("city", pa.string()), ("region", pa.string()), ("country", pa.string())])

# The fields of a Plaid Transaction that Finboard stores, in Plaid's nesting.
TRANSACTION = pa.struct(
    [
        ("transaction_id", pa.string()),
        ("account_id", pa.string()),
        ("date", pa.timestamp("s")),  # the reader parses "YYYY-MM-DD" only into timestamps
        ("authorized_date", pa.timestamp("s")),
        ("name", pa.string()),
        ("merchant_name", pa.string()),
        ("amount", pa.float64()),
        ("iso_currency_code", pa.string()),
        ("unofficial_currency_code", pa.string()),
        ("pending", pa.bool_()),
        ("pending_transaction_id", pa.string()),
        ("payment_channel", pa.string()),
        ("personal_finance_category", _PFC),
        ("location", _LOCATION),
    ]
)
REMOVED = pa.struct([("transaction_id", pa.string()), ("account_id", pa.string())])
PAGE = pa.schema(
    [
        ("added", pa.list_(TRANSACTION)),
        ("modified", pa.list_(TRANSACTION)),
        ("removed", pa.list_(REMOVED)),
        ("next_cursor", pa.string()),
        ("has_more", pa.bool_()),
        ("transactions_update_status", pa.string()),  # kept when present; not needed to apply a page
    ]
)
REQUIRED_PAGE_FIELDS = ("added", "modified", "removed", "next_cursor", "has_more")
_PARSE = pj.ParseOptions(explicit_schema=PAGE, unexpected_field_behavior="ignore", newlines_in_values=True)

# Flattened Plaid names -> our column names (the rest keep their names).
_RENAMES = {
    "personal_finance_category.primary": "category_primary",
    "personal_finance_category.detailed": "category_detailed",
    "personal_finance_category.confidence_level": "category_confidence",
    "location.city": "location_city",
    "location.region": "location_region",
    "location.country": "location_country",
}
REQUIRED = ("transaction_id", "account_id", "date", "amount", "pending")

# What one staged change looks like: a transaction (removed=false) or a removal (only its id).
# seq orders changes within an update, so the last change to a transaction wins.
STAGED = pa.schema(
    [
        ("seq", pa.int64()),
        ("removed", pa.bool_()),
        ("transaction_id", pa.string()),
        ("account_id", pa.string()),
        ("date", pa.timestamp("s")),
        ("authorized_date", pa.timestamp("s")),
        ("name", pa.string()),
        ("merchant_name", pa.string()),
        ("amount", pa.float64()),
        ("iso_currency_code", pa.string()),
        ("unofficial_currency_code", pa.string()),
        ("pending", pa.bool_()),
        ("pending_transaction_id", pa.string()),
        ("payment_channel", pa.string()),
        ("category_primary", pa.string()),
        ("category_detailed", pa.string()),
        ("category_confidence", pa.string()),
        ("location_city", pa.string()),
        ("location_region", pa.string()),
        ("location_country", pa.string()),
    ]
)
TRANSACTION_COLUMNS = STAGED.names[2:]


@dataclass(frozen=True)
class Page:
    """A parsed page: its changes as staged rows, where to continue, and what it held."""

    changes: pa.Table  # schema STAGED, seq numbered from the seq_start given to parse_page
    next_cursor: str
    has_more: bool
    added: int
    modified: int
    removed: int
    update_status: str | None = None  # NOT_READY, INITIAL_UPDATE_COMPLETE or HISTORICAL_UPDATE_COMPLETE


def parse_page(raw: bytes, seq_start: int) -> Page:
    """Parse and validate one raw page; raises MalformedPage naming the problem."""
    try:
        table = pj.read_json(
            io.BytesIO(raw),
            read_options=pj.ReadOptions(use_threads=False, block_size=max(len(raw) + 1, 1 << 16)),
            parse_options=_PARSE,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise MalformedPage(f"Plaid sent a /transactions/sync page we cannot read ({e}).") from None
    if table.num_rows != 1:
        raise MalformedPage("Plaid sent a /transactions/sync page that is not one JSON object.")
    for name in REQUIRED_PAGE_FIELDS:
        if table.column(name).null_count:
            raise MalformedPage(f"Plaid sent a /transactions/sync page without '{name}'.")
    added, modified = _transactions(table, "added"), _transactions(table, "modified")
    removed_ids = _flat(table, "removed").field("transaction_id")
    if removed_ids.null_count:
        raise MalformedPage("Plaid sent a removed transaction without a transaction_id.")
    upserts = pa.concat_tables([added, modified])
    changes = pa.concat_tables([_upserts(upserts), _removals(removed_ids)])  # a removal wins within a page
    changes = changes.set_column(0, "seq", pa.array(range(seq_start, seq_start + changes.num_rows), pa.int64()))
    return Page(
        changes=changes,
        next_cursor=table.column("next_cursor")[0].as_py(),
        has_more=table.column("has_more")[0].as_py(),
        added=added.num_rows,
        modified=modified.num_rows,
        removed=len(removed_ids),
        update_status=table.column("transactions_update_status")[0].as_py(),
    )


def _flat(table: pa.Table, name: str) -> pa.StructArray:
    lists = table.column(name).combine_chunks()
    flat: pa.StructArray = lists.flatten()
    return flat


def _transactions(table: pa.Table, name: str) -> pa.Table:
    rows = pa.Table.from_struct_array(_flat(table, name)).flatten()
    rows = rows.rename_columns([_RENAMES.get(c, c) for c in rows.column_names])
    for column in REQUIRED:
        if rows.column(column).null_count:
            raise MalformedPage(f"Plaid sent a transaction in '{name}' without '{column}'.")
    return rows


def _upserts(rows: pa.Table) -> pa.Table:
    n = rows.num_rows
    columns = [pa.nulls(n, pa.int64()), pa.array([False] * n, pa.bool_())]
    return pa.Table.from_arrays(columns + rows.select(TRANSACTION_COLUMNS).columns, schema=STAGED)


def _removals(ids: pa.Array) -> pa.Table:
    n = len(ids)
    columns = [pa.nulls(n, f.type) for f in STAGED]
    columns[STAGED.get_field_index("removed")] = pa.array([True] * n, pa.bool_())
    columns[STAGED.get_field_index("transaction_id")] = ids
    return pa.Table.from_arrays(columns, schema=STAGED)


# Codes of the /transactions/get era: Finboard syncs with /transactions/sync, which they do not concern.
LEGACY_WEBHOOK_CODES = ("INITIAL_UPDATE", "HISTORICAL_UPDATE", "DEFAULT_UPDATE", "TRANSACTIONS_REMOVED")

PRODUCT = Product(
    name="transactions",
    label="Transactions",
    endpoint="/transactions/sync",
    tables=("plaid_transaction_rows",),
    refetch=Refetch.EVERY_SYNC,
    requires="transactions",
    counted="transactions",
    webhooks=frozenset({("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE")}),
    ignored_webhooks={("TRANSACTIONS", code): "legacy /transactions/get webhook" for code in LEGACY_WEBHOOK_CODES},
    # The person's categories, notes and tags on the item's transactions, and their transfer decisions.
    derived=(
        Derived("transaction_annotations", "transaction_id", "plaid_transaction_rows"),
        Derived("transfer_decisions", "transaction_id", "plaid_transaction_rows"),
    ),
    linkable=True,
)
