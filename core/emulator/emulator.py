"""Starting and stopping an emulator: the service, its Plaid API, Link pages and controls behind one HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path

import orjson

from core.emulator.api import PlaidApi
from core.emulator.control import Control, call_hook
from core.emulator.errors import plaid_error
from core.emulator.ids import request_id
from core.emulator.link import LinkFlow
from core.emulator.server import build_app
from core.emulator.service import EmulatorService
from core.emulator.state import StateStore
from core.serving import ServerThread

_JSON = "application/json"
# GET path -> (file under core/emulator/static, content type)
_STATIC = {
    "/link/v2/stable/link-initialize.js": ("link-initialize.js", "application/javascript; charset=utf-8"),
    "/link/web/": ("index.html", "text/html; charset=utf-8"),
    "/link/hosted/": ("index.html", "text/html; charset=utf-8"),
    "/link/web/link.js": ("link.js", "application/javascript; charset=utf-8"),
    "/link/web/link.css": ("link.css", "text/css; charset=utf-8"),
}
_LINK_API = "/link/web/api/"


class Emulator:
    """A running emulator. `url` is its base URL (point plaid-python's Configuration.host at it)."""

    def __init__(self, service: EmulatorService, host: str, port: int) -> None:
        self._service = service
        self.control = Control(service)
        self._api = PlaidApi(service)
        self._link = LinkFlow(service)
        static = resources.files("core.emulator").joinpath("static")
        self._static = {path: (static.joinpath(name).read_bytes(), kind) for path, (name, kind) in _STATIC.items()}
        self.url = ""
        self._origins: set[str] = set()  # the emulator's own origins, known once the port is bound
        app = build_app(self._app, self._control, lambda: self._origins)
        self._server = ServerThread(app, host, port, name="emulator", timeout_keep_alive=300)
        self.port: int = self._server.port
        self.url = f"http://{host}:{self.port}"
        self._origins = {self.url, f"http://localhost:{self.port}"}
        service.base_url = self.url

    def stop(self) -> None:
        """Stop serving, close open connections and the webhook thread."""
        self._server.stop()
        self._service.webhooks.stop()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _control(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, str, bytes]:
        status, payload = call_hook(self.control, path.removeprefix("/emulator/"), body)
        return status, _JSON, payload

    def _app(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, str, bytes]:
        if method == "GET" and path in self._static:
            payload, kind = self._static[path]
            return 200, kind, payload
        if method == "POST" and path.startswith(_LINK_API):
            try:
                request: object = orjson.loads(body or b"{}")
            except orjson.JSONDecodeError:
                request = None
            status, answer = self._link.handle(path.removeprefix(_LINK_API), request)
            return status, _JSON, orjson.dumps(answer)
        if method == "POST" and path in self._api.routes:
            status, payload = self._api.handle(path, headers, body)
            return status, _JSON, payload
        return 404, _JSON, orjson.dumps(plaid_error("NOT_FOUND", f"unknown endpoint {path}").body(request_id()))


def start_emulator(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed: int = 0,
    state_path: str | Path | None = None,
    credentials: tuple[str, str] | None = None,
    transactions: int | None = None,
    today: date | None = None,
) -> Emulator:
    """Start an emulator in a background thread and return it (port=0 picks a free port)."""
    if transactions is not None and transactions < 1:
        raise ValueError("transactions must be at least 1 (or None for a realistic history)")
    store = StateStore(Path(state_path) if state_path is not None else None)
    service = EmulatorService(seed=seed, state=store, credentials=credentials, transactions=transactions, today=today)
    return Emulator(service, host, port)


def serve(host: str, port: int, seed: int, transactions: int | None, state_path: str | Path | None) -> None:
    """Run an emulator in the foreground until Ctrl-C (`finboard emulator`)."""
    emulator = start_emulator(host, port, seed=seed, state_path=state_path, transactions=transactions)
    print(f"Plaid emulator listening on {emulator.url} (seed {seed}); Ctrl-C stops it", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
