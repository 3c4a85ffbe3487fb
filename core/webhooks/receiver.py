"""The webhook receiver: `POST /plaid/webhook` on a local port, answered at once, applied in the background.

A Starlette app served by uvicorn (core/serving.py) checks the request (JSON, bounded size), verifies Plaid's
signature over the raw body in a worker thread, and hands the delivery to the processor; it never touches the
database, so Plaid gets its answer in milliseconds even while a sync holds the file. Anything not proven to come
from Plaid is answered 4xx and only written to the audit log, within the processor's refusal budget.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.serving import ServerThread
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
MAX_CONNECTIONS = 200  # beyond this, uvicorn answers 503 at once (Plaid retries; a flood holds no more)


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
        self.jobs = jobs or ItemJobQueue(lambda job, events: run_item_job(ws, job, events))
        self.processor = WebhookProcessor(ws, self.jobs)
        try:
            self._server = ServerThread(
                build_app(self), host, port, name="webhook-receiver", limit_concurrency=MAX_CONNECTIONS,
                timeout_keep_alive=READ_TIMEOUT_SECONDS,
            )  # fmt: skip
        except OSError:
            self.processor.stop()
            self.jobs.stop()
            raise

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{WEBHOOK_PATH}"

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every accepted webhook and the jobs it started are done (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        return self.processor.wait_idle(timeout) and self.jobs.wait_idle(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        self._server.stop()
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


def build_app(receiver: WebhookReceiver) -> Starlette:
    """POST /plaid/webhook (JSON only, at most MAX_BODY_BYTES, read within READ_TIMEOUT_SECONDS) and GET /health."""

    async def webhook(request: Request) -> Response:
        if request.method != "POST":
            return _answer(HTTPStatus.METHOD_NOT_ALLOWED, "POST only", Allow="POST")
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            return _refuse(receiver, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/json",
                           f"content type {media_type[:40] or 'none'} is not JSON")  # fmt: skip
        length = request.headers.get("content-length")
        if length is None or "transfer-encoding" in request.headers:
            return _refuse(receiver, HTTPStatus.LENGTH_REQUIRED, "Content-Length required", "no valid Content-Length")
        if int(length) > MAX_BODY_BYTES:  # digits only: the HTTP parser refused anything else with a 400
            return _refuse(receiver, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"at most {MAX_BODY_BYTES} bytes",
                           f"body of {length} bytes is over {MAX_BODY_BYTES}")  # fmt: skip
        try:
            body = await asyncio.wait_for(request.body(), READ_TIMEOUT_SECONDS)
        except TimeoutError:
            return _refuse(receiver, HTTPStatus.REQUEST_TIMEOUT, "the body came too slowly", "body not sent in time")
        # Verification may fetch Plaid's key over the network: off the event loop.
        status, message = await run_in_threadpool(receiver.accept, dict(request.headers.items()), body)
        return _answer(status, message)

    async def health(request: Request) -> Response:
        return _answer(HTTPStatus.OK, "ok")

    async def not_found(request: Request) -> Response:
        return _answer(HTTPStatus.NOT_FOUND, "not found", Connection="close")

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(
        routes=[
            Route(WEBHOOK_PATH, webhook, methods=methods),
            Route(HEALTH_PATH, health, methods=["GET"]),
            Route("/{path:path}", not_found, methods=methods),
        ]
    )


def _refuse(receiver: WebhookReceiver, status: HTTPStatus, message: str, reason: str) -> Response:
    """Refused before the body was read: recorded (within the refusal budget), and the connection is closed."""
    receiver.reject_request(reason)
    return _answer(status, message, Connection="close")


def _answer(status: HTTPStatus, message: str, **headers: str) -> Response:
    key = "status" if status < 400 else "error"
    return Response(orjson.dumps({key: message}), status, headers=headers, media_type="application/json")
