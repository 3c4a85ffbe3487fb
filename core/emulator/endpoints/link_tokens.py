"""/link/token/create (new items, update mode, Hosted Link) and /link/token/get."""

from __future__ import annotations

from typing import Any

from core.emulator.endpoints.common import PRODUCT_LIST, Route, check_url
from core.emulator.errors import invalid_field, missing_fields
from core.emulator.ids import new_token
from core.emulator.schema import Field, Schema, opt, req
from core.emulator.service import LINK_TOKEN_TTL, UPDATE_LINK_TOKEN_TTL, EmulatorService, iso

LINK_TOKEN_CREATE = Schema(
    {
        "client_name": req("str"),
        "language": req("str"),
        "country_codes": req("list", items=Field("str")),
        "user": opt("object", fields={"client_user_id": req("str")}),
        "user_id": opt("str"),
        "products": PRODUCT_LIST,
        "optional_products": PRODUCT_LIST,
        "required_if_supported_products": PRODUCT_LIST,
        "webhook": opt("str"),
        "access_token": opt("str"),
        "redirect_uri": opt("str"),
        "update": opt("object", fields={"account_selection_enabled": opt("bool")}),
        "transactions": opt("object", fields={"days_requested": opt("int", low=1, high=730)}),
        "hosted_link": opt(
            "object", fields={"completion_redirect_uri": opt("str"), "url_lifetime_seconds": opt("int", low=1)}
        ),
    },
    ignored=(
        "additional_consented_products",
        "access_tokens",
        "link_customization_name",
        "appearance_mode",
        "android_package_name",
        "institution_data",
        "card_switch",
        "account_filters",
        "eu_config",
        "institution_id",
        "payment_configuration",
        "payment_initiation",
        "employment",
        "income_verification",
        "base_report",
        "credit_partner_insights",
        "cra_options",
        "consumer_report_permissible_purpose",
        "auth",
        "transfer",
        "identity_verification",
        "statements",
        "third_party_user_token",
        "investments",
        "investments_auth",
        "cashflow_report",
        "cra_enabled",
        "identity",
        "financekit_supported",
        "enable_multi_item_link",
        "user_token",
    ),
)
LINK_TOKEN_GET = Schema({"link_token": req("str")})


class LinkTokenEndpoints:
    def __init__(self, service: EmulatorService) -> None:
        self.s = service

    def routes(self) -> dict[str, Route]:
        return {
            "/link/token/create": (LINK_TOKEN_CREATE, self.create),
            "/link/token/get": (LINK_TOKEN_GET, self.get),
        }

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("user") is None and not body.get("user_id"):
            raise missing_fields(["user"])
        update_item = None
        if body.get("access_token") is not None:
            update_item = self.s.item_id_for_access_token(body["access_token"])
        elif not body.get("products"):
            raise invalid_field("products must be provided unless launching Link in update mode (access_token)")
        for name in ("webhook", "redirect_uri"):
            if body.get(name) is not None:
                check_url(name, body[name], allow_query=name == "webhook")
        hosted = body.get("hosted_link")
        if hosted is not None and hosted.get("completion_redirect_uri") is not None:
            check_url("hosted_link.completion_redirect_uri", hosted["completion_redirect_uri"], allow_query=True)
        now = self.s.now()
        expires = now + (UPDATE_LINK_TOKEN_TTL if update_item else LINK_TOKEN_TTL)
        token = new_token("link")
        record = {
            "config": {
                "client_name": body["client_name"],
                "language": body["language"],
                "country_codes": body["country_codes"],
                "products": body.get("products") or [],
                "webhook": body.get("webhook"),
                "redirect_uri": body.get("redirect_uri"),
                "item_id": update_item,
                "account_selection_enabled": bool((body.get("update") or {}).get("account_selection_enabled")),
                "hosted_link": hosted,
            },
            "created_at": now.timestamp(),
            "expires_at": expires.timestamp(),
            "sessions": [],
        }
        self.s.add_link_token(token, record)
        response: dict[str, Any] = {"link_token": token, "expiration": iso(expires)}
        if hosted is not None:
            response["hosted_link_url"] = f"{self.s.base_url}/link/hosted/?token={token}"
        return response

    def get(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self.s.link_token(body["link_token"], allow_expired=True)
        config = record["config"]
        return {
            "link_token": body["link_token"],
            "created_at": iso(self.s.from_timestamp(record["created_at"])),
            "expiration": iso(self.s.from_timestamp(record["expires_at"])),
            "metadata": {
                "initial_products": config["products"],
                "webhook": config["webhook"],
                "country_codes": config["country_codes"],
                "language": config["language"],
                "redirect_uri": config["redirect_uri"],
                "client_name": config["client_name"],
            },
            "link_sessions": [self._session(s) for s in record["sessions"]],
        }

    def _session(self, session: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "link_session_id": session["link_session_id"],
            "started_at": session["started_at"],
            "finished_at": session["finished_at"],
        }
        public_token = self.s.session_public_tokens.get(session["link_session_id"])
        if session.get("result") is not None:
            result = session["result"]
            # The public token lives only in the memory of the process that issued it (the state file keeps
            # tokens hashed); another process reports the session without it.
            adds = (
                []
                if public_token is None
                else [
                    {
                        "public_token": public_token,
                        "accounts": result["accounts"],
                        "institution": result["institution"],
                    }
                ]
            )
            out["results"] = {
                "item_add_results": adds,
                "cra_item_add_results": [],
                "cra_update_results": [],
                "bank_income_results": [],
                "payroll_income_results": [],
                "document_income_results": None,
            }
        if session.get("exit") is not None:
            out["exit"] = session["exit"]
        return out
