"""Helpers for tests that run Finboard's processes: free ports, waiting for a server, the CLI."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

FINBOARD = [sys.executable, "-m", "core.cli"]


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def finboard(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `finboard ARGS` as a person would, capturing its output."""
    return subprocess.run([*FINBOARD, *args], env=env, capture_output=True, text=True, timeout=300)


def wait_for_url(url: str, proc: subprocess.Popen[Any], log: Path | None = None, timeout: float = 90) -> None:
    """Wait until `url` answers 200; fail with what the process said if it exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            said = log.read_text(errors="replace") if log else f"exit code {proc.poll()}"
            raise RuntimeError(f"{url} did not come up; the process said:\n{said}")
        time.sleep(0.2)
