"""Property: any sequence of Plaid changes, paged any way, restarted by mutations anywhere, and
synced at any moments, leaves the store equal to Plaid's truth, with the person's notes on the
transactions they annotated (or on the posted transaction that replaced an annotated pending one).
"""

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from core.sync import sync_transactions
from tests.unit.sync_world import ChangeLogWorld, annotate, store_with_item, stored_rows


class SyncAgainstChangeLogs(RuleBasedStateMachine):
    @initialize(page_size=st.integers(min_value=1, max_value=6))
    def start(self, page_size):
        self.dir = Path(tempfile.mkdtemp(prefix="finboard-prop-"))
        self.store = store_with_item(self.dir / "fb.duckdb")
        self.world = ChangeLogWorld(page_size=page_size)
        self.notes: dict[str, str] = {}  # the person's notes, on transactions they could see
        self.visible: list[str] = []  # what the person sees: the store after the last sync

    def teardown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- what Plaid does ------------------------------------------------------------------------

    @rule(pending=st.booleans(), cents=st.integers(-50_000, 50_000), day=st.integers(0, 60), account=st.integers(0, 1))
    def add(self, pending, cents, day, account):
        self.world.add(pending=pending, amount_cents=cents, day=day, account=account)

    @precondition(lambda self: self.world.truth)
    @rule(data=st.data(), cents=st.integers(-50_000, 50_000), name=st.sampled_from(["A", "B", "Ünïcode", ""]))
    def modify(self, data, cents, name):
        txn = data.draw(st.sampled_from(sorted(self.world.truth)))
        self.world.modify(txn, amount=cents / 100, name=name)

    @precondition(lambda self: self.world.truth)
    @rule(data=st.data())
    def remove(self, data):
        self.world.remove(data.draw(st.sampled_from(sorted(self.world.truth))))

    @precondition(lambda self: any(t["pending"] for t in self.world.truth.values()))
    @rule(data=st.data(), cents=st.integers(-50_000, 50_000))
    def post(self, data, cents):
        pending = sorted(t for t, v in self.world.truth.items() if v["pending"])
        self.world.post(data.draw(st.sampled_from(pending)), amount_cents=cents)

    # -- what the person and Finboard do --------------------------------------------------------

    @precondition(lambda self: self.visible)
    @rule(data=st.data(), note=st.text(min_size=1, max_size=8))
    def annotate(self, data, note):
        txn = data.draw(st.sampled_from(self.visible))
        annotate(self.store, txn, note)
        self.notes[txn] = note

    @rule(fail_requests=st.sets(st.integers(min_value=2, max_value=6), max_size=2))
    def sync(self, fail_requests):
        self.world.requested_cursors.clear()
        self.world.fail_requests = fail_requests  # TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION
        sync_transactions(self.store, "item-1", self.world.page)
        rows = stored_rows(self.store)
        assert rows == self.world.expected_rows()
        with self.store.connect() as con:
            notes = dict(con.execute("SELECT transaction_id, note FROM transactions WHERE note IS NOT NULL").fetchall())
        assert notes == self.expected_notes()
        self.visible = sorted(row[0] for row in rows)

    def expected_notes(self) -> dict[str, str]:
        expected = {}
        for txn_id, txn in self.world.truth.items():
            note = self.notes.get(txn_id) or self.notes.get(txn["pending_transaction_id"] or "")
            if note:
                expected[txn_id] = note
        return expected


SyncAgainstChangeLogs.TestCase.settings = settings(
    max_examples=30, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
SyncAgainstChangeLogs.TestCase.pytestmark = [pytest.mark.slow]
test_random_change_logs_applied_through_the_engine_equal_the_truth = SyncAgainstChangeLogs.TestCase
