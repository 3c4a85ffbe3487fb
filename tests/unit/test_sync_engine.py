"""The sync engine through the real path: plaid-python over HTTP to the emulator, into DuckDB."""

from datetime import date

import pytest

import core.sync.apply as apply
import core.sync.engine as engine
import core.sync.fetch as fetch
from core.sync import RetryPolicy, sync_item, sync_items
from tests.unit.sync_emulated import NO_WAIT, connect, emulator, stored_rows, truth_rows, workspace
from tests.unit.sync_world import annotate


@pytest.fixture(scope="module")
def emu():
    with emulator(seed=11) as emu:
        yield emu


@pytest.fixture
def ws(emu, tmp_path):
    emu.control.reset_faults()
    return workspace(emu, tmp_path / "fb.duckdb")


@pytest.fixture
def item(ws):
    return connect(ws)


class CursorSpy:
    """Records the cursor of every /transactions/sync request the engine sends through the gateway."""

    def __init__(self, ws):
        self.cursors = []
        real = ws.gateway.transactions_sync_page

        def spy(token, cursor, count=500):
            self.cursors.append(cursor)
            return real(token, cursor, count)

        ws.gateway.transactions_sync_page = spy


def advance_until(emu, item, predicate, max_days=60):
    for _ in range(max_days):
        emu.control.advance(item, days=1)
        if predicate():
            return
    raise AssertionError("the emulator never produced the change this test needs")


def test_the_first_sync_stores_exactly_the_truth_and_the_accounts(emu, ws, item):
    result = sync_item(ws, item, retry=NO_WAIT)
    assert result.ok and result.status == "healthy"
    truth = truth_rows(emu, item)
    assert result.added == len(truth) > 500 and result.pages > 1
    assert stored_rows(ws, item) == truth
    with ws.store.connect() as con:
        accounts = con.execute("SELECT account_id, current_balance, mask FROM accounts ORDER BY account_id").fetchall()
        cursor, synced = con.execute("SELECT cursor, last_synced_at FROM items").fetchone()
    expected = sorted((a["account_id"], a["balances"]["current"], a["mask"]) for a in emu.control.accounts(item))
    assert [(a, float(b), m) for a, b, m in accounts] == [(a, pytest.approx(b), m) for a, b, m in expected]
    assert cursor and synced


def test_later_syncs_apply_added_modified_and_removed_exactly(emu, ws, item):
    sync_item(ws, item, retry=NO_WAIT)
    changed = {"modified": 0, "removed": 0}

    def saw_modified_and_removed():
        for key in changed:
            changed[key] += emu.control.advance(item, days=1)[item][key]
        return all(changed.values())

    advance_until(emu, item, saw_modified_and_removed)
    result = sync_item(ws, item, retry=NO_WAIT)
    assert result.ok and result.modified > 0 and result.removed > 0
    assert stored_rows(ws, item) == truth_rows(emu, item)


def test_a_mutation_during_pagination_restarts_from_the_updates_first_cursor(emu, ws, item, monkeypatch):
    sync_item(ws, item, retry=NO_WAIT)
    with ws.store.connect() as con:
        original = con.execute("SELECT cursor FROM items").fetchone()[0]
    emu.control.advance(item, days=5)
    monkeypatch.setattr(fetch, "PAGE_SIZE", 3)  # several pages for a few days of changes
    spy = CursorSpy(ws)
    emu.control.fail_sync_pagination(times=1)
    result = sync_item(ws, item, retry=NO_WAIT)
    assert result.ok and result.restarts == 1 and result.pages > 2
    assert spy.cursors[0] == original
    assert spy.cursors[1] != original  # the failing request continued the update...
    assert spy.cursors[2] == original  # ...and the restart began again where the update began
    assert stored_rows(ws, item) == truth_rows(emu, item)


def test_too_many_mutations_fail_clearly_and_keep_the_data(emu, ws, item, monkeypatch):
    sync_item(ws, item, retry=NO_WAIT)
    before = stored_rows(ws, item)
    emu.control.advance(item, days=5)
    monkeypatch.setattr(fetch, "PAGE_SIZE", 2)
    emu.control.fail_sync_pagination(times=fetch.MAX_RESTARTS + 1)
    result = sync_item(ws, item, retry=NO_WAIT)
    assert not result.ok and "kept changing" in result.error
    assert stored_rows(ws, item) == before


def test_pending_posts_without_a_duplicate_and_keeps_the_persons_note(emu, ws, item):
    sync_item(ws, item, retry=NO_WAIT)
    with ws.store.connect() as con:
        pending = [r[0] for r in con.execute("SELECT transaction_id FROM transactions WHERE pending").fetchall()]
    assert pending, "the emulator's history should end with pending transactions"
    for txn in pending:
        annotate(ws.store, txn, f"note on {txn}", tags=["reimburse"])

    def one_posted():
        return any(t["pending_transaction_id"] in pending for t in emu.control.truth(item))

    advance_until(emu, item, one_posted)
    assert sync_item(ws, item, retry=NO_WAIT).ok
    assert stored_rows(ws, item) == truth_rows(emu, item)
    with ws.store.connect() as con:
        posted = con.execute(
            "SELECT transaction_id, pending_transaction_id, note, tags FROM transactions "
            "WHERE pending_transaction_id IS NOT NULL AND NOT pending"
        ).fetchall()
        ids = {r[0] for r in con.execute("SELECT transaction_id FROM transactions").fetchall()}
    carried = [p for p in posted if p[1] in pending]
    assert carried
    for _posted, pending_id, note, tags in carried:
        assert pending_id not in ids  # the pending row is gone: no duplicate
        assert (note, tags) == (f"note on {pending_id}", ["reimburse"])


def test_several_items_each_equal_their_truth(emu, ws):
    items = [connect(ws, "ins_109508"), connect(ws, "ins_109511"), connect(ws, "ins_109509")]
    results = sync_items(ws, retry=NO_WAIT)
    assert [r.ok for r in results] == [True, True, True]
    for item in items:
        assert stored_rows(ws, item) == truth_rows(emu, item)
    with ws.store.connect() as con:
        per_item = dict(con.execute("SELECT item_id, count(*) FROM transactions GROUP BY item_id").fetchall())
    assert set(per_item) == set(items)


def test_server_errors_and_rate_limits_are_retried_with_backoff(emu, ws, item):
    waits = []

    def wait(seconds):
        waits.append(seconds)
        emu.control.skew_clock(seconds)  # the emulator's rate-limit window passes while we back off

    emu.control.rate_limits(True, {"/transactions/sync": 3})
    emu.control.fail_next("/transactions/sync", times=2, error_code="INTERNAL_SERVER_ERROR")
    emu.control.fail_next("/accounts/get", times=1, error_code="INTERNAL_SERVER_ERROR")
    result = sync_item(ws, item, retry=RetryPolicy(attempts=6, base_delay=20, max_delay=60, sleep=wait))
    assert result.ok, result.error
    assert len(waits) >= 4  # two 500s, one accounts 500, at least one 429
    assert stored_rows(ws, item) == truth_rows(emu, item)


def test_login_required_is_not_retried_keeps_the_data_and_says_to_reconnect(emu, ws, item):
    sync_item(ws, item, retry=NO_WAIT)
    before = stored_rows(ws, item)
    emu.control.advance(item, days=3)
    emu.control.reset_login(item)
    spy, waits = CursorSpy(ws), []
    result = sync_item(ws, item, retry=RetryPolicy(sleep=waits.append))
    assert not result.ok and result.status == "login_required" and result.error_code == "ITEM_LOGIN_REQUIRED"
    assert "log in again" in result.error and "Reconnect" in result.error
    assert len(spy.cursors) == 1 and waits == []
    assert stored_rows(ws, item) == before
    with ws.store.connect() as con:
        status, code, message, failed, synced = con.execute(
            "SELECT status, error_code, error_message, last_failed_at, last_synced_at FROM items"
        ).fetchone()
    assert (status, code) == ("login_required", "ITEM_LOGIN_REQUIRED")
    assert "Reconnect" in message and failed > synced


def test_a_failing_item_does_not_stop_the_others(emu, ws):
    broken, fine = connect(ws, "ins_109508"), connect(ws, "ins_109511")
    emu.control.reset_login(broken)
    results = {r.item_id: r for r in sync_items(ws, retry=NO_WAIT)}
    assert not results[broken].ok and results[fine].ok
    assert stored_rows(ws, fine) == truth_rows(emu, fine)


def test_a_bank_that_stays_down_becomes_an_error_after_bounded_retries(emu, ws, item):
    sync_item(ws, item, retry=NO_WAIT)
    before = stored_rows(ws, item)
    emu.control.advance(item, days=2)
    emu.control.fail_next("/transactions/sync", times=50, error_code="INSTITUTION_NOT_RESPONDING")
    waits = []
    result = sync_item(ws, item, retry=RetryPolicy(attempts=4, sleep=waits.append))
    assert not result.ok and result.status == "error" and result.error_code == "INSTITUTION_NOT_RESPONDING"
    assert len(waits) == 3
    assert stored_rows(ws, item) == before
    emu.control.reset_faults()
    assert sync_item(ws, item, retry=NO_WAIT).status == "healthy"


def test_an_access_token_plaid_rejects_is_an_error(emu, ws, item):
    with ws.store.transaction() as con:
        con.execute("UPDATE item_tokens SET access_token_enc = ?", [ws.vault.encrypt("access-sandbox-revoked")])
    result = sync_item(ws, item, retry=NO_WAIT)
    assert not result.ok and result.status == "error" and result.error_code == "INVALID_ACCESS_TOKEN"
    assert "connect the bank again" in result.error


def test_accounts_are_refreshed_and_snapshotted_on_every_sync(emu, ws, item):
    sync_item(ws, item, retry=NO_WAIT)
    emu.control.advance(item, days=4)
    sync_item(ws, item, retry=NO_WAIT)
    with ws.store.connect() as con:
        stored = dict(con.execute("SELECT account_id, current_balance FROM accounts").fetchall())
        # The bank is 4 days ahead of the calendar now: the snapshot belongs to its day, the newest posted date.
        bank_day = con.execute("SELECT max(date) FROM transactions WHERE NOT pending").fetchone()[0]
        latest = con.execute(
            "SELECT account_id, current_balance FROM balance_history WHERE NOT derived AND date = ?", [bank_day]
        ).fetchall()
        derived = con.execute("SELECT count(*) FROM balance_history WHERE derived").fetchone()[0]
    truth = {a["account_id"]: a["balances"]["current"] for a in emu.control.accounts(item)}
    assert {k: float(v) for k, v in stored.items()} == pytest.approx(truth)
    assert bank_day > date.today()
    assert {k: float(v) for k, v in latest} == pytest.approx(truth)
    assert derived > 0


def hidden_and_visible(ws):
    with ws.store.connect() as con:
        return con.execute(
            "SELECT count(*) FILTER (staged_batch IS NOT NULL), count(*) FILTER (staged_batch IS NULL) "
            "FROM plaid_transaction_rows"
        ).fetchone()


def test_a_big_update_is_copied_in_hidden_chunks_and_revealed_at_once(emu, ws, item, monkeypatch):
    monkeypatch.setattr(apply, "STAGE_CHUNK_ROWS", 500)
    seen = []

    def after_each_chunk(name):  # what a reader sees between the staging transactions
        if name == "staging-chunk":
            seen.append(hidden_and_visible(ws))

    monkeypatch.setattr(apply, "crash_point", after_each_chunk)
    result = sync_item(ws, item, retry=NO_WAIT)
    truth = truth_rows(emu, item)
    assert result.ok and len(seen) == -(-len(truth) // 500) > 2
    assert all(visible == 0 for _, visible in seen)  # nothing shows until the reveal
    assert [hidden for hidden, _ in seen] == [min(500 * (i + 1), len(truth)) for i in range(len(seen))]
    assert stored_rows(ws, item) == truth
    assert hidden_and_visible(ws) == (0, len(truth))


class Died(BaseException):
    """Stands for SIGKILL in-process: nothing after it runs, not even the engine's own cleanup."""


def test_a_run_that_dies_while_staging_changes_nothing_and_the_next_sync_cleans_up(emu, ws, item, monkeypatch):
    sync_item(ws, item, retry=NO_WAIT)
    before = stored_rows(ws, item)
    emu.control.advance(item, days=20)
    monkeypatch.setattr(apply, "STAGE_CHUNK_ROWS", 3)
    chunks = []

    def die_after_two_chunks(name):
        if name == "staging-chunk":
            chunks.append(name)
            if len(chunks) == 2:
                raise Died

    monkeypatch.setattr(apply, "crash_point", die_after_two_chunks)
    monkeypatch.setattr(engine, "discard_staged", lambda store, item_id: None)
    with pytest.raises(Died):
        sync_item(ws, item, retry=NO_WAIT)
    assert stored_rows(ws, item) == before  # readers still see the previous update, whole
    assert hidden_and_visible(ws)[0] == 6

    monkeypatch.undo()
    result = sync_item(ws, item, retry=NO_WAIT)
    assert result.ok and stored_rows(ws, item) == truth_rows(emu, item)
    assert hidden_and_visible(ws)[0] == 0
