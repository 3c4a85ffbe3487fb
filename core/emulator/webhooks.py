"""Webhooks signed the way Plaid signs them, delivered from a background thread.

Each POST carries `Plaid-Verification`: an ES256 JWT with header {alg: ES256, kid, typ: JWT} and claims
{iat, request_body_sha256} where the hash is over the exact body bytes sent. The public key is served as a
JWK by /webhook_verification_key/get. Delivery never blocks an API response and failures are only logged.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

log = logging.getLogger(__name__)


def new_signing_key(now: int) -> dict[str, Any]:
    """A fresh P-256 key as stored in the emulator state."""
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {"kid": str(uuid.uuid4()), "private_pem": pem, "created_at": now}


class WebhookSigner:
    def __init__(self, key: dict[str, Any]) -> None:
        loaded = serialization.load_pem_private_key(key["private_pem"].encode(), password=None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey)
        self._private = loaded
        self.kid: str = key["kid"]
        self.created_at: int = key["created_at"]

    def jwk(self) -> dict[str, Any]:
        """The JWKPublicKey object of /webhook_verification_key/get."""
        public = ECAlgorithm.to_jwk(self._private.public_key(), as_dict=True)
        return {
            "alg": "ES256",
            "crv": public["crv"],
            "kid": self.kid,
            "kty": public["kty"],
            "use": "sig",
            "x": public["x"],
            "y": public["y"],
            "created_at": self.created_at,
            "expired_at": None,
        }

    def sign(self, body: bytes, now: int) -> str:
        claims = {"iat": now, "request_body_sha256": hashlib.sha256(body).hexdigest()}
        return jwt.encode(claims, self._private, algorithm="ES256", headers={"kid": self.kid, "typ": "JWT"})


class WebhookDispatcher:
    """A queue and one daemon thread POSTing webhooks; keeps a short record of deliveries for tests."""

    def __init__(self, signer: WebhookSigner, timeout: float = 5.0) -> None:
        self._signer = signer
        self._timeout = timeout
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=500)
        self._thread = threading.Thread(target=self._run, name="emulator-webhooks", daemon=True)
        self._thread.start()

    def send(self, url: str, payload: dict[str, Any]) -> None:
        self._queue.put((url, orjson.dumps(payload, option=orjson.OPT_INDENT_2)))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued webhook was attempted; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=self._timeout + 1)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                self._deliver(*job)
            finally:
                self._queue.task_done()

    def _deliver(self, url: str, body: bytes) -> None:
        payload = orjson.loads(body)
        signature = self._signer.sign(body, int(time.time()))
        record: dict[str, Any] = {
            "url": url,
            "payload": payload,
            "body": body,
            "plaid_verification": signature,
            "status": None,
            "error": None,
        }
        headers = {"Content-Type": "application/json", "Plaid-Verification": signature}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
        level = logging.WARNING  # a receiver that refuses a webhook is worth a warning...
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                record["status"] = response.status
        except urllib.error.HTTPError as e:
            record["status"] = e.code
            record["error"] = f"HTTP {e.code}"
        except (OSError, ValueError) as e:
            record["error"] = str(e)
            level = logging.INFO  # ...no receiver running (a CLI command offline) is normal
        if record["error"]:
            log.log(
                level,
                "webhook %s/%s to %s failed: %s",
                payload.get("webhook_type"),
                payload.get("webhook_code"),
                url,
                record["error"],
            )
        self.deliveries.append(record)
