"""Items and institutions: sandbox item creation, token exchange, /item/*, /institutions/get_by_id, the sandbox
item hooks (reset_login, fire_webhook) and the webhook verification key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.emulator import catalog
from core.emulator.endpoints.common import ACCESS, PRODUCTS, Route, check_url, item_json, load_item
from core.emulator.errors import invalid_field, plaid_error
from core.emulator.schema import Field, Schema, opt, req
from core.emulator.service import EmulatorService, iso

SANDBOX_PUBLIC_TOKEN_CREATE = Schema(
    {
        "institution_id": req("str"),
        "initial_products": req("list", items=Field("str", choices=PRODUCTS)),
        "options": opt(
            "object",
            fields={
                "webhook": opt("str"),
                "override_username": opt("str", nullable=True),
                "override_password": opt("str", nullable=True),
                "transactions": opt(
                    "object",
                    fields={
                        "start_date": opt("date"),
                        "end_date": opt("date"),
                        "days_requested": opt("int", low=1, high=730),
                    },
                ),
            },
        ),
    },
    ignored=("user_token", "user_id"),
)
# The codes Plaid documents for /sandbox/item/fire_webhook (its enum also lists AUTHORIZATION_GRANTED, which no
# item webhook schema describes).
FIRE_WEBHOOK_CODES = (
    "DEFAULT_UPDATE",
    "NEW_ACCOUNTS_AVAILABLE",
    "SMS_MICRODEPOSITS_VERIFICATION",
    "USER_PERMISSION_REVOKED",
    "USER_ACCOUNT_REVOKED",
    "PENDING_DISCONNECT",
    "RECURRING_TRANSACTIONS_UPDATE",
    "LOGIN_REPAIRED",
    "SYNC_UPDATES_AVAILABLE",
    "PRODUCT_READY",
    "ERROR",
)
# The webhook_type each code is fired with when the request names none.
_DEFAULT_TYPES = {
    "DEFAULT_UPDATE": "TRANSACTIONS",
    "RECURRING_TRANSACTIONS_UPDATE": "TRANSACTIONS",
    "SYNC_UPDATES_AVAILABLE": "TRANSACTIONS",
    "SMS_MICRODEPOSITS_VERIFICATION": "AUTH",
}


class ItemEndpoints:
    def __init__(self, service: EmulatorService) -> None:
        self.s = service

    def routes(self) -> dict[str, Route]:
        return {
            "/sandbox/public_token/create": (SANDBOX_PUBLIC_TOKEN_CREATE, self.sandbox_public_token_create),
            "/item/public_token/exchange": (Schema({"public_token": req("str")}), self.public_token_exchange),
            "/item/get": (Schema(ACCESS), self.get),
            "/item/remove": (Schema({**ACCESS, "reason_code": opt("str"), "reason_note": opt("str")}), self.remove),
            "/item/webhook/update": (Schema({**ACCESS, "webhook": opt("str", nullable=True)}), self.webhook_update),
            "/institutions/get_by_id": (
                Schema(
                    {
                        "institution_id": req("str"),
                        "country_codes": req("list", items=Field("str")),
                        "options": opt(
                            "object",
                            fields={
                                "include_optional_metadata": opt("bool"),
                                "include_status": opt("bool"),
                                "include_auth_metadata": opt("bool"),
                                "include_payment_initiation_metadata": opt("bool"),
                            },
                        ),
                    }
                ),
                self.institution,
            ),
            "/sandbox/item/reset_login": (Schema(ACCESS), self.reset_login),
            "/sandbox/item/fire_webhook": (
                Schema(
                    {
                        **ACCESS,
                        "webhook_type": opt(
                            "str",
                            choices=(
                                "AUTH",
                                "HOLDINGS",
                                "INVESTMENTS_TRANSACTIONS",
                                "ITEM",
                                "LIABILITIES",
                                "TRANSACTIONS",
                                "ASSETS",
                            ),
                        ),
                        "webhook_code": req("str", choices=FIRE_WEBHOOK_CODES),
                    }
                ),
                self.fire_webhook,
            ),
            "/webhook_verification_key/get": (Schema({"key_id": req("str")}), self.verification_key),
        }

    def sandbox_public_token_create(self, body: dict[str, Any]) -> dict[str, Any]:
        institution = catalog.INSTITUTIONS_BY_ID.get(body["institution_id"])
        if institution is None:
            raise plaid_error("INVALID_INSTITUTION")
        options = body.get("options") or {}
        username = options.get("override_username") or "user_good"
        failure = catalog.check_credentials(username, options.get("override_password") or "pass_good")
        if failure is not None:
            raise plaid_error(failure)
        if options.get("webhook") is not None:
            check_url("options.webhook", options["webhook"], allow_query=True)
        item_id = self.s.create_item(
            institution.institution_id, username, body["initial_products"], options.get("webhook")
        )
        return {"public_token": self.s.issue_public_token(item_id)}

    def public_token_exchange(self, body: dict[str, Any]) -> dict[str, Any]:
        access_token, item_id, first = self.s.exchange_public_token(body["public_token"])
        if first:  # Plaid tells the app once the new item's history is ready
            self.s.fire(
                item_id,
                "TRANSACTIONS",
                "SYNC_UPDATES_AVAILABLE",
                initial_update_complete=True,
                historical_update_complete=True,
            )
        return {"access_token": access_token, "item_id": item_id}

    def get(self, body: dict[str, Any]) -> dict[str, Any]:
        record = load_item(self.s, body, "/item/get", healthy=False)
        live = self.s.live(record["item_id"])
        synced = iso(self.s.from_date(live.clock()))
        return {
            "item": item_json(record),
            "status": {
                "transactions": {"last_successful_update": synced, "last_failed_update": None},
                "last_webhook": None,
            },
        }

    def remove(self, body: dict[str, Any]) -> dict[str, Any]:
        record = load_item(self.s, body, "/item/remove", healthy=False)
        self.s.remove_item(record["item_id"])
        return {}

    def webhook_update(self, body: dict[str, Any]) -> dict[str, Any]:
        record = load_item(self.s, body, healthy=False)
        url = body.get("webhook")
        if url is not None:
            check_url("webhook", url, allow_query=True)
        record = self.s.update_item(record["item_id"], webhook=url)
        if url:
            self.s.fire(record["item_id"], "ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED", new_webhook_url=url, error=None)
        return {"item": item_json(record)}

    def institution(self, body: dict[str, Any]) -> dict[str, Any]:
        found = catalog.INSTITUTIONS_BY_ID.get(body["institution_id"])
        if found is None or not set(found.country_codes) & set(body["country_codes"]):
            raise plaid_error("INVALID_INSTITUTION")
        institution: dict[str, Any] = {
            "institution_id": found.institution_id,
            "name": found.name,
            "products": list(catalog.ALL_PRODUCTS),
            "country_codes": list(found.country_codes),
            "routing_numbers": list(found.routing_numbers),
            "dtc_numbers": [],
            "oauth": found.oauth,
            "connection_availability": "SUPPORTED",  # plaid-python 46 requires it; the spec allows extras
        }
        if (body.get("options") or {}).get("include_optional_metadata"):
            institution.update(url=found.url, primary_color=found.primary_color, logo=None)
        return {"institution": institution}

    def reset_login(self, body: dict[str, Any]) -> dict[str, Any]:
        record = load_item(self.s, body, healthy=False)
        self.s.login_required(record["item_id"])
        return {"reset_login": True}

    def fire_webhook(self, body: dict[str, Any]) -> dict[str, Any]:
        record = load_item(self.s, body, healthy=False)
        item_id, code = record["item_id"], body["webhook_code"]
        if not record["webhook"]:
            raise plaid_error("SANDBOX_WEBHOOK_INVALID")
        kind = body.get("webhook_type") or _DEFAULT_TYPES.get(code, "ITEM")
        if kind == "TRANSACTIONS" and code in ("SYNC_UPDATES_AVAILABLE", "DEFAULT_UPDATE"):
            # like user_transactions_dynamic: the item's clock moves a day, which fires SYNC_UPDATES_AVAILABLE
            changes = self.s.advance(item_id, 1)
            if code == "DEFAULT_UPDATE":
                self.s.fire(item_id, kind, code, new_transactions=sum(1 for c in changes if c[0] == 0), error=None)
            return {"webhook_fired": True}
        if code == "RECURRING_TRANSACTIONS_UPDATE" and self.s.faults.refused("/transactions/recurring/get"):
            raise plaid_error("SANDBOX_PRODUCT_NOT_ENABLED")  # Plaid's answer for an item without the add-on
        self.s.fire(item_id, kind, code, **self._payload(record, kind, code))
        return {"webhook_fired": True}

    def _payload(self, record: dict[str, Any], kind: str, code: str) -> dict[str, Any]:
        accounts = [a["account_id"] for a in self.s.live(record["item_id"]).accounts_json(record)]
        if code == "ERROR":
            return {"error": record["error"] or self.s.login_required_error()}
        if code == "USER_PERMISSION_REVOKED":
            return {"error": plaid_error("USER_PERMISSION_REVOKED").item_error()}
        if code == "USER_ACCOUNT_REVOKED":
            return {"account_id": accounts[0]}
        if code == "SMS_MICRODEPOSITS_VERIFICATION":
            return {"account_id": accounts[0], "status": "MANUALLY_VERIFIED"}
        if code == "PENDING_DISCONNECT":
            return {"reason": "INSTITUTION_MIGRATION", "disconnect_time": iso(self.s.now() + timedelta(days=7))}
        if code == "RECURRING_TRANSACTIONS_UPDATE":
            return {"account_ids": accounts}
        if code == "DEFAULT_UPDATE" and kind == "AUTH":
            return {"account_ids_with_new_auth": [], "account_ids_with_updated_auth": {}, "error": None}
        if code == "DEFAULT_UPDATE":
            raise invalid_field(f"webhook_code DEFAULT_UPDATE is not supported for webhook_type {kind}")
        return {"error": None} if code == "NEW_ACCOUNTS_AVAILABLE" else {}

    def verification_key(self, body: dict[str, Any]) -> dict[str, Any]:
        if body["key_id"] != self.s.signer.kid:
            raise plaid_error("INVALID_WEBHOOK_VERIFICATION_KEY_ID")
        return {"key": self.s.signer.jwk()}
