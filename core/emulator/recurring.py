"""/transactions/recurring/get answered from the world's schedules: the emulator knows which series each of its
transactions belongs to (posting.Books.series_of, tagged by schedules.py), so its streams are the truth.

A stream per series with posted transactions in the shared accounts: its transactions, first and last date,
average and last amount (Plaid's sign), the frequency the schedule has (every second month or every quarter is
UNKNOWN, as Plaid has no name for them), the next date the schedule has after the last transaction, and a status:
TOMBSTONED once the schedule has ended (a cancelled subscription), EARLY_DETECTION with fewer than three
transactions (two for a yearly one), else MATURE.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import orjson

from core.emulator.ids import stable_id
from core.emulator.items import LiveItem

MATURE_AFTER = {"ANNUALLY": 2}  # transactions needed to be MATURE; 3 for every other frequency


def members(live: LiveItem) -> dict[str, list[dict[str, Any]]]:
    """Each series' posted transactions now (as /transactions/sync returns them), oldest first."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for txn_id, key in live.world.books.series_of.items():
        body = live.ledger.latest(txn_id)
        if body is None:
            continue  # removed, or a pending version that has since posted
        t = orjson.loads(body)
        if not t["pending"]:
            out[key].append(t)
    for txns in out.values():
        txns.sort(key=lambda t: (t["date"], t["transaction_id"]))
    return out


def streams(
    live: LiveItem, item_id: str, shown: frozenset[int] | None, account_ids: list[str] | None
) -> dict[str, Any]:
    """inflow_streams and outflow_streams of the item, for the accounts shown (and asked for)."""
    world = live.world
    wanted = None if account_ids is None else set(account_ids)
    out: dict[str, list[dict[str, Any]]] = {"inflow_streams": [], "outflow_streams": []}
    for key, txns in sorted(members(live).items()):
        info = world.schedule.series_info(key)
        account = world.accounts[info.account]
        hidden = shown is not None and info.account not in shown
        if hidden or (wanted is not None and account.account_id not in wanted):
            continue
        out[f"{info.direction}_streams"].append(_stream(world, item_id, key, info.frequency, txns))
    return out


def truth(live: LiveItem) -> list[dict[str, Any]]:
    """Every series with what it is (control.series): key, role, account_id, direction, frequency (Plaid's),
    transaction_ids. Roles: income, housing, bill, subscription, transfer, interest, deposit."""
    out = []
    for key, txns in sorted(members(live).items()):
        info = live.world.schedule.series_info(key)
        out.append(
            {
                "key": key,
                "role": info.role,
                "account_id": live.world.accounts[info.account].account_id,
                "direction": info.direction,
                "frequency": info.frequency,
                "transaction_ids": [t["transaction_id"] for t in txns],
            }
        )
    return out


def _stream(world: Any, item_id: str, key: str, frequency: str, txns: list[dict[str, Any]]) -> dict[str, Any]:
    last = txns[-1]
    currency = {"iso_currency_code": last["iso_currency_code"], "unofficial_currency_code": None}
    after = world.schedule.next_due(key, date.fromisoformat(last["date"]).toordinal())
    ended = after is None
    mature = len(txns) >= MATURE_AFTER.get(frequency, 3)
    pfc = last["personal_finance_category"]
    return {
        "account_id": last["account_id"],
        "stream_id": stable_id(f"{item_id}:recurring:{key}") + stable_id(key)[:17],
        "category": None,
        "category_id": None,
        "description": last["name"],
        "merchant_name": last["merchant_name"],
        "personal_finance_category": {
            "primary": pfc["primary"],
            "detailed": pfc["detailed"],
            "confidence_level": pfc["confidence_level"],
        },
        "first_date": txns[0]["date"],
        "last_date": last["date"],
        "predicted_next_date": None if ended else date.fromordinal(after).isoformat(),
        "frequency": frequency,
        "transaction_ids": [t["transaction_id"] for t in txns],
        "average_amount": {"amount": round(sum(t["amount"] for t in txns) / len(txns), 2), **currency},
        "last_amount": {"amount": last["amount"], **currency},
        "is_active": not ended,
        "status": "TOMBSTONED" if ended else "MATURE" if mature else "EARLY_DETECTION",
        "is_user_modified": False,
    }
