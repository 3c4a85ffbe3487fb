"""Plaid's HTTP API: one handler per endpoint, each validating its request like Plaid and shaping Plaid's body."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

import orjson

from core.emulator import catalog
from core.emulator.errors import PlaidApiError, invalid_field, missing_fields, plaid_error
from core.emulator.ids import new_token, request_id, token_hash
from core.emulator.ledger import Cursor, CursorError, Ledger
from core.emulator.schema import Field, Schema, opt, req
from core.emulator.service import LINK_TOKEN_TTL, UPDATE_LINK_TOKEN_TTL, EmulatorService, iso

Handler = Callable[[dict[str, Any]], "dict[str, Any] | bytes"]

_PRODUCTS = (*catalog.ALL_PRODUCTS, "balance_plus", "income_verification", "statements", "signal", "transfer")
_PRODUCT_LIST = opt("list", items=Field("str", choices=_PRODUCTS))
_ACCOUNT_IDS = opt("object", fields={"account_ids": opt("list", items=Field("str"))})
_ACCESS = {"access_token": req("str")}

LINK_TOKEN_CREATE = Schema(
    {
        "client_name": req("str"),
        "language": req("str"),
        "country_codes": req("list", items=Field("str")),
        "user": opt("object", fields={"client_user_id": req("str")}),
        "user_id": opt("str"),
        "products": _PRODUCT_LIST,
        "optional_products": _PRODUCT_LIST,
        "required_if_supported_products": _PRODUCT_LIST,
        "webhook": opt("str"),
        "access_token": opt("str"),
        "redirect_uri": opt("str"),
        "update": opt("object", fields={"account_selection_enabled": opt("bool")}),
        "transactions": opt("object", fields={"days_requested": opt("int", low=1, high=730)}),
        "hosted_link": opt("object", fields={"completion_redirect_uri": opt("str"),
                                             "url_lifetime_seconds": opt("int", low=1)}),
    },
    ignored=("additional_consented_products", "access_tokens", "link_customization_name", "appearance_mode",
             "android_package_name", "institution_data", "card_switch", "account_filters", "eu_config",
             "institution_id", "payment_configuration", "payment_initiation", "employment", "income_verification",
             "base_report", "credit_partner_insights", "cra_options", "consumer_report_permissible_purpose", "auth",
             "transfer", "identity_verification", "statements", "third_party_user_token", "investments",
             "investments_auth", "cashflow_report", "cra_enabled", "identity", "financekit_supported",
             "enable_multi_item_link", "user_token"),
)
SANDBOX_PUBLIC_TOKEN_CREATE = Schema(
    {
        "institution_id": req("str"),
        "initial_products": req("list", items=Field("str", choices=_PRODUCTS)),
        "options": opt("object", fields={
            "webhook": opt("str"),
            "override_username": opt("str", nullable=True),
            "override_password": opt("str", nullable=True),
            "transactions": opt("object", fields={"start_date": opt("date"), "end_date": opt("date"),
                                                  "days_requested": opt("int", low=1, high=730)}),
        }),
    },
    ignored=("user_token", "user_id"),
)
PUBLIC_TOKEN_EXCHANGE = Schema({"public_token": req("str")})
ACCOUNTS_GET = Schema({**_ACCESS, "options": _ACCOUNT_IDS})
TRANSACTIONS_SYNC = Schema(
    {
        **_ACCESS,
        "cursor": opt("str"),
        "count": opt("int", low=1, high=500),
        "options": opt("object", fields={
            "include_original_description": opt("bool", nullable=True),
            "include_personal_finance_category": opt("bool"),
            "include_logo_and_counterparty_beta": opt("bool"),
            "personal_finance_category_version": opt("str", choices=("v1", "v2")),
            "days_requested": opt("int", low=1, high=730),
            "account_id": opt("str"),
        }),
    }
)

_V1 = {"INCOME_SALARY": ("INCOME", "INCOME_WAGES"), "BANK_FEES_LATE_FEES": ("BANK_FEES", "BANK_FEES_OTHER_BANK_FEES")}


class PlaidApi:
    """Routes a POST to its handler; every answer is (HTTP status, JSON body bytes)."""

    def __init__(self, service: EmulatorService) -> None:
        self.s = service
        self.routes: dict[str, tuple[Schema, Handler]] = {
            "/link/token/create": (LINK_TOKEN_CREATE, self.link_token_create),
            "/sandbox/public_token/create": (SANDBOX_PUBLIC_TOKEN_CREATE, self.sandbox_public_token_create),
            "/item/public_token/exchange": (PUBLIC_TOKEN_EXCHANGE, self.item_public_token_exchange),
            "/accounts/get": (ACCOUNTS_GET, self.accounts_get),
            "/transactions/sync": (TRANSACTIONS_SYNC, self.transactions_sync),
        }
        self.base_url = ""  # set by the server once it is bound

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

    def _item(self, body: dict[str, Any], endpoint: str | None = None, healthy: bool = True) -> dict[str, Any]:
        item_id = self.s.item_id_for_access_token(body["access_token"])
        record = self.s.record(item_id)
        if endpoint is not None:
            self.s.faults.check_rate(endpoint, item_id)
        if healthy:
            self.s.check_item_healthy(record)
        return record

    # ------------------------------------------------------------------------------------------ Link tokens

    def link_token_create(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("user") is None and not body.get("user_id"):
            raise missing_fields(["user"])
        update_item = None
        if body.get("access_token") is not None:
            update_item = self.s.item_id_for_access_token(body["access_token"])
        elif not body.get("products"):
            raise invalid_field("products must be provided unless launching Link in update mode (access_token)")
        for name in ("webhook", "redirect_uri"):
            if body.get(name) is not None:
                _check_url(name, body[name], allow_query=name == "webhook")
        now = self.s.now()
        expires = now + (UPDATE_LINK_TOKEN_TTL if update_item else LINK_TOKEN_TTL)
        token = new_token("link")
        config = {
            "client_name": body["client_name"],
            "language": body["language"],
            "country_codes": body["country_codes"],
            "products": body.get("products") or [],
            "webhook": body.get("webhook"),
            "redirect_uri": body.get("redirect_uri"),
            "item_id": update_item,
            "account_selection_enabled": bool((body.get("update") or {}).get("account_selection_enabled")),
            "hosted_link": body.get("hosted_link"),
        }

        def add(state: dict[str, Any]) -> None:
            state["link_tokens"][token_hash(token)] = {
                "config": config,
                "created_at": now.timestamp(),
                "expires_at": expires.timestamp(),
                "sessions": [],
            }

        self.s.store.update(add)
        response: dict[str, Any] = {"link_token": token, "expiration": iso(expires)}
        if body.get("hosted_link") is not None:
            response["hosted_link_url"] = f"{self.base_url}/link/hosted/?token={token}"
        return response

    # ------------------------------------------------------------------------------------------ items

    def sandbox_public_token_create(self, body: dict[str, Any]) -> dict[str, Any]:
        institution = catalog.INSTITUTIONS_BY_ID.get(body["institution_id"])
        if institution is None:
            raise plaid_error("INVALID_INSTITUTION")
        options = body.get("options") or {}
        username = options.get("override_username") or "user_good"
        password = options.get("override_password") or "pass_good"
        failure = catalog.check_credentials(username, password)
        if failure is not None:
            raise plaid_error(failure)
        if options.get("webhook") is not None:
            _check_url("options.webhook", options["webhook"], allow_query=True)
        item_id = self.s.create_item(institution.institution_id, username, body["initial_products"],
                                     options.get("webhook"))
        return {"public_token": self.s.issue_public_token(item_id)}

    def item_public_token_exchange(self, body: dict[str, Any]) -> dict[str, Any]:
        access_token, item_id, first = self.s.exchange_public_token(body["public_token"])
        if first:  # Plaid tells the app once the new item's history is ready
            self.s.fire(item_id, "TRANSACTIONS", "SYNC_UPDATES_AVAILABLE",
                        initial_update_complete=True, historical_update_complete=True)
        return {"access_token": access_token, "item_id": item_id}

    def item_json(self, record: dict[str, Any]) -> dict[str, Any]:
        institution = catalog.INSTITUTIONS_BY_ID[record["institution_id"]]
        products = record["products"]
        return {
            "item_id": record["item_id"],
            "institution_id": institution.institution_id,
            "institution_name": institution.name,
            "webhook": record["webhook"],
            "error": record["error"],
            "available_products": [p for p in catalog.ALL_PRODUCTS if p not in products],
            "billed_products": products,
            "products": products,
            "consented_products": products,
            "consent_expiration_time": None,
            "update_type": "background",
            "auth_method": None,
            "created_at": record["created_at"],
        }

    # ------------------------------------------------------------------------------------------ accounts

    def accounts_get(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self._item(body, "/accounts/get")
        wanted = (body.get("options") or {}).get("account_ids")
        live = self.s.live(record["item_id"])
        accounts = live.accounts_json(record, wanted)
        if wanted is not None and len(accounts) != len(set(wanted)):
            raise plaid_error("INVALID_ACCOUNT_ID")
        return {"accounts": accounts, "item": self.item_json(record)}

    # ------------------------------------------------------------------------------------------ transactions

    def transactions_sync(self, body: dict[str, Any]) -> bytes:
        record = self._item(body, "/transactions/sync")
        live = self.s.live(record["item_id"])
        options = body.get("options") or {}
        visible = live.visible(record)
        account_filter, shown = 0, visible
        if options.get("account_id") is not None:
            index = next((a.index for a in live.world.accounts if a.account_id == options["account_id"]), None)
            if index is None or (visible is not None and index not in visible):
                raise plaid_error("INVALID_ACCOUNT_ID")
            account_filter, shown = index + 1, frozenset({index})
        cursor = self._cursor(live.ledger, body.get("cursor") or "", account_filter)
        if cursor.mid_update:
            injected = self.s.faults.take_pagination_mutation()
            if injected is not None:
                raise injected
            if live.ledger.mutated_since(cursor):
                raise plaid_error("TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION")
        page = live.ledger.page(cursor, body.get("count") or 100, shown)
        added, modified = page.added, page.modified
        v1 = options.get("personal_finance_category_version") == "v1"
        if options.get("include_original_description") or v1:
            added = [_rewrite(b, bool(options.get("include_original_description")), v1) for b in added]
            modified = [_rewrite(b, bool(options.get("include_original_description")), v1) for b in modified]
        accounts = live.accounts_json(record) if not account_filter else [live.world.account_json(account_filter - 1)]
        return b"".join((
            b'{"added":[', b",".join(added),
            b'],"modified":[', b",".join(modified),
            b'],"removed":[', b",".join(page.removed),
            b'],"accounts":', orjson.dumps(accounts),
            b',"next_cursor":"', live.ledger.encode_cursor(page.next_cursor).encode(),
            b'","has_more":', b"true" if page.has_more else b"false",
            b',"transactions_update_status":"HISTORICAL_UPDATE_COMPLETE"}',
        ))

    @staticmethod
    def _cursor(ledger: Ledger, text: str, account_filter: int) -> Cursor:
        if text == "":
            return ledger.start(account_filter)
        if text == "now":
            return ledger.now(account_filter)
        try:
            cursor = ledger.decode_cursor(text)
        except CursorError as e:
            raise invalid_field(f"cursor is not valid: {e}") from None
        if cursor.account_filter != account_filter:
            raise invalid_field("cursor was issued for a different options.account_id")
        return cursor


def _check_url(name: str, value: str, *, allow_query: bool) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise invalid_field(f"{name} must be a valid http(s) URL")
    if not allow_query and parsed.query:
        raise invalid_field(f"{name} must not contain query parameters")


def _rewrite(body: bytes, original_description: bool, v1: bool) -> bytes:
    """The optional shapes of a transaction: with original_description, or categorised in PFC v1."""
    t = orjson.loads(body)
    if original_description:
        loc = t["location"]
        parts = [t["name"].upper(), loc["store_number"] and f"#{loc['store_number']}", loc["city"], loc["region"]]
        t["original_description"] = " ".join(p for p in parts if p)
    if v1:
        pfc = t["personal_finance_category"]
        if pfc["detailed"] in _V1:
            pfc["primary"], pfc["detailed"] = _V1[pfc["detailed"]]
        elif pfc["detailed"] == "OTHER_OTHER":
            pfc["primary"] = "TRANSFER_OUT" if t["amount"] > 0 else "TRANSFER_IN"
            pfc["detailed"] = pfc["primary"] + ("_OTHER_TRANSFER_OUT" if t["amount"] > 0 else "_OTHER_TRANSFER_IN")
        pfc["version"] = "v1"
    return orjson.dumps(t)
