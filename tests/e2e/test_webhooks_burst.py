"""500 signed webhooks on loopback: every one handled once, the data complete, the receiver answering."""

from __future__ import annotations

import pytest

from tests.perf.bench_webhooks import run_burst

pytestmark = pytest.mark.slow


def test_a_burst_of_500_webhooks_loses_nothing_and_duplicates_nothing(tmp_path):
    figures = run_burst(tmp_path, webhooks=500, items=5, clients=8)

    assert figures["idle"], figures
    assert figures["answered_2xx"] == 500
    assert figures["handled"] == 500 and figures["duplicates"] == 0  # one audit row per webhook, by body
    assert figures["unserved"] == 0  # every webhook's outcome is the sync that covered it
    assert figures["duplicate_transaction_rows"] == 0
    assert figures["transactions_missing_vs_emulator"] == 0
    assert figures["syncs"] < 500 / 4  # coalesced: 100 webhooks per item cost a handful of syncs
    assert figures["health_probes"] > 0 and figures["health_probe_failures"] == 0
