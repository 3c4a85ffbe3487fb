"""An ASGI app served by uvicorn from a background thread: the webhook receiver and the Plaid emulator.

The socket is bound before the thread starts, so a taken port is an OSError at construction (the caller turns it
into a message) and port 0 picks a free one. uvicorn parses HTTP (a malformed Content-Length is its 400), keeps
connections alive and, on stop(), closes idle ones and gives busy ones a moment to finish. No access log: the
emulator's Link URLs carry link tokens. This module imports nothing else from core (the emulator stands alone).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn
from starlette.types import ASGIApp

START_TIMEOUT_SECONDS = 10.0


def _listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket. Created with proto=IPPROTO_TCP, not 0: asyncio turns Nagle off
    (TCP_NODELAY) only on sockets that say they are TCP, and with Nagle on, a response written as headers
    then body waits ~40 ms for the client's delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class ServerThread:
    """uvicorn serving `app` on host:port in a daemon thread until stop()."""

    def __init__(self, app: ASGIApp, host: str, port: int, *, name: str, **options: Any) -> None:
        self._socket = _listening_socket(host, port)  # OSError: the port is taken
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="off", ws="none", server_header=False,
            timeout_graceful_shutdown=2, **options,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, name=name,
                                        daemon=True)  # fmt: skip
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._socket.close()
                raise OSError(f"{name}: the HTTP server did not start on {host}:{self.port}")
            time.sleep(0.005)

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, close kept-alive connections, and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()
