"""The apply logic of the sync engine, driven at the function level by an in-memory change log."""

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.products.transactions import STAGED, MalformedPage
from core.sync import SyncError, sync_transactions
from core.sync.apply import ConcurrentChange
from core.sync.locks import item_key, sync_dir
from tests.unit.sync_world import ChangeLogWorld, annotate, store_with_item, stored_cursor, stored_rows


@pytest.fixture
def store(tmp_path):
    return store_with_item(tmp_path / "fb.duckdb")


def sync(store, world):
    world.requested_cursors.clear()
    return sync_transactions(store, "item-1", world.page)


def test_a_complete_update_lands_with_its_cursor(store):
    world = ChangeLogWorld(page_size=2)
    for day in range(5):
        world.add(day=day)
    outcome = sync(store, world)
    assert stored_rows(store) == world.expected_rows()
    assert (outcome.added, outcome.pages) == (5, 3)
    assert stored_cursor(store) == "5"
    assert world.requested_cursors == ["", "2", "4"]


def test_the_next_sync_starts_from_the_stored_cursor_and_applies_only_changes(store):
    world = ChangeLogWorld(page_size=10)
    first, second = world.add(), world.add()
    sync(store, world)
    world.modify(first, amount=99.99, name="Changed")
    world.remove(second)
    third = world.add(day=3)
    outcome = sync(store, world)
    assert world.requested_cursors == ["2"]
    assert (outcome.added, outcome.modified, outcome.removed) == (1, 1, 1)
    assert stored_rows(store) == world.expected_rows()
    assert {r[0] for r in stored_rows(store)} == {first, third}


def test_the_last_change_to_a_transaction_in_one_update_wins(store):
    world = ChangeLogWorld(page_size=1)
    txn = world.add()
    world.modify(txn, amount=1.5)
    world.modify(txn, amount=2.5, name="Final")
    sync(store, world)
    assert stored_rows(store) == world.expected_rows()


def test_a_transaction_added_and_removed_in_one_update_is_gone(store):
    world = ChangeLogWorld(page_size=2)
    kept, gone = world.add(), world.add()
    world.modify(gone, amount=3.0)
    world.remove(gone)
    sync(store, world)
    assert {r[0] for r in stored_rows(store)} == {kept}


def test_pending_to_posted_leaves_one_row_and_carries_the_users_fields(store):
    world = ChangeLogWorld(page_size=1)  # the removal and the posted row arrive on different pages
    pending = world.add(pending=True, amount_cents=4250)
    sync(store, world)
    annotate(store, pending, "team lunch", category_primary="BUSINESS", tags=["work"])
    posted = world.post(pending, amount_cents=4500)
    sync(store, world)
    with store.connect() as con:
        rows = con.execute(
            "SELECT transaction_id, pending, amount, note, category_primary, tags, pending_transaction_id "
            "FROM transactions"
        ).fetchall()
        leftover = con.execute("SELECT count(*) FROM transaction_annotations WHERE transaction_id = ?", [pending])
        assert leftover.fetchone() == (0,)
    assert len(rows) == 1
    assert rows[0][0] == posted
    assert rows[0][1:] == (False, pytest.approx(45), "team lunch", "BUSINESS", ["work"], pending)


def test_a_modified_posted_transaction_does_not_take_back_the_pending_annotation(store):
    world = ChangeLogWorld()
    pending = world.add(pending=True)
    sync(store, world)
    annotate(store, pending, "from pending")
    posted = world.post(pending)
    sync(store, world)
    annotate(store, posted, "edited later")
    world.modify(posted, name="Renamed by the bank")
    sync(store, world)
    with store.connect() as con:
        assert con.execute("SELECT note FROM transactions").fetchall() == [("edited later",)]


def test_a_mutation_during_pagination_restarts_from_the_updates_first_cursor(store):
    world = ChangeLogWorld(page_size=2)
    world.add()
    sync(store, world)  # the stored cursor is now "1"
    for _ in range(5):
        world.add()
    world.fail_requests = {2}
    outcome = sync(store, world)
    assert world.requested_cursors == ["1", "3", "1", "3", "5"]
    assert outcome.restarts == 1
    assert stored_rows(store) == world.expected_rows()


def test_mutations_beyond_the_bound_fail_clearly_and_write_nothing(store):
    world = ChangeLogWorld(page_size=1)
    world.add(), world.add()
    world.fail_requests = {2, 4, 6, 8}
    with pytest.raises(SyncError, match="kept changing"):
        sync(store, world)
    assert stored_rows(store) == set()
    assert stored_cursor(store) == ""


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [("amount", "12.50", "amount"), ("transaction_id", None, "transaction_id"), ("date", "2024-13-45", "2024-13-45")],
)
def test_a_malformed_page_writes_nothing(store, field, value, problem):
    world = ChangeLogWorld(page_size=1)
    world.add()
    sync(store, world)
    good, bad = world.add(), world.add()
    world.log[-1][1][field] = value
    with pytest.raises(MalformedPage, match=problem):
        sync(store, world)
    assert stored_cursor(store) == "1"
    assert good not in {r[0] for r in stored_rows(store)}
    assert bad not in {r[0] for r in stored_rows(store)}


def test_staging_left_by_a_killed_run_is_discarded_not_applied(store):
    stale = sync_dir(store.path) / f"{item_key('item-1')}.staging"
    stale.mkdir(parents=True)
    ghost = {name: None for name in STAGED.names} | {"seq": 0, "removed": False, "transaction_id": "ghost"}
    pq.write_table(pa.Table.from_pylist([ghost], schema=STAGED), stale / "changes-000000.parquet")
    world = ChangeLogWorld()
    world.add()
    sync(store, world)
    assert stored_rows(store) == world.expected_rows()
    assert not stale.exists()


def test_an_update_is_refused_if_the_cursor_moved_underneath(store, monkeypatch):
    world = ChangeLogWorld()
    world.add()

    def page_then_someone_else_syncs(cursor, count):
        raw = world.page(cursor, count)
        with store.transaction() as con:
            con.execute("UPDATE items SET cursor = 'elsewhere'")
        return raw

    with pytest.raises(ConcurrentChange):
        sync_transactions(store, "item-1", page_then_someone_else_syncs)
    assert stored_rows(store) == set()


def test_a_value_that_does_not_fit_the_store_writes_nothing(store):
    world = ChangeLogWorld()
    txn = world.add()
    world.truth[txn]["amount"] = 1e20
    world.log[-1][1]["amount"] = 1e20
    with pytest.raises(Exception, match="cannot store"):
        sync(store, world)
    assert stored_rows(store) == set()
    with duckdb.connect(str(store.path)) as con:
        assert con.execute("SELECT cursor FROM items").fetchone() == ("",)


def test_pages_whose_cursor_is_ambiguous_in_the_raw_bytes_still_sync_exactly(store):
    world = ChangeLogWorld(page_size=2)
    for day in range(5):
        world.add(day=day)
    world.log[2][1]["a_field_plaid_adds_one_day"] = {"next_cursor": "not-the-cursor", "has_more": True}
    sync(store, world)
    assert stored_rows(store) == world.expected_rows()
    assert world.requested_cursors == ["", "2", "4"]
