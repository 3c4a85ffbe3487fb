"""Every product Finboard declares (core/products) is a Plaid endpoint the emulator serves, and for the products a
sync refreshes by declaration, the gateway's call returns a spec-valid body that the product's mapping reads."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest

from core.plaid_gateway import PlaidGateway
from core.products import PRODUCTS, Product, refreshed
from tests.contract.plaid_contract import CLIENT, Contract


@pytest.fixture(scope="module")
def spec_paths(shared_plaid: Path) -> set[str]:
    with (shared_plaid / "openapi-2020-09-14.yml").open() as f:
        return set(yaml.load(f, Loader=yaml.CSafeLoader)["paths"])


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.name)
def test_each_product_endpoint_is_plaid_s_and_the_emulator_serves_it(
    product: Product, spec_paths: set[str], contract: Contract
) -> None:
    assert product.endpoint in spec_paths
    status, raw = contract.raw(product.endpoint, b"{}")  # known: a request without an access token is refused
    assert (status, orjson.loads(raw)["error_code"]) == (400, "MISSING_FIELDS")


@pytest.mark.parametrize("product", refreshed(), ids=lambda p: p.name)
def test_the_gateway_fetches_a_spec_valid_body_that_the_mapping_reads(product: Product, contract: Contract) -> None:
    public = contract.client.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(
            institution_id="ins_109508", initial_products=[Products(p) for p in ("transactions", "auth", "identity")]
        )
    ).public_token
    token = contract.client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public)).access_token
    body = PlaidGateway(contract.emu.url, *CLIENT).fetch_product(product.endpoint, token)
    contract.validate(product.endpoint, 200, orjson.dumps(body))
    assert product.rows is not None
    rows = product.rows(body, lambda secret: "sealed")
    assert set(rows) <= set(product.tables) and all(rows.values())
