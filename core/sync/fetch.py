"""Reading one complete update from /transactions/sync into the staging area.

The next request needs only the page's `next_cursor` and `has_more`, so they are read from the
raw bytes at once and the next request goes out while worker threads parse earlier pages
(pyarrow releases the GIL); parsed pages are staged in page order. The parse checks the cursor
it found against the one used; any difference fails the update, so the shortcut can never
stage a wrong page. If Plaid reports that the data changed during pagination, the whole update is read again
from the cursor it began with (Plaid's rule), a bounded number of times.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from core.errors import FinboardError
from core.plaid_gateway import PlaidApiError
from core.products.transactions import MalformedPage, Page, parse_page
from core.sync.faults import crash_point
from core.sync.staging import StagingArea

log = logging.getLogger(__name__)

PAGE_SIZE = 500  # Plaid's maximum
MAX_RESTARTS = 3  # restarts after TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION
MUTATION = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
PARSERS = 2  # pages parsed at once (pyarrow releases the GIL while it parses)
IN_FLIGHT = 4  # pages read but not yet staged, at most (~3 MB each)
SEQ_PER_PAGE = 1 << 20  # a page's changes are numbered page * SEQ_PER_PAGE + position, in Plaid's order

# (cursor, count) -> one raw /transactions/sync page
PageSource = Callable[[str, int], bytes]

_NEXT_CURSOR = re.compile(rb'"next_cursor"\s*:\s*"([^"\\]*)"')
_HAS_MORE = re.compile(rb'"has_more"\s*:\s*(true|false)')


class SyncError(FinboardError):
    """A sync could not complete; nothing from the failed update was written."""


@dataclass
class Fetched:
    """An update read into the staging area: where to continue next time, and what it held."""

    staging: StagingArea
    next_cursor: str
    added: int = 0
    modified: int = 0
    removed: int = 0
    pages: int = 0
    restarts: int = 0
    changes: int = 0
    update_status: str | None = None  # Plaid's transactions_update_status on the last page


def fetch_update(page: PageSource, start_cursor: str, staging_dir: Path, on_page: Callable[[Fetched], None]) -> Fetched:
    """Read every page from `start_cursor` until has_more is false; `on_page` follows along."""
    for restart in range(MAX_RESTARTS + 1):
        fetched = Fetched(StagingArea.fresh(staging_dir), start_cursor, restarts=restart)
        on_page(fetched)
        try:
            _read_pages(page, fetched, on_page)
            return fetched
        except PlaidApiError as e:
            if e.error_code != MUTATION:
                raise
            log.info("transactions changed during pagination; restarting from the update's first cursor")
    raise SyncError(
        f"The bank's transactions kept changing while Finboard read them ({MAX_RESTARTS + 1} attempts). "
        "Nothing was written; sync again in a minute."
    )


def _read_pages(page: PageSource, fetched: Fetched, on_page: Callable[[Fetched], None]) -> None:
    # Leaving the `with` waits for the parsers, so a failed attempt never stages anything after it.
    with ThreadPoolExecutor(max_workers=PARSERS, thread_name_prefix="sync-parse") as parsers:
        parsing: deque[Future[Page]] = deque()
        cursor, has_more, number = fetched.next_cursor, True, 0
        while has_more:
            raw = page(cursor, PAGE_SIZE)
            continuation = peek_continuation(raw)
            if continuation is None:  # not readable without a full parse: parse this page first
                parsing.append(parsers.submit(_parse, raw, number, None))
                while parsing:
                    parsed = _stage(parsing.popleft().result(), fetched, on_page)
                cursor, has_more = parsed.next_cursor, parsed.has_more
            else:
                parsing.append(parsers.submit(_parse, raw, number, continuation))
                cursor, has_more = continuation
            number += 1
            while parsing and (len(parsing) > IN_FLIGHT or parsing[0].done()):
                _stage(parsing.popleft().result(), fetched, on_page)
        while parsing:
            _stage(parsing.popleft().result(), fetched, on_page)


def peek_continuation(raw: bytes) -> tuple[str, bool] | None:
    """(next_cursor, has_more) read from the raw page, or None when not unambiguous."""
    cursors, more = _NEXT_CURSOR.findall(raw), _HAS_MORE.findall(raw)
    if len(cursors) != 1 or len(more) != 1:
        return None
    return cursors[0].decode(), more[0] == b"true"


def _parse(raw: bytes, number: int, expected: tuple[str, bool] | None) -> Page:
    parsed = parse_page(raw, seq_start=number * SEQ_PER_PAGE)
    if expected is not None and expected != (parsed.next_cursor, parsed.has_more):
        raise MalformedPage("Plaid sent a /transactions/sync page whose cursor could not be read consistently.")
    return parsed


def _stage(parsed: Page, fetched: Fetched, on_page: Callable[[Fetched], None]) -> Page:
    """Stage a parsed page (in page order) and count it."""
    fetched.staging.append(parsed.changes)
    fetched.next_cursor = parsed.next_cursor
    fetched.added += parsed.added
    fetched.modified += parsed.modified
    fetched.removed += parsed.removed
    fetched.changes += parsed.changes.num_rows
    fetched.pages += 1
    fetched.update_status = parsed.update_status
    crash_point(f"page-{fetched.pages}")
    on_page(fetched)
    return parsed
