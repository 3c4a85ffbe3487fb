"""The sync of one item and of all items: fetch an update, stage it, apply it atomically.

An update is every /transactions/sync page from the stored cursor until has_more is false.
Pages stream into a staging area beside the database (no lock held, bounded memory; see
fetch.py), the accounts are fetched, and the whole update commits in one short transaction with
its new cursor (apply.py). Failures are recorded on the item (health.py) and returned.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from core.errors import FinboardError
from core.items import access_token, get_item, list_items
from core.products.accounts import accounts_table
from core.store import Store
from core.sync.apply import ItemUpdate, apply_update, discard_staged, stage_rows
from core.sync.balances import utc_now
from core.sync.faults import crash_point
from core.sync.fetch import Fetched, PageSource, SyncError, fetch_update
from core.sync.health import Health, health_after, record_failure
from core.sync.locks import ItemLock, item_key, sync_dir
from core.sync.products import refresh_products_if_due
from core.sync.retry import RetryPolicy
from core.sync.staging import discard
from core.sync.webhook_url import follow_webhook_url
from core.workspace import Workspace

log = logging.getLogger(__name__)

MAX_PASSES = 3  # passes one sync runs when others asked for more while it ran


@dataclass
class SyncProgress:
    """What a progress callback sees, for one item of a run over `item_count` items."""

    item_id: str
    institution: str
    item_index: int = 1  # 1-based position of this item in the run
    item_count: int = 1
    phase: str = "starting"  # waiting | fetching | applying | done | failed | skipped
    pages: int = 0
    transactions: int = 0  # added + modified + removed seen so far in this item's update

    @property
    def done(self) -> bool:
        return self.phase in ("done", "failed", "skipped")


ProgressCallback = Callable[[SyncProgress], None]


@dataclass
class SyncResult:
    """The outcome for one item. `ok` is False only when the sync failed; a skip is not a failure."""

    item_id: str
    institution: str
    added: int = 0
    modified: int = 0
    removed: int = 0
    error: str | None = None
    error_code: str | None = None
    status: str | None = None  # the item's health afterwards; None when unchanged (skipped)
    skipped: bool = False
    message: str | None = None  # why it was skipped
    notes: list[str] = field(default_factory=list)  # non-fatal problems (Auth/Identity)
    pages: int = 0
    restarts: int = 0
    passes: int = 0
    apply_seconds: float = 0.0  # how long the apply transaction(s) held the main database file

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class UpdateOutcome:
    """What one applied update contained."""

    added: int
    modified: int
    removed: int
    pages: int
    restarts: int
    apply_seconds: float


# -- all items ----------------------------------------------------------------------------------


def sync_items(
    ws: Workspace,
    item_ids: Iterable[str] | None = None,
    *,
    progress: ProgressCallback | None = None,
    wait: bool = True,
    retry: RetryPolicy | None = None,
) -> list[SyncResult]:
    """Sync the given items (default: all), one after another. One failing item never stops the others."""
    items = list_items(ws)
    if item_ids is not None:
        wanted = set(item_ids)
        items = [i for i in items if i.item_id in wanted]
    results = []
    for index, item in enumerate(items, start=1):
        try:
            result = sync_item(
                ws, item.item_id, item.label, progress=progress, wait=wait, retry=retry, position=(index, len(items))
            )
        except Exception as e:  # a bug in one item's sync must not cost the others theirs
            log.exception("unexpected failure syncing item %s", item.item_id)
            result = SyncResult(item.item_id, item.label, error=f"Unexpected {type(e).__name__}; see the log.")
        results.append(result)
    return results


# -- one item -----------------------------------------------------------------------------------


def sync_item(
    ws: Workspace,
    item_id: str,
    label: str | None = None,
    *,
    progress: ProgressCallback | None = None,
    wait: bool = True,
    wait_timeout: float = 600.0,
    retry: RetryPolicy | None = None,
    position: tuple[int, int] = (1, 1),
) -> SyncResult:
    """Sync one item; sync failures are recorded on the item and returned, not raised (an unknown
    item_id raises ItemNotFound).

    If the item is already syncing (another thread or process): with wait=True, wait for it
    (up to wait_timeout seconds) and then sync; with wait=False, return at once with
    skipped=True, after asking the running sync to make one more pass so changes announced
    meanwhile (e.g. by a webhook) are not missed.
    """
    label = label or get_item(ws, item_id).label
    state = SyncProgress(item_id, label, item_index=position[0], item_count=position[1])
    result = SyncResult(item_id, label)
    lock = ItemLock(sync_dir(ws.store.path), item_id)
    if not _take_lock(lock, wait, wait_timeout, state, progress):
        return _not_started(result, state, progress, wait, wait_timeout)
    try:
        while True:
            lock.clear_request()
            _sync_pass(ws, item_id, result, state, progress, retry or RetryPolicy())
            if not result.ok or result.passes >= MAX_PASSES:
                break
            lock.release()
            if not (lock.another_pass_requested() and lock.acquire(wait=False)):
                break
            log.info("item %s: more changes were announced during the sync; syncing again", item_id)
    finally:
        lock.release()
    _emit(state, "done" if result.ok else "failed", progress)
    return result


def _take_lock(
    lock: ItemLock, wait: bool, timeout: float, state: SyncProgress, progress: ProgressCallback | None
) -> bool:
    if lock.acquire(wait=False):
        return True
    if not wait:
        lock.request_another_pass()
        return lock.acquire(wait=False)  # it may have finished in between
    return lock.acquire(wait=True, timeout=timeout, on_wait=lambda: _emit(state, "waiting", progress))


def _not_started(
    result: SyncResult, state: SyncProgress, progress: ProgressCallback | None, wait: bool, timeout: float
) -> SyncResult:
    if wait:
        result.error = (
            f"Another sync of {result.institution} has been running for over {timeout:.0f} s; try again later."
        )
        result.error_code = "SYNC_ALREADY_RUNNING"
        _emit(state, "failed", progress)
    else:
        result.skipped = True
        result.message = (
            f"skipped: a sync of {result.institution} is already running; it will sync again to pick up new changes."
        )
        _emit(state, "skipped", progress)
    return result


def _sync_pass(
    ws: Workspace,
    item_id: str,
    result: SyncResult,
    state: SyncProgress,
    progress: ProgressCallback | None,
    retry: RetryPolicy,
) -> None:
    """Fetch and apply one update under the item's lock; on failure record it and keep the data."""
    result.passes += 1
    try:
        token = access_token(ws, item_id)
        gateway = ws.gateway

        def page(cursor: str, count: int) -> bytes:
            return retry.call("transactions/sync", lambda: gateway.transactions_sync_page(token, cursor, count))

        def accounts() -> dict[str, Any]:
            return retry.call("accounts/get", lambda: gateway.get_accounts(token))

        outcome = sync_transactions(ws.store, item_id, page, fetch_accounts=accounts, progress=progress, state=state)
    except (FinboardError, duckdb.Error, OSError) as e:
        health = health_after(e, result.institution)
        _record(ws, item_id, health)
        result.error, result.error_code, result.status = _failure_text(health), health.error_code, health.status
        return
    result.added += outcome.added
    result.modified += outcome.modified
    result.removed += outcome.removed
    result.pages += outcome.pages
    result.restarts += outcome.restarts
    result.apply_seconds += outcome.apply_seconds
    result.status = get_item(ws, item_id).status
    result.notes.extend(refresh_products_if_due(ws, item_id, retry))
    result.notes.extend(follow_webhook_url(ws, item_id, retry))


def _record(ws: Workspace, item_id: str, health: Health) -> None:
    try:
        record_failure(ws, item_id, health)
    except FinboardError as e:  # e.g. the database is busy: the failure is still reported to the caller
        log.warning("could not record the failure of item %s: %s", item_id, e)


def _failure_text(health: Health) -> str:
    if health.display_message and health.display_message not in health.message:
        return f"{health.message} (The bank says: {health.display_message})"
    return health.message


# -- the update itself (usable without a workspace: tests drive it with fake pages) ------------


def sync_transactions(
    store: Store,
    item_id: str,
    page: PageSource,
    *,
    fetch_accounts: Callable[[], dict[str, Any]] | None = None,
    progress: ProgressCallback | None = None,
    state: SyncProgress | None = None,
) -> UpdateOutcome:
    """Read one complete update from `page` and apply it atomically with its new cursor.

    The caller must hold the item's sync lock. Without `fetch_accounts`, accounts are left as they are.
    """
    staging_dir = sync_dir(store.path) / f"{item_key(item_id)}.staging"
    discard_staged(store, item_id)  # hidden rows of a run that was killed before it could reveal them
    start_cursor = _stored_cursor(store, item_id)
    tracker = state or SyncProgress(item_id, item_id)

    def on_page(fetched: Fetched) -> None:
        tracker.pages, tracker.transactions = fetched.pages, fetched.changes
        _emit(tracker, "fetching", progress)

    try:
        fetched = fetch_update(page, start_cursor, staging_dir, on_page)
        accounts_body = fetch_accounts() if fetch_accounts else None
        _emit(tracker, "applying", progress)
        final = fetched.staging.finalize()
        update = ItemUpdate(
            item_id=item_id,
            start_cursor=start_cursor,
            next_cursor=fetched.next_cursor,
            accounts=accounts_table(accounts_body.get("accounts")) if accounts_body else None,
            products=_products(accounts_body),
            now=utc_now(),
            update_status=fetched.update_status,
        )
        crash_point("before-apply")
        batch, held = stage_rows(store, update, final)
        crash_point("after-staging")
        with store.transaction() as con:
            opened = time.perf_counter()  # the main file is ours from here until the commit and close
            apply_update(con, update, final, batch)
        held = max(held, time.perf_counter() - opened)
        crash_point("after-commit")
        store.bump_data_version()
    except BaseException:
        with contextlib.suppress(FinboardError):  # if even this fails, the item's next sync deletes them
            discard_staged(store, item_id)
        raise
    finally:
        discard(staging_dir)
    return UpdateOutcome(fetched.added, fetched.modified, fetched.removed, fetched.pages, fetched.restarts, held)


def _stored_cursor(store: Store, item_id: str) -> str:
    with store.connect() as con:
        row = con.execute("SELECT cursor FROM items WHERE item_id = ?", [item_id]).fetchone()
    if row is None:
        raise SyncError(f"No connection with item id {item_id}. `finboard items` lists them.")
    return str(row[0])


def _products(accounts_body: dict[str, Any] | None) -> list[str] | None:
    """The item's products according to Plaid (what it bills or was initialized with)."""
    item = (accounts_body or {}).get("item")
    if not isinstance(item, dict):
        return None
    products = {p for key in ("products", "billed_products") for p in item.get(key) or [] if isinstance(p, str)}
    return sorted(products) or None


def _emit(state: SyncProgress, phase: str, progress: ProgressCallback | None) -> None:
    state.phase = phase
    if progress:
        progress(state)
