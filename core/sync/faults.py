"""Named points where the fault-injection tests kill a sync, to prove any instant is safe.

`finboard sync` run with FINBOARD_TEST_CRASH_AT=<point> SIGKILLs itself when it reaches that
point: no cleanup, no finally blocks, exactly like a power cut or the OOM killer. Unset (always,
outside tests) it costs one environment lookup per point.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "FINBOARD_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
