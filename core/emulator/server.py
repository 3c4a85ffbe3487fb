"""The emulator's HTTP side: a Starlette app (served by uvicorn, see core/serving.py) around the handlers.

Handlers are plain functions of (method, path, headers, body) returning (status, content type, body); they run
in Starlette's thread pool because they hold the service lock and can take a while (the first use of a big world
generates it). What HTTP itself must refuse is refused here, before a handler runs:

- bodies over MAX_BODY_BYTES (413); a malformed Content-Length never gets this far (uvicorn answers 400);
- the development controls (POST /emulator/<hook>) take only `application/json` without a foreign `Origin`
  (415 / 403), so a web page cannot drive them with a "simple" cross-origin request (text/plain, no-cors).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # Plaid's requests are small; /sandbox/transactions/create takes at most 10 rows
_JSON = "application/json"
NO_STORE = {"Cache-Control": "no-store"}

# (method, path, headers, body) -> (status, content type, body)
Handler = Callable[[str, str, Mapping[str, str], bytes], tuple[int, str, bytes]]


def build_app(handle: Handler, control: Handler, own_origins: Callable[[], set[str]]) -> Starlette:
    """The emulator's ASGI app: `control` answers POST /emulator/<hook>, `handle` everything else."""

    async def controls(request: Request) -> Response:
        if request.method != "POST":
            return _json(405, {"error": "use POST"}, Allow="POST")
        refusal = _control_refusal(request, own_origins())
        if refusal:
            return refusal
        return await _answer(request, control)

    async def everything_else(request: Request) -> Response:
        return await _answer(request, handle)

    return Starlette(
        routes=[
            Route("/emulator/{hook:path}", controls, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/{path:path}", everything_else, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
        ]
    )


def _control_refusal(request: Request, own_origins: set[str]) -> Response | None:
    """Why a control request is refused, or None: JSON only, and no Origin but the emulator's own."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != _JSON:
        return _json(415, {"error": "the controls take a JSON object with Content-Type: application/json"})
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() not in own_origins:
        shown = urlsplit(origin).netloc[:80] or origin[:80]
        return _json(403, {"error": f"the controls do not answer web pages of other sites ({shown})"})
    return None


async def _answer(request: Request, handler: Handler) -> Response:
    too_large = _json(413, {"error": f"the body is over {MAX_BODY_BYTES} bytes"}, Connection="close")
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:  # digits: uvicorn refused anything else
        return too_large
    body = bytearray()
    async for chunk in request.stream():  # chunked bodies have no length to check in advance
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return too_large
    try:
        status, content_type, payload = await run_in_threadpool(
            handler, request.method, request.url.path, request.headers, bytes(body)
        )
    except Exception:  # a bug answers 500 and is logged; the server keeps serving
        log.exception("emulator failed on %s %s", request.method, request.url.path)
        status, content_type, payload = 500, "text/plain", b"emulator error"
    return Response(payload, status, headers=NO_STORE, media_type=content_type)


def _json(status: int, body: object, **headers: str) -> Response:
    return Response(orjson.dumps(body), status, headers={**NO_STORE, **headers}, media_type=_JSON)
