"""Items (one bank login each): connecting, listing, reading their token, removing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import duckdb

from core import products
from core.analytics import ledger
from core.errors import FinboardError
from core.plaid_gateway import PlaidApiError
from core.workspace import Workspace

log = logging.getLogger(__name__)

ITEM_COLUMNS = (
    "item_id, institution_id, institution_name, status, error_code, error_message, "
    "last_synced_at, last_failed_at, created_at"
)

# Every country Plaid serves: a bank's name is looked up wherever it is, whatever Link was limited to.
PLAID_COUNTRIES = (
    "US",
    "CA",
    "GB",
    "IE",
    "FR",
    "ES",
    "NL",
    "DE",
    "IT",
    "PL",
    "DK",
    "NO",
    "SE",
    "EE",
    "LT",
    "LV",
    "PT",
    "BE",
)

STATUS_TEXT = {
    "healthy": "Connected and syncing.",
    "login_required": "The bank needs you to log in again. Use Reconnect.",
    "pending_disconnect": "The bank connection will stop soon. Use Reconnect to keep it.",
    "revoked": "Access was revoked at the bank. Remove this connection or connect it again.",
    "error": "Syncing failed. See the error below; Sync now retries.",
}


class ItemNotFound(FinboardError):
    """No item with that id in this database."""


@dataclass(frozen=True)
class Item:
    item_id: str
    institution_id: str | None
    institution_name: str | None
    status: str
    error_code: str | None
    error_message: str | None
    last_synced_at: datetime | None
    last_failed_at: datetime | None
    created_at: datetime

    @property
    def label(self) -> str:
        return self.institution_name or self.institution_id or self.item_id

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.status, self.status)


def list_items(ws: Workspace) -> list[Item]:
    with ws.store.connect() as con:
        rows = con.execute(f"SELECT {ITEM_COLUMNS} FROM items ORDER BY created_at, item_id").fetchall()
    return [Item(*row) for row in rows]


def get_item(ws: Workspace, item_id: str) -> Item:
    with ws.store.connect() as con:
        row = con.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE item_id = ?", [item_id]).fetchone()
    if row is None:
        raise ItemNotFound(f"No connection with item id {item_id}. `finboard items` lists them.")
    return Item(*row)


def access_token(ws: Workspace, item_id: str) -> str:
    """The decrypted access token: for gateway calls only, never to print, log or show."""
    with ws.store.connect() as con:
        row = con.execute("SELECT access_token_enc FROM item_tokens WHERE item_id = ?", [item_id]).fetchone()
    if row is None:
        raise ItemNotFound(f"No access token stored for item {item_id}; connect the bank again.")
    return ws.vault.decrypt(row[0])


def connect_public_token(
    ws: Workspace, public_token: str, *, institution_id: str | None = None, institution_name: str | None = None
) -> str:
    """Exchange a public token from Link, store the encrypted access token; returns the item_id."""
    vault = ws.vault  # fail on a wrong key before creating anything at Plaid
    token, item_id = ws.gateway.exchange_public_token(public_token)
    institution_id, institution_name = _institution(ws, token, institution_id, institution_name)
    with ws.store.transaction() as con:
        con.execute(
            "INSERT INTO items (item_id, institution_id, institution_name, products, webhook_url) "
            "VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (item_id) DO UPDATE SET status = 'healthy', error_code = NULL, error_message = NULL",
            [item_id, institution_id, institution_name, list(ws.settings.products), ws.webhook_url],
        )
        con.execute(
            "INSERT OR REPLACE INTO item_tokens (item_id, access_token_enc) VALUES (?, ?)",
            [item_id, vault.encrypt(token)],
        )
    ws.store.bump_data_version()
    log.info("connected item %s (%s)", item_id, institution_name or institution_id)
    return item_id


def connect_sandbox(
    ws: Workspace, institution_id: str, *, username: str | None = None, password: str | None = None
) -> str:
    """Create an item without a browser (sandbox and emulator only); returns the item_id."""
    if not ws.allows_sandbox_shortcuts:
        raise FinboardError("connect-sandbox works with Plaid's sandbox or the offline emulator, not production.")
    public_token = ws.gateway.sandbox_public_token(
        institution_id,
        ws.settings.products,
        username=username,
        password=password,
        webhook=ws.webhook_url,
        days_requested=ws.settings.days_requested,
    )
    return connect_public_token(ws, public_token, institution_id=institution_id)


def remove_item(ws: Workspace, item_id: str) -> None:
    """Revoke the item at Plaid (tolerating one that is already gone) and delete its local data."""
    get_item(ws, item_id)
    try:
        ws.gateway.remove_item(access_token(ws, item_id))
    except PlaidApiError as e:
        if e.error_code not in ("ITEM_NOT_FOUND", "INVALID_ACCESS_TOKEN"):
            raise
    delete_item_data(ws, item_id)


# The sync engine's notes about an item (products fetched, balance calls made).
SYNC_STATE_TABLES = ("product_refreshes", "balance_requests")


def delete_shared_data(con: duckdb.DuckDBPyConnection, item_id: str) -> None:
    """Delete everything an item's bank shared and the sync engine's notes about it, inside the caller's
    transaction; the caller rebuilds the analytics ledger in the same transaction."""
    _delete_shared(con, "item_id", item_id)
    for table in SYNC_STATE_TABLES:
        con.execute(f"DELETE FROM {table} WHERE item_id = ?", [item_id])


def delete_account_data(con: duckdb.DuckDBPyConnection, item_id: str, account_id: str) -> None:
    """Delete everything stored for one account of the item, inside the caller's transaction."""
    _delete_shared(con, "account_id", account_id, item_id=item_id)


def _delete_shared(con: duckdb.DuckDBPyConnection, column: str, value: str, item_id: str | None = None) -> None:
    """Every product's rows where `column` = value: derived rows first (they are found through the product's)."""
    scope = f"{column} = ?" + (" AND item_id = ?" if item_id else "")
    params = [value, item_id] if item_id else [value]
    for product in products.PRODUCTS:
        for d in product.derived:
            con.execute(
                f"DELETE FROM {d.table} WHERE {d.key} IN (SELECT {d.key} FROM {d.source} WHERE {scope})", params
            )
    for table in products.shared_tables():  # what the bank shared, as the product modules declare it
        con.execute(f"DELETE FROM {table} WHERE {scope}", params)


def delete_item_data(ws: Workspace, item_id: str) -> None:
    """Delete everything stored for an item (token included) in one transaction, derived analytics tables too."""
    with ws.store.transaction() as con:
        delete_shared_data(con, item_id)
        con.execute("DELETE FROM item_tokens WHERE item_id = ?", [item_id])
        con.execute("DELETE FROM items WHERE item_id = ?", [item_id])
        ledger.rebuild(con)  # no copy of the item's transactions may stay in the analytics tables
    ws.store.bump_data_version()


def _institution(
    ws: Workspace, token: str, institution_id: str | None, name: str | None
) -> tuple[str | None, str | None]:
    if not institution_id:
        item = ws.gateway.get_item(token).get("item", {})
        institution_id, name = item.get("institution_id"), name or item.get("institution_name")
    if institution_id and not name:
        try:
            body = ws.gateway.get_institution(institution_id, PLAID_COUNTRIES)
            name = body["institution"]["name"]
        except (PlaidApiError, KeyError):
            name = None  # a missing name is cosmetic; the id still identifies the bank
    return institution_id, name
