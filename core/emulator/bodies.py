"""Transactions as Plaid's JSON, written once as bytes.

A body is the per-transaction part (ids, amount, dates, pending) followed by a cached fragment that is the same
for every purchase at one store (name, merchant, location, category, counterparties...). Formatting a string
per transaction instead of serializing a dict is what lets a world of a million transactions be written fast.
"""

from __future__ import annotations

import random
from datetime import date

import orjson

from core.emulator import catalog as cat
from core.emulator.catalog import MERCHANTS, Merchant
from core.emulator.ids import stable_id

FragmentKey = tuple[str, ...]  # ("m", merchant key[, city, store number]) | ("row", name, detailed, confidence)
# | ("custom", description); a trailing "recategorised" marks Plaid's later, more confident categorisation

_TXN = (
    '{"transaction_id":"%s","account_id":"%s","amount":%s,"iso_currency_code":"%s","unofficial_currency_code":null,'
    '"date":"%s","authorized_date":"%s","datetime":%s,"authorized_datetime":%s,"pending":%s,'
    '"pending_transaction_id":%s,%s}'
)
_LOCATION_KEYS = ("address", "city", "region", "postal_code", "country", "lat", "lon", "store_number")
_META_KEYS = (
    "reference_number",
    "ppd_id",
    "payee",
    "by_order_of",
    "payer",
    "payment_method",
    "payment_processor",
    "reason",
)


class TransactionWriter:
    """Writes the transactions of one item; stores and fragments are cached per item."""

    def __init__(self, seed: int, ordinal: int, account_ids: list[str], currencies: list[str], employer: str) -> None:
        self._seed, self._ordinal = seed, ordinal
        self._account_ids, self._currencies = account_ids, currencies
        self._employer = employer
        self._stores: dict[tuple[str, str], list[dict[str, object]]] = {}
        self._fragments: dict[FragmentKey, str] = {}
        self._dates: dict[int, str] = {}

    def encode(
        self,
        txn_id: str,
        acct: int,
        cents: int,
        day: int,
        auth_day: int,
        minute: int | None,
        pending: bool,
        pending_id: str | None,
        fragment: str,
    ) -> bytes:
        """One transaction; days are date ordinals, minute the time of day of card purchases (None otherwise)."""
        dates = self._dates
        on = dates.get(day) or self._date(day)
        authorized = on if auth_day == day else (dates.get(auth_day) or self._date(auth_day))
        if minute is None:
            auth_dt = dt = "null"
        else:
            auth_dt = f'"{authorized}T{minute // 60:02d}:{minute % 60:02d}:00Z"'
            dt = auth_dt if pending or day == auth_day else f'"{on}T08:00:00Z"'
        return (
            _TXN
            % (
                txn_id,
                self._account_ids[acct],
                _money(cents),
                self._currencies[acct],
                on,
                authorized,
                dt,
                auth_dt,
                "true" if pending else "false",
                "null" if pending_id is None else '"' + pending_id + '"',
                fragment,
            )
        ).encode()

    def fragment(self, key: FragmentKey) -> str:
        frag = self._fragments.get(key)
        if frag is None:
            frag = self._fragments[key] = orjson.dumps(self._describe(key)).decode()[1:-1]
        return frag

    def stores_in(self, m: Merchant, city: cat.Place) -> list[dict[str, object]]:
        """The one to three branches of a merchant in a city (Plaid Location objects)."""
        stores = self._stores.get((m.key, city[0]))
        if stores is None:
            rng = random.Random(f"{self._seed}:{self._ordinal}:stores:{m.key}:{city[0]}")
            stores = [
                {
                    "address": f"{rng.randint(10, 2999)} {rng.choice(cat.STREETS)}",
                    "city": city[0],
                    "region": city[1],
                    "postal_code": city[2],
                    "country": city[3],
                    "lat": round(city[4] + rng.uniform(-0.03, 0.03), 6),
                    "lon": round(city[5] + rng.uniform(-0.03, 0.03), 6),
                    "store_number": str(rng.randint(100, 9999)),
                }
                for _ in range(rng.randint(1, 3))
            ]
            self._stores[(m.key, city[0])] = stores
        return stores

    def _date(self, d: int) -> str:
        s = self._dates.get(d)
        if s is None:
            s = self._dates[d] = date.fromordinal(d).isoformat()
        return s

    def _describe(self, key: FragmentKey) -> dict[str, object]:
        recategorised = key[-1] == "recategorised"
        if recategorised:
            key = key[:-1]
        location: dict[str, object] = dict.fromkeys(_LOCATION_KEYS)
        meta: dict[str, object] = dict.fromkeys(_META_KEYS)
        counterparties: list[dict[str, object]] = []
        if key[0] == "m":
            m = MERCHANTS[key[1]]
            if len(key) > 2:
                city = next(c for c in (*cat.HOME_CITIES, *cat.TRIP_CITIES) if c[0] == key[2])
                location = next(s for s in self.stores_in(m, city) if s["store_number"] == key[3])
            name, merchant_name, detailed, confidence = m.name, m.merchant_name, m.detailed, m.confidence
            channel, website = m.channel, m.website
            if merchant_name:
                counterparties.append(_counterparty(merchant_name, m.counterparty_type, website, confidence))
            if m.channel == "other":
                meta["payment_method"] = "ACH"
        elif key[0] == "row":
            name, detailed, confidence = key[1], key[2], key[3]
            merchant_name, website, channel = None, None, "other"
            if detailed == "INCOME_SALARY":
                meta.update(payer=self._employer, payment_method="ACH", ppd_id="1" + stable_id(self._employer)[:9])
                counterparties.append(_counterparty(self._employer, "income_source", None, "HIGH"))
        else:  # a /sandbox/transactions/create row: Plaid could not tell what it is
            name, merchant_name, website, channel = key[1], None, None, "other"
            detailed, confidence = "OTHER_OTHER", "LOW"
        if recategorised:
            confidence = "VERY_HIGH"
        primary = cat.primary_of(detailed)
        return {
            "name": name,
            "merchant_name": merchant_name,
            "merchant_entity_id": stable_id(merchant_name) if merchant_name else None,
            "logo_url": None,
            "website": website,
            "payment_channel": channel,
            "transaction_type": {"in store": "place", "online": "digital"}.get(channel, "special"),
            "location": location,
            "payment_meta": meta,
            "personal_finance_category": {
                "primary": primary,
                "detailed": detailed,
                "confidence_level": confidence,
                "version": "v2",
            },
            "personal_finance_category_icon_url": f"https://plaid-category-icons.plaid.com/PFC_{primary}.png",
            "counterparties": counterparties,
            "account_owner": None,
            "check_number": None,
            "original_description": None,
            "transaction_code": None,
        }


def _counterparty(name: str, kind: str, website: str | None, confidence: str) -> dict[str, object]:
    return {
        "name": name,
        "type": kind,
        "website": website,
        "logo_url": None,
        "entity_id": stable_id(name),
        "confidence_level": confidence,
        "phone_number": None,
    }


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
