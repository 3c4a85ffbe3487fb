"""Plaid's error responses: a PlaidError body (error_type, error_code, error_message, display_message, ...) and
the HTTP status Plaid sends with it."""

from __future__ import annotations

from typing import Any

from core.emulator.catalog import FORCEABLE_ERRORS

_DOCS = "https://plaid.com/docs/errors/"

# error_code -> (error_type, HTTP status, error_message, display_message)
_KNOWN: dict[str, tuple[str, int, str, str | None]] = {
    "INVALID_API_KEYS": ("INVALID_INPUT", 400, "invalid client_id or secret provided", None),
    "INVALID_ACCESS_TOKEN": ("INVALID_INPUT", 400, "could not find matching access token", None),
    "INVALID_PUBLIC_TOKEN": ("INVALID_INPUT", 400, "could not find matching public token", None),
    "INVALID_LINK_TOKEN": ("INVALID_INPUT", 400, "provided link token is invalid or has expired", None),
    "INVALID_INSTITUTION": ("INVALID_INPUT", 400, "invalid institution_id provided", None),
    "INVALID_ACCOUNT_ID": ("INVALID_INPUT", 400, "one or more of the account IDs is invalid", None),
    "INVALID_WEBHOOK_VERIFICATION_KEY_ID": (
        "INVALID_INPUT",
        400,
        "invalid key_id provided. note that key_ids are specific to Plaid environments",
        None,
    ),
    "USER_PERMISSION_REVOKED": (
        "ITEM_ERROR",
        400,
        "the holder of this account has revoked their permission for your application to access it",
        "The holder of this account has revoked their permission for your application to access it.",
    ),
    "INVALID_BODY": ("INVALID_REQUEST", 400, "body could not be parsed as JSON", None),
    "NOT_FOUND": ("INVALID_REQUEST", 404, "not found", None),
    "ITEM_LOGIN_REQUIRED": (
        "ITEM_ERROR",
        400,
        "the login details of this item have changed (credentials, MFA, or required user action) and a user login "
        "is required to update this information. use Link's update mode to restore the item to a good state",
        "The login details of this item have changed (credentials, MFA, or required user action) and a user login "
        "is required to update this information.",
    ),
    "PRODUCT_NOT_ENABLED": ("ITEM_ERROR", 400, "the requested product is not enabled for this item", None),
    # Recurring Transactions is an add-on: a client without it, or an item whose user did not consent to it
    "INVALID_PRODUCT": (
        "INVALID_INPUT",
        400,
        'client is not authorized to access the following products: ["transactions_recurring"]',
        None,
    ),
    "ADDITIONAL_CONSENT_REQUIRED": (
        "ITEM_ERROR",
        400,
        "client does not have user consent to access the requested product for this item",
        None,
    ),
    "SANDBOX_PRODUCT_NOT_ENABLED": (
        "SANDBOX_ERROR",
        400,
        "the requested product is not enabled for this item",
        None,
    ),
    "INTERNAL_SERVER_ERROR": (
        "API_ERROR",
        500,
        "an unexpected error occurred",
        "Something went wrong. Please try again later.",
    ),
    "PLANNED_MAINTENANCE": (
        "API_ERROR",
        503,
        "the Plaid API is temporarily unavailable due to planned maintenance. visit https://status.plaid.com/ "
        "for more information",
        "The Plaid API is temporarily unavailable due to maintenance. Please try again later.",
    ),
    "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION": (
        "TRANSACTIONS_ERROR",
        400,
        "Underlying transaction data changed since last page was fetched. Please restart pagination from last update.",
        None,
    ),
    "SANDBOX_WEBHOOK_INVALID": (
        "SANDBOX_ERROR",
        400,
        "the webhook for this item is either not set or is invalid",
        None,
    ),
}


class PlaidApiError(Exception):
    """An error response: raise it anywhere in a handler and the server sends Plaid's body and status."""

    def __init__(
        self,
        error_type: str,
        error_code: str,
        error_message: str,
        display_message: str | None = None,
        status: int = 400,
    ) -> None:
        super().__init__(f"{error_code}: {error_message}")
        self.error_type = error_type
        self.error_code = error_code
        self.error_message = error_message
        self.display_message = display_message
        self.status = status

    def body(self, request_id: str) -> dict[str, Any]:
        return {
            "error_type": self.error_type,
            "error_code": self.error_code,
            "error_code_reason": None,
            "error_message": self.error_message,
            "display_message": self.display_message,
            "request_id": request_id,
            "causes": [],
            "status": self.status,
            "documentation_url": _DOCS + self.error_type.lower().replace("_", "-"),
            "suggested_action": None,
        }

    def item_error(self) -> dict[str, Any]:
        """The shape stored in an item's `error` field and sent in ITEM ERROR webhooks (no request_id)."""
        body = self.body("")
        del body["request_id"]
        return body


def plaid_error(code: str, message: str | None = None) -> PlaidApiError:
    """The error Plaid sends for `code`, optionally with a more specific error_message."""
    if code in _KNOWN:
        error_type, status, default, display = _KNOWN[code]
    elif code in FORCEABLE_ERRORS:
        error_type, status, display = FORCEABLE_ERRORS[code]
        default = display.lower() if display else code.lower()
    else:
        raise KeyError(f"unknown Plaid error code {code}")
    return PlaidApiError(error_type, code, message or default, display, status)


def known_codes() -> list[str]:
    """Error codes that can be injected through the control interface."""
    return sorted({*_KNOWN, *FORCEABLE_ERRORS})


def invalid_field(message: str) -> PlaidApiError:
    return PlaidApiError("INVALID_REQUEST", "INVALID_FIELD", message)


def missing_fields(names: list[str]) -> PlaidApiError:
    return PlaidApiError(
        "INVALID_REQUEST", "MISSING_FIELDS", "the following required fields are missing: " + ", ".join(names)
    )


def unknown_fields(names: list[str]) -> PlaidApiError:
    return PlaidApiError(
        "INVALID_REQUEST",
        "UNKNOWN_FIELDS",
        "the following fields are not recognized by this endpoint: " + ", ".join(names),
    )


def rate_limited(error_code: str) -> PlaidApiError:
    """error_code names the limit, e.g. BALANCE_LIMIT for /accounts/balance/get's per-item limit."""
    return PlaidApiError(
        "RATE_LIMIT_EXCEEDED",
        error_code,
        "rate limit exceeded for attempts to access this item. please try again later",
        None,
        429,
    )
