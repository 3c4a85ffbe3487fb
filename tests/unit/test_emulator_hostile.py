"""The hostile bank in the emulator: its names reach the database exactly as sent (they are data), and
the terminal shows them without the control characters that would redraw it."""

from __future__ import annotations

import re

from core import cli
from core.emulator import hostile
from core.items import list_items
from core.sync import sync_items
from tests.unit.sync_emulated import NO_WAIT, connect, emulator, env_for, workspace

TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def test_the_hostile_banks_names_are_stored_exactly(tmp_path):
    with emulator() as emu:
        ws = workspace(emu, tmp_path / "data" / "finboard.duckdb")
        item_id = connect(ws, hostile.INSTITUTION_ID)
        (result,) = sync_items(ws, retry=NO_WAIT)
        assert result.ok, result.error
        with ws.store.connect() as con:
            accounts = {r[0] for r in con.execute("SELECT name FROM accounts").fetchall()}
            names = {n for row in con.execute("SELECT name, merchant_name FROM transactions").fetchall() for n in row}
    (item,) = list_items(ws)
    assert item.item_id == item_id and item.institution_name == hostile.INSTITUTION_NAME
    assert {name for name, _ in hostile.ACCOUNT_NAMES.values()} <= accounts
    assert len(set(hostile.NAMES) & names) >= len(hostile.NAMES) - 2, "nearly every attack reaches the ledger"
    assert hostile.LONG_NAME in names and len(hostile.LONG_NAME) == 1024


def test_the_terminal_shows_the_hostile_names_without_control_characters(tmp_path, monkeypatch, capsys):
    db = tmp_path / "data" / "finboard.duckdb"
    with emulator() as emu:
        for key, value in env_for(emu, db).items():
            monkeypatch.setenv(key, value)
        assert cli.main(["connect-sandbox", "--institution", hostile.INSTITUTION_ID]) == 0
        assert cli.main(["sync"]) == 0
        assert cli.main(["items"]) == 0
    out = capsys.readouterr()
    printed = out.out + out.err
    assert "Hostile Bank" in printed
    assert not TERMINAL_CONTROL.findall(printed), sorted(set(TERMINAL_CONTROL.findall(printed)))
