"""Helpers of the contract tests: calls through plaid-python (the model path) validated against Plaid's spec."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date
from typing import Any

import plaid
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.schemas import oas30_read_schema_validators_factory
from plaid.api import plaid_api
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.plaid_error import PlaidError
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import SandboxPublicTokenCreateRequestOptions

from core.emulator import Emulator

TODAY = date(2025, 6, 1)
DEAD_WEBHOOK = "http://127.0.0.1:9/plaid/webhook"  # port 9 (discard) is closed here: deliveries fail fast
CLIENT = ("contract-client", "contract-secret")


class Contract:
    """Calls an endpoint through plaid-python (the model path) and validates the raw body against the spec."""

    def __init__(self, emu: Emulator, api: OpenAPI) -> None:
        self.emu = emu
        self.api = api
        config = plaid.Configuration(host=emu.url, api_key={"clientId": CLIENT[0], "secret": CLIENT[1]})
        self.client = plaid_api.PlaidApi(plaid.ApiClient(config))

    def ok(self, operation: str, request: Any) -> Any:
        """A success: the model deserialized by plaid-python; the raw body is spec-valid."""
        response = getattr(self.client, operation)(request)
        raw = self.client.api_client.last_response.data
        self.validate(self.path(operation), 200, raw)
        return response

    def error(self, operation: str, request: Any, code: str, status: int) -> dict[str, Any]:
        """A failure: Plaid's status and error_code, a spec-valid PlaidError that plaid-python's model accepts."""
        with pytest.raises(plaid.ApiException) as caught:
            getattr(self.client, operation)(request)
        e = caught.value
        assert e.status == status, e.body
        return self.check_error(self.path(operation), status, e.body.encode(), code)

    def check_error(self, path: str, status: int, raw: bytes, code: str) -> dict[str, Any]:
        self.validate(path, status, raw)
        body = json.loads(raw)
        model = self.client.api_client.deserialize(_Raw(raw), (PlaidError,), True)
        assert model.error_code == code, body
        assert body["request_id"]
        return body  # type: ignore[no-any-return]

    def raw(
        self, path: str, body: bytes, headers: dict[str, str] | None = None, base_url: str | None = None
    ) -> tuple[int, bytes]:
        """POST arbitrary bytes (for input plaid-python refuses to send), to this emulator or the one at base_url."""
        hdrs = {"Content-Type": "application/json", "PLAID-CLIENT-ID": CLIENT[0], "PLAID-SECRET": CLIENT[1]}
        if headers is not None:
            hdrs = headers
        request = urllib.request.Request((base_url or self.emu.url) + path, data=body, headers=hdrs, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def validate(self, path: str, status: int, raw: bytes) -> None:
        self.api.validate_response(
            MockRequest("https://sandbox.plaid.com", "post", path),
            MockResponse(raw, status_code=status, content_type="application/json"),
        )

    def validate_schema(self, schema: str, value: Any) -> None:
        """Validate a value (a webhook payload, say) against a named component schema of the spec."""
        spec = self.api.spec
        oas30_read_schema_validators_factory.create(spec, spec / "components" / "schemas" / schema).validate(value)

    def webhooks(self, item_id: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
        """Webhooks the emulator attempted (the test URLs need not answer), newest last."""
        assert self.emu.control.flush_webhooks()
        return [
            w
            for w in self.emu.control.webhooks()
            if (item_id is None or w["payload"].get("item_id") == item_id)
            and (code is None or w["payload"]["webhook_code"] == code)
        ]

    def path(self, operation: str) -> str:
        return str(getattr(self.client, operation + "_endpoint").settings["endpoint_path"])

    def new_item(
        self, institution_id: str = "ins_109508", webhook: str | None = None, username: str = "user_good"
    ) -> tuple[str, str]:
        # webhooks to an unused local port fail fast; the emulator still records what it sent
        """(access_token, item_id) of a fresh item, created the sandbox way."""
        options = SandboxPublicTokenCreateRequestOptions(override_username=username, override_password="pass_good")
        if webhook is not None:
            options.webhook = webhook
        public = self.client.sandbox_public_token_create(
            SandboxPublicTokenCreateRequest(
                institution_id=institution_id,
                initial_products=[Products("transactions")],
                options=options,
            )
        ).public_token
        exchanged = self.client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public))
        return exchanged.access_token, exchanged.item_id


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return "application/json" if name.lower() == "content-type" else default
