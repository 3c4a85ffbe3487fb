"""Auth numbers (encrypted, masks readable) and Identity owners, fetched when the item has them."""

import pytest
from cryptography.fernet import Fernet

from core.config import load_settings
from core.items import ItemNotFound
from core.products.auth import auth_rows
from core.products.base import MalformedProductData
from core.sync import refresh_product, sync_item
from core.sync.products import due_products
from core.vault import Vault, open_vault, rotate_key
from tests.unit.sync_world import ChangeLogWorld, FakeGateway, plaid_error, workspace_with_item

ACCOUNT_NUMBER = "1111222233330000"
ROUTING = "011401533"

AUTH = {
    "accounts": [{"account_id": "acc-checking"}, {"account_id": "acc-card"}],
    "numbers": {
        "ach": [{"account_id": "acc-checking", "account": ACCOUNT_NUMBER, "routing": ROUTING,
                 "wire_routing": "021000021"}],
        "eft": [{"account_id": "acc-checking", "account": "111122223333", "institution": "021", "branch": "01140"}],
        "international": [{"account_id": "acc-card", "iban": "GB33BUKB20201555555555", "bic": "BUKBGB22"}],
        "bacs": [],
    },
}  # fmt: skip
IDENTITY = {
    "accounts": [
        {"account_id": "acc-checking", "owners": [{
            "names": ["Alberta Bobbeth Charleson"],
            "emails": [{"data": "accountholder0@example.com", "primary": True, "type": "primary"}],
            "phone_numbers": [{"data": "1112223333", "primary": False, "type": "home"}],
            "addresses": [{"data": {"street": "2992 Cameron Road", "city": "Malakoff", "region": "NY",
                                    "postal_code": "14236", "country": "US"}, "primary": True}],
        }]},
        {"account_id": "acc-card", "owners": []},
    ]
}  # fmt: skip


class ProductGateway(FakeGateway):
    def __init__(self, world, products=("transactions", "auth", "identity")):
        super().__init__(world)
        self.products = list(products)
        self.calls = []

    def get_accounts(self, access_token):
        return {**super().get_accounts(access_token), "item": {"products": self.products, "billed_products": []}}

    def fetch_product(self, endpoint, access_token):
        if endpoint not in ("/auth/get", "/identity/get"):  # Plaid's recurring streams: none in this world
            return super().fetch_product(endpoint, access_token)
        answer = {"/auth/get": AUTH, "/identity/get": IDENTITY}[endpoint]
        self.calls.append(endpoint.split("/")[1])
        return answer


def names(products):
    return [p.name for p in products]


@pytest.fixture
def world():
    world = ChangeLogWorld()
    world.add()
    return world


def test_numbers_are_encrypted_and_only_masks_are_readable(tmp_path, world):
    ws = workspace_with_item(tmp_path, ProductGateway(world))
    assert refresh_product(ws, "item-1", "auth") == 3
    with ws.store.connect() as con:
        rows = con.execute(
            "SELECT account_id, scheme, account_mask, routing_mask, account_enc, routing_enc, wire_routing_enc "
            "FROM account_numbers ORDER BY account_id, scheme"
        ).fetchall()
    assert [r[:4] for r in rows] == [
        ("acc-card", "international", "5555", "GB22"),
        ("acc-checking", "ach", "0000", "1533"),
        ("acc-checking", "eft", "3333", "1140"),
    ]
    ach = rows[1]
    assert ACCOUNT_NUMBER not in ach[4] and ROUTING not in ach[5]
    assert ws.vault.decrypt(ach[4]) == ACCOUNT_NUMBER
    assert ws.vault.decrypt(ach[5]) == ROUTING
    assert ws.vault.decrypt(ach[6]) == "021000021"
    assert ACCOUNT_NUMBER.encode() not in ws.store.path.read_bytes()


def test_rotate_key_re_encrypts_the_numbers(tmp_path, world):
    ws = workspace_with_item(tmp_path, ProductGateway(world))
    refresh_product(ws, "item-1", "auth")
    rotate_key(ws.settings, ws.store)
    fresh = load_settings({"FINBOARD_DB": str(ws.store.path)}, tmp_path / "none.toml")
    vault = open_vault(fresh, ws.store)
    with ws.store.connect() as con:
        encrypted = con.execute("SELECT account_enc FROM account_numbers WHERE scheme = 'ach'").fetchone()[0]
    assert vault.decrypt(encrypted) == ACCOUNT_NUMBER


def test_numbers_of_an_item_removed_while_plaid_answered_are_not_stored(tmp_path, world):
    class RemovedMeanwhile(ProductGateway):
        def fetch_product(self, endpoint, access_token):
            with ws.store.transaction() as con:  # `finboard remove` ran while /auth/get was in flight
                con.execute("DELETE FROM items")
            return super().fetch_product(endpoint, access_token)

    ws = workspace_with_item(tmp_path, RemovedMeanwhile(world))
    with pytest.raises(ItemNotFound):
        refresh_product(ws, "item-1", "auth")
    with ws.store.connect() as con:
        assert con.execute("SELECT count(*) FROM account_numbers").fetchone() == (0,)


def test_owners_are_stored_for_display(tmp_path, world):
    ws = workspace_with_item(tmp_path, ProductGateway(world))
    assert refresh_product(ws, "item-1", "identity") == 1
    with ws.store.connect() as con:
        rows = con.execute("SELECT account_id, names, emails, phone_numbers, addresses FROM account_owners").fetchall()
    assert rows == [
        ("acc-checking", ["Alberta Bobbeth Charleson"], ["accountholder0@example.com"], ["1112223333"],
         ["2992 Cameron Road, Malakoff, NY 14236, US"]),
    ]  # fmt: skip


def test_a_sync_fetches_auth_and_identity_once_when_the_item_has_them(tmp_path, world):
    gateway = ProductGateway(world)
    ws = workspace_with_item(tmp_path, gateway)
    assert sync_item(ws, "item-1").ok
    assert sorted(gateway.calls) == ["auth", "identity"]
    assert sync_item(ws, "item-1").ok
    assert sorted(gateway.calls) == ["auth", "identity"]  # not again: nothing new to cover
    assert names(due_products(ws, "item-1")) == ["recurring"]  # Plaid's recurring streams: after every sync


def test_a_new_account_makes_them_due_again(tmp_path, world):
    gateway = ProductGateway(world)
    ws = workspace_with_item(tmp_path, gateway)
    sync_item(ws, "item-1")
    with ws.store.transaction() as con:
        con.execute("INSERT INTO accounts (account_id, item_id, type) VALUES ('acc-new', 'item-1', 'depository')")
    assert names(due_products(ws, "item-1")) == ["auth", "identity", "recurring"]


def test_an_item_removed_and_connected_again_fetches_them_again(tmp_path, world):
    gateway = ProductGateway(world)
    ws = workspace_with_item(tmp_path, gateway)
    sync_item(ws, "item-1")
    with ws.store.transaction() as con:  # what removing the item does, keeping the refresh record behind
        con.execute("DELETE FROM items")
        con.execute("INSERT INTO items (item_id, products) VALUES ('item-1', ['auth', 'identity', 'transactions'])")
    assert names(due_products(ws, "item-1")) == ["auth", "identity"]


def test_an_item_without_the_products_is_not_asked(tmp_path, world):
    gateway = ProductGateway(world, products=["transactions"])
    ws = workspace_with_item(tmp_path, gateway)
    assert sync_item(ws, "item-1").ok
    assert gateway.calls == []


def test_auth_failure_is_a_note_not_a_failed_sync(tmp_path, world):
    class NoAuthAccounts(ProductGateway):
        def fetch_product(self, endpoint, access_token):
            if endpoint != "/auth/get":
                return super().fetch_product(endpoint, access_token)
            self.calls.append("auth")
            raise plaid_error("NO_AUTH_ACCOUNTS", error_type="ITEM_ERROR")

    gateway = NoAuthAccounts(world)
    ws = workspace_with_item(tmp_path, gateway)
    result = sync_item(ws, "item-1")
    assert result.ok and result.status == "healthy"
    assert any("Auth" in n and "NO_AUTH_ACCOUNTS" in n for n in result.notes)
    sync_item(ws, "item-1")
    assert gateway.calls.count("auth") == 1  # a permanent refusal is not asked again on every sync


def test_auth_rows_reject_numbers_without_an_account():
    with pytest.raises(MalformedProductData):
        auth_rows({"numbers": {"ach": [{"routing": "1"}]}}, Vault(Fernet.generate_key()).encrypt)
