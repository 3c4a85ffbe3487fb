"""Item status (core/item_status.py): the whole transition table, how a change is written, and that no other
module writes a status."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.item_status import ALLOWED, RULES, Event, ItemStatus, change, record
from tests.unit.sync_world import store_with_item

H, L, P, R, E = "healthy", "login_required", "pending_disconnect", "revoked", "error"
STATUSES = (H, L, P, R, E)

# What each event makes of each status, written out in full: "-" leaves the status as it is.
EXPECTED = {
    #                          healthy  login    pending  revoked  error
    Event.CONNECTED:          (H,       H,       H,       H,       H),
    Event.SYNCED:             (H,       H,       "-",     H,       H),
    Event.LOGIN_REQUIRED:     (L,       L,       L,       "-",     L),
    Event.FAILED:             (E,       E,       E,       "-",     E),
    Event.DISCONNECT_PENDING: (P,       "-",     P,       "-",     P),
    Event.LOGIN_REPAIRED:     ("-",     H,       "-",     "-",     H),
    Event.REVOKED:            (R,       R,       R,       R,       R),
}  # fmt: skip


def test_the_enum_is_the_database_s_set_of_statuses():
    assert tuple(s.value for s in ItemStatus) == STATUSES  # the CHECK constraint of core/migrations/0001_init.sql
    assert (Path(__file__).parents[2] / "core/migrations/0001_init.sql").read_text().count(", ".join(
        f"'{s}'" for s in STATUSES
    )) == 1  # fmt: skip


@pytest.mark.parametrize("event", list(Event), ids=lambda e: e.name)
def test_every_event_on_every_status(event):
    for before, expected in zip(STATUSES, EXPECTED[event], strict=True):
        assert RULES[event].get(ItemStatus(before), ItemStatus(before)) == (before if expected == "-" else expected)


def test_what_can_never_happen():
    # A revoked item's data is gone: only connecting it again (or a sync Plaid answers) brings it back.
    assert ALLOWED[ItemStatus.REVOKED] == {ItemStatus.REVOKED, ItemStatus.HEALTHY}
    # A login the bank wants is more urgent than a disconnect it announces.
    assert ItemStatus.PENDING_DISCONNECT not in ALLOWED[ItemStatus.LOGIN_REQUIRED]
    # A pending disconnect is settled only by reconnecting, not by syncs that still work.
    assert {e for e, rule in RULES.items() if rule.get(ItemStatus.PENDING_DISCONNECT) is ItemStatus.HEALTHY} == {
        Event.CONNECTED
    }


@pytest.fixture
def store(tmp_path):
    return store_with_item(tmp_path / "fb.duckdb")


def row(store):
    with store.connect() as con:
        return con.execute(
            "SELECT status, error_code, error_message, display_message, pending_disconnect_at IS NOT NULL "
            "FROM items WHERE item_id = 'item-1'"
        ).fetchone()


def test_a_change_writes_the_status_and_its_error_fields(store):
    assert record(store, "item-1", Event.FAILED, error_code="INSTITUTION_DOWN", message="down", display_message="x")
    assert row(store) == (E, "INSTITUTION_DOWN", "down", "x", False)
    assert record(store, "item-1", Event.SYNCED) is ItemStatus.HEALTHY
    assert row(store) == (H, None, None, None, False)  # a healthy item carries no error


def test_an_event_that_leaves_the_status_keeps_its_fields_and_writes_the_rest(store):
    record(store, "item-1", Event.LOGIN_REQUIRED, error_code="ITEM_LOGIN_REQUIRED", message="log in")
    after = record(
        store, "item-1", Event.DISCONNECT_PENDING, error_code="PENDING_DISCONNECT", message="soon",
        also={"pending_disconnect_at": "2025-07-01 00:00:00"},
    )  # fmt: skip
    assert after is ItemStatus.LOGIN_REQUIRED
    assert row(store) == (L, "ITEM_LOGIN_REQUIRED", "log in", None, True)


def test_an_unknown_item_changes_nothing(store):
    with store.transaction() as con:
        assert change(con, "no-such-item", Event.REVOKED) is None
    assert row(store)[0] == H


# SQL that sets items.status: an UPDATE of items assigning it (before any WHERE), an upsert's DO UPDATE SET, an
# INSERT naming the column, or an assignment list that starts with it ("status = ?, error_code = ?").
STATUS_WRITE = re.compile(
    r"UPDATE\s+items\s+SET\s+(?:(?!WHERE).)*\bstatus\s*="
    r"|DO\s+UPDATE\s+SET\s+(?:(?!WHERE).)*\bstatus\s*="
    r"|INSERT\s+INTO\s+items\s*\([^)]*\bstatus\b"
    r"|^\s*status\s*=",
    re.IGNORECASE | re.DOTALL,
)


def sql_strings(source: str) -> list[str]:
    """Every string literal (adjacent literals joined, f-strings' fixed parts joined) in a module."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            out.append("".join(v.value for v in node.values if isinstance(v, ast.Constant)))
    return out


def test_the_status_write_detector_knows_the_ways_a_status_was_written():
    writes = [
        "UPDATE items SET status = ?, error_code = ? WHERE item_id = ?",
        "INSERT INTO items (item_id) VALUES (?) ON CONFLICT (item_id) DO UPDATE SET status = 'healthy'",
        "status = ?, error_code = ?, error_message = ?",
        "\nstatus = CASE WHEN status = 'pending_disconnect' THEN status ELSE 'healthy' END",
        "INSERT INTO items (item_id, status) VALUES (?, ?)",
    ]
    reads = [
        "SELECT item_id, status FROM items WHERE status = 'healthy'",
        "SELECT institution, status = 'healthy' AS stale FROM items",
        "UPDATE items SET webhook_url = ? WHERE item_id = ? AND status = 'healthy'",
    ]
    assert [bool(STATUS_WRITE.search(s)) for s in writes + reads] == [True] * len(writes) + [False] * len(reads)


def test_no_other_module_writes_an_item_status():
    """Every status change goes through core.item_status (sync, webhooks, Link, the CLI)."""
    root = Path(__file__).parents[2]
    offenders = [
        str(path.relative_to(root))
        for package in ("core", "dashboard", "pages")
        for path in sorted((root / package).rglob("*.py"))
        if path.name != "item_status.py" and any(STATUS_WRITE.search(s) for s in sql_strings(path.read_text()))
    ]
    assert offenders == []
