"""Proof that a webhook comes from Plaid, exactly as Plaid documents it (reference/plaid-api.md section 3.1).

`Plaid-Verification` carries an ES256 JWT signed with a key Plaid serves by id from
/webhook_verification_key/get. Its claims are `iat` and `request_body_sha256`, the SHA-256 of the
raw body bytes. PyJWT and cryptography do the cryptography; this module only applies the rules.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from core.errors import FinboardError
from core.plaid_gateway import PlaidApiError, PlaidUnavailable

HEADER = "Plaid-Verification"
ALGORITHM = "ES256"
MAX_AGE_SECONDS = 5 * 60  # Plaid: reject a webhook signed more than 5 minutes ago
MAX_CLOCK_SKEW_SECONDS = 60  # tolerated when Plaid's clock runs ahead of ours

KeyFetcher = Callable[[str], dict[str, Any]]


class WebhookRejected(FinboardError):
    """The request is not a webhook we can prove came from Plaid; it must have no effect."""


class VerificationUnavailable(FinboardError):
    """Plaid's key service could not be reached, so the webhook can be neither trusted nor rejected yet."""


@dataclass(frozen=True)
class VerifiedWebhook:
    """What a valid signature proved: who signed (kid), when (iat), and the exact body (its SHA-256)."""

    kid: str
    issued_at: int
    body_sha256: str
    token_sha256: str  # identifies this one delivery: a replay carries the very same token

    @property
    def expires_at(self) -> int:
        """After this moment the token would be rejected as too old anyway."""
        return self.issued_at + MAX_AGE_SECONDS


def header_value(headers: Mapping[str, str], name: str = HEADER) -> str | None:
    """A header's value by case-insensitive name (HTTP/2 lowercases every header)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


# Forged webhooks can name any kid. Each unknown kid costs calls to Plaid, so a kid Plaid does not
# know is remembered for a while, and new kids are looked up at most once per interval (more
# within it are answered 503, which Plaid retries; Plaid's own new keys are rare).
UNKNOWN_KID_SECONDS = 300.0
NEW_KID_INTERVAL_SECONDS = 1.0
MAX_REMEMBERED_UNKNOWN = 1024
KID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


class VerificationKeys:
    """Plaid's public keys by kid, fetched on first use and cached; expired keys are never used."""

    def __init__(self, fetch: KeyFetcher, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._unknown: dict[str, float] = {}  # kid -> when Plaid said it does not know it
        self._last_lookup = -float("inf")
        self._lock = threading.Lock()

    def get(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            key = self._keys.get(kid)
            if key is None:
                key = self._look_up(kid)
        if key.get("expired_at") is not None:
            raise WebhookRejected(f"signed with key {kid}, which Plaid has expired")
        if (key.get("kty"), key.get("crv"), key.get("alg", ALGORITHM)) != ("EC", "P-256", ALGORITHM):
            raise WebhookRejected(f"key {kid} is not an ES256 (EC P-256) key")
        try:
            return jwt.PyJWK(key, algorithm=ALGORITHM)
        except jwt.PyJWTError as e:
            raise WebhookRejected(f"key {kid} is not a usable JWK ({type(e).__name__})") from None

    def _look_up(self, kid: str) -> dict[str, Any]:
        now = self._clock()
        if not KID_PATTERN.fullmatch(kid) or now - self._unknown.get(kid, -float("inf")) < UNKNOWN_KID_SECONDS:
            raise WebhookRejected(f"signed with key {kid[:64]}, which Plaid does not know")
        if now - self._last_lookup < NEW_KID_INTERVAL_SECONDS:
            raise VerificationUnavailable("too many webhooks with new key ids at once; Plaid will retry")
        self._last_lookup = now
        try:
            return self._refresh(kid)
        except WebhookRejected:
            if len(self._unknown) >= MAX_REMEMBERED_UNKNOWN:
                self._unknown.pop(next(iter(self._unknown)))  # the oldest: dicts keep insertion order
            self._unknown[kid] = now
            raise

    def _refresh(self, kid: str) -> dict[str, Any]:
        """Fetch an unknown kid and, as Plaid's sample does, re-read cached keys that may have expired since."""
        key = self._fetch_one(kid)
        if key is None:
            raise WebhookRejected(f"signed with key {kid}, which Plaid does not know")
        for cached in [k for k, v in self._keys.items() if v.get("expired_at") is None]:
            fresh = self._fetch_one(cached)
            if fresh is None:
                del self._keys[cached]  # Plaid no longer knows it: the next use asks again and is rejected
            else:
                self._keys[cached] = fresh
        self._keys[kid] = key
        return key

    def _fetch_one(self, kid: str) -> dict[str, Any] | None:
        try:
            return self._fetch(kid)
        except PlaidApiError as e:
            if e.status in (400, 404):  # Plaid answers an unknown key_id with INVALID_INPUT
                return None
            raise VerificationUnavailable(f"Plaid's webhook key service failed ({e.error_code})") from None
        except PlaidUnavailable as e:
            raise VerificationUnavailable(str(e)) from None


class WebhookVerifier:
    """Checks `Plaid-Verification` against the raw body; raises WebhookRejected with the reason."""

    def __init__(self, keys: VerificationKeys, *, clock: Callable[[], float] = time.time) -> None:
        self._keys = keys
        self._clock = clock

    def verify(self, headers: Mapping[str, str], body: bytes) -> VerifiedWebhook:
        token = header_value(headers)
        if not token:
            raise WebhookRejected(f"no {HEADER} header")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise WebhookRejected(f"{HEADER} is not a JWT") from None
        if header.get("alg") != ALGORITHM:
            raise WebhookRejected(f"algorithm {str(header.get('alg'))[:16]!r} is not {ALGORITHM}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise WebhookRejected("the JWT names no key id (kid)")
        key = self._keys.get(kid)
        try:
            claims = jwt.decode(
                token, key=key, algorithms=[ALGORITHM], options={"require": ["iat"], "verify_iat": False}
            )
        except jwt.PyJWTError as e:
            raise WebhookRejected(f"signature check failed ({type(e).__name__})") from None
        issued_at = self._check_age(claims["iat"])
        expected = claims.get("request_body_sha256")
        actual = hashlib.sha256(body).hexdigest()
        if not isinstance(expected, str) or not hmac.compare_digest(actual.encode(), expected.encode()):
            raise WebhookRejected("the body does not match the signed request_body_sha256")
        return VerifiedWebhook(kid, issued_at, actual, hashlib.sha256(token.encode()).hexdigest())

    def _check_age(self, iat: Any) -> int:
        if isinstance(iat, bool) or not isinstance(iat, int | float):
            raise WebhookRejected("iat is not a number")
        now = self._clock()
        if now - iat > MAX_AGE_SECONDS:
            raise WebhookRejected(f"signed {int(now - iat)} s ago, more than {MAX_AGE_SECONDS} s")
        if iat - now > MAX_CLOCK_SKEW_SECONDS:
            raise WebhookRejected(f"signed {int(iat - now)} s in the future")
        return int(iat)
