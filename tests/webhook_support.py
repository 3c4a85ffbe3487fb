"""Signing webhooks the way Plaid does, for tests and benchmarks (PyJWT + cryptography, as the emulator)."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm


def plaid_body(webhook_type: str, webhook_code: str, item_id: str | None = "item-1", **fields: Any) -> bytes:
    """A webhook body as Plaid sends it (pretty-printed, so re-serializing it changes the bytes)."""
    payload: dict[str, Any] = {"environment": "sandbox", "webhook_type": webhook_type, "webhook_code": webhook_code}
    if item_id is not None:
        payload["item_id"] = item_id
    payload.update(fields)
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PlaidSigner:
    """A P-256 key with a kid: its JWK (as /webhook_verification_key/get returns it) and ES256 tokens."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.kid = str(uuid.uuid4())

    def jwk(self, *, expired_at: int | None = None) -> dict[str, Any]:
        public = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {
            "alg": "ES256", "crv": public["crv"], "kid": self.kid, "kty": public["kty"], "use": "sig",
            "x": public["x"], "y": public["y"], "created_at": 1_700_000_000, "expired_at": expired_at,
        }  # fmt: skip

    def claims(self, body: bytes, iat: float | None = None) -> dict[str, Any]:
        issued_at = int(time.time() if iat is None else iat)
        return {"iat": issued_at, "request_body_sha256": hashlib.sha256(body).hexdigest()}

    def token(self, body: bytes, *, iat: float | None = None, kid: str | None = None) -> str:
        headers = {"kid": kid or self.kid, "typ": "JWT"}
        return jwt.encode(self.claims(body, iat), self.private, algorithm="ES256", headers=headers)

    def headers(self, body: bytes, **kwargs: Any) -> dict[str, str]:
        return {"Content-Type": "application/json", "Plaid-Verification": self.token(body, **kwargs)}


def unsigned_token(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A hand-assembled JWT, for forgeries PyJWT refuses to produce (alg none, HS256 keyed with a public key)."""
    signing_input = f"{b64url(orjson.dumps(header))}.{b64url(orjson.dumps(claims))}"
    return f"{signing_input}.{b64url(signature)}"


class FakeKeyService:
    """Stands in for /webhook_verification_key/get: serves JWKs by kid and counts the calls."""

    def __init__(self, *keys: dict[str, Any]) -> None:
        self.keys = {k["kid"]: k for k in keys}
        self.calls: list[str] = []

    def __call__(self, kid: str) -> dict[str, Any]:
        from core.plaid_gateway import PlaidApiError

        self.calls.append(kid)
        if kid not in self.keys:
            raise PlaidApiError(
                operation="webhook_verification_key_get", status=400, error_type="INVALID_INPUT",
                error_code="INVALID_WEBHOOK_VERIFICATION_KEY_ID", error_message="invalid key_id",
                display_message=None, request_id="req-test",
            )  # fmt: skip
        return self.keys[kid]


def seed_item(store: Any, item_id: str, accounts: tuple[str, ...], *, status: str = "healthy") -> None:
    """An item with a token, accounts, two transactions per account, balances, an annotation, Auth and Identity."""
    with store.transaction() as con:
        con.execute(
            "INSERT INTO items (item_id, institution_id, institution_name, status, cursor) VALUES (?, ?, ?, ?, ?)",
            [item_id, "ins_109508", f"Bank of {item_id}", status, f"cursor-{item_id}"],
        )
        con.execute("INSERT INTO item_tokens VALUES (?, ?)", [item_id, "fernet-ciphertext"])
        for account in accounts:
            con.execute(
                "INSERT INTO accounts (account_id, item_id, name, current_balance) VALUES (?, ?, ?, 100)",
                [account, item_id, f"Account {account}"],
            )
            for n in (1, 2):
                con.execute(
                    "INSERT INTO plaid_transaction_rows (transaction_id, account_id, item_id, date, amount, pending, "
                    "updated_at) VALUES (?, ?, ?, CAST(? AS DATE), 12.34, false, now())",
                    [f"{account}-t{n}", account, item_id, f"2025-01-0{n}"],
                )
            note = "INSERT INTO transaction_annotations (transaction_id, note) VALUES (?, 'mine')"
            con.execute(note, [f"{account}-t1"])
            con.execute(
                "INSERT INTO balance_history (account_id, date, current_balance, available_balance, derived) "
                "VALUES (?, DATE '2025-01-01', 100, 90, false)",
                [account],
            )
            con.execute(
                "INSERT INTO account_numbers (account_id, item_id, scheme, account_mask, fetched_at) "
                "VALUES (?, ?, 'ach', '0000', now())",
                [account, item_id],
            )
            con.execute(
                "INSERT INTO account_owners (account_id, item_id, owner_index, names, fetched_at) "
                "VALUES (?, ?, 0, ['A. Person'], now())",
                [account, item_id],
            )


def snapshot(store: Any, *, skip: tuple[str, ...] = ("webhook_events", "schema_version")) -> dict[str, list[Any]]:
    """Every row of every table (except the audit log), to prove that something changed nothing."""
    with store.connect() as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
            ).fetchall()
        ]
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables if t not in skip}
