"""dashboard/.streamlit/config.toml reaches Streamlit as command-line flags, every setting with its value; a bare
`streamlit run` of the dashboard reads it too, and listens on 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import psutil

from core.launcher import STREAMLIT_SETTINGS, streamlit_flags
from tests.conftest import ROOT
from tests.support import free_port, wait_for_url


def flat(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out |= flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_every_setting_is_a_flag_streamlit_reads_back(tmp_path):
    settings = flat(tomllib.loads(STREAMLIT_SETTINGS.read_text()))
    assert "client.showErrorDetails" in settings and "theme.primaryColor" in settings
    shown = subprocess.run(
        [sys.executable, "-m", "streamlit", "config", "show", *streamlit_flags()],
        capture_output=True, text=True, cwd=tmp_path, check=True, timeout=120,
    ).stdout  # fmt: skip
    effective: dict[str, object] = {}
    section = ""
    for line in shown.splitlines():
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif " = " in line and not line.startswith("#"):
            key, value = line.split(" = ", 1)
            effective[f"{section}.{key}"] = tomllib.loads(f"v = {value}")["v"]
    for key, value in settings.items():
        if isinstance(value, list):  # given on the command line as JSON, as Streamlit documents
            assert json.loads(str(effective[key])) == value, key
        else:
            assert effective[key] == value, key


def test_a_bare_streamlit_run_reads_the_settings_and_stays_on_this_computer(tmp_path):
    port = free_port()
    env = {**os.environ, "FINBOARD_DB": str(tmp_path / "fb.duckdb")}
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "serve.py")]
        proc = subprocess.Popen(
            [*command, "--server.port", str(port)], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_url(f"http://127.0.0.1:{port}/_stcore/health", proc, log)
        listening = {c.laddr for c in psutil.Process(proc.pid).net_connections("tcp") if c.status == "LISTEN"}
        assert listening == {("127.0.0.1", port)}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
