"""Real-time balances (Plaid's 5 per item per minute), Auth and Identity, through the emulator."""

from datetime import date

import pytest

from core.items import access_token
from core.plaid_gateway import PlaidApiError
from core.sync import BalanceRateLimited, refresh_balances, refresh_product, sync_item
from core.sync.balances import claim_balance_call
from tests.unit.sync_emulated import NO_WAIT, connect, emulator, workspace


@pytest.fixture(scope="module")
def emu():
    with emulator(seed=21) as emu:
        yield emu


@pytest.fixture
def ws(emu, tmp_path):
    emu.control.reset_faults()
    return workspace(emu, tmp_path / "fb.duckdb")


@pytest.fixture
def item(ws):
    item = connect(ws)
    assert sync_item(ws, item, retry=NO_WAIT).ok
    return item


def count_balance_calls(ws):
    calls = []
    real = ws.gateway.get_balances

    def counted(token):
        calls.append(1)
        return real(token)

    ws.gateway.get_balances = counted
    return calls


def test_real_time_balances_are_stored_as_todays_snapshot(emu, ws, item):
    emu.control.advance(item, days=2)  # balances move at the bank
    assert refresh_balances(ws, item) == len(emu.control.accounts(item))
    truth = {a["account_id"]: a["balances"]["current"] for a in emu.control.accounts(item)}
    with ws.store.connect() as con:
        accounts = dict(con.execute("SELECT account_id, current_balance FROM accounts").fetchall())
        today = dict(con.execute(
            "SELECT account_id, current_balance FROM balance_history WHERE date = ? AND NOT derived", [date.today()]
        ).fetchall())  # fmt: skip
    assert {k: float(v) for k, v in accounts.items()} == pytest.approx(truth)
    assert {k: float(v) for k, v in today.items()} == pytest.approx(truth)


def test_a_sixth_call_in_a_minute_is_refused_before_reaching_plaid(emu, ws, item):
    calls = count_balance_calls(ws)
    for _ in range(5):
        refresh_balances(ws, item)
    with pytest.raises(BalanceRateLimited, match=r"5 times in the last minute.*Try again in \d+ s"):
        refresh_balances(ws, item)
    assert len(calls) == 5  # the sixth never left Finboard


def test_the_limit_counts_calls_from_every_process_on_the_database(emu, ws, item):
    for _ in range(5):
        claim_balance_call(workspace(emu, ws.store.path), item, label="another process")
    with pytest.raises(BalanceRateLimited):
        refresh_balances(ws, item)


def test_plaids_own_rate_limit_becomes_a_clear_message(emu, ws, item):
    token = access_token(ws, item)
    for _ in range(5):  # another client of the same item used Plaid's budget
        ws.gateway.get_balances(token)
    with pytest.raises(PlaidApiError):
        ws.gateway.get_balances(token)
    with pytest.raises(BalanceRateLimited, match="Plaid refused more real-time balance requests"):
        refresh_balances(ws, item)


def test_auth_numbers_match_plaid_and_only_masks_are_readable(emu, ws, item):
    numbers = ws.gateway.fetch_product("/auth/get", access_token(ws, item))["numbers"]["ach"]
    with ws.store.connect() as con:
        stored = {r[0]: r[1:] for r in con.execute(
            "SELECT account_id, account_mask, routing_mask, account_enc, routing_enc FROM account_numbers "
            "WHERE scheme = 'ach'"
        ).fetchall()}  # fmt: skip
    assert set(stored) == {n["account_id"] for n in numbers}
    for n in numbers:
        mask, routing_mask, account_enc, routing_enc = stored[n["account_id"]]
        assert (mask, routing_mask) == (n["account"][-4:], n["routing"][-4:])
        assert n["account"] not in account_enc
        assert ws.vault.decrypt(account_enc) == n["account"] and ws.vault.decrypt(routing_enc) == n["routing"]


def test_refresh_functions_for_default_update_webhooks_replace_the_data(emu, ws, item):
    with ws.store.transaction() as con:
        con.execute("DELETE FROM account_owners")
        con.execute("UPDATE account_numbers SET account_mask = 'XXXX'")
    assert refresh_product(ws, item, "identity") > 0
    assert refresh_product(ws, item, "auth") > 0
    with ws.store.connect() as con:
        assert con.execute("SELECT count(*) FROM account_numbers WHERE account_mask = 'XXXX'").fetchone() == (0,)
        owners = con.execute("SELECT DISTINCT names FROM account_owners").fetchall()
    assert owners and all(names for (names,) in owners)
