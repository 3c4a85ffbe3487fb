"""Who can reach `finboard run` (issue 12, item 1), attacked from outside the way a neighbour or a web page would.

- The sockets: by default every Finboard listener is on loopback; `--host 0.0.0.0` with FINBOARD_PASSWORD moves
  only the dashboard, and without the password (or offline) it refuses to start.
- The Host header (DNS rebinding): HTTP and a raw WebSocket handshake with a foreign Host are refused.
- The login: no page, asset or WebSocket without the session cookie; wrong passwords wait longer each time.
"""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from core.emulator import start_emulator
from tests.conftest import ROOT
from tests.support import FINBOARD, finboard, free_port, wait_for_url

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"


@dataclass
class Running:
    port: int
    pid: int
    log: Path

    def listening(self) -> set[tuple[str, int]]:
        """(address, port) of every listening TCP socket of `finboard run` and its children."""
        parent = psutil.Process(self.pid)
        found = set()
        for proc in [parent, *parent.children(recursive=True)]:
            for c in proc.net_connections(kind="tcp"):
                if c.status == psutil.CONN_LISTEN:
                    found.add((c.laddr.ip, c.laddr.port))
        return found


def start(tmp: Path, env: dict[str, str], *args: str) -> Iterator[Running]:
    port = free_port()
    log = tmp / "finboard-run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*FINBOARD, "run", "--port", str(port), *args],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_url(f"http://127.0.0.1:{port}/_stcore/health", proc, log)
        yield Running(port, proc.pid, log)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def base_env(tmp: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))}
    return {
        **clean,
        "FINBOARD_DB": str(tmp / "data" / "finboard.duckdb"),
        "FINBOARD_WEBHOOK_PORT": str(free_port()),
        "FINBOARD_SECRETS": str(tmp / "no-secrets.toml"),
    }


@pytest.fixture(scope="module")
def loopback(tmp_path_factory) -> Iterator[Running]:
    """`finboard run` as `make run` starts it: offline, no options."""
    tmp = tmp_path_factory.mktemp("loopback")
    yield from start(tmp, base_env(tmp))


@pytest.fixture(scope="module")
def sandbox_env(tmp_path_factory) -> Iterator[dict[str, str]]:
    """Sandbox mode against an emulator (LAN use needs Plaid keys), with FINBOARD_PASSWORD."""
    tmp = tmp_path_factory.mktemp("lan")
    emulator = start_emulator(port=0)
    try:
        yield {
            **base_env(tmp),
            "PLAID_CLIENT_ID": "lan", "PLAID_SECRET": "lan", "PLAID_ENV": "sandbox", "PLAID_BASE_URL": emulator.url,
            "FINBOARD_PASSWORD": PASSWORD,
        }  # fmt: skip
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def lan(sandbox_env, tmp_path_factory) -> Iterator[Running]:
    """`finboard run --host 0.0.0.0` with FINBOARD_PASSWORD: every interface, every page behind the login."""
    yield from start(tmp_path_factory.mktemp("lan-run"), sandbox_env, "--host", "0.0.0.0")


def get(port: int, path: str, host: str | None = None, cookie: str | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": host or f"127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response


def log_in(port: int, password: str) -> tuple[http.client.HTTPResponse, float]:
    """POST the login form; returns the response and how long it took to come."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = f"password={password.replace(' ', '+')}&next=/balances"
    started = time.monotonic()
    conn.request("POST", "/finboard/login", body=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    response = conn.getresponse()
    response.read()
    return response, time.monotonic() - started


def websocket_handshake(port: int, host: str, cookie: str | None = None) -> str:
    """Open Streamlit's WebSocket by hand (as any program could) and return the server's status line."""
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    lines = [
        "GET /_stcore/stream HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", f"Origin: http://{host}",
    ]  # fmt: skip
    if cookie:
        lines.append(f"Cookie: {cookie}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return s.recv(4096).decode("latin-1").split("\r\n", 1)[0]


# -- where it listens ---------------------------------------------------------------------------------------


def test_finboard_run_listens_on_loopback_only(loopback):
    listening = loopback.listening()
    assert ("127.0.0.1", loopback.port) in listening
    # The dashboard, the embedded emulator and the webhook receiver: nothing on another address.
    assert {ip for ip, _ in listening} == {"127.0.0.1"}, listening
    assert "listening on 127.0.0.1 only" in loopback.log.read_text()


def test_host_option_listens_on_the_given_address_and_nothing_else_moves(lan):
    listening = lan.listening()
    assert ("0.0.0.0", lan.port) in listening
    others = {ip for ip, port in listening if port != lan.port}
    assert others <= {"127.0.0.1"}, listening  # the webhook receiver stays on loopback
    assert "every page asks for FINBOARD_PASSWORD" in lan.log.read_text()


def test_host_without_password_or_offline_is_refused(tmp_path, sandbox_env):
    no_password = {k: v for k, v in sandbox_env.items() if k != "FINBOARD_PASSWORD"}
    refused = finboard("run", "--host", "0.0.0.0", "--port", str(free_port()), env=no_password)
    assert refused.returncode == 2
    assert "FINBOARD_PASSWORD" in refused.stderr and "Traceback" not in refused.stderr

    offline = {**base_env(tmp_path), "FINBOARD_PASSWORD": PASSWORD, "FINBOARD_HOST": "0.0.0.0"}
    refused = finboard("run", "--port", str(free_port()), env=offline)
    assert refused.returncode == 2
    assert "offline mode stays on loopback" in refused.stderr


# -- the Host header -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_names_are_answered(loopback, host):
    assert get(loopback.port, "/", host=f"{host}:{loopback.port}").status == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example", "192.0.2.99"])
def test_a_foreign_host_header_is_refused_over_http(loopback, host):
    assert get(loopback.port, "/", host=host.format(port=loopback.port)).status == 400
    assert get(loopback.port, "/_stcore/health", host=host.format(port=loopback.port)).status == 400


def test_a_foreign_host_header_is_refused_for_the_websocket(loopback):
    """DNS rebinding: the page's origin and Host are the attacker's name; the socket is the dashboard's."""
    assert websocket_handshake(loopback.port, f"127.0.0.1:{loopback.port}").startswith("HTTP/1.1 101")
    assert websocket_handshake(loopback.port, f"rebind.evil.example:{loopback.port}").startswith("HTTP/1.1 400")


def test_with_host_the_machine_addresses_and_allowed_names_are_answered(lan):
    from core.access import host_name, machine_addresses

    address = next(a for a in machine_addresses() if not a.is_loopback)
    # Sent to 127.0.0.1 with the Host a LAN browser would send: no traffic leaves this machine.
    assert get(lan.port, "/_stcore/health", host=f"{host_name(address)}:{lan.port}").status == 200
    assert get(lan.port, "/_stcore/health", host=f"{socket.gethostname()}:{lan.port}").status == 200
    assert get(lan.port, "/_stcore/health", host="evil.example").status == 400


# -- the login ------------------------------------------------------------------------------------------------


def test_every_page_asset_and_the_websocket_need_the_login(lan):
    for path in ("/", "/balances?period=all", "/transactions"):
        response = get(lan.port, path)
        assert response.status == 303
        assert response.getheader("Location", "").startswith("/finboard/login?next=")
    assert get(lan.port, "/_stcore/host-config").status == 401
    assert get(lan.port, "/static/index.html").status == 303
    assert websocket_handshake(lan.port, f"127.0.0.1:{lan.port}").startswith("HTTP/1.1 403")
    assert get(lan.port, "/", cookie="finboard_session=guessed").status == 303


def test_wrong_passwords_wait_longer_each_time_and_the_right_one_lets_in(lan):
    delays = []
    for _ in range(3):
        response, took = log_in(lan.port, "hunter2")
        assert response.status == 401
        delay = float(response.getheader("X-Finboard-Delay", "0"))
        assert took >= delay > 0  # the answer really waited
        delays.append(delay)
    assert delays == sorted(delays) and delays[0] < delays[-1], delays

    # A guess sent in parallel, while a wrong one waits for its answer, is refused unchecked (even a right one).
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(log_in, lan.port, "hunter2")
        time.sleep(delays[-1] / 2)  # the server has counted the 4th failure and is waiting to answer it
        early, took = log_in(lan.port, PASSWORD)
        assert early.status == 429 and int(early.getheader("Retry-After", "0")) >= 1
        assert took < delays[-1]  # refused at once, not after a check
        assert waiting.result()[0].status == 401

    response, _ = log_in(lan.port, PASSWORD)
    assert response.status == 303 and response.getheader("Location") == "/balances"
    cookie = response.getheader("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    session = cookie.split(";", 1)[0]
    assert get(lan.port, "/balances", cookie=session).status == 200
    assert websocket_handshake(lan.port, f"127.0.0.1:{lan.port}", cookie=session).startswith("HTTP/1.1 101")

    response, took = log_in(lan.port, "wrong again")  # the count started again after the right password
    assert float(response.getheader("X-Finboard-Delay", "0")) == delays[0]
    time.sleep(float(response.getheader("X-Finboard-Delay", "0")))


def test_the_login_never_sends_a_browser_elsewhere(lan):
    conn = http.client.HTTPConnection("127.0.0.1", lan.port, timeout=30)
    conn.request("POST", "/finboard/login?next=//evil.example/", body=f"password={PASSWORD.replace(' ', '+')}",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    response = conn.getresponse()
    assert response.status == 303 and response.getheader("Location") == "/"


@pytest.mark.browser
def test_a_person_logs_in_and_sees_the_dashboard(lan, browser):
    from playwright.sync_api import expect

    from tests.e2e.conftest import screenshot, wait_for_streamlit

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"http://127.0.0.1:{lan.port}/settings")
    expect(page.get_by_role("heading", name="Finboard")).to_be_visible()
    screenshot(page, "login-form")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    wait_for_streamlit(page)
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    screenshot(page, "after-login")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Password")).to_be_visible()
    page.close()
