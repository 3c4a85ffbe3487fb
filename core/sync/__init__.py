"""/transactions/sync into DuckDB, plus accounts, balances, the other products (core/products) and item health.

Public entry points (the dashboard, the CLI and the webhook receiver use these):

- `sync_items(ws, item_ids=None, *, progress=None, wait=True)` and `sync_item(ws, item_id, *, wait=True)`
- `refresh_balances(ws, item_id)`: real-time balances, at most 5 calls per item per minute
- `refresh_product(ws, item_id, product)`: fetch one product (Auth, Identity...) again, for its webhooks
- `set_item_status(ws, item_id, status, ...)`: for ITEM webhooks (login required, pending disconnect, ...)
"""

from core.sync.balances import BalanceRateLimited, refresh_balances
from core.sync.engine import (
    ProgressCallback,
    SyncProgress,
    SyncResult,
    sync_item,
    sync_items,
    sync_transactions,
)
from core.sync.fetch import SyncError
from core.sync.health import set_item_status
from core.sync.products import refresh_product
from core.sync.retry import RetryPolicy

__all__ = [
    "BalanceRateLimited",
    "ProgressCallback",
    "RetryPolicy",
    "SyncError",
    "SyncProgress",
    "SyncResult",
    "refresh_balances",
    "refresh_product",
    "set_item_status",
    "sync_item",
    "sync_items",
    "sync_transactions",
]
