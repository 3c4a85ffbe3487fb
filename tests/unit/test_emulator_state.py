"""Emulator state on disk: survives restarts, is shared by processes, keeps tokens hashed; token lifetimes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import plaid
import pytest
from plaid.api import plaid_api
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.transactions_sync_request import TransactionsSyncRequest

from core.emulator import Emulator, start_emulator

ROOT = Path(__file__).resolve().parents[2]


def client(emu: Emulator) -> plaid_api.PlaidApi:
    return plaid_api.PlaidApi(
        plaid.ApiClient(plaid.Configuration(host=emu.url, api_key={"clientId": "c", "secret": "s"}))
    )


def public_token(c: plaid_api.PlaidApi) -> str:
    return str(
        c.sandbox_public_token_create(
            SandboxPublicTokenCreateRequest(institution_id="ins_109508", initial_products=[Products("transactions")])
        ).public_token
    )


def new_item(c: plaid_api.PlaidApi) -> tuple[str, str]:
    r = c.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public_token(c)))
    return r.access_token, r.item_id


def sync_all(c: plaid_api.PlaidApi, access: str, cursor: str = "") -> tuple[dict[str, Any], str]:
    seen: dict[str, Any] = {}
    while True:
        r = json.loads(
            c.transactions_sync(
                TransactionsSyncRequest(access_token=access, cursor=cursor, count=500), _preload_content=False
            ).data
        )
        for t in r["added"] + r["modified"]:
            seen[t["transaction_id"]] = t
        for t in r["removed"]:
            seen[t["transaction_id"]] = None
        cursor = r["next_cursor"]
        if not r["has_more"]:
            return seen, cursor


def error_code(e: plaid.ApiException) -> str:
    return str(json.loads(e.body)["error_code"])


def test_tokens_and_cursors_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "emulator-state.json"
    with start_emulator(state_path=path, today=date(2025, 1, 10)) as first:
        access, item_id = new_item(client(first))
        _, cursor = sync_all(client(first), access)
        first.control.advance(item_id, 2)
        truth = first.control.truth(item_id)
    with start_emulator(state_path=path) as second:
        c = client(second)
        assert second.control.item_id_for_access_token(access) == item_id
        changes, _ = sync_all(c, access, cursor)  # the old cursor continues where it stopped
        assert changes
        assert second.control.truth(item_id) == truth
        assert c.accounts_get(AccountsGetRequest(access_token=access)).item.item_id == item_id


def test_the_state_file_holds_no_token_in_plaintext(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with start_emulator(state_path=path) as emu:
        c = client(emu)
        pending = public_token(c)
        access, _ = new_item(c)
        link = c.link_token_create(
            LinkTokenCreateRequest(
                client_name="Finboard",
                language="en",
                country_codes=[CountryCode("US")],
                user=LinkTokenCreateRequestUser(client_user_id="u"),
                products=[Products("transactions")],
            )
        ).link_token
    text = path.read_text()
    for token in (pending, access, link):
        assert token not in text and token.split("-", 2)[2] not in text
    assert path.stat().st_mode & 0o777 == 0o600


def test_two_emulators_share_one_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with start_emulator(state_path=path) as dashboard, start_emulator(state_path=path) as cron:
        access, item_id = new_item(client(dashboard))
        seen, cursor = sync_all(client(cron), access)  # the other process knows the item at once
        assert len(seen) == len(dashboard.control.truth(item_id))
        dashboard.control.advance(item_id, 3)
        later, _ = sync_all(client(cron), access, cursor)
        assert later
        assert cron.control.truth(item_id) == dashboard.control.truth(item_id)

        made: list[str] = []

        def create(emu: Emulator) -> None:
            for _ in range(5):
                made.append(new_item(client(emu))[1])

        threads = [threading.Thread(target=create, args=(e,)) for e in (dashboard, cron)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # concurrent writers lose nothing: every item is known to both
        known = {i["item_id"] for i in cron.control.items()}
        assert set(made) <= known and len(set(made)) == 10


def test_another_process_advancing_the_clock(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with start_emulator(state_path=path) as emu:
        access, item_id = new_item(client(emu))
        _, cursor = sync_all(client(emu), access)
        script = (
            "import sys; from core.emulator import start_emulator\n"
            "e = start_emulator(state_path=sys.argv[1]); e.control.advance(sys.argv[2], 2); e.stop()"
        )
        subprocess.run([sys.executable, "-c", script, str(path), item_id], check=True, cwd=ROOT, timeout=120)
        changes, _ = sync_all(client(emu), access, cursor)
        assert changes
        assert next(i for i in emu.control.items() if i["item_id"] == item_id)["days_advanced"] == 2


def test_public_tokens_are_single_use_and_expire_after_30_minutes() -> None:
    with start_emulator() as emu:
        c = client(emu)
        token = public_token(c)
        c.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=token))
        with pytest.raises(plaid.ApiException) as used:
            c.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=token))
        assert error_code(used.value) == "INVALID_PUBLIC_TOKEN"
        fresh, stale = public_token(c), public_token(c)
        emu.control.skew_clock(29 * 60)
        c.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=fresh))
        emu.control.skew_clock(2 * 60)
        with pytest.raises(plaid.ApiException) as expired:
            c.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=stale))
        assert error_code(expired.value) == "INVALID_PUBLIC_TOKEN"
        assert "expired" in json.loads(expired.value.body)["error_message"]
