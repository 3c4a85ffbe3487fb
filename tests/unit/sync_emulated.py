"""Helpers for sync tests that go through the real path: plaid-python over HTTP to the emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

from core.config import load_settings
from core.emulator import start_emulator
from core.items import connect_sandbox
from core.sync import sync_items
from core.sync.retry import RetryPolicy
from core.workspace import Workspace

CLIENT_ID, SECRET = "test-client", "test-secret"
NO_WAIT = RetryPolicy(sleep=lambda seconds: None)  # retries without the backoff sleeps


@contextmanager
def emulator(**options: object) -> Iterator[object]:
    emu = start_emulator(port=0, **options)  # type: ignore[arg-type]
    try:
        yield emu
    finally:
        emu.stop()


def env_for(emu: object, db: Path) -> dict[str, str]:
    """Environment for a `finboard` process (or load_settings) using this emulator as Plaid's sandbox."""
    return {
        "PLAID_CLIENT_ID": CLIENT_ID,
        "PLAID_SECRET": SECRET,
        "PLAID_ENV": "sandbox",
        "PLAID_BASE_URL": emu.url,  # type: ignore[attr-defined]
        "FINBOARD_DB": str(db),
    }


def workspace(emu: object, db: Path) -> Workspace:
    return Workspace(load_settings(env_for(emu, db), db.parent / "no-secrets.toml"))


def connect(ws: Workspace, institution: str = "ins_109508", **login: str) -> str:
    return connect_sandbox(ws, institution, **login)


def demo_bank(db: Path, today: date) -> Path:
    """The documented demo bank in `db`: First Platypus Bank, `user_good`, emulator seed 0, synced on `today`."""
    with emulator(seed=0, today=today) as emu:
        ws = workspace(emu, db)
        item = connect(ws, "ins_109508", username="user_good", password="pass_good")
        assert all(r.ok for r in sync_items(ws, [item], retry=NO_WAIT))
    return db


def process_env(emu: object, db: Path) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith(("PLAID_", "FINBOARD_"))}, **env_for(emu, db)}


# -- comparing the store with the emulator's truth ----------------------------------------------

ROW = (
    "transaction_id, account_id, date, name, merchant_name, amount, pending, pending_transaction_id, category_detailed"
)


def truth_rows(emu: object, item_id: str) -> set[tuple]:
    """The emulator's current transactions, shaped like rows of the `transactions` view."""
    return {
        (
            t["transaction_id"],
            t["account_id"],
            date.fromisoformat(t["date"]),
            t["name"],
            t.get("merchant_name"),
            Decimal(str(t["amount"])).quantize(Decimal("0.01")),
            t["pending"],
            t["pending_transaction_id"],
            (t.get("personal_finance_category") or {}).get("detailed"),
        )
        for t in emu.control.truth(item_id)  # type: ignore[attr-defined]
    }


def stored_rows(ws: Workspace, item_id: str) -> set[tuple]:
    with ws.store.connect() as con:
        rows = con.execute(f"SELECT {ROW} FROM transactions WHERE item_id = ?", [item_id]).fetchall()
    assert len(rows) == len(set(rows)), "a transaction is stored twice"
    return set(rows)
