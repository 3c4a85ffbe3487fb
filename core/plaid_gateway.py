"""The one module that talks to Plaid (or the emulator, which is reached the same way).

Requests are built with plaid-python's models; responses are read as raw JSON
(`_preload_content=False`), because model deserialization is ~100x slower on sync pages
(DESIGN.md section 4) and rejects fields Plaid may add. Plaid errors become `PlaidApiError`,
network failures `PlaidUnavailable`. Only request_id and error_code are logged, never a token.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import plaid
import urllib3
from plaid.api import plaid_api
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.institutions_get_by_id_request import InstitutionsGetByIdRequest
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.item_remove_request import ItemRemoveRequest
from plaid.model.item_webhook_update_request import ItemWebhookUpdateRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_update import LinkTokenCreateRequestUpdate
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.link_token_transactions import LinkTokenTransactions
from plaid.model.products import Products
from plaid.model.sandbox_item_fire_webhook_request import SandboxItemFireWebhookRequest
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import SandboxPublicTokenCreateRequestOptions
from plaid.model.transactions_refresh_request import TransactionsRefreshRequest
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.webhook_type import WebhookType
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

from core.errors import FinboardError

log = logging.getLogger(__name__)
NOT_ENABLED = frozenset({"INVALID_PRODUCT", "ADDITIONAL_CONSENT_REQUIRED", "PRODUCTS_NOT_SUPPORTED"})
# plaid-python logs whole response bodies (access tokens included) at DEBUG; keep it quiet.
logging.getLogger("plaid").setLevel(logging.WARNING)

Json = dict[str, Any]

# Plaid errors worth retrying after a pause (the sync engine owns the backoff policy).
RETRYABLE_TYPES = {"RATE_LIMIT_EXCEEDED", "API_ERROR"}
RETRYABLE_CODES = {"PRODUCT_NOT_READY", "INSTITUTION_DOWN", "INSTITUTION_NOT_RESPONDING", "INTERNAL_SERVER_ERROR"}


class PlaidApiError(FinboardError):
    """Plaid answered with an error body: error_type, error_code, display_message, request_id."""

    def __init__(
        self,
        *,
        operation: str,
        status: int,
        error_type: str,
        error_code: str,
        error_message: str,
        display_message: str | None,
        request_id: str | None,
    ) -> None:
        self.operation = operation
        self.status = status
        self.error_type = error_type
        self.error_code = error_code
        self.error_message = error_message
        self.display_message = display_message
        self.request_id = request_id
        super().__init__(self.describe())

    def describe(self) -> str:
        text = self.display_message or self.error_message or "Plaid returned an error"
        ref = f", request {self.request_id}" if self.request_id else ""
        return f"{text.rstrip('.')}. ({self.error_code}{ref})"

    @property
    def retryable(self) -> bool:
        return (
            self.status == 429
            or self.status >= 500
            or (self.error_type in RETRYABLE_TYPES or self.error_code in RETRYABLE_CODES)
        )


class PlaidUnavailable(FinboardError):
    """Plaid could not be reached at all (connection refused, DNS, timeout)."""

    retryable = True


class PlaidGateway:
    """plaid-python pointed at one host, with every call Finboard makes."""

    def __init__(self, base_url: str, client_id: str, secret: str, *, client_name: str = "Finboard") -> None:
        config = plaid.Configuration(host=base_url, api_key={"clientId": client_id, "secret": secret})
        config.debug = False  # debug mode prints the PLAID-SECRET header and token-bearing bodies
        # Connection errors retry briefly here; Plaid-level retries belong to the sync engine.
        config.retries = urllib3.Retry(total=2, connect=2, read=0, status=0, backoff_factor=0.2)
        self._api = plaid_api.PlaidApi(plaid.ApiClient(config))
        self.base_url = base_url
        self.client_name = client_name

    def __repr__(self) -> str:
        return f"PlaidGateway({self.base_url!r})"

    # -- Link ---------------------------------------------------------------------------------

    def create_link_token(
        self,
        *,
        client_user_id: str,
        products: Sequence[str],
        country_codes: Sequence[str],
        days_requested: int,
        webhook: str | None = None,
        redirect_uri: str | None = None,
        access_token: str | None = None,
        account_selection: bool = False,
    ) -> Json:
        """A link token for a new item, or for update mode when access_token is given."""
        args: Json = {
            "client_name": self.client_name,
            "language": "en",
            "country_codes": [CountryCode(c) for c in country_codes],
            "user": LinkTokenCreateRequestUser(client_user_id=client_user_id),
        }
        if access_token:  # update mode: Plaid wants no products
            args["access_token"] = access_token
            if account_selection:
                args["update"] = LinkTokenCreateRequestUpdate(account_selection_enabled=True)
        else:
            args["products"] = [Products("transactions")]
            optional = [p for p in products if p != "transactions"]
            if optional:
                args["optional_products"] = [Products(p) for p in optional]
            args["transactions"] = LinkTokenTransactions(days_requested=days_requested)
        if webhook:
            args["webhook"] = webhook
        if redirect_uri:
            args["redirect_uri"] = redirect_uri
        return self._call("link_token_create", self._api.link_token_create, LinkTokenCreateRequest(**args))

    def exchange_public_token(self, public_token: str) -> tuple[str, str]:
        """(access_token, item_id) for a public token from Link."""
        body = self._call(
            "item_public_token_exchange",
            self._api.item_public_token_exchange,
            ItemPublicTokenExchangeRequest(public_token=public_token),
        )
        return str(body["access_token"]), str(body["item_id"])

    def sandbox_public_token(
        self,
        institution_id: str,
        products: Sequence[str],
        *,
        username: str | None = None,
        password: str | None = None,
        webhook: str | None = None,
        days_requested: int | None = None,
    ) -> str:
        """A public token without Link (sandbox and emulator hosts only)."""
        options: Json = {}
        if username:
            options["override_username"] = username
        if password:
            options["override_password"] = password
        if webhook:
            options["webhook"] = webhook
        request = SandboxPublicTokenCreateRequest(
            institution_id=institution_id,
            initial_products=[Products(p) for p in products],
            **({"options": SandboxPublicTokenCreateRequestOptions(**options)} if options else {}),
        )
        body = self._call("sandbox_public_token_create", self._api.sandbox_public_token_create, request)
        return str(body["public_token"])

    # -- items and accounts --------------------------------------------------------------------

    def get_item(self, access_token: str) -> Json:
        return self._call("item_get", self._api.item_get, ItemGetRequest(access_token=access_token))

    def remove_item(self, access_token: str) -> None:
        self._call("item_remove", self._api.item_remove, ItemRemoveRequest(access_token=access_token))

    def update_item_webhook(self, access_token: str, webhook: str) -> None:
        """Send the item's future webhooks to `webhook` (Plaid acknowledges with WEBHOOK_UPDATE_ACKNOWLEDGED)."""
        request = ItemWebhookUpdateRequest(access_token=access_token, webhook=webhook)
        self._call("item_webhook_update", self._api.item_webhook_update, request)

    def get_institution(self, institution_id: str, country_codes: Sequence[str]) -> Json:
        request = InstitutionsGetByIdRequest(
            institution_id=institution_id, country_codes=[CountryCode(c) for c in country_codes]
        )
        return self._call("institutions_get_by_id", self._api.institutions_get_by_id, request)

    def get_accounts(self, access_token: str) -> Json:
        """Cached balances and the item (free, generous rate limit)."""
        return self._call("accounts_get", self._api.accounts_get, AccountsGetRequest(access_token=access_token))

    def get_balances(self, access_token: str) -> Json:
        """Real-time balances from the bank (slow; Plaid allows 5 per item per minute)."""
        request = AccountsBalanceGetRequest(access_token=access_token)
        return self._call("accounts_balance_get", self._api.accounts_balance_get, request, timeout=(5, 60))

    def fetch_product(self, endpoint: str, access_token: str) -> Json:
        """POST a product's endpoint (e.g. "/auth/get") with the item's access token: what core/products declares.

        plaid-python names the method and the request model after the endpoint (auth_get, AuthGetRequest in
        plaid.model.auth_get_request), so a product module needs no code here.
        """
        operation = endpoint.strip("/").replace("/", "_")
        method = getattr(self._api, operation, None)
        try:
            module = importlib.import_module(f"plaid.model.{operation}_request")
        except ModuleNotFoundError:
            module = None
        request_type = getattr(module, "".join(w.capitalize() for w in operation.split("_")) + "Request", None)
        if method is None or request_type is None:
            raise ValueError(f"plaid-python has no endpoint {endpoint!r}")
        return self._call(operation, method, request_type(access_token=access_token))

    # -- transactions -----------------------------------------------------------------------------

    def transactions_sync_page(self, access_token: str, cursor: str, count: int = 500) -> bytes:
        """One /transactions/sync page as raw JSON bytes; the sync engine parses what it uses."""
        args: Json = {"access_token": access_token, "count": count}
        if cursor:
            args["cursor"] = cursor
        return self._raw("transactions_sync", self._api.transactions_sync, TransactionsSyncRequest(**args))

    def refresh_transactions(self, access_token: str) -> None:
        request = TransactionsRefreshRequest(access_token=access_token)
        self._call("transactions_refresh", self._api.transactions_refresh, request)

    # -- webhooks and sandbox ---------------------------------------------------------------------

    def get_webhook_verification_key(self, key_id: str) -> Json:
        request = WebhookVerificationKeyGetRequest(key_id=key_id)
        body = self._call("webhook_verification_key_get", self._api.webhook_verification_key_get, request)
        return dict(body["key"])

    def sandbox_reset_login(self, access_token: str) -> None:
        request = SandboxItemResetLoginRequest(access_token=access_token)
        self._call("sandbox_item_reset_login", self._api.sandbox_item_reset_login, request)

    def sandbox_fire_webhook(self, access_token: str, webhook_code: str, webhook_type: str | None = None) -> None:
        args: Json = {"access_token": access_token, "webhook_code": webhook_code}
        if webhook_type:
            args["webhook_type"] = WebhookType(webhook_type)
        request = SandboxItemFireWebhookRequest(**args)
        self._call("sandbox_item_fire_webhook", self._api.sandbox_item_fire_webhook, request)

    # -- plumbing -------------------------------------------------------------------------------

    def _call(
        self, operation: str, method: Callable[..., Any], request: Any, *, timeout: tuple[float, float] = (5, 30)
    ) -> Json:
        body = orjson.loads(self._raw(operation, method, request, timeout=timeout))
        if not isinstance(body, dict):
            raise PlaidUnavailable(f"Plaid's {operation} answered with something that is not a JSON object.")
        return body

    def _raw(
        self, operation: str, method: Callable[..., Any], request: Any, *, timeout: tuple[float, float] = (5, 30)
    ) -> bytes:
        try:
            response = method(request, _preload_content=False, _request_timeout=timeout)
        except plaid.ApiException as e:
            raise _api_error(operation, e) from None
        except (urllib3.exceptions.HTTPError, OSError) as e:
            log.warning("plaid %s: %s unreachable (%s)", operation, self.base_url, type(e).__name__)
            raise PlaidUnavailable(
                f"Could not reach Plaid at {self.base_url} ({type(e).__name__}). Check the network "
                "connection and PLAID_BASE_URL, then try again."
            ) from None
        data: bytes = response.data
        return data


def _api_error(operation: str, e: plaid.ApiException) -> PlaidApiError:
    status = int(e.status or 0)
    try:
        body = orjson.loads(e.body or b"{}")
    except orjson.JSONDecodeError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    error = PlaidApiError(
        operation=operation,
        status=status,
        error_type=str(body.get("error_type") or ("API_ERROR" if status >= 500 else "UNKNOWN")),
        error_code=str(body.get("error_code") or f"HTTP_{status}"),
        error_message=str(body.get("error_message") or e.reason or ""),
        display_message=body.get("display_message"),
        request_id=body.get("request_id"),
    )
    # A product the client or item lacks (Recurring Transactions is an add-on) is an answer, not a failure.
    level = logging.INFO if error.error_code in NOT_ENABLED else logging.WARNING
    log.log(level, "plaid %s failed: %s %s (request %s)", operation, status, error.error_code, error.request_id)
    return error
