"""What the endpoint groups share: the item lookup every access_token endpoint starts with, Plaid's Item object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from core.emulator import catalog
from core.emulator.errors import invalid_field
from core.emulator.schema import Field, Schema, opt, req
from core.emulator.service import EmulatorService

Handler = Callable[[dict[str, Any]], "dict[str, Any] | bytes"]
Route = tuple[Schema, Handler]

PRODUCTS = (*catalog.ALL_PRODUCTS, "balance_plus", "income_verification", "statements", "signal", "transfer")
PRODUCT_LIST = opt("list", items=Field("str", choices=PRODUCTS))
ACCESS = {"access_token": req("str")}
ACCOUNT_IDS = opt("object", fields={"account_ids": opt("list", items=Field("str"))})


def load_item(
    s: EmulatorService, body: dict[str, Any], endpoint: str | None = None, healthy: bool = True
) -> dict[str, Any]:
    """The item the access token names; rate-limited per endpoint; refused while the item is in error."""
    item_id = s.item_id_for_access_token(body["access_token"])
    if endpoint is not None:
        s.faults.check_rate(endpoint, item_id)
    record = s.record(item_id)
    if healthy:
        s.check_item_healthy(record)
    return record


def item_json(record: dict[str, Any]) -> dict[str, Any]:
    """Plaid's Item (with the consent fields /item/get adds)."""
    institution = catalog.INSTITUTIONS_BY_ID[record["institution_id"]]
    products = record["products"]
    return {
        "item_id": record["item_id"],
        "institution_id": institution.institution_id,
        "institution_name": institution.name,
        "webhook": record["webhook"],
        "error": record["error"],
        "available_products": [p for p in catalog.ALL_PRODUCTS if p not in products],
        "billed_products": products,
        "products": products,
        "consented_products": products,
        "consent_expiration_time": None,
        "update_type": "background",
        "auth_method": None,
        "created_at": record["created_at"],
    }


def check_url(name: str, value: str, *, allow_query: bool) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise invalid_field(f"{name} must be a valid http(s) URL")
    if not allow_query and parsed.query:
        raise invalid_field(f"{name} must not contain query parameters")


__all__ = ["ACCESS", "ACCOUNT_IDS", "PRODUCT_LIST", "Handler", "Route", "Schema", "check_url", "item_json", "load_item"]
