"""An item's status, and the one place it changes.

healthy            the last sync succeeded
login_required     the bank wants the person to log in again (Link update mode); never retried
pending_disconnect the bank connection will stop soon (set from Plaid's webhook); a sync still works
revoked            the person withdrew access at the bank or at Plaid; what the bank shared is deleted
error              anything else, with Plaid's error_code; the next sync tries again

Everything that changes a status (a sync, a webhook, Link, the CLI through them) reports an `Event`; `RULES` says
what the event makes of each status. An event with no rule for the current status leaves it as it is: a pending
disconnect noted while the bank wants a login keeps the more urgent login_required, a revoked item stays revoked
until it is connected again or syncs. tests/unit/test_item_status.py spells out the whole table.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, StrEnum
from typing import TypedDict, Unpack

import duckdb

from core.store import Store


class ItemStatus(StrEnum):
    HEALTHY = "healthy"
    LOGIN_REQUIRED = "login_required"
    PENDING_DISCONNECT = "pending_disconnect"
    REVOKED = "revoked"
    ERROR = "error"


class Event(Enum):
    CONNECTED = "connected again, or repaired in Link's update mode"
    SYNCED = "a sync succeeded"
    LOGIN_REQUIRED = "the bank wants a new login (a sync failed, or Plaid's ITEM ERROR webhook)"
    FAILED = "a sync failed, or Plaid reported an error for the item"
    DISCONNECT_PENDING = "Plaid's PENDING_DISCONNECT or PENDING_EXPIRATION webhook"
    LOGIN_REPAIRED = "Plaid's LOGIN_REPAIRED webhook"
    REVOKED = "access was revoked at the bank or at Plaid"


H, L, P, R, E = (
    ItemStatus.HEALTHY,
    ItemStatus.LOGIN_REQUIRED,
    ItemStatus.PENDING_DISCONNECT,
    ItemStatus.REVOKED,
    ItemStatus.ERROR,
)
ALL = tuple(ItemStatus)

# event -> {status before: status after}; a status missing from an event's rule is left as it is.
RULES: dict[Event, dict[ItemStatus, ItemStatus]] = {
    Event.CONNECTED: dict.fromkeys(ALL, H),
    # A successful sync does not settle a pending disconnect: only reconnecting does.
    Event.SYNCED: {H: H, L: H, E: H, R: H},
    Event.LOGIN_REQUIRED: {H: L, L: L, P: L, E: L},
    Event.FAILED: {H: E, L: E, P: E, E: E},
    Event.DISCONNECT_PENDING: {H: P, P: P, E: P},
    Event.LOGIN_REPAIRED: {L: H, E: H},
    Event.REVOKED: dict.fromkeys(ALL, R),
}

# Every change any event can make (status before -> statuses after).
ALLOWED: dict[ItemStatus, frozenset[ItemStatus]] = {
    before: frozenset({before} | {rule[before] for rule in RULES.values() if before in rule}) for before in ALL
}

_FIELDS = "status = ?, error_code = ?, error_message = ?, display_message = ?"


class Details(TypedDict, total=False):
    """What comes with an event: the error it reports, and other columns of items to write with it."""

    error_code: str | None
    message: str | None  # Finboard's advice (items.error_message)
    display_message: str | None  # Plaid's text for the person
    also: Mapping[str, object]  # e.g. last_synced_at, cursor


def change(con: duckdb.DuckDBPyConnection, item_id: str, event: Event, **details: Unpack[Details]) -> ItemStatus | None:
    """Apply `event` to the item inside the caller's transaction; returns its status afterwards (None: no such item).

    When the event changes the status (or re-asserts it), the error fields are replaced by the ones given (a
    healthy item has none); when it leaves the status alone, they stay. `also` (other columns of items, such
    as last_synced_at) is written either way.
    """
    row = con.execute("SELECT status FROM items WHERE item_id = ?", [item_id]).fetchone()
    if row is None:
        return None
    before = ItemStatus(row[0])
    after = RULES[event].get(before)
    assignments: list[str] = []
    params: list[object] = []
    if after is not None:
        error = (None, None, None) if after is H else (
            details.get("error_code"), details.get("message"), details.get("display_message")
        )  # fmt: skip
        assignments.append(_FIELDS)
        params += [after.value, *error]
    for column, value in details.get("also", {}).items():
        assignments.append(f"{column} = ?")
        params.append(value)
    if assignments:
        con.execute(f"UPDATE items SET {', '.join(assignments)} WHERE item_id = ?", [*params, item_id])
    return after or before


def record(store: Store, item_id: str, event: Event, **details: Unpack[Details]) -> ItemStatus | None:
    """`change` in a transaction of its own, for callers outside one (webhooks, a failed sync)."""
    with store.transaction() as con:
        after = change(con, item_id, event, **details)
    store.bump_data_version()
    return after
