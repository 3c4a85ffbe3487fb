"""Account endpoints: /accounts/get, /accounts/balance/get (rate-limited per item), /auth/get, /identity/get."""

from __future__ import annotations

import random
from typing import Any

from core.emulator import catalog
from core.emulator.endpoints.common import ACCESS, ACCOUNT_IDS, Route, item_json, load_item
from core.emulator.errors import plaid_error
from core.emulator.schema import Schema, opt
from core.emulator.service import EmulatorService


class AccountEndpoints:
    def __init__(self, service: EmulatorService) -> None:
        self.s = service

    def routes(self) -> dict[str, Route]:
        with_ids = Schema({**ACCESS, "options": ACCOUNT_IDS})
        return {
            "/accounts/get": (with_ids, self.accounts),
            "/accounts/balance/get": (
                Schema(
                    {
                        **ACCESS,
                        "options": opt(
                            "object", fields={**(ACCOUNT_IDS.fields or {}), "min_last_updated_datetime": opt("str")}
                        ),
                    }
                ),
                self.balance,
            ),
            "/auth/get": (with_ids, self.auth),
            "/identity/get": (with_ids, self.identity),
        }

    def accounts(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._accounts(body, "/accounts/get")

    def balance(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._accounts(body, "/accounts/balance/get")

    def _accounts(self, body: dict[str, Any], endpoint: str) -> dict[str, Any]:
        record = load_item(self.s, body, endpoint)
        wanted = (body.get("options") or {}).get("account_ids")
        accounts = self.s.live(record["item_id"]).accounts_json(record, wanted)
        if wanted is not None and len(accounts) != len(set(wanted)):
            raise plaid_error("INVALID_ACCOUNT_ID")
        return {"accounts": accounts, "item": item_json(record)}

    def auth(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._accounts(body, "/auth/get")
        institution = catalog.INSTITUTIONS_BY_ID[response["item"]["institution_id"]]
        routing = institution.routing_numbers[0] if institution.routing_numbers else "011401533"
        ach, eft = [], []
        for account in response["accounts"]:
            if account["type"] != "depository":
                continue
            number = _account_number(account["account_id"], account["mask"])
            if account["balances"]["iso_currency_code"] == "CAD":
                eft.append(
                    {"account_id": account["account_id"], "account": number, "institution": "021", "branch": "01140"}
                )
            else:
                ach.append(
                    {
                        "account_id": account["account_id"],
                        "account": number,
                        "routing": routing,
                        "wire_routing": "021000021",
                    }
                )
        response["numbers"] = {"ach": ach, "eft": eft, "international": [], "bacs": []}
        return response

    def identity(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._accounts(body, "/identity/get")
        record = self.s.record(response["item"]["item_id"])
        name, email, phone, street = catalog.OWNERS[record["ordinal"] % len(catalog.OWNERS)]
        live = self.s.live(record["item_id"])
        city, region, postal, country = live.world.home[:4]
        owner = {
            "names": [name],
            "phone_numbers": [{"data": phone, "primary": True, "type": "mobile"}],
            "emails": [{"data": email, "primary": True, "type": "primary"}],
            "addresses": [
                {
                    "data": {
                        "street": street,
                        "city": city,
                        "region": region,
                        "postal_code": postal,
                        "country": country,
                    },
                    "primary": True,
                }
            ],
        }
        for account in response["accounts"]:
            account["owners"] = [owner]
        return response


def _account_number(account_id: str, mask: str) -> str:
    """A stable full account number ending in the account's mask."""
    return f"{random.Random(account_id).randint(10**11, 10**12 - 1)}{mask}"
