"""Plaid's webhook verification: the genuine article passes, every forgery is rejected with its reason."""

from __future__ import annotations

import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from core.plaid_gateway import PlaidUnavailable
from core.webhooks.verification import (
    VerificationKeys,
    VerificationUnavailable,
    WebhookRejected,
    WebhookVerifier,
)
from tests.webhook_support import FakeKeyService, PlaidSigner, plaid_body, unsigned_token

NOW = 1_750_000_000.0
BODY = plaid_body("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", initial_update_complete=True)


@pytest.fixture
def signer() -> PlaidSigner:
    return PlaidSigner()


@pytest.fixture
def keys(signer) -> FakeKeyService:
    return FakeKeyService(signer.jwk())


@pytest.fixture
def verifier(keys) -> WebhookVerifier:
    return WebhookVerifier(VerificationKeys(keys), clock=lambda: NOW)


def header(token: str) -> dict[str, str]:
    return {"Plaid-Verification": token}


def test_a_genuine_webhook_is_verified(verifier, signer):
    result = verifier.verify(header(signer.token(BODY, iat=NOW)), BODY)
    assert result.kid == signer.kid
    assert result.issued_at == int(NOW)
    assert result.body_sha256 == hashlib.sha256(BODY).hexdigest()


@pytest.mark.parametrize("name", ["plaid-verification", "PLAID-VERIFICATION", "Plaid-Verification"])
def test_the_header_name_is_case_insensitive(verifier, signer, name):
    assert verifier.verify({name: signer.token(BODY, iat=NOW)}, BODY).kid == signer.kid


def test_iat_exactly_five_minutes_old_passes_and_one_second_more_fails(verifier, signer):
    verifier.verify(header(signer.token(BODY, iat=NOW - 300)), BODY)
    with pytest.raises(WebhookRejected, match="301 s ago"):
        verifier.verify(header(signer.token(BODY, iat=NOW - 301)), BODY)


def test_a_key_is_fetched_once_and_cached(verifier, signer, keys):
    for _ in range(3):
        verifier.verify(header(signer.token(BODY, iat=NOW)), BODY)
    assert keys.calls == [signer.kid]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_new_kid_is_fetched_and_cached_keys_are_refreshed(keys, signer):
    clock = Clock()
    verifier = WebhookVerifier(VerificationKeys(keys, clock=clock), clock=lambda: NOW)
    verifier.verify(header(signer.token(BODY, iat=NOW)), BODY)
    clock.now += 60
    rotated = PlaidSigner()
    keys.keys[rotated.kid] = rotated.jwk()
    keys.keys[signer.kid] = signer.jwk(expired_at=int(NOW))  # Plaid expired the old key meanwhile

    verifier.verify(header(rotated.token(BODY, iat=NOW)), BODY)
    assert keys.calls == [signer.kid, rotated.kid, signer.kid]
    with pytest.raises(WebhookRejected, match="expired"):
        verifier.verify(header(signer.token(BODY, iat=NOW)), BODY)


def test_forged_kids_cannot_make_us_call_plaid_more_than_once_a_second(keys, signer):
    clock = Clock()
    verifier = WebhookVerifier(VerificationKeys(keys, clock=clock), clock=lambda: NOW)
    forger = PlaidSigner()
    for _ in range(3):  # the same unknown kid again: remembered, Plaid is not asked twice
        with pytest.raises(WebhookRejected, match="does not know"):
            verifier.verify(header(forger.token(BODY, iat=NOW)), BODY)
    assert keys.calls == [forger.kid]
    with pytest.raises(VerificationUnavailable):  # another new kid within the second: 503, Plaid retries
        verifier.verify(header(PlaidSigner().token(BODY, iat=NOW)), BODY)
    with pytest.raises(WebhookRejected, match="does not know"):  # not even a plausible kid: no lookup
        verifier.verify(header(signer.token(BODY, iat=NOW, kid="x" * 500)), BODY)
    assert keys.calls == [forger.kid]
    clock.now += 1.5
    assert verifier.verify(header(signer.token(BODY, iat=NOW)), BODY).kid == signer.kid  # Plaid's key still works
    clock.now += 301
    with pytest.raises(WebhookRejected, match="does not know"):  # forgotten after 5 minutes, asked again
        verifier.verify(header(forger.token(BODY, iat=NOW)), BODY)
    assert keys.calls == [forger.kid, signer.kid, forger.kid]


def test_an_unreachable_key_service_is_not_a_rejection(signer):
    def unreachable(kid: str) -> dict:
        raise PlaidUnavailable("Could not reach Plaid")

    verifier = WebhookVerifier(VerificationKeys(unreachable), clock=lambda: NOW)
    with pytest.raises(VerificationUnavailable):
        verifier.verify(header(signer.token(BODY, iat=NOW)), BODY)


def _hs256_with_public_key(signer: PlaidSigner) -> str:
    """The classic confusion: HMAC keyed with the verifier's public key, which an attacker can fetch."""
    pem = signer.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head = {"alg": "HS256", "kid": signer.kid, "typ": "JWT"}
    unsigned = unsigned_token(head, signer.claims(BODY, NOW)).rsplit(".", 1)[0]
    signature = hmac.new(pem, unsigned.encode(), hashlib.sha256).digest()
    return unsigned_token(head, signer.claims(BODY, NOW), signature)


FORGERIES = {
    "no header": (lambda s: None, "no Plaid-Verification"),
    "not a JWT": (lambda s: "not-a-jwt", "not a JWT"),
    "alg none": (lambda s: unsigned_token({"alg": "none", "kid": s.kid, "typ": "JWT"}, s.claims(BODY, NOW)), "none"),
    "HS256 with a guessed secret": (
        lambda s: jwt.encode(s.claims(BODY, NOW), "x" * 32, algorithm="HS256", headers={"kid": s.kid}),
        "HS256",
    ),
    "HS256 keyed with the public key": (_hs256_with_public_key, "HS256"),
    "RS256 with the attacker's key": (
        lambda s: jwt.encode(
            s.claims(BODY, NOW), rsa.generate_private_key(65537, 2048), algorithm="RS256", headers={"kid": s.kid}
        ),
        "RS256",
    ),
    "ES256 with the attacker's key under Plaid's kid": (
        lambda s: jwt.encode(
            s.claims(BODY, NOW), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": s.kid}
        ),
        "signature",
    ),
    "unknown kid": (lambda s: PlaidSigner().token(BODY, iat=NOW), "does not know"),
    "no kid": (lambda s: jwt.encode(s.claims(BODY, NOW), s.private, algorithm="ES256"), "no key id"),
    "old iat": (lambda s: s.token(BODY, iat=NOW - 6 * 60), "ago"),
    "iat an hour in the future": (lambda s: s.token(BODY, iat=NOW + 3600), "future"),
    "no request_body_sha256": (
        lambda s: jwt.encode({"iat": int(NOW)}, s.private, algorithm="ES256", headers={"kid": s.kid}),
        "body does not match",
    ),
    "token for another body": (lambda s: s.token(BODY.replace(b"item-1", b"item-2"), iat=NOW), "body does not match"),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forgery_is_rejected(verifier, signer, name):
    make, reason = FORGERIES[name]
    token = make(signer)
    with pytest.raises(WebhookRejected, match=reason):
        verifier.verify({} if token is None else header(token), BODY)


def test_a_key_plaid_has_expired_is_rejected(signer):
    keys = FakeKeyService(signer.jwk(expired_at=int(NOW) - 10))
    verifier = WebhookVerifier(VerificationKeys(keys), clock=lambda: NOW)
    with pytest.raises(WebhookRejected, match="expired"):
        verifier.verify(header(signer.token(BODY, iat=NOW)), BODY)


def test_a_tampered_body_is_rejected(verifier, signer):
    token = signer.token(BODY, iat=NOW)
    tampered = BODY.replace(b"SYNC_UPDATES_AVAILABLE", b"USER_PERMISSION_REVOKED")
    with pytest.raises(WebhookRejected, match="body does not match"):
        verifier.verify(header(token), tampered)


def test_the_raw_body_is_hashed_not_a_re_serialization(verifier, signer):
    token = signer.token(BODY, iat=NOW)
    reserialized = json.dumps(json.loads(BODY)).encode()
    assert reserialized != BODY and json.loads(reserialized) == json.loads(BODY)
    verifier.verify(header(token), BODY)
    with pytest.raises(WebhookRejected, match="body does not match"):
        verifier.verify(header(token), reserialized)


def test_a_key_that_is_not_p256_is_rejected():
    signer = PlaidSigner()
    jwk = {**signer.jwk(), "crv": "P-384"}
    verifier = WebhookVerifier(VerificationKeys(FakeKeyService(jwk)), clock=lambda: NOW)
    with pytest.raises(WebhookRejected, match="not an ES256"):
        verifier.verify(header(signer.token(BODY, iat=NOW)), BODY)
