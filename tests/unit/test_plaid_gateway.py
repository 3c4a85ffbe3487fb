"""Plaid error bodies and network failures become typed errors; tokens never reach the logs."""

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.plaid_gateway import PlaidApiError, PlaidGateway, PlaidUnavailable

TOKEN = "access-sandbox-0f1e2d3c-never-log-me"


class CannedPlaid:
    """An HTTP server answering every POST with one canned status and body, recording requests."""

    def __init__(self):
        self.status, self.body, self.content_type = 200, b"{}", "application/json"
        self.requests = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                canned.requests.append((self.path, dict(self.headers), self.rfile.read(length)))
                self.send_response(canned.status)
                self.send_header("Content-Type", canned.content_type)
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, status, body, content_type="application/json"):
        self.status, self.content_type = status, content_type
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()


@pytest.fixture
def plaid():
    canned = CannedPlaid()
    yield canned
    canned.server.shutdown()


def plaid_error(code, error_type, display=None, request_id="req-123"):
    return {
        "error_type": error_type,
        "error_code": code,
        "error_message": f"internal text for {code}",
        "display_message": display,
        "request_id": request_id,
    }


def test_error_body_becomes_a_typed_error(plaid, caplog):
    plaid.answer(400, plaid_error("ITEM_LOGIN_REQUIRED", "ITEM_ERROR", "Please log in again."))
    gateway = PlaidGateway(plaid.url, "client", "s3cret-value")
    with caplog.at_level(logging.DEBUG), pytest.raises(PlaidApiError) as info:
        gateway.get_accounts(TOKEN)
    e = info.value
    assert (e.status, e.error_type, e.error_code, e.request_id) == (400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED", "req-123")
    assert e.display_message == "Please log in again."
    assert not e.retryable
    assert "Please log in again" in str(e) and "req-123" in str(e)
    assert "req-123" in caplog.text  # request_id is logged for support...
    assert TOKEN not in caplog.text and "s3cret-value" not in caplog.text  # ...never the token or secret


def test_credentials_travel_in_headers_and_token_in_the_body(plaid):
    plaid.answer(200, {"accounts": [], "item": {}, "request_id": "r"})
    PlaidGateway(plaid.url, "client-id", "the-secret").get_accounts(TOKEN)
    path, headers, body = plaid.requests[-1]
    assert path == "/accounts/get"
    assert headers["PLAID-CLIENT-ID"] == "client-id" and headers["PLAID-SECRET"] == "the-secret"
    assert json.loads(body) == {"access_token": TOKEN}


@pytest.mark.parametrize(
    ("status", "body", "code", "retryable"),
    [
        (429, plaid_error("TRANSACTIONS_SYNC_LIMIT", "RATE_LIMIT_EXCEEDED"), "TRANSACTIONS_SYNC_LIMIT", True),
        (500, plaid_error("INTERNAL_SERVER_ERROR", "API_ERROR"), "INTERNAL_SERVER_ERROR", True),
        (400, plaid_error("PRODUCT_NOT_READY", "ITEM_ERROR"), "PRODUCT_NOT_READY", True),
        (400, plaid_error("INSTITUTION_DOWN", "INSTITUTION_ERROR"), "INSTITUTION_DOWN", True),
        (400, plaid_error("INVALID_ACCESS_TOKEN", "INVALID_INPUT"), "INVALID_ACCESS_TOKEN", False),
        (401, plaid_error("INVALID_API_KEYS", "INVALID_INPUT"), "INVALID_API_KEYS", False),
        (502, b"<html>Bad Gateway</html>", "HTTP_502", True),
    ],
)
def test_retryable_classification(plaid, status, body, code, retryable):
    plaid.answer(status, body, "text/html" if isinstance(body, bytes) else "application/json")
    with pytest.raises(PlaidApiError) as info:
        PlaidGateway(plaid.url, "c", "s").transactions_sync_page(TOKEN, "")
    assert info.value.error_code == code and info.value.status == status
    assert info.value.retryable is retryable


def test_sync_page_is_returned_raw(plaid):
    page = {"added": [], "modified": [], "removed": [], "accounts": [], "next_cursor": "c1", "has_more": False,
            "request_id": "r", "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE"}  # fmt: skip
    plaid.answer(200, page)
    raw = PlaidGateway(plaid.url, "c", "s").transactions_sync_page(TOKEN, "c0", 250)
    assert json.loads(raw) == page
    assert json.loads(plaid.requests[-1][2]) == {"access_token": TOKEN, "cursor": "c0", "count": 250}


def test_unreachable_host_is_plaid_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed as soon as the block ends: nothing listens there
    with pytest.raises(PlaidUnavailable, match="Could not reach Plaid"):
        PlaidGateway(f"http://127.0.0.1:{port}", "c", "s").get_accounts(TOKEN)


def test_debug_logging_stays_off():
    gateway = PlaidGateway("http://127.0.0.1:9", "c", "s")
    assert gateway._api.api_client.configuration.debug is False
    assert logging.getLogger("plaid").getEffectiveLevel() >= logging.WARNING
