"""Plaid's HTTP API: authenticate, parse, validate, dispatch to an endpoint handler, answer with Plaid's body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from core.emulator.endpoints import all_routes
from core.emulator.errors import PlaidApiError, missing_fields, plaid_error
from core.emulator.ids import request_id
from core.emulator.service import EmulatorService


class PlaidApi:
    """Every answer is (HTTP status, JSON body bytes)."""

    def __init__(self, service: EmulatorService) -> None:
        self.s = service
        self.routes = all_routes(service)

    def handle(self, path: str, headers: Mapping[str, str], raw: bytes) -> tuple[int, bytes]:
        rid = request_id()
        try:
            route = self.routes.get(path)
            if route is None:
                raise plaid_error("NOT_FOUND", f"unknown endpoint {path}")
            try:
                body = orjson.loads(raw) if raw.strip() else {}
            except orjson.JSONDecodeError:
                raise plaid_error("INVALID_BODY") from None
            if not isinstance(body, dict):
                raise plaid_error("INVALID_BODY", "body must be a JSON object")
            self._authenticate(headers, body)
            schema, handler = route
            with self.s.lock:
                self.s.refresh()
                self.s.faults.check_injected(path)
                result = handler(schema.validate(body))
        except PlaidApiError as e:
            return e.status, orjson.dumps(e.body(rid))
        if isinstance(result, bytes):  # a pre-assembled JSON object: append request_id before the final brace
            return 200, b'%s,"request_id":"%s"}' % (result[:-1], rid.encode())
        result["request_id"] = rid
        return 200, orjson.dumps(result)

    def _authenticate(self, headers: Mapping[str, str], body: dict[str, Any]) -> None:
        lower = {k.lower(): v for k, v in headers.items()}
        client_id = lower.get("plaid-client-id") or body.get("client_id")
        secret = lower.get("plaid-secret") or body.get("secret")
        missing = [n for n, v in (("client_id", client_id), ("secret", secret)) if not v]
        if missing:
            raise missing_fields(missing)
        if self.s.credentials is not None and (client_id, secret) != self.s.credentials:
            raise plaid_error("INVALID_API_KEYS")
