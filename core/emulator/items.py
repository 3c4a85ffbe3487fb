"""Live items: the in-memory world and change log of each item, rebuilt from its state record on demand.

A record holds only what cannot be derived (seed, ordinal, anchor date, size) plus the ordered list of
world-changing events (clock advances, custom sandbox transactions). Replaying them reproduces the log entry
for entry, so a cursor issued by one process or before a restart stays valid in another.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from core.emulator import hostile
from core.emulator.ids import IdFactory
from core.emulator.ledger import Ledger
from core.emulator.world import Change, World


class LiveItem:
    """One item's World (accounts, balances, simulation) and Ledger (transaction change log)."""

    def __init__(self, record: dict[str, Any], ids: IdFactory) -> None:
        self.item_id: str = record["item_id"]
        self.world = World(
            ids, record["seed"], record["ordinal"], date.fromisoformat(record["today"]), record["transactions"]
        )
        if record.get("institution_id") == hostile.INSTITUTION_ID:
            hostile.disguise(self.world)
        self.ledger = Ledger([a.account_id for a in self.world.accounts], salt=self.item_id)
        self.ledger.apply(self.world.history())
        self.applied = 0  # events of the record replayed so far
        self._accounts_cache: tuple[tuple[int, tuple[str, ...]], bytes] | None = None
        self.catch_up(record)

    def catch_up(self, record: dict[str, Any]) -> list[Change]:
        """Replay the record's events this item has not seen yet; returns what changed."""
        changes: list[Change] = []
        for event in record["events"][self.applied :]:
            changes.extend(self._apply(event))
            self.applied += 1
        self.ledger.apply(changes)
        return changes

    def _apply(self, event: dict[str, Any]) -> list[Change]:
        if event["type"] == "advance":
            out: list[Change] = []
            for _ in range(event["days"]):
                out.extend(self.world.advance_day())
            return out
        if event["type"] == "transactions":
            rows = [
                (date.fromisoformat(t), date.fromisoformat(p), cents, desc, cur)
                for t, p, cents, desc, cur in event["rows"]
            ]
            return self.world.add_custom(rows)
        raise ValueError(f"unknown item event {event['type']!r}")

    def visible(self, record: dict[str, Any]) -> frozenset[int] | None:
        """Indices of the accounts the user shared in Link (None = all of them)."""
        chosen = record.get("account_ids")
        if chosen is None:
            return None
        return frozenset(a.index for a in self.world.accounts if a.account_id in chosen)

    def accounts_json(self, record: dict[str, Any], account_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """AccountBase objects with current balances, optionally narrowed to account_ids."""
        shown = self.visible(record)
        return [
            self.world.account_json(a.index)
            for a in self.world.accounts
            if (shown is None or a.index in shown) and (account_ids is None or a.account_id in account_ids)
        ]

    def accounts_bytes(self, record: dict[str, Any]) -> bytes:
        """accounts_json as JSON, cached until the log (and so a balance) changes: sync sends it with every page."""
        key = (len(self.ledger), tuple(record.get("account_ids") or ()))
        if self._accounts_cache is None or self._accounts_cache[0] != key:
            self._accounts_cache = (key, orjson.dumps(self.accounts_json(record)))
        return self._accounts_cache[1]

    def clock(self) -> date:
        return date.fromordinal(self.world.clock)
