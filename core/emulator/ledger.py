"""One item's append-only transaction change log and /transactions/sync paging over it.

A cursor names a window of the log: everything before `base` was delivered; an update delivers the window
[base, snapshot) compacted to one row per transaction (its state at `snapshot`), ordered by the position of
that last change, i.e. ascending modification order. Pages are slices of that compacted list, so a paginated
update is consistent even if the log grows meanwhile; Plaid nevertheless refuses to continue such an update
(TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION) and so do we.

Bodies are pre-serialized JSON bytes; a page is a join of them, which is what keeps a 500-row page cheap.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from array import array
from collections import OrderedDict
from dataclasses import dataclass

from core.emulator.posting import ADD, REMOVE, Change

_CURSOR = struct.Struct(">BIIIH")  # version, base, snapshot, offset, account filter (index + 1, 0 = none)
_CURSOR_VERSION = 1
_VIEW_CACHE = 8


class CursorError(ValueError):
    """The cursor was not issued for this item (or was altered)."""


@dataclass(frozen=True)
class Cursor:
    base: int
    snapshot: int
    offset: int
    account_filter: int  # account index + 1, or 0 for all accounts

    @property
    def mid_update(self) -> bool:
        return self.offset > 0


@dataclass(frozen=True)
class Page:
    added: list[bytes]
    modified: list[bytes]
    removed: list[bytes]
    next_cursor: Cursor
    has_more: bool


class Ledger:
    """Append-only log: each entry is one version of one transaction (body None = removed)."""

    def __init__(self, account_ids: list[str], salt: str) -> None:
        self._account_ids = account_ids
        self._salt = salt.encode()
        self._txn: list[str] = []
        self._acct = array("H")
        self._body: list[bytes | None] = []
        self._first = array("q")  # position of the transaction's first entry
        self._latest: dict[str, int] = {}
        self._views: OrderedDict[tuple[int, int, frozenset[int] | None], list[int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._txn)

    def apply(self, changes: list[Change]) -> None:
        txn, acct, body, first, latest = self._txn, self._acct, self._body, self._first, self._latest
        for kind, txn_id, account, _cents, _pending, data in changes:
            pos = len(txn)
            txn.append(txn_id)
            acct.append(account)
            body.append(None if kind == REMOVE else data)
            first.append(pos if kind == ADD else first[latest[txn_id]])
            latest[txn_id] = pos

    def latest(self, txn_id: str) -> bytes | None:
        """The transaction's body now, or None when it was removed (or never existed)."""
        pos = self._latest.get(txn_id)
        return None if pos is None else self._body[pos]

    def current(self, accounts: frozenset[int] | None = None) -> list[bytes]:
        """The transactions that exist now, oldest change first: what a full replay of sync must end with."""
        view = self._view(0, len(self._txn), accounts)
        return [b for b in (self._body[i] for i in view) if b is not None]

    # ------------------------------------------------------------------------------------------ cursors

    def encode_cursor(self, c: Cursor) -> str:
        payload = _CURSOR.pack(_CURSOR_VERSION, c.base, c.snapshot, c.offset, c.account_filter)
        tag = zlib.crc32(self._salt + payload).to_bytes(4, "big")
        return base64.urlsafe_b64encode(payload + tag).decode().rstrip("=")

    def decode_cursor(self, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError) as e:
            raise CursorError("cursor is not valid base64") from e
        if len(raw) != _CURSOR.size + 4:
            raise CursorError("cursor has the wrong length")
        payload, tag = raw[:-4], raw[-4:]
        if zlib.crc32(self._salt + payload).to_bytes(4, "big") != tag:
            raise CursorError("cursor was not issued for this item")
        version, base, snapshot, offset, account_filter = _CURSOR.unpack(payload)
        if version != _CURSOR_VERSION or not base <= snapshot <= len(self._txn):
            raise CursorError("cursor is out of range")
        return Cursor(base, snapshot, offset, account_filter)

    def start(self, account_filter: int) -> Cursor:
        """The cursor an empty request cursor stands for: the whole history."""
        return Cursor(0, 0, 0, account_filter)

    def now(self, account_filter: int) -> Cursor:
        """Plaid's special "now" cursor: nothing old, only changes from here on."""
        return Cursor(len(self._txn), len(self._txn), 0, account_filter)

    def mutated_since(self, c: Cursor) -> bool:
        return len(self._txn) > c.snapshot

    def page(self, c: Cursor, count: int, accounts: frozenset[int] | None) -> Page:
        """One page of the update `c` belongs to. A finished cursor (offset 0) opens a new update up to now."""
        if not c.mid_update:
            c = Cursor(c.base, len(self._txn), 0, c.account_filter)
        view = self._view(c.base, c.snapshot, accounts)
        end = min(c.offset + count, len(view))
        added: list[bytes] = []
        modified: list[bytes] = []
        removed: list[bytes] = []
        body, first, base = self._body, self._first, c.base
        for i in view[c.offset : end]:
            data = body[i]
            if data is None:
                removed.append(
                    b'{"transaction_id":"%s","account_id":"%s"}'
                    % (self._txn[i].encode(), self._account_ids[self._acct[i]].encode())
                )
            elif first[i] >= base:
                added.append(data)
            else:
                modified.append(data)
        has_more = end < len(view)
        if has_more:
            nxt = Cursor(c.base, c.snapshot, end, c.account_filter)
        else:
            nxt = Cursor(c.snapshot, c.snapshot, 0, c.account_filter)
        return Page(added, modified, removed, nxt, has_more)

    def _view(self, base: int, snapshot: int, accounts: frozenset[int] | None) -> list[int]:
        """Positions of the last change (before `snapshot`) of each transaction changed in [base, snapshot)."""
        key = (base, snapshot, accounts)
        view = self._views.get(key)
        if view is not None:
            self._views.move_to_end(key)
            return view
        txn, acct, body, first = self._txn, self._acct, self._body, self._first
        seen: set[str] = set()
        view = []
        for i in range(snapshot - 1, base - 1, -1):
            t = txn[i]
            if t in seen:
                continue
            seen.add(t)
            if accounts is not None and acct[i] not in accounts:
                continue
            if body[i] is None and first[i] >= base:
                continue  # created and removed within the window: the client never saw it
            view.append(i)
        view.reverse()
        self._views[key] = view
        if len(self._views) > _VIEW_CACHE:
            self._views.popitem(last=False)
        return view
