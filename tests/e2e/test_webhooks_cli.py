"""`finboard webhooks` as a person runs it: serves, refuses forgeries, says when its port is taken, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.error
import urllib.request

from tests.support import FINBOARD, finboard, free_port, wait_for_url


def test_webhooks_command_serves_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {**os.environ, "FINBOARD_DB": str(tmp_path / "data" / "finboard.duckdb")}
    proc = subprocess.Popen(
        [*FINBOARD, "webhooks", "--port", str(port)], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        # As a shell script's background job (and some CI runners) starts it: with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )  # fmt: skip
    try:
        wait_for_url(f"http://127.0.0.1:{port}/health", proc)
        forged = urllib.request.Request(
            f"http://127.0.0.1:{port}/plaid/webhook", data=b'{"webhook_type": "ITEM"}',
            headers={"Content-Type": "application/json"}, method="POST",
        )  # fmt: skip
        try:
            urllib.request.urlopen(forged, timeout=10)
            raise AssertionError("an unsigned webhook was accepted")
        except urllib.error.HTTPError as e:
            assert e.code == 401

        taken = finboard("webhooks", "--port", str(port), env=env)
        assert taken.returncode == 1
        assert f"Port {port} is already in use" in taken.stderr and "Traceback" not in taken.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert f"Receiving Plaid webhooks on http://127.0.0.1:{port}/plaid/webhook" in stdout
    assert "rejected: no Plaid-Verification header" in stderr  # the one-line log of each webhook
