"""Plaid's sandbox institutions and logins, and the merchants, places and people the simulated world is made of.

The data lives in catalog.toml beside this module (one entry per institution, merchant, city...); this module
loads and checks it once, at import, and exposes it as typed constants. schedules.py decides when things happen
and how much they cost. Every personal_finance_category is a PFC v2 primary/detailed pair from Plaid's taxonomy
(tests/contract checks each one against pfc-taxonomy-all.csv).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from importlib import resources
from typing import Any, Literal, NamedTuple, get_args


class CatalogError(ValueError):
    """catalog.toml is malformed; the message names the entry and the field."""


@dataclass(frozen=True)
class Institution:
    institution_id: str
    name: str
    country_codes: tuple[str, ...]
    oauth: bool
    routing_numbers: tuple[str, ...]
    primary_color: str
    url: str


Channel = Literal["online", "in store", "other"]
Funding = Literal["card", "debit", "checking"]  # card: usually the credit card; debit: checking card; checking: ACH


@dataclass(frozen=True)
class Merchant:
    """What a purchase looks like; the world decides when it happens and, within the range, how much it costs."""

    key: str
    name: str  # Plaid's legacy `name` (cleaned description)
    merchant_name: str | None
    detailed: str  # PFC v2 detailed; the primary is derived from it
    confidence: str
    channel: Channel
    low_cents: int
    high_cents: int
    weight: float = 0.0  # relative frequency among everyday purchases (0 = never picked at random)
    funding: Funding = "card"
    website: str | None = None
    post_days: tuple[int, int] = (1, 3)  # pending for this many days before posting; (0, 0) = posts at once
    tip: bool = False  # restaurants: the posted amount includes a tip the authorization did not
    refundable: bool = False
    counterparty_type: str = "merchant"


class Row(NamedTuple):
    """A posted row that is not a purchase (salary, transfer, fee, interest); the name may hold {placeholders}."""

    name: str
    detailed: str
    confidence: str


class Place(NamedTuple):
    city: str
    region: str
    postal_code: str
    country: str
    lat: float
    lon: float


class Owner(NamedTuple):
    name: str
    email: str
    phone: str
    street: str


class ForcedError(NamedTuple):
    error_type: str
    status: int
    display_message: str | None


# Merchants the schedules use by name (exactly one each); the other roles are pools the world picks from.
SINGLE_ROLES = ("flight", "hotel", "rental_car", "electric", "water", "rent", "tax_refund", "investment", "interac")
POOL_ROLES = ("everyday", "travel", "subscription", "annual", "habit")


class Plan(NamedTuple):
    """When a scheduled merchant charges: `day` of the month (subscription, annual), `month` (annual), `weekday`
    (habit, 0 = Monday); a subscription's `price_change` (months before the item's today, the new price in cents)
    and `ends` (months before the item's today it was cancelled)."""

    day: int | None = None
    month: int | None = None
    weekday: int | None = None
    price_change: tuple[int, int] | None = None
    ends: int | None = None


# What each scheduled role needs besides the merchant (and what it may have).
_PLAN_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "subscription": ({"day"}, {"price_change", "ends"}),
    "annual": ({"day", "month"}, set()),
    "habit": ({"weekday"}, set()),
}


@dataclass(frozen=True)
class Catalog:
    environment: str
    products: tuple[str, ...]
    primaries: tuple[str, ...]
    employers: tuple[str, ...]
    streets: tuple[str, ...]
    home_cities: tuple[Place, ...]
    trip_cities: tuple[Place, ...]
    owners: tuple[Owner, ...]
    dynamic_users: tuple[str, ...]
    forceable_errors: dict[str, ForcedError]
    rows: dict[str, Row]
    institutions: tuple[Institution, ...]
    merchants: dict[str, tuple[tuple[Merchant, Plan], ...]]  # role -> ((merchant, when it charges), ...)


ROW_NAMES = (
    "salary",
    "interest",
    "transfer_to_savings",
    "transfer_from_checking",
    "transfer_out",
    "transfer_in",
    "card_payment_out",
    "card_payment_in",
    "mortgage_out",
    "mortgage_in",
    "student_out",
    "student_in",
    "maintenance_fee",
    "atm_fee",
    "overdraft_fee",
    "foreign_fee",
    "late_fee",
    "interest_charge",
)


def load(text: str) -> Catalog:
    """Parse and check catalog.toml's text; CatalogError names the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogError(f"catalog.toml is not valid TOML: {e}") from e
    top = {"environment", "products", "pfc_primaries", "employers", "streets", "home_cities", "trip_cities", "owners"}
    _table(data, "the top level", top | {"logins", "forceable_errors", "rows", "institutions", "merchants"})
    primaries = tuple(data["pfc_primaries"])
    merchants: dict[str, list[tuple[Merchant, Plan]]] = {r: [] for r in (*POOL_ROLES, *SINGLE_ROLES)}
    for n, entry in enumerate(data["merchants"]):
        role, merchant, plan = _merchant(entry, n, primaries)
        if any(merchant.key == m.key for ms in merchants.values() for m, _ in ms):
            raise CatalogError(f"catalog.toml: merchant key {merchant.key!r} is used twice")
        merchants[role].append((merchant, plan))
    for role in SINGLE_ROLES:
        if len(merchants[role]) != 1:
            raise CatalogError(f"catalog.toml: exactly one merchant must have role {role!r}")
    rows = _table(data["rows"], "[rows]", set(ROW_NAMES))
    return Catalog(
        environment=data["environment"],
        products=tuple(data["products"]),
        primaries=primaries,
        employers=tuple(data["employers"]),
        streets=tuple(data["streets"]),
        home_cities=tuple(_named(Place, e, "a home city") for e in data["home_cities"]),
        trip_cities=tuple(_named(Place, e, "a trip city") for e in data["trip_cities"]),
        owners=tuple(_named(Owner, e, "an owner") for e in data["owners"]),
        dynamic_users=tuple(_table(data["logins"], "[logins]", {"dynamic_users"})["dynamic_users"]),
        forceable_errors={
            code: _named(ForcedError, e, f"forceable_errors.{code}") for code, e in data["forceable_errors"].items()
        },
        rows={name: _named(Row, rows[name], f"rows.{name}") for name in ROW_NAMES},
        institutions=tuple(_institution(e, n) for n, e in enumerate(data["institutions"])),
        merchants={role: tuple(ms) for role, ms in merchants.items()},
    )


def _table(entry: object, where: str, required: set[str], optional: set[str] | None = None) -> dict[str, Any]:
    """The entry as a dict, after checking it has exactly the expected fields."""
    if not isinstance(entry, Mapping):
        raise CatalogError(f"catalog.toml: {where} must be a table")
    missing = required - entry.keys()
    unknown = entry.keys() - required - (optional or set())
    if missing:
        raise CatalogError(f"catalog.toml: {where} lacks {', '.join(sorted(missing))}")
    if unknown:
        raise CatalogError(f"catalog.toml: {where} has unknown field(s) {', '.join(sorted(unknown))}")
    return dict(entry)


def _tuples(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}


def _named(cls: type[Any], entry: object, where: str) -> Any:
    required = {f for f in cls._fields if f not in cls._field_defaults}
    return cls(**_table(entry, where, required, set(cls._field_defaults)))


def _institution(entry: object, n: int) -> Institution:
    return Institution(**_tuples(_table(entry, f"institution {n + 1}", {f.name for f in fields(Institution)})))


def _merchant(entry: object, n: int, primaries: tuple[str, ...]) -> tuple[str, Merchant, Plan]:
    where = f"merchant {n + 1}"
    if isinstance(entry, Mapping) and isinstance(entry.get("key"), str):
        where = f"merchant {entry['key']!r}"
    scheduling = set(Plan._fields)
    optional = {f.name for f in fields(Merchant) if f.default is not MISSING} | {"merchant_name"} | scheduling
    t = _table(entry, where, {"key", "role", "name", "detailed", "confidence", "channel", "cents"}, optional)
    role, cents = t.pop("role"), t.pop("cents")
    plan = _plan(role, {k: t.pop(k) for k in scheduling & t.keys()}, where)
    if not (isinstance(cents, list) and len(cents) == 2 and all(isinstance(c, int) for c in cents)):
        raise CatalogError(f"catalog.toml: {where}: cents must be [low, high] in whole cents")
    if cents[0] > cents[1]:
        raise CatalogError(f"catalog.toml: {where}: cents [low, high] has low above high")
    for name, allowed in (("channel", get_args(Channel)), ("funding", get_args(Funding))):
        if name in t and t[name] not in allowed:
            raise CatalogError(f"catalog.toml: {where}: {name} must be one of {', '.join(allowed)}")
    if not any(t["detailed"].startswith(p + "_") for p in primaries):
        raise CatalogError(f"catalog.toml: {where}: {t['detailed']!r} is not a PFC v2 detailed category")
    t.setdefault("merchant_name", None)
    return role, Merchant(low_cents=cents[0], high_cents=cents[1], **_tuples(t)), plan


def _plan(role: object, given: dict[str, Any], where: str) -> Plan:
    """The scheduling fields of a merchant, checked against its role (subscription, annual, habit)."""
    if role not in (*POOL_ROLES, *SINGLE_ROLES):
        raise CatalogError(f"catalog.toml: {where} has role {role!r}; known: {', '.join((*POOL_ROLES, *SINGLE_ROLES))}")
    required, optional = _PLAN_FIELDS.get(str(role), (set(), set()))
    if not required <= given.keys() or not given.keys() <= required | optional:
        wanted = ", ".join(sorted(required | optional)) or "none"
        raise CatalogError(f"catalog.toml: {where}: a {role} merchant has these scheduling fields: {wanted}")
    limits = {"day": (1, 31), "month": (1, 12), "weekday": (0, 6), "ends": (1, 23)}
    for name, (low, high) in limits.items():
        if name in given and not (isinstance(given[name], int) and low <= given[name] <= high):
            raise CatalogError(f"catalog.toml: {where}: {name} must be a whole number from {low} to {high}")
    change = given.get("price_change")
    if change is not None and not (
        isinstance(change, list) and len(change) == 2 and all(isinstance(c, int) and c > 0 for c in change)
    ):
        raise CatalogError(f"catalog.toml: {where}: price_change must be [months before today, new cents]")
    return Plan(**{**given, "price_change": tuple(change) if change else None})


CATALOG = load(resources.files("core.emulator").joinpath("catalog.toml").read_text(encoding="utf-8"))

ENVIRONMENT = CATALOG.environment
ALL_PRODUCTS = CATALOG.products
PRIMARIES = CATALOG.primaries
EMPLOYERS = CATALOG.employers
STREETS = CATALOG.streets
HOME_CITIES, TRIP_CITIES = CATALOG.home_cities, CATALOG.trip_cities  # where holders live; trips go to the others
OWNERS = CATALOG.owners
DYNAMIC_USERS = CATALOG.dynamic_users
FORCEABLE_ERRORS = CATALOG.forceable_errors  # error_<CODE> passwords Plaid's sandbox honours
INSTITUTIONS = CATALOG.institutions
INSTITUTIONS_BY_ID = {i.institution_id: i for i in INSTITUTIONS}

_BY_ROLE = CATALOG.merchants
EVERYDAY = tuple(m for m, _ in _BY_ROLE["everyday"])
TRAVEL_EVERYDAY = tuple(m for m, _ in _BY_ROLE["travel"])  # used on trip days instead of (part of) the everyday mix
# Recurring bills and subscriptions: (merchant, day of month). Amounts are fixed per item (drawn once).
SUBSCRIPTIONS = tuple((m, plan.day or 1) for m, plan in _BY_ROLE["subscription"])
PLANS = {m.key: plan for ms in _BY_ROLE.values() for m, plan in ms}  # when each scheduled merchant charges
ANNUAL = tuple((m, plan.month or 1, plan.day or 1) for m, plan in _BY_ROLE["annual"])  # (merchant, month, day)
HABITS = tuple((m, plan.weekday or 0) for m, plan in _BY_ROLE["habit"])  # (merchant, weekday): not subscriptions
TRAVEL_FLIGHT, TRAVEL_HOTEL, TRAVEL_CAR = (_BY_ROLE[r][0][0] for r in ("flight", "hotel", "rental_car"))
ELECTRIC, WATER, RENT = (_BY_ROLE[r][0][0] for r in ("electric", "water", "rent"))  # bills paid from checking
TAX_REFUND, INVESTMENT, INTERAC = (_BY_ROLE[r][0][0] for r in ("tax_refund", "investment", "interac"))
# Every merchant by key (bodies.py looks them up when it writes a transaction).
MERCHANTS = {m.key: m for ms in _BY_ROLE.values() for m, _ in ms}

# Rows that are not purchases: name (with placeholders), PFC detailed, confidence.
_R = CATALOG.rows
SALARY, INTEREST = _R["salary"], _R["interest"]
TRANSFER_TO_SAVINGS, TRANSFER_FROM_CHECKING = _R["transfer_to_savings"], _R["transfer_from_checking"]
TRANSFER_OUT, TRANSFER_IN = _R["transfer_out"], _R["transfer_in"]
CARD_PAYMENT_OUT, CARD_PAYMENT_IN = _R["card_payment_out"], _R["card_payment_in"]
MORTGAGE_OUT, MORTGAGE_IN = _R["mortgage_out"], _R["mortgage_in"]
STUDENT_OUT, STUDENT_IN = _R["student_out"], _R["student_in"]
MAINTENANCE_FEE, ATM_FEE, OVERDRAFT_FEE = _R["maintenance_fee"], _R["atm_fee"], _R["overdraft_fee"]
FOREIGN_FEE, LATE_FEE, INTEREST_CHARGE = _R["foreign_fee"], _R["late_fee"], _R["interest_charge"]


def check_credentials(username: str, password: str) -> str | None:
    """The error code Link or /sandbox/public_token/create should fail with, or None when the login works.

    Like Plaid's sandbox: user_good/pass_good; user_transactions_dynamic (and the persona users) with any
    non-blank password; and password ``error_<ERROR_CODE>`` (e.g. error_ITEM_LOCKED) forces that error.
    """
    if password.startswith("error_") and password[6:] in FORCEABLE_ERRORS:
        return password[6:]
    if username == "user_good" and password == "pass_good":  # noqa: S105 - Plaid's published sandbox login
        return None
    if username in DYNAMIC_USERS and password:
        return None
    return "INVALID_CREDENTIALS"


def primary_of(detailed: str) -> str:
    """PFC v2 detailed names are <PRIMARY>_<suffix>; the longest matching primary wins (TRANSFER_IN vs TRANSFER)."""
    return max((p for p in PRIMARIES if detailed.startswith(p + "_")), key=len)


def emitted_categories() -> set[tuple[str, str]]:
    """Every (primary, detailed) PFC pair the world can produce; the contract tests check them against the taxonomy."""
    details = {m.detailed for m in MERCHANTS.values()} | {r.detailed for r in CATALOG.rows.values()} | {"OTHER_OTHER"}
    return {(primary_of(d), d) for d in details}
