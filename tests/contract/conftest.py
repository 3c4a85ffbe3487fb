"""Contract tests: the emulator's answers checked against Plaid's OpenAPI spec (openapi-core) and plaid-python 46's
models. The spec and the PFC taxonomy are read from ../shared/plaid, never copied into the project."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from openapi_core import OpenAPI
from plaid_contract import CLIENT, SPEC, TODAY, Contract

from core.emulator import Emulator, start_emulator


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    if not SPEC.exists():
        pytest.skip(f"Plaid's OpenAPI spec is not at {SPEC} (the ../shared reference checkout is absent)")
    with SPEC.open() as f:
        return OpenAPI.from_dict(yaml.load(f, Loader=yaml.CSafeLoader))


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = start_emulator(seed=7, credentials=CLIENT, today=TODAY)
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def contract(emulator: Emulator, openapi: OpenAPI) -> Contract:
    return Contract(emulator, openapi)
