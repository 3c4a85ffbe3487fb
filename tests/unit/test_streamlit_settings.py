"""dashboard/streamlit.toml reaches Streamlit as command-line flags, every setting with its value."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from core.launcher import STREAMLIT_SETTINGS, streamlit_flags


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
