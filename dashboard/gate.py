"""The dashboard's front door: Starlette middleware that runs before Streamlit's own (see dashboard/serve.py).

1. Starlette's TrustedHostMiddleware refuses any request, HTTP or WebSocket, whose Host is not one of
   core.access.allowed_hosts (DNS rebinding).
2. With FINBOARD_PASSWORD set, LoginGate lets through only browsers holding a session cookie; everything else
   gets the login form (page loads), 401 (other HTTP) or a refused WebSocket handshake (403). A wrong password is
   answered after a delay that doubles with each failure in a row from that address (core.access.failure_delay);
   an attempt from that address before the delay is over is refused unchecked (429).
"""

from __future__ import annotations

import asyncio
import html
import math
from collections.abc import Sequence
from urllib.parse import parse_qs, quote

from starlette.datastructures import URL
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from core.access import FailedLogins, PasswordCheck, Sessions, allowed_hosts
from core.config import Settings

LOGIN_PATH = "/finboard/login"
LOGOUT_PATH = "/finboard/logout"
COOKIE = "finboard_session"
OPEN_PATHS = ("/_stcore/health",)  # says "ok" and nothing else: lets scripts wait for the server
MAX_FORM_BYTES = 4096
LOGOUT_FORM = (
    f'<form method="post" action="{LOGOUT_PATH}" style="margin:0">'
    '<button type="submit" style="background:none;border:0;padding:0;color:inherit;font:inherit;cursor:pointer;'
    'text-decoration:underline">Log out</button></form>'
)


def middleware(settings: Settings) -> Sequence[Middleware]:
    """The middleware for st.App: the Host check always, the login when FINBOARD_PASSWORD is set."""
    stack = [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings), www_redirect=False)]
    if settings.password:
        stack.append(Middleware(LoginGate, password=settings.password))
    return stack


class LoginGate:
    """Only browsers that logged in with FINBOARD_PASSWORD reach Streamlit (pages, assets and the WebSocket)."""

    def __init__(self, app: ASGIApp, password: str) -> None:
        self.app = app
        self.check = PasswordCheck(password)
        self.sessions = Sessions()
        self.failures = FailedLogins()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        path = conn.url.path
        if scope["type"] == "http" and path == LOGIN_PATH:
            response = await self._login(Request(scope, receive))
        elif scope["type"] == "http" and path == LOGOUT_PATH:
            self.sessions.close(conn.cookies.get(COOKIE))
            response = RedirectResponse(LOGIN_PATH, status_code=303)
            response.delete_cookie(COOKIE, path="/")
        elif self.sessions.valid(conn.cookies.get(COOKIE)) or (scope["type"] == "http" and path in OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403
            return
        elif scope["method"] in ("GET", "HEAD") and not path.startswith("/_stcore/"):
            target = path + (f"?{conn.url.query}" if conn.url.query else "")
            response = RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='')}", status_code=303)
        else:
            response = PlainTextResponse("Log in first.", status_code=401)
        await response(scope, receive, send)

    async def _login(self, request: Request) -> Response:
        target = _local_path(request.query_params.get("next"))
        if request.method != "POST":
            return HTMLResponse(login_page(target))
        client = request.client.host if request.client else "unknown"
        fields = await _read_form(request)
        if fields is None:
            return PlainTextResponse("The login form is too large.", status_code=413)
        target = _local_path(fields.get("next", target))
        wait = self.failures.wait(client)
        if wait > 0:  # checked and recorded with no await in between: one event loop, no race
            seconds = math.ceil(wait)
            return HTMLResponse(
                login_page(target, error=f"Too many wrong passwords. Try again in {seconds} s."),
                status_code=429, headers={"Retry-After": str(seconds)},
            )  # fmt: skip
        if self.check.matches(fields.get("password", "")):
            self.failures.succeeded(client)
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                COOKIE, self.sessions.open(), httponly=True, samesite="lax", path="/",
                secure=request.url.scheme == "https",
            )  # fmt: skip
            return response
        delay = self.failures.failed(client)
        await asyncio.sleep(delay)
        return HTMLResponse(
            login_page(target, error="Wrong password."), status_code=401, headers={"X-Finboard-Delay": f"{delay:g}"}
        )


async def _read_form(request: Request) -> dict[str, str] | None:
    """The urlencoded login form, at most MAX_FORM_BYTES; None when larger."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _local_path(raw: str | None) -> str:
    """Where to go after logging in: a path on this server, never another site ("//evil.example")."""
    if not raw or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return "/"
    url = URL(raw)
    return raw if not url.netloc and not url.scheme else "/"


def login_page(target: str, error: str | None = None) -> str:
    """A self-contained login form: no script, no style sheet or font from anywhere."""
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Finboard: log in</title>
<style>
body{{font-family:system-ui,sans-serif;background:#F4F6FA;color:#111827;display:grid;place-items:center;
min-height:100vh;margin:0}}
form{{background:#fff;padding:2rem;border-radius:.75rem;box-shadow:0 1px 4px #0002;width:min(22rem,90vw)}}
h1{{font-size:1.4rem;margin:0 0 .5rem}} p{{margin:.25rem 0 1rem;color:#4B5563}}
input,button{{font:inherit;width:100%;box-sizing:border-box;padding:.6rem;border-radius:.5rem}}
input{{border:1px solid #D1D5DB;margin:.25rem 0 1rem}} button{{background:#2563EB;color:#fff;border:0}}
.error{{color:#B91C1C}}
</style></head>
<body><form method="post" action="{LOGIN_PATH}">
<h1>Finboard</h1><p>This dashboard is protected by a password (FINBOARD_PASSWORD).</p>{message}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" autofocus required>
<input type="hidden" name="next" value="{html.escape(target)}">
<button type="submit">Log in</button>
</form></body></html>
"""
