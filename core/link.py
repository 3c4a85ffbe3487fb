"""Plaid Link, server side: link tokens (new items and update mode), where Link's script comes from,
the duplicate-institution check, finishing update mode, and link tokens kept for an OAuth return.

The browser only ever sees link tokens and public tokens; access tokens stay here and in the vault.
dashboard/link.py is the browser side.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from core.config import PLAID_HOSTS
from core.connections import item_columns
from core.item_status import Event, change
from core.items import Item, access_token, connect_public_token, get_item, list_items, remove_item
from core.workspace import Workspace

PLAID_LINK_SCRIPT = "https://cdn.plaid.com/link/v2/stable/link-initialize.js"
EMULATOR_LINK_SCRIPT = "/link/v2/stable/link-initialize.js"  # the emulator serves its look-alike here


class Purpose(StrEnum):
    CONNECT = "connect"  # a new item
    RECONNECT = "reconnect"  # update mode: the bank wants the person to log in again
    ADD_ACCOUNTS = "add_accounts"  # update mode with account selection (NEW_ACCOUNTS_AVAILABLE)


@dataclass(frozen=True)
class LinkToken:
    """A link token and what it was made for. Safe to send to the browser (unlike an access token)."""

    token: str
    expires_at: datetime
    purpose: Purpose
    item_id: str | None = None
    redirect_uri: str | None = None


@dataclass(frozen=True)
class LinkedAccount:
    """An account as Link's onSuccess metadata describes it (a mask, never a full number)."""

    name: str | None
    mask: str | None


def link_script_url(ws: Workspace) -> str:
    """Plaid's web SDK from its CDN for Plaid's own hosts; the emulator's look-alike for any other host.

    Offline the host is the embedded emulator; a PLAID_BASE_URL that is not Plaid's is a standalone
    emulator or test double, whose link tokens only its own Link page understands.
    """
    base = ws.gateway.base_url.rstrip("/")
    if not ws.settings.is_offline and base in PLAID_HOSTS.values():
        return PLAID_LINK_SCRIPT
    return base + EMULATOR_LINK_SCRIPT


def redirect_uri_for(ws: Workspace, app_url: str | None) -> str | None:
    """The OAuth redirect URI for a new link token.

    PLAID_REDIRECT_URI when configured (it must be on the Plaid dashboard's allowed list). Offline,
    without it, the page the person is on (app_url, query dropped), so the emulator's OAuth banks
    come back to the dashboard out of the box. Sandbox/production without it: none, and Plaid runs
    OAuth in a popup on desktop browsers.
    """
    if ws.settings.redirect_uri:
        return ws.settings.redirect_uri
    if not ws.settings.is_offline or not app_url:
        return None
    parts = urlsplit(app_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def create_link_token(
    ws: Workspace, purpose: Purpose = Purpose.CONNECT, *, item_id: str | None = None, redirect_uri: str | None = None
) -> LinkToken:
    """Ask Plaid for a link token: a new item (products, history, webhook) or update mode for item_id."""
    s = ws.settings
    update = purpose is not Purpose.CONNECT
    if update and item_id is None:
        raise ValueError(f"{purpose} needs the item_id of the connection to update")
    body = ws.gateway.create_link_token(
        client_user_id=client_user_id(ws),
        products=s.products,
        country_codes=s.country_codes,
        days_requested=s.days_requested,
        webhook=ws.webhook_url,
        redirect_uri=redirect_uri,
        access_token=access_token(ws, item_id) if update and item_id else None,
        account_selection=purpose is Purpose.ADD_ACCOUNTS,
    )
    return LinkToken(
        token=str(body["link_token"]),
        expires_at=_parse_time(body.get("expiration")),
        purpose=purpose,
        item_id=item_id if update else None,
        redirect_uri=redirect_uri,
    )


def client_user_id(ws: Workspace) -> str:
    """Plaid's stable, non-identifying id for the person: one per Finboard database."""
    digest = hashlib.sha256(str(ws.settings.db_path).encode()).hexdigest()[:20]
    return f"finboard-{digest}"


# -- after Link -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connected:
    item_id: str


@dataclass(frozen=True)
class AlreadyConnected:
    """Link succeeded for a bank login Finboard already has: nothing new was kept."""

    existing: Item


def already_connected(
    ws: Workspace, institution_id: str | None, accounts: Sequence[LinkedAccount], *, exclude: str | None = None
) -> Item | None:
    """The connection that a new Link result would duplicate, if any (Plaid's recommended check).

    Same institution and, where both sides list accounts, at least one account with the same name
    and mask; so a second person's login at the same bank is not mistaken for a duplicate. Revoked
    connections do not count: connecting the bank again is how a person replaces one.
    """
    if not institution_id:
        return None
    candidates = [
        i
        for i in list_items(ws)
        if i.institution_id == institution_id and i.status != "revoked" and i.item_id != exclude
    ]
    if not candidates:
        return None
    linked = {(a.name, a.mask) for a in accounts}
    if not linked:
        return candidates[0]
    with ws.store.connect() as con:
        for item in candidates:
            rows = con.execute("SELECT name, mask FROM accounts WHERE item_id = ?", [item.item_id]).fetchall()
            if not rows or linked & {(name, mask) for name, mask in rows}:
                return item
    return None


def connect_new_item(
    ws: Workspace,
    public_token: str,
    *,
    institution_id: str | None,
    institution_name: str | None,
    accounts: Sequence[LinkedAccount] = (),
) -> Connected | AlreadyConnected:
    """Keep a new item from Link's onSuccess, unless it duplicates one Finboard already has.

    The check runs before the exchange when Link named the institution. When it did not, the token
    is exchanged to learn it, and a duplicate is removed again at Plaid (and locally).
    """
    existing = already_connected(ws, institution_id, accounts)
    if existing is not None:
        return AlreadyConnected(existing)
    item_id = connect_public_token(ws, public_token, institution_id=institution_id, institution_name=institution_name)
    if institution_id is None:
        existing = already_connected(ws, get_item(ws, item_id).institution_id, accounts, exclude=item_id)
        if existing is not None:
            remove_item(ws, item_id)
            return AlreadyConnected(existing)
    return Connected(item_id)


def finish_update(ws: Workspace, item_id: str, purpose: Purpose) -> None:
    """Update mode succeeded: the login works again, so the item is healthy with no error.

    Adding accounts also settles NEW_ACCOUNTS_AVAILABLE, and any update mode settles a pending
    disconnect. Both columns come with the webhooks schema; older databases lack them.
    """
    get_item(ws, item_id)
    with ws.store.transaction() as con:
        columns = item_columns(con)
        settled: dict[str, object] = {}
        if "pending_disconnect_at" in columns:
            settled["pending_disconnect_at"] = None
        if purpose is Purpose.ADD_ACCOUNTS and "new_accounts_available" in columns:
            settled["new_accounts_available"] = False
        change(con, item_id, Event.CONNECTED, also=settled)
    ws.store.bump_data_version()


# -- OAuth return -------------------------------------------------------------------------------------


def launch_key() -> str:
    """A random name for one opening of Link: a cookie value and part of a Streamlit component id.

    Hex, because Streamlit refuses a component id containing "__" (token_urlsafe's alphabet has "_"
    and made about one Link in fifty crash).
    """
    return secrets.token_hex(16)


class PendingLinks:
    """Link tokens waiting for a person to come back from their bank's OAuth page.

    The return is a full page load, so a new Streamlit session: nothing in session state survives.
    The browser keeps only a random key (a cookie); the token stays in this process-wide map until
    Link finishes or the token expires. A dashboard restart forgets them: the person connects again.
    """

    MAX_ENTRIES = 256  # one per open Link with a redirect URI; a bound, not an expected load

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, LinkToken] = {}

    def add(self, token: LinkToken) -> str:
        """Keep a token; returns the key the browser holds on to."""
        key = launch_key()
        with self._lock:
            self._prune()
            if len(self._tokens) >= self.MAX_ENTRIES:
                del self._tokens[min(self._tokens, key=lambda k: self._tokens[k].expires_at)]
            self._tokens[key] = token
        return key

    def get(self, key: str | None) -> LinkToken | None:
        """The token kept under key, unless unknown or expired."""
        if not key:
            return None
        with self._lock:
            self._prune()
            return self._tokens.get(key)

    def discard(self, key: str) -> None:
        with self._lock:
            self._tokens.pop(key, None)

    def _prune(self) -> None:
        now = self._clock()
        for key in [k for k, t in self._tokens.items() if t.expires_at.timestamp() <= now]:
            del self._tokens[key]


def _parse_time(raw: object) -> datetime:
    """Plaid's ISO 8601 expiration in UTC; 30 minutes from now (the shortest token life) if it is missing."""
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.fromtimestamp(time.time() + 30 * 60, tz=UTC)
