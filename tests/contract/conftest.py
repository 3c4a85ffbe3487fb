"""Contract tests: the emulator's answers checked against Plaid's OpenAPI spec (openapi-core) and plaid-python 46's
models. The spec and the PFC taxonomy are read from ../shared/plaid, never copied into the project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from openapi_core import OpenAPI

from core.emulator import Emulator, start_emulator
from tests.contract.plaid_contract import CLIENT, TODAY, Contract


@pytest.fixture(scope="session")
def openapi(shared_plaid: Path) -> OpenAPI:
    """Plaid's spec as the oracle (skips, via shared_plaid, when ../shared is absent)."""
    with (shared_plaid / "openapi-2020-09-14.yml").open() as f:
        return OpenAPI.from_dict(yaml.load(f, Loader=yaml.CSafeLoader))


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = start_emulator(seed=7, credentials=CLIENT, today=TODAY)
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def contract(emulator: Emulator, openapi: OpenAPI) -> Contract:
    return Contract(emulator, openapi)
