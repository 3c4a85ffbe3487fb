"""The product registry (core/products): each product is declared once, and the sync engine, the webhook
dispatcher and processor, and the deletion of an item's or account's data all follow the declarations.

The dummy product below is added to the registry the way a new product module would be, and nothing else is
changed: a sync fetches it, its webhook queues its refetch, the processor runs it, and revocation deletes it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

import core.products
from core.items import remove_item
from core.products import PRODUCTS, Product, Refetch, by_name, linkable, refreshed, shared_tables
from core.products.base import Json, Seal
from core.sync import sync_item
from core.webhooks.dispatch import dispatch
from core.webhooks.jobs import ItemJob
from core.webhooks.processor import describe_job
from core.webhooks.revocation import revoke_account
from tests.unit.sync_world import ChangeLogWorld, FakeGateway, workspace_with_item

SECRET = "loan-4242"


def dummy_rows(body: Json, seal: Seal) -> dict[str, list[Json]]:
    return {"dummy_rows": [{"account_id": a["account_id"], "secret_enc": seal(a["secret"])} for a in body["loans"]]}


DUMMY = Product(
    name="dummy",
    label="Dummy",
    endpoint="/liabilities/get",
    tables=("dummy_rows",),
    refetch=Refetch.EVERY_SYNC,
    requires="transactions",
    rows=dummy_rows,
    counted="loans",
    webhooks=frozenset({("DUMMY", "DEFAULT_UPDATE")}),
)


class DummyGateway(FakeGateway):
    def __init__(self, world: ChangeLogWorld) -> None:
        super().__init__(world)
        self.fetched: list[str] = []

    def fetch_product(self, endpoint: str, access_token: str) -> dict[str, Any]:
        if endpoint != DUMMY.endpoint:  # the shipped products a sync also fetches
            return super().fetch_product(endpoint, access_token)
        self.fetched.append(endpoint)
        return {"loans": [{"account_id": "acc-checking", "secret": SECRET}, {"account_id": "acc-card", "secret": "x"}]}


@pytest.fixture
def dummy(monkeypatch, tmp_path):
    """A workspace whose registry has the dummy product, and its table (what its migration would create)."""
    monkeypatch.setattr(core.products, "PRODUCTS", (*PRODUCTS, DUMMY))
    world = ChangeLogWorld()
    world.add(account=0)
    world.add(account=1)
    gateway = DummyGateway(world)
    ws = workspace_with_item(tmp_path, gateway)
    with ws.store.transaction() as con:
        con.execute(
            "CREATE TABLE dummy_rows (item_id VARCHAR, account_id VARCHAR, secret_enc VARCHAR, fetched_at TIMESTAMP)"
        )
    return ws, gateway


def dummy_secrets(ws) -> list[tuple[str, str]]:
    with ws.store.connect() as con:
        rows = con.execute("SELECT account_id, secret_enc FROM dummy_rows ORDER BY account_id").fetchall()
    return [(account, ws.vault.decrypt(sealed)) for account, sealed in rows]


def test_a_declared_product_is_fetched_by_every_sync_and_stored_through_its_mapping(dummy):
    ws, gateway = dummy
    assert sync_item(ws, "item-1").ok
    assert gateway.fetched == ["/liabilities/get"]
    assert dummy_secrets(ws) == [("acc-card", "x"), ("acc-checking", SECRET)]
    assert SECRET.encode() not in ws.store.path.read_bytes()  # sealed by the vault, as the mapping asked
    assert sync_item(ws, "item-1").ok
    assert gateway.fetched == ["/liabilities/get"] * 2  # Refetch.EVERY_SYNC


def test_its_webhook_queues_its_refetch_and_the_processor_runs_it(dummy):
    ws, gateway = dummy
    sync_item(ws, "item-1")
    result = dispatch(ws, {"webhook_type": "DUMMY", "webhook_code": "DEFAULT_UPDATE", "item_id": "item-1"}, "healthy")
    assert (result.outcome, result.job) == ("Dummy refetch queued", "dummy")
    assert describe_job(ws, ItemJob("item-1", "dummy")) == "Dummy refetched: 2 loans"
    assert gateway.fetched == ["/liabilities/get"] * 2


def test_revoking_an_account_or_removing_the_item_deletes_its_rows(dummy):
    ws, _ = dummy
    sync_item(ws, "item-1")
    assert revoke_account(ws, "item-1", "acc-checking")
    assert dummy_secrets(ws) == [("acc-card", "x")]
    ws.gateway.remove_item = lambda token: None
    remove_item(ws, "item-1")
    assert dummy_secrets(ws) == []


def test_permission_revoked_deletes_every_product_s_rows(dummy):
    ws, _ = dummy
    sync_item(ws, "item-1")
    dispatch(ws, {"webhook_type": "ITEM", "webhook_code": "USER_PERMISSION_REVOKED", "item_id": "item-1"}, "healthy")
    assert dummy_secrets(ws) == []


def test_a_product_the_item_lacks_is_not_fetched(dummy, monkeypatch):
    ws, gateway = dummy
    monkeypatch.setattr(core.products, "PRODUCTS", (*PRODUCTS, replace(DUMMY, requires="liabilities")))
    assert sync_item(ws, "item-1").ok
    assert gateway.fetched == []


# -- the registry as shipped ---------------------------------------------------------------------------


def test_names_webhooks_and_tables_are_declared_once():
    names = [p.name for p in PRODUCTS]
    assert len(set(names)) == len(names) and "sync" not in names  # "sync" is the whole-sync job
    webhooks = [kind for p in PRODUCTS for kind in (*p.webhooks, *p.ignored_webhooks)]
    assert len(set(webhooks)) == len(webhooks)
    assert len(set(shared_tables())) == len(shared_tables())
    assert linkable() == ("transactions", "auth", "identity")
    assert [p.name for p in refreshed()] == ["auth", "identity", "recurring"]
    assert by_name("auth").refetch is Refetch.WHEN_ACCOUNTS_APPEAR


def test_every_declared_table_exists_with_item_and_account_columns(tmp_path):
    ws = workspace_with_item(tmp_path, FakeGateway(ChangeLogWorld()))
    with ws.store.connect() as con:
        columns = set(con.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall())
    for table in shared_tables():
        assert {(table, "item_id"), (table, "account_id")} <= columns, table
    for d in (d for p in PRODUCTS for d in p.derived):
        assert {(d.table, d.key), (d.source, d.key)} <= columns, d
