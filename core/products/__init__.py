"""The Plaid products Finboard stores, one module each (docs/adding-a-product.md says how to add one).

Each module declares a `PRODUCT` (core/products/base.py): its endpoint, a pure mapping from the response to
rows, its tables, when a sync fetches it again, the webhooks that concern it and what goes when access is
revoked. Everything that used to list products is built from `PRODUCTS`: the sync engine (which products a sync
fetches), the webhook dispatcher and processor (which webhook queues which job), the deletion of an item's or an
account's data, and the products Link may ask for (PLAID_PRODUCTS).

This package is pure: it imports nothing that talks to Plaid or the database. The functions below read
`PRODUCTS` when they are called, so the registry is the only list (a test may extend it).
"""

from __future__ import annotations

from core.products import accounts, auth, identity, recurring, transactions
from core.products.base import Derived, MalformedProductData, Product, Refetch, WebhookKind

__all__ = [
    "PRODUCTS",
    "Derived",
    "MalformedProductData",
    "Product",
    "Refetch",
    "by_name",
    "ignored_webhooks",
    "linkable",
    "refreshed",
    "shared_tables",
    "webhook_products",
]

# In the order a sync handles them: the transactions update and its accounts, then every other product.
PRODUCTS: tuple[Product, ...] = (
    transactions.PRODUCT,
    accounts.PRODUCT,
    auth.PRODUCT,
    identity.PRODUCT,
    recurring.PRODUCT,
)


def by_name(name: str) -> Product:
    """The product called `name`; KeyError when there is none."""
    return {p.name: p for p in PRODUCTS}[name]


def linkable() -> tuple[str, ...]:
    """Products Link may ask for (PLAID_PRODUCTS understands these)."""
    return tuple(p.name for p in PRODUCTS if p.linkable)


def refreshed() -> tuple[Product, ...]:
    """Products a sync fetches after the transactions update, each mapped and stored by its declaration."""
    return tuple(p for p in PRODUCTS if p.rows is not None)


def webhook_products() -> dict[WebhookKind, Product]:
    """Each webhook a product declares, with the product."""
    return {kind: p for p in PRODUCTS for kind in p.webhooks}


def ignored_webhooks() -> dict[WebhookKind, str]:
    """Webhooks a product declares it does not act on, with the reason."""
    return {kind: why for p in PRODUCTS for kind, why in p.ignored_webhooks.items()}


def shared_tables() -> tuple[str, ...]:
    """Every table holding what a bank shared (each has item_id and account_id), in product order."""
    return tuple(table for p in PRODUCTS for table in p.tables)
