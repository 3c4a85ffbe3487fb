"""The Link look-alike in a real browser: a host page on another origin loads link-initialize.js from the emulator,
as the dashboard does, and a person clicks through Link."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import plaid
import pytest
from plaid.api import plaid_api
from plaid.model.country_code import CountryCode
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.link_token_create_hosted_link import LinkTokenCreateHostedLink
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.link_token_get_request import LinkTokenGetRequest
from plaid.model.products import Products
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from playwright.sync_api import Browser, FrameLocator, Page, sync_playwright

from core.emulator import Emulator, start_emulator
from tests.conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.browser

# The host page keeps the link token in localStorage, as Plaid's OAuth guide says, so the page the bank
# redirects back to can re-create Link with the same token and receivedRedirectUri.
HOST_PAGE = """<!doctype html><html><body><h1>Host app</h1><button id="connect">Connect a bank</button>
<script src="%(emulator)s/link/v2/stable/link-initialize.js"></script>
<script>
  window.log = [];
  const params = new URLSearchParams(location.search);
  if (params.get("token")) localStorage.setItem("link_token", params.get("token"));
  const oauth = params.has("oauth_state_id");
  const handler = Plaid.create({
    token: localStorage.getItem("link_token"),
    receivedRedirectUri: oauth ? location.href : undefined,
    onLoad: () => log.push(["load"]),
    onEvent: (name, meta) => log.push(["event", name, meta]),
    onSuccess: (token, meta) => log.push(["success", token, meta]),
    onExit: (error, meta) => log.push(["exit", error, meta]),
  });
  document.getElementById("connect").onclick = () => handler.open();
  if (oauth) handler.open();
</script></body></html>"""


class HostApp:
    """Serves HOST_PAGE at every path, on an origin different from the emulator's."""

    def __init__(self, emulator_url: str) -> None:
        page = (HOST_PAGE % {"emulator": emulator_url}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("localhost", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = start_emulator()
    yield e
    e.stop()


@pytest.fixture(scope="module")
def client(emu: Emulator) -> plaid_api.PlaidApi:
    return plaid_api.PlaidApi(
        plaid.ApiClient(plaid.Configuration(host=emu.url, api_key={"clientId": "c", "secret": "s"}))
    )


@pytest.fixture(scope="module")
def host(emu: Emulator) -> HostApp:
    return HostApp(emu.url)


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def link_token(client: plaid_api.PlaidApi, **extra: Any) -> str:
    fields: dict[str, Any] = {
        "client_name": "Finboard",
        "language": "en",
        "country_codes": [CountryCode("US")],
        "user": LinkTokenCreateRequestUser(client_user_id="u"),
    }
    if "access_token" not in extra:
        fields["products"] = [Products("transactions")]
    return str(client.link_token_create(LinkTokenCreateRequest(**fields, **extra)).link_token)


def open_link(page: Page, host: HostApp, token: str) -> FrameLocator:
    page.goto(f"{host.url}/?token={token}")
    page.wait_for_function("window.log.some(e => e[0] === 'load')")
    page.get_by_role("button", name="Connect a bank").click()
    return page.frame_locator("iframe[title='Plaid Link']")


def outcome(page: Page) -> list[Any]:
    page.wait_for_function("window.log.some(e => e[0] === 'success' || e[0] === 'exit')")
    result: list[Any] = page.evaluate("window.log.find(e => e[0] === 'success' || e[0] === 'exit')")
    return result


def events(page: Page) -> list[str]:
    return [str(e[1]) for e in page.evaluate("window.log") if e[0] == "event"]


def log_in(link: FrameLocator, password: str = "pass_good") -> None:
    link.get_by_label("Username").fill("user_good")
    link.get_by_label("Password").fill(password)
    link.get_by_role("button", name="Continue").click()


def test_connect_a_new_bank(page: Page, host: HostApp, client: plaid_api.PlaidApi, emu: Emulator) -> None:
    link = open_link(page, host, link_token(client))
    link.get_by_label("Search for your bank").fill("platypus")
    link.get_by_role("button", name="First Platypus Bank").click()
    log_in(link, password="not-the-password")
    assert "credentials you provided were incorrect" in link.get_by_role("alert").inner_text()
    log_in(link)
    link.get_by_label("Plaid Saving").uncheck()
    link.get_by_role("button", name="Continue").click()
    link.get_by_role("heading", name="Success").wait_for()
    link.get_by_role("button", name="Continue").click()
    kind, public_token, metadata = outcome(page)
    assert kind == "success"
    assert metadata["institution"] == {"name": "First Platypus Bank", "institution_id": "ins_109508"}
    assert "Plaid Saving" not in {a["name"] for a in metadata["accounts"]} and len(metadata["accounts"]) == 5
    assert metadata["link_session_id"]
    seen = events(page)
    for name in (
        "OPEN",
        "TRANSITION_VIEW",
        "SEARCH_INSTITUTION",
        "SELECT_INSTITUTION",
        "SUBMIT_CREDENTIALS",
        "ERROR",
        "HANDOFF",
    ):
        assert name in seen, name
    item = client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public_token))
    assert len(emu.control.accounts(item.item_id)) == 5
    assert not page.locator("iframe[title='Plaid Link']").is_visible()  # the overlay closed


def test_closing_link_calls_on_exit(page: Page, host: HostApp, client: plaid_api.PlaidApi) -> None:
    link = open_link(page, host, link_token(client))
    link.get_by_role("button", name="Tartan Bank").click()
    link.get_by_role("button", name="Close").click()
    kind, error, metadata = outcome(page)
    assert (kind, error) == ("exit", None)
    assert metadata["status"] == "requires_credentials"
    assert metadata["institution"] == {"name": "Tartan Bank", "institution_id": "ins_109511"}
    assert "EXIT" in events(page)


def test_an_unknown_link_token_exits_with_invalid_link_token(page: Page, host: HostApp) -> None:
    open_link(page, host, "link-sandbox-00000000-0000-0000-0000-000000000000")
    kind, error, _ = outcome(page)
    assert kind == "exit" and error["error_code"] == "INVALID_LINK_TOKEN"


def test_oauth_bank_round_trip(page: Page, host: HostApp, client: plaid_api.PlaidApi) -> None:
    link = open_link(page, host, link_token(client, redirect_uri=f"{host.url}/oauth-return"))
    link.get_by_role("button", name="Platypus OAuth Bank").click()
    log_in(link)
    # the top window went to redirect_uri?oauth_state_id=...; that page re-creates Link with receivedRedirectUri
    page.wait_for_url(f"{host.url}/oauth-return?oauth_state_id=*")
    link = page.frame_locator("iframe[title='Plaid Link']")
    link.get_by_role("heading", name="Select accounts").wait_for()
    link.get_by_role("button", name="Continue").click()
    link.get_by_role("button", name="Continue").click()  # on the success pane
    kind, public_token, metadata = outcome(page)
    assert kind == "success" and public_token.startswith("public-sandbox-")
    assert metadata["institution"]["institution_id"] == "ins_127287"


def test_update_mode_repairs_a_broken_item(page: Page, host: HostApp, client: plaid_api.PlaidApi) -> None:
    public = client.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(institution_id="ins_109512", initial_products=[Products("transactions")])
    ).public_token
    access = client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public)).access_token
    client.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=access))
    link = open_link(page, host, link_token(client, access_token=access))
    link.get_by_role("heading", name="Log in to Houndstooth Bank").wait_for()  # no institution list
    log_in(link)
    link.get_by_role("button", name="Continue").click()
    kind, _, metadata = outcome(page)
    assert kind == "success" and metadata["institution"]["institution_id"] == "ins_109512"
    assert client.item_get(ItemGetRequest(access_token=access)).item.error is None
    assert json.dumps(metadata)  # plain JSON, as postMessage delivers it


def test_hosted_link_finishes_on_the_completion_page(page: Page, host: HostApp, client: plaid_api.PlaidApi) -> None:
    done = f"{host.url}/connected"
    r = client.link_token_create(
        LinkTokenCreateRequest(
            client_name="Finboard",
            language="en",
            country_codes=[CountryCode("US")],
            user=LinkTokenCreateRequestUser(client_user_id="u"),
            products=[Products("transactions")],
            hosted_link=LinkTokenCreateHostedLink(completion_redirect_uri=done),
        )
    )
    page.goto(r.hosted_link_url)
    page.get_by_role("button", name="First Gingham Credit Union").click()
    page.get_by_label("Username").fill("user_transactions_dynamic")
    page.get_by_label("Password").fill("anything")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # all accounts
    page.get_by_role("button", name="Continue").click()  # success pane
    page.wait_for_url(done)
    [session] = client.link_token_get(LinkTokenGetRequest(link_token=r.link_token)).link_sessions
    assert session.results.item_add_results[0].institution.institution_id == "ins_109509"
