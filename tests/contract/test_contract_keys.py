"""Plaid keys on the emulators Finboard starts: `finboard emulator --client-id ID --secret S` and the embedded
emulator of offline mode both answer other keys with Plaid's INVALID_API_KEYS error (checked against the spec);
`finboard emulator` without the flags accepts any keys, as the README's example needs."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import load_settings
from core.workspace import OFFLINE_CLIENT_ID, OFFLINE_SECRET, embedded_emulator_url
from tests.contract.plaid_contract import Contract
from tests.support import FINBOARD, free_port, wait_for_url

BODY = b'{"access_token": "access-sandbox-unknown"}'


def post(contract: Contract, url: str, client_id: str, secret: str) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "PLAID-CLIENT-ID": client_id, "PLAID-SECRET": secret}
    return contract.raw("/accounts/get", BODY, headers, base_url=url)


def emulator_process(tmp_path: Path, *flags: str) -> Iterator[str]:
    port = free_port()
    log = tmp_path / "emulator.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*FINBOARD, "emulator", "--port", str(port), *flags], stdout=out, stderr=out)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_url(f"{url}/link/v2/stable/link-initialize.js", proc, log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def keyed_emulator(tmp_path) -> Iterator[str]:
    yield from emulator_process(tmp_path, "--client-id", "team-id", "--secret", "right-secret")


@pytest.fixture
def open_emulator(tmp_path) -> Iterator[str]:
    yield from emulator_process(tmp_path)


def test_finboard_emulator_with_keys_refuses_a_wrong_secret(contract: Contract, keyed_emulator: str) -> None:
    status, raw = post(contract, keyed_emulator, "team-id", "wrong-secret")
    assert status == 400
    contract.check_error("/accounts/get", status, raw, "INVALID_API_KEYS")
    status, raw = post(contract, keyed_emulator, "team-id", "right-secret")  # past the keys: the token is unknown
    contract.check_error("/accounts/get", status, raw, "INVALID_ACCESS_TOKEN")


def test_finboard_emulator_without_keys_accepts_any(contract: Contract, open_emulator: str) -> None:
    status, raw = post(contract, open_emulator, "x", "y")
    contract.check_error("/accounts/get", status, raw, "INVALID_ACCESS_TOKEN")


def test_the_embedded_emulator_accepts_only_finboard_s_offline_keys(contract: Contract, db_env: Path) -> None:
    url = embedded_emulator_url(load_settings())
    status, raw = post(contract, url, OFFLINE_CLIENT_ID, "someone-else")
    contract.check_error("/accounts/get", status, raw, "INVALID_API_KEYS")
    status, raw = post(contract, url, OFFLINE_CLIENT_ID, OFFLINE_SECRET)
    contract.check_error("/accounts/get", status, raw, "INVALID_ACCESS_TOKEN")
