"""Plaid's endpoints, grouped by what they act on; each group maps paths to (request schema, handler)."""

from __future__ import annotations

from core.emulator.endpoints.accounts import AccountEndpoints
from core.emulator.endpoints.common import Route
from core.emulator.endpoints.items import ItemEndpoints
from core.emulator.endpoints.link_tokens import LinkTokenEndpoints
from core.emulator.endpoints.transactions import TransactionEndpoints
from core.emulator.service import EmulatorService


def all_routes(service: EmulatorService) -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for group in (
        LinkTokenEndpoints(service),
        ItemEndpoints(service),
        AccountEndpoints(service),
        TransactionEndpoints(service),
    ):
        routes.update(group.routes())
    return routes
