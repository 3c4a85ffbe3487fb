"""Fetching the products a sync refreshes (Auth, Identity, ...), each by its declaration in core/products.

A product declares its endpoint, the pure mapping from the response to rows and when it is fetched again
(`Refetch`); this module fetches it with the item's token, maps the response and replaces the item's rows in the
product's tables in one transaction, recording what was fetched for which accounts. Secrets a mapping seals (Auth
numbers) are encrypted with the vault. Webhooks that concern a product (AUTH DEFAULT_UPDATE...) call
`refresh_product` through the webhook processor.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa

from core.errors import FinboardError
from core.items import access_token
from core.plaid_gateway import PlaidApiError
from core.products import Product, Refetch, by_name, refreshed
from core.products.base import Json
from core.sync.balances import require_item, utc_now
from core.sync.retry import RetryPolicy, is_transient
from core.workspace import Workspace


def refresh_product(ws: Workspace, item_id: str, product: Product | str, *, retry: RetryPolicy | None = None) -> int:
    """Fetch one product for the item and replace its stored rows; returns how many rows were stored."""
    product = by_name(product) if isinstance(product, str) else product
    if product.rows is None:
        raise ValueError(f"{product.name} is applied by the sync itself, not refreshed on its own")
    token = access_token(ws, item_id)
    operation = product.endpoint.strip("/")
    body = (retry or RetryPolicy()).call(operation, lambda: ws.gateway.fetch_product(product.endpoint, token))
    tables = product.rows(body, ws.vault.encrypt)
    if not tables.keys() <= set(product.tables):
        raise ValueError(f"{product.name} mapped rows to {sorted(tables)}, not its tables {product.tables}")
    now = utc_now()
    with ws.store.transaction() as con:
        require_item(con, item_id)
        for table in product.tables:
            con.execute(f"DELETE FROM {table} WHERE item_id = ?", [item_id])
            _insert(con, table, [{**r, "item_id": item_id, "fetched_at": now} for r in tables.get(table, [])])
        mark_refreshed(con, item_id, product.name, _account_ids(body))
    ws.store.bump_data_version()
    return sum(len(rows) for rows in tables.values())


def refresh_products_if_due(ws: Workspace, item_id: str, retry: RetryPolicy) -> list[str]:
    """After a sync: fetch every product that is due (see `due_products`).

    Never fails the sync, whose data is already committed; returns notes for the person.
    """
    notes = []
    for product in due_products(ws, item_id):
        try:
            refresh_product(ws, item_id, product, retry=retry)
        except PlaidApiError as e:
            if e.error_code not in product.quiet_refusals:
                notes.append(f"{product.label} data could not be fetched: {e}")
            if not is_transient(e):
                # Not available for this item (e.g. no eligible accounts): do not ask again until accounts appear,
                # and keep nothing from before the refusal.
                with ws.store.transaction() as con:
                    for table in product.tables:
                        con.execute(f"DELETE FROM {table} WHERE item_id = ?", [item_id])
                    mark_refreshed(con, item_id, product.name, _current_account_ids(con, item_id), e.error_code)
                ws.store.bump_data_version()
        except FinboardError as e:
            notes.append(f"{product.label} data could not be fetched: {e}")
    return notes


def due_products(ws: Workspace, item_id: str) -> list[Product]:
    """The products a sync fetches now: those the item has (`requires`) that refetch on every sync, and those
    never fetched, or not since one of its accounts appeared; those that wait for the whole history
    (`after_history`) only once Plaid reported HISTORICAL_UPDATE_COMPLETE for the item.

    A fetch for an earlier life of the item (removed, then connected again) does not count.
    """
    with ws.store.connect() as con:
        row = con.execute(
            "SELECT products, transactions_update_status FROM items WHERE item_id = ?", [item_id]
        ).fetchall()
        has = set(row[0][0] or []) if row else set()
        history = bool(row) and row[0][1] == "HISTORICAL_UPDATE_COMPLETE"
        accounts = set(_current_account_ids(con, item_id))
        covered: Mapping[str, list[str]] = dict(
            con.execute(
                "SELECT p.product, p.account_ids FROM product_refreshes p JOIN items i USING (item_id) "
                "WHERE p.item_id = ? AND p.item_created_at IS NOT DISTINCT FROM i.created_at",
                [item_id],
            ).fetchall()
        )
    return [
        p
        for p in refreshed()
        if (p.requires is None or p.requires in has)
        and (history or not p.after_history)
        and (p.refetch is Refetch.EVERY_SYNC or p.name not in covered or not accounts <= set(covered[p.name]))
    ]


def mark_refreshed(
    con: duckdb.DuckDBPyConnection, item_id: str, product: str, account_ids: list[str], error_code: str | None = None
) -> None:
    """Record a fetch (or, with `error_code`, Plaid's refusal to give the product for the item)."""
    con.execute(
        "INSERT OR REPLACE INTO product_refreshes (item_id, product, account_ids, fetched_at, item_created_at, "
        "error_code) SELECT ?, ?, ?, ?, created_at, ? FROM items WHERE item_id = ?",
        [item_id, product, account_ids, utc_now(), error_code, item_id],
    )


def _account_ids(body: Json) -> list[str]:
    return [a["account_id"] for a in body.get("accounts") or [] if isinstance(a, dict) and "account_id" in a]


def _current_account_ids(con: duckdb.DuckDBPyConnection, item_id: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT account_id FROM accounts WHERE item_id = ?", [item_id]).fetchall()]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[Json]) -> None:
    if not rows:
        return
    con.register("incoming_rows", pa.Table.from_pylist(rows))
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows")
    finally:
        con.unregister("incoming_rows")
