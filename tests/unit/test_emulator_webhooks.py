"""Webhooks: signed like Plaid's (verifiable with the published JWK), delivered without blocking the API."""

from __future__ import annotations

import hashlib
import json
import queue
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import plaid
import pytest
from jwt.algorithms import ECAlgorithm
from plaid.api import plaid_api
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.products import Products
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import SandboxPublicTokenCreateRequestOptions
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

from core.emulator import Emulator, start_emulator


class Receiver:
    """A local webhook endpoint recording (headers, raw body); `delay` makes it slow to answer."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        received, pause = self.received, delay

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(pause)
                received.put((dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/plaid/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self) -> tuple[dict[str, str], bytes]:
        return self.received.get(timeout=10)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    e = start_emulator()
    yield e
    e.stop()


def client(emu: Emulator) -> plaid_api.PlaidApi:
    return plaid_api.PlaidApi(
        plaid.ApiClient(plaid.Configuration(host=emu.url, api_key={"clientId": "c", "secret": "s"}))
    )


def item_with_webhook(c: plaid_api.PlaidApi, url: str) -> str:
    public = c.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(
            institution_id="ins_109508",
            initial_products=[Products("transactions")],
            options=SandboxPublicTokenCreateRequestOptions(webhook=url),
        )
    ).public_token
    return str(c.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public)).access_token)


def verify(c: plaid_api.PlaidApi, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """Plaid's documented verification, with PyJWT."""
    token = {k.lower(): v for k, v in headers.items()}["plaid-verification"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256" and header["typ"] == "JWT"
    jwk = c.webhook_verification_key_get(WebhookVerificationKeyGetRequest(key_id=header["kid"])).key.to_dict()
    key = ECAlgorithm.from_jwk(json.dumps(jwk))
    claims = jwt.decode(token, key, algorithms=["ES256"])
    assert abs(time.time() - claims["iat"]) < 300
    assert claims["request_body_sha256"] == hashlib.sha256(body).hexdigest()
    return claims


def test_webhooks_verify_with_the_published_key(emu: Emulator) -> None:
    receiver = Receiver()
    c = client(emu)
    access = item_with_webhook(c, receiver.url)
    headers, body = receiver.next()  # the new item's SYNC_UPDATES_AVAILABLE
    assert json.loads(body)["webhook_code"] == "SYNC_UPDATES_AVAILABLE"
    verify(c, headers, body)
    c.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access))
    headers, body = receiver.next()
    payload = json.loads(body)
    assert (payload["webhook_type"], payload["webhook_code"]) == ("ITEM", "ERROR")
    assert payload["error"]["error_code"] == "ITEM_LOGIN_REQUIRED" and payload["environment"] == "sandbox"
    verify(c, headers, body)
    tampered = body.replace(b"ITEM_LOGIN_REQUIRED", b"ITEM_LOGIN_REQUIREX")
    with pytest.raises(AssertionError):
        verify(c, headers, tampered)


def test_a_slow_receiver_does_not_slow_the_api(emu: Emulator) -> None:
    receiver = Receiver(delay=2.0)
    c = client(emu)
    access = item_with_webhook(c, receiver.url)
    started = time.monotonic()
    c.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access))
    assert time.monotonic() - started < 1.0
    receiver.next()


def test_a_failing_delivery_is_recorded_not_raised(emu: Emulator) -> None:
    c = client(emu)
    access = item_with_webhook(c, "http://127.0.0.1:9/nobody-listens")
    c.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access))
    assert emu.control.flush_webhooks()
    attempts = emu.control.webhooks()
    assert attempts and all(a["status"] is None and a["error"] for a in attempts)
