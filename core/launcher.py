"""`finboard run`: the dashboard as a Streamlit child process, plus what it needs beside it.

In offline mode this process owns the embedded emulator and passes its URL to the dashboard
(FINBOARD_EMULATOR_URL), so the dashboard, Link in the browser and background work all talk
to one emulator. The webhook receiver runs here too, in background threads, so webhooks reach
the database while the dashboard is open (it notices through the data version).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from core.config import PROJECT_ROOT, Settings
from core.errors import FinboardError
from core.webhooks import WebhookReceiver
from core.workspace import EMULATOR_URL_ENV, Workspace, embedded_emulator_url

APP = PROJECT_ROOT / "dashboard" / "app.py"


def run_dashboard(settings: Settings, *, port: int) -> int:
    """Start the dashboard on http://localhost:PORT and wait until it exits (Ctrl-C stops it)."""
    _require_free_port(port)
    env = dict(os.environ)
    if settings.is_offline:
        env[EMULATOR_URL_ENV] = embedded_emulator_url(settings)
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    receiver = _start_webhook_receiver(settings)
    print(f"Finboard ({settings.mode} mode) on http://localhost:{port}  (Ctrl-C to stop)", flush=True)
    child = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)  # noqa: S603 - fixed argv, no shell
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
        return 0
    finally:
        if receiver:
            receiver.stop()


def _start_webhook_receiver(settings: Settings) -> WebhookReceiver | None:
    """The webhook receiver in a background thread of this process; None (and a warning) if its port is taken."""
    try:
        receiver = WebhookReceiver(Workspace(settings), port=settings.webhook_port)
    except OSError:
        print(
            f"finboard: webhook receiver not started: port {settings.webhook_port} is in use. The dashboard runs, "
            "but bank updates arrive only when you sync. Stop whatever uses the port, or set "
            "FINBOARD_WEBHOOK_PORT to a free one.",
            file=sys.stderr,
            flush=True,
        )
        return None
    print(f"Webhooks: receiving Plaid webhooks on {receiver.url}", flush=True)
    return receiver


def _require_free_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise FinboardError(
                f"Port {port} is already in use (another Finboard or Streamlit?). Stop it, or pick another "
                f"port: `finboard run --port {port + 1}` (or `make run PORT={port + 1}`)."
            ) from None
