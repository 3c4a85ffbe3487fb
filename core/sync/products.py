"""Auth (account and routing numbers) and Identity (account owners) for items that have them.

Numbers are stored encrypted with the vault; only their last four characters are readable.
Owners' names, emails, phone numbers and addresses are stored for display. A sync fetches each
product once per item and again when new accounts appear; Plaid's AUTH and IDENTITY
DEFAULT_UPDATE webhooks call `refresh_auth` / `refresh_identity` directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pyarrow as pa

from core.errors import FinboardError
from core.items import access_token
from core.plaid_gateway import PlaidApiError
from core.sync.balances import require_item, utc_now
from core.sync.retry import RetryPolicy, is_transient
from core.vault import Vault
from core.workspace import Workspace

Json = dict[str, Any]

PRODUCTS = ("auth", "identity")


class MalformedProductData(FinboardError):
    """Plaid sent Auth or Identity data we cannot read; nothing was written."""


# scheme -> (field holding the account number, fields forming the routing number, wire routing field)
NUMBER_FIELDS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "ach": ("account", ("routing",), "wire_routing"),
    "eft": ("account", ("institution", "branch"), None),
    "international": ("iban", ("bic",), None),
    "bacs": ("account", ("sort_code",), None),
}


def refresh_auth(ws: Workspace, item_id: str, *, retry: RetryPolicy | None = None) -> int:
    """Fetch /auth/get and replace the item's stored numbers; returns how many were stored."""
    body = _fetch(ws, item_id, "auth/get", ws.gateway.get_auth, retry)
    return _replace(ws, item_id, "auth", "account_numbers", auth_rows(body, ws.vault), _account_ids(body))


def refresh_identity(ws: Workspace, item_id: str, *, retry: RetryPolicy | None = None) -> int:
    """Fetch /identity/get and replace the item's stored owners; returns how many were stored."""
    body = _fetch(ws, item_id, "identity/get", ws.gateway.get_identity, retry)
    return _replace(ws, item_id, "identity", "account_owners", identity_rows(body), _account_ids(body))


def _fetch(
    ws: Workspace, item_id: str, operation: str, request: Callable[[str], Json], retry: RetryPolicy | None
) -> Json:
    token = access_token(ws, item_id)
    return (retry or RetryPolicy()).call(operation, lambda: request(token))


def _replace(ws: Workspace, item_id: str, product: str, table: str, rows: list[Json], account_ids: list[str]) -> int:
    """Replace the item's rows of `table` with `rows` and record the refresh, in one transaction."""
    now = utc_now()
    with ws.store.transaction() as con:
        require_item(con, item_id)
        con.execute(f"DELETE FROM {table} WHERE item_id = ?", [item_id])
        _insert(con, table, [{**r, "item_id": item_id, "fetched_at": now} for r in rows])
        mark_refreshed(con, item_id, product, account_ids)
    ws.store.bump_data_version()
    return len(rows)


REFRESHERS: dict[str, Callable[..., int]] = {"auth": refresh_auth, "identity": refresh_identity}


def refresh_products_if_due(ws: Workspace, item_id: str, retry: RetryPolicy) -> list[str]:
    """After a sync: fetch Auth/Identity the item has but we lack (or lack for new accounts).

    Never fails the sync, whose data is already committed; returns notes for the person.
    """
    notes = []
    for product in due_products(ws, item_id):
        try:
            REFRESHERS[product](ws, item_id, retry=retry)
        except PlaidApiError as e:
            notes.append(f"{product.capitalize()} data could not be fetched: {e}")
            if not is_transient(e):
                # Not available for this item (e.g. no eligible accounts): do not ask on every sync.
                with ws.store.transaction() as con:
                    mark_refreshed(con, item_id, product, _current_account_ids(con, item_id))
        except FinboardError as e:
            notes.append(f"{product.capitalize()} data could not be fetched: {e}")
    return notes


def due_products(ws: Workspace, item_id: str) -> list[str]:
    """Products the item has that were never fetched, or not since one of its accounts appeared.

    A fetch for an earlier life of the item (removed, then connected again) does not count.
    """
    with ws.store.connect() as con:
        row = con.execute("SELECT products FROM items WHERE item_id = ?", [item_id]).fetchall()
        has = set(row[0][0] or []) if row else set()
        accounts = set(_current_account_ids(con, item_id))
        covered = dict(
            con.execute(
                "SELECT p.product, p.account_ids FROM product_refreshes p JOIN items i USING (item_id) "
                "WHERE p.item_id = ? AND p.item_created_at IS NOT DISTINCT FROM i.created_at",
                [item_id],
            ).fetchall()
        )
    return [p for p in PRODUCTS if p in has and (p not in covered or not accounts <= set(covered[p]))]


def mark_refreshed(con: duckdb.DuckDBPyConnection, item_id: str, product: str, account_ids: list[str]) -> None:
    con.execute(
        "INSERT OR REPLACE INTO product_refreshes (item_id, product, account_ids, fetched_at, item_created_at) "
        "SELECT ?, ?, ?, ?, created_at FROM items WHERE item_id = ?",
        [item_id, product, account_ids, utc_now(), item_id],
    )


# -- Plaid's JSON -> rows -----------------------------------------------------------------------


def auth_rows(body: Json, vault: Vault) -> list[Json]:
    """One row per account and numbering scheme, numbers encrypted, masks readable."""
    numbers = body.get("numbers")
    if not isinstance(numbers, dict):
        raise MalformedProductData("Plaid sent an /auth/get answer without numbers.")
    rows: dict[tuple[str, str], Json] = {}
    for scheme, (account_field, routing_fields, wire_field) in NUMBER_FIELDS.items():
        for entry in _dicts(numbers.get(scheme) or [], f"numbers.{scheme}"):
            account_id, account = entry.get("account_id"), entry.get(account_field)
            if not isinstance(account_id, str) or not isinstance(account, str):
                raise MalformedProductData(f"Plaid sent {scheme} numbers without an account id or number.")
            routing = "-".join(str(entry[f]) for f in routing_fields if entry.get(f)) or None
            wire = entry.get(wire_field) if wire_field else None
            # The first set of numbers per account and scheme is the one shown; Plaid lists the primary first.
            rows.setdefault(
                (account_id, scheme),
                {
                    "account_id": account_id,
                    "scheme": scheme,
                    "account_mask": account[-4:],
                    "routing_mask": routing[-4:] if routing else None,
                    "account_enc": vault.encrypt(account),
                    "routing_enc": vault.encrypt(routing) if routing else None,
                    "wire_routing_enc": vault.encrypt(wire) if isinstance(wire, str) and wire else None,
                },
            )
    return list(rows.values())


def identity_rows(body: Json) -> list[Json]:
    """One row per account owner: names, emails, phone numbers and one-line addresses."""
    rows = []
    for account in _dicts(body.get("accounts"), "accounts"):
        account_id = account.get("account_id")
        if not isinstance(account_id, str):
            raise MalformedProductData("Plaid sent an Identity account without an account_id.")
        for index, owner in enumerate(_dicts(account.get("owners") or [], "owners")):
            rows.append(
                {
                    "account_id": account_id,
                    "owner_index": index,
                    "names": [str(n) for n in owner.get("names") or []],
                    "emails": list(_data(owner.get("emails"))),
                    "phone_numbers": list(_data(owner.get("phone_numbers"))),
                    "addresses": [_one_line(a) for a in _data_dicts(owner.get("addresses"))],
                }
            )
    return rows


def _data(entries: Any) -> Iterator[str]:
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("data"):
            yield str(entry["data"])


def _data_dicts(entries: Any) -> Iterator[Json]:
    for entry in entries or []:
        if isinstance(entry, dict) and isinstance(entry.get("data"), dict):
            yield entry["data"]


def _one_line(address: Json) -> str:
    region = " ".join(str(address[k]) for k in ("region", "postal_code") if address.get(k))
    parts = [address.get("street"), address.get("city"), region, address.get("country")]
    return ", ".join(str(p) for p in parts if p)


def _dicts(value: Any, where: str) -> list[Json]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MalformedProductData(f"Plaid sent '{where}' in a shape we cannot read.")
    return value


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
