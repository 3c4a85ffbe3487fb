"""Whose recurring streams an account shows: Plaid's or Finboard's, in one shape.

An item whose Recurring Transactions answered (core/products/recurring.py stored its streams and Plaid did not
refuse the product) shows Plaid's streams for all of its accounts; every other account shows the streams of
Finboard's detector (core.analytics.recurring): items without the add-on, whose user did not consent, or whose
history is still loading. Plaid's streams are put in the detector's shape: the frequency in lower case, a
schedule fitted to the dates of its transactions in the ledger (for the forecast's later occurrences; Plaid's
`predicted_next_date` is the next one), amounts read from those transactions (so price changes show), and
Plaid's status kept for the person's status (core.analytics.streams).

`rebuild` runs in the transaction that rebuilds the analytics ledger, and again when Plaid's streams or
refusals change (`is_current` compares a fingerprint of them, kept in recurring_source).
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from datetime import date
from decimal import Decimal

import duckdb

from core.analytics import recurring
from core.analytics.cadence import CADENCES, Cadence, Schedule, day_key, fit
from core.analytics.recurring import Amounts, Row, Stream, amounts_of

# Plaid's frequencies; UNKNOWN takes the cadence whose period is nearest the stream's average gap.
CADENCE_OF = {"WEEKLY": "weekly", "BIWEEKLY": "biweekly", "SEMI_MONTHLY": "semi_monthly", "MONTHLY": "monthly",
              "ANNUALLY": "annually"}  # fmt: skip
TRANSFER_PRIMARIES = ("TRANSFER_IN", "TRANSFER_OUT")

# Items whose latest Recurring Transactions fetch (for this life of the item) succeeded.
PLAID_ITEMS_SQL = """
SELECT p.item_id FROM product_refreshes p JOIN items i USING (item_id)
WHERE p.product = 'recurring' AND p.error_code IS NULL AND p.item_created_at IS NOT DISTINCT FROM i.created_at
"""
FINGERPRINT_SQL = """
SELECT concat_ws('|',
    (SELECT count(*) FROM plaid_recurring_streams), (SELECT max(fetched_at) FROM plaid_recurring_streams),
    (SELECT bit_xor(hash(item_id, fetched_at, error_code)) FROM product_refreshes WHERE product = 'recurring'))
"""
PLAID_SQL = """
SELECT stream_id, item_id, account_id, direction, description, merchant_name, category_primary, category_detailed,
       frequency, status, is_active, first_date, last_date, predicted_next_date, average_amount, last_amount,
       coalesce(iso_currency_code, unofficial_currency_code) AS currency, transaction_ids
FROM plaid_recurring_streams
WHERE item_id IN (SELECT item_id FROM ({items}))
ORDER BY item_id, stream_id
"""
MEMBERS_SQL = """
SELECT m.stream_id, l.transaction_id, l.date, l.amount, l.merchant, l.category_primary, l.category_detailed,
       l.is_transfer, l.currency
FROM (SELECT stream_id, unnest(transaction_ids) AS transaction_id FROM plaid_recurring_streams
      WHERE item_id IN (SELECT item_id FROM ({items}))) m
JOIN analytics_ledger l USING (transaction_id)
ORDER BY m.stream_id, l.date, l.transaction_id
"""


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(FINGERPRINT_SQL).fetchone()
    return str(row[0]) if row else ""


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether recurring_streams was built from Plaid's streams as they are now."""
    row = con.execute("SELECT fingerprint FROM recurring_source WHERE id = 1").fetchone()
    return row is not None and str(row[0]) == fingerprint(con)


def rebuild(con: duckdb.DuckDBPyConnection) -> int:
    """Every account's streams, Plaid's or the detector's, into the derived tables; returns how many."""
    plaid = plaid_streams(con)
    covered = {
        str(r[0])
        for r in con.execute(
            f"SELECT account_id FROM accounts WHERE item_id IN (SELECT item_id FROM ({PLAID_ITEMS_SQL}))"
        ).fetchall()
    }
    in_ledger = {
        str(r[0]) for r in con.execute("SELECT DISTINCT account_id FROM analytics_daily_by_account").fetchall()
    }
    found = (recurring.detect(con, frozenset(covered)) if in_ledger - covered else []) + plaid
    recurring.write(con, found)
    con.execute("INSERT OR REPLACE INTO recurring_source (id, fingerprint) VALUES (1, ?)", [fingerprint(con)])
    return len(found)


def plaid_streams(con: duckdb.DuckDBPyConnection) -> list[Stream]:
    """Plaid's streams of the items whose Recurring Transactions answered, in the detector's shape."""
    members: dict[str, list[tuple[Row, str]]] = defaultdict(list)
    for r in con.execute(MEMBERS_SQL.format(items=PLAID_ITEMS_SQL)).fetchall():
        row = Row(str(r[1]), r[2], Decimal(str(r[3])), str(r[4]), str(r[5]), None if r[6] is None else str(r[6]),
                  bool(r[7]))  # fmt: skip
        members[str(r[0])].append((row, str(r[8])))
    cursor = con.execute(PLAID_SQL.format(items=PLAID_ITEMS_SQL))
    names = [d[0] for d in cursor.description or ()]
    out = []
    for values in cursor.fetchall():
        p = dict(zip(names, values, strict=True))
        out.append(_shaped(p, members.get(str(p["stream_id"]), [])))
    return out


def _shaped(p: dict[str, object], members: list[tuple[Row, str]]) -> Stream:
    rows = tuple(r for r, _ in members)
    dates = [r.date for r in rows]
    first, last = _date(p["first_date"]) or min(dates, default=date.min), _date(p["last_date"]) or max(dates)
    cadence = _cadence(str(p["frequency"]), dates or [first, last])
    fitted = fit(dates, cadence) if dates else None
    if fitted is not None:
        schedule, last_slot = fitted.schedule, fitted.slots[-1]
    else:
        schedule = Schedule(
            cadence.key, last if cadence.days else last.replace(day=1), 0 if cadence.days else day_key(last)
        )
        last_slot = last
    merchant = str(p["merchant_name"] or p["description"] or "(no name)")
    primary = str(p["category_primary"] or (rows[-1].category_primary if rows else "UNCATEGORIZED"))
    transfer = sum(r.is_transfer for r in rows) * 2 > len(rows) if rows else primary in TRANSFER_PRIMARIES
    active = bool(p["is_active"]) and p["status"] != "TOMBSTONED"
    return Stream(
        stream_id=str(p["stream_id"]),
        account_id=str(p["account_id"]),
        currency=str(p["currency"] or (members[-1][1] if members else "XXX")),
        direction="inflow" if p["direction"] == "inflow" else "outflow",
        merchant=merchant,
        key=merchant.lower(),
        category_primary=primary,
        category_detailed=None if p["category_detailed"] is None else str(p["category_detailed"]),
        is_transfer=transfer,
        schedule=schedule,
        first_date=first,
        last_date=last,
        last_slot=last_slot,
        amounts=amounts_of([abs(r.amount) for r in rows], dates) if rows else _plaid_amounts(p),
        transactions=rows,
        source="plaid",
        predicted_date=_date(p["predicted_next_date"]) if active else None,
        plaid_status=str(p["status"]) if active else "TOMBSTONED",
        count=len(p["transaction_ids"]) if isinstance(p["transaction_ids"], list) else len(rows),
        frequency=str(p["frequency"]).lower(),
    )


def _cadence(frequency: str, dates: list[date]) -> Cadence:
    if frequency in CADENCE_OF:
        return CADENCES[CADENCE_OF[frequency]]
    ordered = sorted(set(dates))
    gaps = [(b - a).days for a, b in itertools.pairwise(ordered)]
    gap = statistics.median(gaps) if gaps else 30.0
    return min(CADENCES.values(), key=lambda c: abs(c.period_days - gap))


def _plaid_amounts(p: dict[str, object]) -> Amounts:
    """Plaid's average and last amount, positive, when none of the stream's transactions is in the ledger."""
    average = abs(Decimal(str(p["average_amount"] or 0))).quantize(Decimal("0.01"))
    last = abs(Decimal(str(p["last_amount"] or p["average_amount"] or 0))).quantize(Decimal("0.01"))
    return Amounts("fixed", average, last, last, last, last, None, None)


def _date(value: object) -> date | None:
    return value if isinstance(value, date) else None
