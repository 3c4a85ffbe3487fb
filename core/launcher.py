"""`finboard run`: the dashboard as a Streamlit child process, plus what it needs beside it.

In offline mode this process owns the embedded emulator and passes its URL to the dashboard
(FINBOARD_EMULATOR_URL), so the dashboard, Link in the browser and background work all talk
to one emulator. The webhook receiver runs here too, in background threads, so webhooks reach
the database while the dashboard is open (it notices through the data version).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import signal
import socket
import subprocess
import sys

from core.access import check_exposure, host_name, machine_addresses
from core.config import PROJECT_ROOT, Settings
from core.errors import FinboardError
from core.webhooks import WebhookReceiver
from core.workspace import EMULATOR_URL_ENV, Workspace, embedded_emulator_url

APP = PROJECT_ROOT / "dashboard" / "serve.py"  # st.App around dashboard/app.py, with the Host check and login


def run_dashboard(settings: Settings, *, port: int) -> int:
    """Start the dashboard on settings.host:PORT and wait until it exits (Ctrl-C stops it)."""
    check_exposure(settings)
    _require_free_port(settings.host, port)
    env = dict(os.environ)
    env["FINBOARD_HOST"] = settings.host  # the child's Host check and login read the same settings
    if settings.is_offline:
        env[EMULATOR_URL_ENV] = embedded_emulator_url(settings)
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", settings.host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--logger.hideWelcomeMessage", "true",  # its URL list asks checkip.amazonaws.com; ours says it all
    ]  # fmt: skip
    receiver = _start_webhook_receiver(settings)
    print(_listening(settings, port), flush=True)
    # The server handles Ctrl-C itself once it runs, then re-raises the signal with the disposition it was
    # started with: inherited as "ignore", that ends quietly instead of with click's "Aborted!".
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)  # noqa: S603 - fixed argv, no shell
    finally:
        signal.signal(signal.SIGINT, handler)
    try:
        return child.wait()
    except KeyboardInterrupt as stop:
        # Ctrl-C in a terminal reaches the whole process group: the server is stopping already, and a second
        # signal would make it abort noisily. `kill` (SIGTERM) reaches only this process: pass it on.
        if stop.args != ("SIGINT",) or not _exits(child, timeout=5):
            child.send_signal(signal.SIGTERM)
            if not _exits(child, timeout=10):
                child.kill()
        return 0
    finally:
        if receiver:
            receiver.stop()


def _exits(child: subprocess.Popen[bytes], *, timeout: float) -> bool:
    try:
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


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


def _listening(settings: Settings, port: int) -> str:
    """The start-up line: where the dashboard listens and who can reach it."""
    login = "; every page asks for FINBOARD_PASSWORD" if settings.password else ""
    if settings.is_loopback:
        return (
            f"Finboard ({settings.mode} mode) on http://localhost:{port}, listening on {settings.host} only "
            f"(this computer){login}  (Ctrl-C to stop)"
        )
    listening = ipaddress.ip_address(settings.host)
    addresses = [listening]
    if listening.is_unspecified:  # 0.0.0.0: this machine's IPv4 addresses; "::" also takes IPv6 (dual stack)
        addresses = [a for a in machine_addresses() if listening.version == 6 or a.version == 4]
    urls = " ".join(f"http://{host_name(a)}:{port}" for a in addresses if not (a.is_loopback or a.is_link_local))
    return (
        f"Finboard ({settings.mode} mode) on {urls or f'port {port}'}, listening on {settings.host} (reachable "
        f"from your network){login}  (Ctrl-C to stop)"
    )


def _require_free_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is not "in use"
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRNOTAVAIL:
                raise FinboardError(
                    f"{host} is not an address of this computer. Use one of its addresses, or 0.0.0.0 for all."
                ) from None
            raise FinboardError(
                f"Port {port} is already in use (another Finboard or Streamlit?). Stop it, or pick another "
                f"port: `finboard run --port {port + 1}` (or `make run PORT={port + 1}`)."
            ) from None
