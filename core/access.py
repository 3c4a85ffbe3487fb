"""Who may reach the dashboard: where it listens, which Host names it answers to, and its login.

Loopback by default. Another address opens it to the network, so it needs FINBOARD_PASSWORD (a login before
every page) and Plaid keys: offline mode's emulator and Link look-alike live on 127.0.0.1, out of reach of other
machines. Every request's Host header must name this machine or a configured name: a loopback listener alone does
not stop DNS rebinding (a page on evil.example whose name later resolves to 127.0.0.1 reaches the dashboard
with the browser's blessing, but its requests still say `Host: evil.example`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from collections import OrderedDict

from core.config import Settings
from core.errors import ConfigError

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
SESSION_SECONDS = 12 * 3600
FIRST_DELAY, MAX_DELAY = 0.5, 30.0  # seconds before answering the 1st, ..., nth wrong password in a row
MAX_CLIENTS = 10_000  # failure counts kept for this many client addresses (the oldest are forgotten)


def check_exposure(settings: Settings) -> None:
    """Refuse a non-loopback listening address without a password, or in offline mode; names the fix."""
    if settings.is_loopback:
        return
    if settings.is_offline:
        raise ConfigError(
            f"offline mode stays on loopback, 127.0.0.1 (refused --host or FINBOARD_HOST {settings.host}): its Plaid "
            "emulator and Link look-alike live there, out of reach of other machines. To open the dashboard to "
            "your network, use Plaid sandbox or production keys (PLAID_CLIENT_ID, PLAID_SECRET, PLAID_ENV) and "
            "FINBOARD_PASSWORD."
        )
    if not settings.password:
        raise ConfigError(
            f"listening on {settings.host} (--host or FINBOARD_HOST) would open the dashboard and its bank data "
            "to your network without a login. Set FINBOARD_PASSWORD to put every page behind one, or leave out "
            "--host to stay on 127.0.0.1."
        )


def allowed_hosts(settings: Settings) -> list[str]:
    """The Host names the dashboard answers to: loopback names, FINBOARD_ALLOWED_HOSTS and, when it listens
    beyond loopback, the listening address, this machine's names and the addresses of its interfaces."""
    names = [*LOOPBACK_NAMES, *settings.allowed_hosts]
    if not settings.is_loopback:
        listening = ipaddress.ip_address(settings.host)
        addresses = machine_addresses() if listening.is_unspecified else [listening]
        names += [host_name(a) for a in addresses]
        names += machine_names()
    return list(dict.fromkeys(n.lower() for n in names))


def machine_addresses() -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every IP address on this machine's interfaces (psutil reads them the same way on Linux and macOS)."""
    import psutil

    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family in (socket.AF_INET, socket.AF_INET6):
                found.append(ipaddress.ip_address(a.address.split("%", 1)[0]))  # fe80::1%eth0: drop the zone
    return found


def machine_names() -> list[str]:
    names = [socket.gethostname(), socket.getfqdn()]
    return [n for n in names if n]


def host_name(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """An address as it appears in a Host header: IPv6 in brackets."""
    return f"[{address}]" if address.version == 6 else str(address)


class PasswordCheck:
    """FINBOARD_PASSWORD compared in constant time: digests of equal length, so not even the length leaks."""

    def __init__(self, password: str) -> None:
        self._digest = hashlib.sha256(password.encode()).digest()

    def matches(self, attempt: str) -> bool:
        return hmac.compare_digest(hashlib.sha256(attempt.encode()).digest(), self._digest)


def failure_delay(failures: int) -> float:
    """Seconds to wait before answering the `failures`-th wrong password in a row: 0.5, 1, 2, 4, ... 30."""
    if failures <= 0:
        return 0.0
    return min(FIRST_DELAY * 2.0 ** min(failures - 1, 16), MAX_DELAY)


class FailedLogins:
    """Wrong passwords in a row per client address, and when that address may try again.

    After the nth failure the address waits failure_delay(n) seconds; an attempt before then is refused
    unchecked, so parallel guesses gain nothing. A right password starts the count again."""

    def __init__(self) -> None:
        self._clients: OrderedDict[str, tuple[int, float]] = OrderedDict()  # address -> (failures, not before)

    def wait(self, client: str) -> float:
        """Seconds until `client` may try again (0: now)."""
        _, not_before = self._clients.get(client, (0, 0.0))
        return max(0.0, not_before - time.monotonic())

    def failed(self, client: str) -> float:
        """Count a wrong password; returns the delay before the next attempt."""
        count = self._clients.pop(client, (0, 0.0))[0] + 1
        delay = failure_delay(count)
        self._clients[client] = (count, time.monotonic() + delay)
        while len(self._clients) > MAX_CLIENTS:
            self._clients.popitem(last=False)
        return delay

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)


class Sessions:
    """Logged-in browsers: random tokens (the cookie's value) valid for SESSION_SECONDS or until a restart."""

    def __init__(self, seconds: float = SESSION_SECONDS) -> None:
        self._seconds = seconds
        self._expiry: dict[str, float] = {}

    def open(self) -> str:
        now = time.monotonic()
        self._expiry = {t: e for t, e in self._expiry.items() if e > now}
        token = secrets.token_urlsafe(32)
        self._expiry[token] = now + self._seconds
        return token

    def valid(self, token: str | None) -> bool:
        return bool(token) and self._expiry.get(token or "", 0.0) > time.monotonic()

    def close(self, token: str | None) -> None:
        self._expiry.pop(token or "", None)
