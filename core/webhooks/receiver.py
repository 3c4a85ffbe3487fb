"""The webhook receiver: `POST /plaid/webhook` on a local port, answered at once, applied in the background.

A request thread checks the request (JSON, bounded size), verifies Plaid's signature over the
raw body, and hands the delivery to the processor; it never touches the database, so Plaid gets
its answer in milliseconds even while a sync holds the file. Anything not proven to come from
Plaid is answered 4xx and only written to the audit log.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import orjson

from core.webhooks.jobs import ItemJobQueue
from core.webhooks.processor import Delivery, WebhookProcessor, run_item_job, utc_now
from core.webhooks.verification import (
    VerificationKeys,
    VerificationUnavailable,
    VerifiedWebhook,
    WebhookRejected,
    WebhookVerifier,
)
from core.workspace import Workspace

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/plaid/webhook"
HEALTH_PATH = "/health"
MAX_BODY_BYTES = 64 * 1024  # Plaid's webhooks are a few hundred bytes
READ_TIMEOUT_SECONDS = 10


class ReplayGuard:
    """Remembers each accepted token until it would be too old anyway, so a replayed request does nothing."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._seen: dict[str, int] = {}  # token sha256 -> when it expires
        self._lock = threading.Lock()

    def first_delivery(self, webhook: VerifiedWebhook) -> bool:
        with self._lock:
            now = self._clock()
            if len(self._seen) > 1000:
                self._seen = {t: exp for t, exp in self._seen.items() if exp >= now}
            if webhook.token_sha256 in self._seen:
                return False
            self._seen[webhook.token_sha256] = webhook.expires_at
            return True

    def forget(self, webhook: VerifiedWebhook) -> None:
        """The delivery was not taken after all (queue full): the sender may send the same request again."""
        with self._lock:
            self._seen.pop(webhook.token_sha256, None)


class WebhookReceiver:
    """Binds host:port at construction (OSError if taken); `stop()` ends the server and workers."""

    def __init__(
        self,
        ws: Workspace,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        verifier: WebhookVerifier | None = None,
        jobs: ItemJobQueue | None = None,
    ) -> None:
        # The gateway is opened on the first key fetch (in offline mode that may start the emulator).
        self.verifier = verifier or WebhookVerifier(
            VerificationKeys(lambda kid: ws.gateway.get_webhook_verification_key(kid))
        )
        self.replays = ReplayGuard()
        self.host = host
        self._server = _Server((host, port), self)
        self.jobs = jobs or ItemJobQueue(lambda job, events: run_item_job(ws, job, events))
        self.processor = WebhookProcessor(ws, self.jobs)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="webhook-receiver", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{WEBHOOK_PATH}"

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every accepted webhook and the jobs it started are done (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        return self.processor.wait_idle(timeout) and self.jobs.wait_idle(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.processor.stop()
        self.jobs.stop()

    def accept(self, headers: dict[str, str], body: bytes) -> tuple[HTTPStatus, str]:
        """Verify and queue one webhook; returns the HTTP answer."""
        received_at = utc_now()
        body_sha256 = hashlib.sha256(body).hexdigest()
        try:
            webhook = self.verifier.verify(headers, body)
        except WebhookRejected as e:
            self._reject(received_at, body, body_sha256, str(e))
            return HTTPStatus.UNAUTHORIZED, "verification failed"
        except VerificationUnavailable as e:
            self._reject(received_at, body, body_sha256, f"not checked, Plaid's key service failed: {e}")
            return HTTPStatus.SERVICE_UNAVAILABLE, "cannot verify webhooks right now; retry later"
        payload = _json_object(body)
        if payload is None:
            self._reject(received_at, body, body_sha256, "the body is not a JSON object", verified=True)
            return HTTPStatus.BAD_REQUEST, "the body is not a JSON object"
        duplicate = not self.replays.first_delivery(webhook)
        if not self.processor.submit(Delivery(received_at, payload, body_sha256, True, duplicate=duplicate)):
            if not duplicate:
                self.replays.forget(webhook)
            return HTTPStatus.SERVICE_UNAVAILABLE, "too many webhooks queued; retry later"
        return HTTPStatus.OK, "accepted"

    def reject_request(self, reason: str) -> None:
        """Record a request refused before its body was read (wrong content type, too large)."""
        self.processor.submit(Delivery(utc_now(), None, None, False, rejection=reason))

    def _reject(
        self, received_at: datetime, body: bytes, body_sha256: str, reason: str, *, verified: bool = False
    ) -> None:
        claimed = _json_object(body) or {}
        fields = {k: claimed.get(k) for k in ("webhook_type", "webhook_code", "item_id")}
        self.processor.submit(Delivery(received_at, fields, body_sha256, verified, rejection=reason))


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], receiver: WebhookReceiver) -> None:
        self.receiver = receiver
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up is routine (keep-alive connections closed by the sender); anything else is a bug."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            log.debug("connection from %s ended: %s", client_address[0], sys.exc_info()[1])
        else:
            log.exception("webhook request from %s failed", client_address[0])


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: a burst reuses connections
    server_version = "Finboard-webhooks"
    timeout = READ_TIMEOUT_SECONDS
    disable_nagle_algorithm = True  # the answer's headers and body go out at once, not 40 ms apart

    def do_GET(self) -> None:
        if urlsplit(self.path).path == HEALTH_PATH:
            self._answer(HTTPStatus.OK, "ok")
        elif urlsplit(self.path).path == WEBHOOK_PATH:
            self._answer(HTTPStatus.METHOD_NOT_ALLOWED, "POST only", Allow="POST")
        else:
            self._answer(HTTPStatus.NOT_FOUND, "not found")

    def do_POST(self) -> None:
        receiver = self.server.receiver
        if urlsplit(self.path).path != WEBHOOK_PATH:
            self._refuse(HTTPStatus.NOT_FOUND, "not found")
            return
        if self.headers.get_content_type() != "application/json":
            receiver.reject_request(f"content type {self.headers.get_content_type()[:40]} is not JSON")
            self._refuse(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/json")
            return
        length = self._content_length()
        if length is None:
            receiver.reject_request("no valid Content-Length")
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "Content-Length required")
            return
        if length > MAX_BODY_BYTES:
            receiver.reject_request(f"body of {length} bytes is over {MAX_BODY_BYTES}")
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"at most {MAX_BODY_BYTES} bytes")
            return
        body = self.rfile.read(length)
        status, message = receiver.accept(dict(self.headers.items()), body)
        self._answer(status, message)

    def _content_length(self) -> int | None:
        if self.headers.get("Transfer-Encoding"):
            return None
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return None
        return length if length >= 0 else None

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer without reading the body, so the connection cannot be reused."""
        self.close_connection = True
        self._answer(status, message, Connection="close")

    def _answer(self, status: HTTPStatus, message: str, **headers: str) -> None:
        key = "status" if status < 400 else "error"
        body = orjson.dumps({key: message})
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)
