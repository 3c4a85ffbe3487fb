"""What a Plaid product module declares (see docs/adding-a-product.md).

A product module says, in one `Product`: which Plaid endpoint fetches it, how the response becomes rows (a pure
function), which tables hold them, when a sync fetches it again, which webhooks mean its data changed, and what
goes when access is revoked. The sync engine, the webhook dispatcher and processor, and the deletion of an item's
or an account's data are all built from these declarations; nothing else lists the products.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from core.errors import FinboardError

Json = dict[str, Any]
Seal = Callable[[str], str]  # encrypts a secret (an account number) for storage: the vault's encrypt
WebhookKind = tuple[str, str]  # (webhook_type, webhook_code)


class MalformedProductData(FinboardError):
    """Plaid sent product data we cannot read; nothing was written."""


class Refetch(Enum):
    """When a sync fetches a product again."""

    EVERY_SYNC = "every sync"  # data that changes all the time (balances, recurring streams)
    WHEN_ACCOUNTS_APPEAR = "once, and again when accounts appear"  # data tied to accounts (numbers, owners)


@dataclass(frozen=True)
class Derived:
    """Rows in `table` that exist because of rows of the product's `source` table, joined on `key`.

    They are deleted with the product's rows (before them), e.g. the person's notes on transactions."""

    table: str
    key: str
    source: str


@dataclass(frozen=True)
class Product:
    """One Plaid product as Finboard fetches, stores, refreshes and forgets it."""

    name: str  # ours: the webhook job's kind and product_refreshes.product
    label: str  # for people: "Auth", "Identity"
    endpoint: str  # the Plaid endpoint that returns it, called with the item's access token
    tables: tuple[str, ...]  # where its rows live; each table has item_id and account_id columns
    refetch: Refetch
    requires: str | None = None  # the Plaid product an item must have for it to be fetched (None: every item)
    # Pure mapping from the endpoint's JSON to rows per table; None for the two products every sync applies
    # itself, in one transaction with the cursor (transactions and accounts, see core/sync/engine.py).
    rows: Callable[[Json, Seal], Mapping[str, list[Json]]] | None = None
    counted: str = "rows"  # what a refetch reports it stored: "3 account numbers"
    webhooks: frozenset[WebhookKind] = frozenset()  # webhooks that mean its data changed at Plaid
    ignored_webhooks: Mapping[WebhookKind, str] = field(default_factory=dict)  # webhook -> why it is ignored
    derived: tuple[Derived, ...] = ()  # deleted before `tables` when the item or an account goes
    linkable: bool = False  # can be asked for in Link (PLAID_PRODUCTS)
    after_history: bool = False  # a sync fetches it only once Plaid has the item's whole history
    # Error codes that mean "this client or item does not have the product": recorded (product_refreshes.error_code)
    # and the item's rows dropped, without a note in the sync result (something else stands in for it).
    quiet_refusals: frozenset[str] = frozenset()

    @property
    def job(self) -> str:
        """The background job one of its webhooks queues: a whole sync, or a refetch of this product."""
        return self.name if self.rows is not None else "sync"


def dicts(value: Any, where: str) -> list[Json]:
    """`value` as a list of JSON objects, or MalformedProductData naming `where`."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MalformedProductData(f"Plaid sent '{where}' in a shape we cannot read.")
    return value
