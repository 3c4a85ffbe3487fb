"""core.access: where the dashboard may listen, which Host names it answers to, and the login's pieces."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from core import access
from core.access import FailedLogins, PasswordCheck, Sessions, allowed_hosts, check_exposure, failure_delay
from core.config import load_settings
from core.errors import ConfigError

NO_SECRETS = Path("/nonexistent/secrets.toml")
SANDBOX = {"PLAID_CLIENT_ID": "id", "PLAID_SECRET": "s", "PLAID_ENV": "sandbox"}


def settings(**env: str):
    return load_settings(env, secrets_path=NO_SECRETS)


def test_loopback_is_the_default_and_needs_nothing():
    s = settings()
    assert s.host == "127.0.0.1" and s.is_loopback and s.password is None
    check_exposure(s)
    check_exposure(settings(FINBOARD_HOST="::1"))


def test_another_address_needs_a_password_and_plaid_keys():
    with pytest.raises(ConfigError, match="FINBOARD_PASSWORD"):
        check_exposure(settings(**SANDBOX, FINBOARD_HOST="0.0.0.0"))
    with pytest.raises(ConfigError, match="offline mode stays on loopback"):
        check_exposure(settings(FINBOARD_HOST="0.0.0.0", FINBOARD_PASSWORD="pw"))
    check_exposure(settings(**SANDBOX, FINBOARD_HOST="0.0.0.0", FINBOARD_PASSWORD="pw"))


@pytest.mark.parametrize("raw", ["localhost", "0.0.0.0:8501", "http://0.0.0.0", "999.1.1.1", ""])
def test_the_host_must_be_an_ip_address(raw):
    if raw == "":
        assert settings(FINBOARD_HOST=raw).host == "127.0.0.1"  # empty means unset
        return
    with pytest.raises(ConfigError, match="is not an IP address"):
        settings(FINBOARD_HOST=raw)


def test_the_password_stays_out_of_repr():
    assert "hunter2" not in repr(settings(FINBOARD_PASSWORD="hunter2"))


def test_loopback_answers_only_loopback_names_and_configured_ones():
    assert allowed_hosts(settings()) == ["localhost", "127.0.0.1", "[::1]"]
    s = settings(FINBOARD_ALLOWED_HOSTS="Finboard.example.com, *.corp.example")
    assert allowed_hosts(s)[-2:] == ["finboard.example.com", "*.corp.example"]


@pytest.mark.parametrize("raw", ["https://finboard.example.com", "finboard.example.com:443", "a/b", "ex*ample.com"])
def test_allowed_hosts_are_plain_names(raw):
    with pytest.raises(ConfigError, match="FINBOARD_ALLOWED_HOSTS"):
        settings(FINBOARD_ALLOWED_HOSTS=raw)


def test_every_interface_answers_to_the_machine_addresses_and_names(monkeypatch):
    lan, v6 = ipaddress.ip_address("192.168.1.20"), ipaddress.ip_address("fd00::20")
    monkeypatch.setattr(access, "machine_addresses", lambda: [ipaddress.ip_address("127.0.0.1"), lan, v6])
    monkeypatch.setattr(access, "machine_names", lambda: ["nas", "nas.home.arpa"])
    hosts = allowed_hosts(settings(**SANDBOX, FINBOARD_HOST="0.0.0.0", FINBOARD_PASSWORD="pw"))
    assert {"192.168.1.20", "[fd00::20]", "nas", "nas.home.arpa", "localhost"} <= set(hosts)
    one = allowed_hosts(settings(**SANDBOX, FINBOARD_HOST="192.168.1.20", FINBOARD_PASSWORD="pw"))
    assert "192.168.1.20" in one and "[fd00::20]" not in one  # one address given: only that one


def test_the_real_machine_addresses_include_loopback():
    assert ipaddress.ip_address("127.0.0.1") in access.machine_addresses()


def test_password_check():
    check = PasswordCheck("correct horse")
    assert check.matches("correct horse")
    assert not check.matches("correct hors") and not check.matches("") and not check.matches("correct horse ")


def test_the_delay_doubles_and_is_capped():
    assert [failure_delay(n) for n in range(0, 5)] == [0.0, 0.5, 1.0, 2.0, 4.0]
    assert failure_delay(7) == 30.0 and failure_delay(10_000) == 30.0


def test_failures_are_counted_per_address_and_forgiven_by_a_success():
    failures = FailedLogins()
    assert [failures.failed("10.0.0.9") for _ in range(3)] == [0.5, 1.0, 2.0]
    assert 1.5 < failures.wait("10.0.0.9") <= 2.0
    assert failures.wait("10.0.0.10") == 0.0  # another address is not slowed by the first one's guesses
    failures.succeeded("10.0.0.9")
    assert failures.wait("10.0.0.9") == 0.0 and failures.failed("10.0.0.9") == 0.5


def test_failure_counts_are_bounded(monkeypatch):
    monkeypatch.setattr(access, "MAX_CLIENTS", 3)
    failures = FailedLogins()
    for client in ("a", "b", "c", "d"):
        failures.failed(client)
    assert failures.wait("a") == 0.0 and failures.wait("d") > 0.0


def test_sessions_expire_and_close():
    sessions = Sessions()
    token = sessions.open()
    assert sessions.valid(token) and not sessions.valid("guess") and not sessions.valid(None)
    sessions.close(token)
    assert not sessions.valid(token)
    expired = Sessions(seconds=-1)
    assert not expired.valid(expired.open())
