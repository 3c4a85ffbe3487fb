"""Identity: the account owners' names, emails, phone numbers and addresses (/identity/get), stored for display."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.products.base import Json, MalformedProductData, Product, Refetch, Seal, dicts


def identity_rows(body: Json, seal: Seal) -> dict[str, list[Json]]:
    """One account_owners row per owner: names, emails, phone numbers and one-line addresses (nothing sealed)."""
    rows = []
    for account in dicts(body.get("accounts"), "accounts"):
        account_id = account.get("account_id")
        if not isinstance(account_id, str):
            raise MalformedProductData("Plaid sent an Identity account without an account_id.")
        for index, owner in enumerate(dicts(account.get("owners") or [], "owners")):
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
    return {"account_owners": rows}


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


PRODUCT = Product(
    name="identity",
    label="Identity",
    endpoint="/identity/get",
    tables=("account_owners",),
    refetch=Refetch.WHEN_ACCOUNTS_APPEAR,
    requires="identity",
    rows=identity_rows,
    counted="account owners",
    webhooks=frozenset({("IDENTITY", "DEFAULT_UPDATE")}),
    linkable=True,
)
