"""Auth: account and routing numbers (/auth/get), stored encrypted; only their last four characters are readable."""

from __future__ import annotations

from core.products.base import Json, MalformedProductData, Product, Refetch, Seal, dicts

# scheme -> (field holding the account number, fields forming the routing number, wire routing field)
NUMBER_FIELDS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "ach": ("account", ("routing",), "wire_routing"),
    "eft": ("account", ("institution", "branch"), None),
    "international": ("iban", ("bic",), None),
    "bacs": ("account", ("sort_code",), None),
}


def auth_rows(body: Json, seal: Seal) -> dict[str, list[Json]]:
    """One account_numbers row per account and numbering scheme, numbers sealed, masks readable."""
    numbers = body.get("numbers")
    if not isinstance(numbers, dict):
        raise MalformedProductData("Plaid sent an /auth/get answer without numbers.")
    rows: dict[tuple[str, str], Json] = {}
    for scheme, (account_field, routing_fields, wire_field) in NUMBER_FIELDS.items():
        for entry in dicts(numbers.get(scheme) or [], f"numbers.{scheme}"):
            account_id, account = entry.get("account_id"), entry.get(account_field)
            if not isinstance(account_id, str) or not isinstance(account, str):
                raise MalformedProductData(f"Plaid sent {scheme} numbers without an account id or number.")
            routing = "-".join(str(entry[f]) for f in routing_fields if entry.get(f)) or None
            wire = entry.get(wire_field) if wire_field else None
            # The first set of numbers per account and scheme is the one shown; Plaid lists the primary first.
            rows.setdefault(
                (account_id, scheme),
                {
                    "account_id": account_id,
                    "scheme": scheme,
                    "account_mask": account[-4:],
                    "routing_mask": routing[-4:] if routing else None,
                    "account_enc": seal(account),
                    "routing_enc": seal(routing) if routing else None,
                    "wire_routing_enc": seal(wire) if isinstance(wire, str) and wire else None,
                },
            )
    return {"account_numbers": list(rows.values())}


PRODUCT = Product(
    name="auth",
    label="Auth",
    endpoint="/auth/get",
    tables=("account_numbers",),
    refetch=Refetch.WHEN_ACCOUNTS_APPEAR,
    requires="auth",
    rows=auth_rows,
    counted="account numbers",
    webhooks=frozenset({("AUTH", "DEFAULT_UPDATE")}),
    linkable=True,
)
