"""Recurring streams as the pages, exports and forecast read them, and the person's choices about them.

Status and next date depend on the day you look, so they are worked out here from each stream's
schedule (core.analytics.cadence) and its last occurrence:

- the next date is the slot after the last occurrence, moved off a weekend the way the stream
  has been (Friday before, Monday after, or not at all);
- `active` (Plaid's MATURE) until that date has passed by more than LATE_AFTER days (banks post
  a day or two late); `new` (Plaid's EARLY_DETECTION) instead while the stream has fewer
  occurrences than its cadence needs to be sure (4 monthly, 5 biweekly, 6 weekly...);
- `late` from then until the cadence's grace period is over (4 days weekly, 7 biweekly and
  semi-monthly, 14 monthly, 30 quarterly, 45 yearly); the next date stays the missed one;
- `stopped` after that (Plaid's TOMBSTONED); it has no next date.

Example: a monthly stream last seen on 7 March, looked at on 12 April: due 7 April, 5 days ago,
within 14 days: `late`, next date 7 April. On 22 April it is `stopped`.

Plaid's streams (core.analytics.recurring_sources) follow the same rules from Plaid's predicted next date, with
Plaid's own word where it has one: TOMBSTONED (or not active) is `stopped`, EARLY_DETECTION is `new`.

The person's choices (recurring_choices) are applied here: a new name replaces the merchant, a
category replaces the stream's, and "not recurring" hides the stream from the lists, totals,
calendar and forecast (its money counts as ordinary spending there). Amounts are positive money;
`direction` says whether it comes in or goes out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

import duckdb
import pandas as pd

from core.analytics import ledger
from core.analytics.cadence import Schedule, WeekendRule
from core.analytics.categorize import CategorizeError, _category
from core.analytics.filters import Filters
from core.errors import FinboardError
from core.store import Store

Kind = Literal["income", "subscription", "bill", "transfer"]
Status = Literal["new", "active", "late", "stopped"]
LATE_AFTER = 2  # days past the due date before a missing occurrence is late
NEW_WITHIN = 120  # days: a stream first seen this recently, still `new`, is announced as new
CHANGE_WITHIN = 60  # days: a price change this recent is announced
MISSED_WITHIN = 60  # days: a missed occurrence this recent is announced
MAX_NAME = 100
MONEY = ("average_amount", "last_amount", "expected_amount", "low_amount", "high_amount", "previous_amount")
BILL_PRIMARIES = ("RENT_AND_UTILITIES", "LOAN_PAYMENTS", "GOVERNMENT_AND_NON_PROFIT", "BANK_FEES")
BILL_DETAILED = ("GENERAL_SERVICES_INSURANCE",)
CARD_PAYMENT = "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

STREAMS_SQL = """
SELECT s.*,
       coalesce(c.not_recurring, false) AS not_recurring, c.name AS chosen_name,
       c.category_primary AS chosen_primary, c.category_detailed AS chosen_detailed,
       coalesce(a.name, a.official_name, s.account_id) || coalesce(' ••' || a.mask, '') AS account,
       a.type AS account_type
FROM recurring_streams s
LEFT JOIN recurring_choices c USING (stream_id)
LEFT JOIN accounts a USING (account_id)
ORDER BY s.currency, s.direction, s.merchant, s.stream_id
"""

COLUMNS = [
    "stream_id", "source", "kind", "direction", "account_id", "account", "merchant", "detected_merchant",
    "category_primary", "category_detailed", "frequency", "cadence", "amount_kind", "average_amount", "last_amount",
    "expected_amount", "low_amount", "high_amount", "currency", "first_date", "last_date", "expected_date",
    "next_date", "status", "transactions", "previous_amount", "price_changed_on", "yearly_amount",
    "monthly_amount", "is_transfer", "not_recurring", "renamed", "anchor", "day", "day2", "weekend_rule",
    "last_slot", "account_type", "predicted_date", "plaid_status",
]  # fmt: skip


class StreamError(FinboardError):
    """A choice about a stream cannot be saved; the message says why."""


@dataclass(frozen=True)
class Timing:
    expected_date: date  # the due date of the slot after the last occurrence
    next_date: date | None
    status: Status


def schedule_of(row: Mapping[Any, Any]) -> Schedule:
    """The schedule stored with a stream row."""
    weekend = str(row["weekend_rule"])
    rule: WeekendRule = "before" if weekend == "before" else "after" if weekend == "after" else "none"
    return Schedule(str(row["cadence"]), _as_date(row["anchor"]), _as_int(row["day"]), _as_int(row["day2"]), rule)


def timing(
    schedule: Schedule,
    last_slot: date,
    transactions: int,
    today: date,
    predicted: date | None = None,
    plaid_status: str | None = None,
) -> Timing:
    """When a stream is next expected and what state it is in on `today` (see the module docstring). A Plaid
    stream's next date is Plaid's `predicted`; Plaid's TOMBSTONED is `stopped`, EARLY_DETECTION `new`."""
    cadence = schedule.cadence
    due = predicted or schedule.due(schedule.following(last_slot))
    if plaid_status == "TOMBSTONED":
        return Timing(due, None, "stopped")
    overdue = (today - due).days
    if overdue <= LATE_AFTER:
        early = plaid_status == "EARLY_DETECTION" if plaid_status else transactions < cadence.mature_hits
        return Timing(due, due, "new" if early else "active")
    if overdue <= cadence.grace:
        return Timing(due, due, "late")
    return Timing(due, None, "stopped")


def upcoming(schedule: Schedule, last_slot: date, start: date, end: date, predicted: date | None = None) -> list[date]:
    """Due dates of the slots after `last_slot` that fall from `start` to `end`; with `predicted` (Plaid's next
    date), that is the first one and the schedule's slots after it follow."""
    out: list[date] = []
    slot = schedule.following(last_slot)
    due = predicted or schedule.due(slot)
    while due <= end:
        if due >= start:
            out.append(due)
        slot = schedule.following(slot)
        while schedule.due(slot) <= due:  # a predicted date later than the slot after the last one
            slot = schedule.following(slot)
        due = schedule.due(slot)
    return out


def kind_of(direction: str, is_transfer: bool, primary: str, detailed: str | None) -> Kind:
    """income (money in), transfer (between your accounts, card payments), bill or subscription.
    A loan or mortgage payment is a bill even when its other half lands in your own loan account."""
    loan_payment = primary == "LOAN_PAYMENTS" and detailed != CARD_PAYMENT
    if is_transfer and not (direction == "outflow" and loan_payment):
        return "transfer"
    if direction == "inflow":
        return "income"
    if primary in BILL_PRIMARIES or detailed in BILL_DETAILED:
        return "bill"
    return "subscription"


def streams(
    con: duckdb.DuckDBPyConnection, today: date, filters: Filters | None = None, *, hidden: bool = False
) -> pd.DataFrame:
    """Every stream with its status and next date on `today`, the person's choices applied; one row each
    (COLUMNS). Filters narrow by account, currency, category and merchant text (the period does not apply:
    streams are about now). Streams marked not recurring are left out unless `hidden`."""
    rows = [_with_timing(r, today) for r in records(con.execute(STREAMS_SQL))]
    if not rows:  # typed flags, so a mask built from them selects rows, not columns
        return pd.DataFrame(columns=COLUMNS).astype({"is_transfer": bool, "not_recurring": bool, "renamed": bool})
    out = pd.DataFrame.from_records(rows)
    if not hidden:
        out = out[~out["not_recurring"]]
    if filters is not None:
        out = _filtered(out, filters)
    return out[COLUMNS].reset_index(drop=True)


def _with_timing(row: dict[str, object], today: date) -> dict[str, object]:
    schedule = schedule_of(row)
    predicted = row["predicted_date"] if isinstance(row["predicted_date"], date) else None
    plaid_status = None if row["plaid_status"] is None else str(row["plaid_status"])
    t = timing(schedule, _as_date(row["last_slot"]), _as_int(row["transactions"]), today, predicted, plaid_status)
    primary = str(row["chosen_primary"] or row["category_primary"])
    chosen = row["chosen_detailed"] if row["chosen_primary"] else row["category_detailed"]
    detailed = None if chosen is None else str(chosen)
    name = row["chosen_name"]
    renamed = isinstance(name, str) and bool(name)
    yearly = 0.0 if t.status == "stopped" else amount(row["expected_amount"]) * schedule.cadence.per_year
    money = {k: None if row[k] is None else amount(row[k]) for k in MONEY}
    return {
        **row,
        **money,
        "kind": kind_of(str(row["direction"]), bool(row["is_transfer"]), primary, detailed),
        "merchant": name if renamed else row["merchant"],
        "detected_merchant": row["merchant"],
        "category_primary": primary,
        "category_detailed": detailed,
        "expected_date": t.expected_date,
        "next_date": t.next_date,
        "status": t.status,
        "yearly_amount": round(yearly, 2),
        "monthly_amount": round(yearly / 12, 2),
        "renamed": renamed,
    }


def _filtered(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if filters.accounts:
        keep &= frame["account_id"].isin(filters.accounts)
    if filters.currency:
        keep &= frame["currency"] == filters.currency
    if filters.categories:
        keep &= frame["category_primary"].isin(filters.categories) | frame["category_detailed"].isin(filters.categories)
    if filters.merchant:
        text = filters.merchant.lower()
        keep &= frame["merchant"].str.lower().str.contains(text, regex=False) | frame[
            "detected_merchant"
        ].str.lower().str.contains(text, regex=False)
    return frame[keep]


def stream_transactions(con: duckdb.DuckDBPyConnection, stream_id: str) -> pd.DataFrame:
    """The transactions a stream is made of, newest first: date, name, merchant, amount (Plaid's sign),
    currency, category_primary, category_detailed, transaction_id."""
    return con.execute(
        """
        SELECT t.date, l.name, l.merchant, t.amount, l.currency, l.category_primary, l.category_detailed,
               t.transaction_id
        FROM recurring_stream_transactions t LEFT JOIN analytics_ledger l USING (transaction_id)
        WHERE t.stream_id = ? ORDER BY t.date DESC, t.transaction_id
        """,
        [stream_id],
    ).df()


# `finboard export recurring`: one row per stream, amounts positive (direction gives the sign).
EXPORT_COLUMNS = [
    "stream_id", "source", "direction", "account_id", "merchant", "frequency", "average_amount", "last_amount",
    "currency", "first_date", "last_date", "next_date", "status", "transactions",
]  # fmt: skip


def export_frame(con: duckdb.DuckDBPyConnection, today: date, filters: Filters | None = None) -> pd.DataFrame:
    """The streams the filters cover as `finboard export recurring` writes them (EXPORT_COLUMNS); `merchant`
    is the name shown (yours if you renamed it); streams marked not recurring are left out."""
    return streams(con, today, filters)[EXPORT_COLUMNS]


CALENDAR_DAYS = 30
OCCURRENCE_COLUMNS = ["date", "stream_id", "merchant", "kind", "direction", "account_id", "account", "currency",
                      "amount", "low_amount", "high_amount", "amount_kind", "status"]  # fmt: skip
CALENDAR_COLUMNS = ["date", "stream_id", "merchant", "kind", "direction", "account", "currency", "amount", "status"]


def occurrences(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """The expected occurrences of `frame`'s streams (from `streams`) from `start` to `end`: one row each
    (OCCURRENCE_COLUMNS), `amount` the expected positive amount, `low_amount`/`high_amount` its recent range.
    An occurrence already due that has not come (a late stream, or one a day or two behind) is put on `start`."""
    rows: list[dict[str, object]] = []
    for r in frame[frame["status"] != "stopped"].to_dict("records"):
        predicted = r["predicted_date"] if isinstance(r["predicted_date"], date) else None
        dates = upcoming(schedule_of(r), _as_date(r["last_slot"]), start, end, predicted)
        if r["expected_date"] < start:
            dates.insert(0, start)
        base = {k: r[k] for k in OCCURRENCE_COLUMNS if k not in ("date", "amount")}
        rows.extend({**base, "date": d, "amount": r["expected_amount"]} for d in dates)
    rows.sort(key=lambda r: (r["date"], r["direction"] == "outflow", r["merchant"], r["stream_id"]))
    return pd.DataFrame(rows, columns=OCCURRENCE_COLUMNS)


def calendar(frame: pd.DataFrame, today: date, days: int = CALENDAR_DAYS) -> pd.DataFrame:
    """What `frame`'s streams are expected to bring or take from `today` for `days` days (CALENDAR_COLUMNS);
    what is already due and has not come is listed on `today`."""
    return occurrences(frame, today, today + timedelta(days=days - 1))[CALENDAR_COLUMNS]


# -- alerts ----------------------------------------------------------------------------------

ALERT_COLUMNS = ["alert", "stream_id", "kind", "merchant", "account", "currency", "amount", "previous_amount", "date"]


def alerts(frame: pd.DataFrame, today: date) -> pd.DataFrame:
    """What the Overview announces about `frame` (from `streams`): `new` subscriptions and bills first
    seen within NEW_WITHIN days, `price_increase`s within CHANGE_WITHIN days, and `missed` occurrences
    (late or stopped) within MISSED_WITHIN days, income first. `date` is when it happened or was due."""
    rows: list[dict[str, object]] = []
    for r in frame.to_dict("records"):
        base = {k: r[k] for k in ("stream_id", "kind", "merchant", "account", "currency")}
        spending = r["kind"] in ("subscription", "bill")
        if spending and r["status"] == "new" and (today - r["first_date"]).days <= NEW_WITHIN:
            rows.append({**base, "alert": "new", "amount": r["last_amount"], "previous_amount": None,
                         "date": r["first_date"]})  # fmt: skip
        changed = r["price_changed_on"]
        if (
            spending
            and isinstance(changed, date)
            and r["status"] != "stopped"
            and r["last_amount"] > r["previous_amount"]
            and (today - changed).days <= CHANGE_WITHIN
        ):
            rows.append({**base, "alert": "price_increase", "amount": r["last_amount"],
                         "previous_amount": r["previous_amount"], "date": changed})  # fmt: skip
        if (
            r["kind"] != "transfer"
            and r["status"] in ("late", "stopped")
            and (today - r["expected_date"]).days <= MISSED_WITHIN
        ):
            rows.append({**base, "alert": "missed", "amount": r["expected_amount"], "previous_amount": None,
                         "date": r["expected_date"]})  # fmt: skip
    order = {"missed": 0, "price_increase": 1, "new": 2}
    rows.sort(key=lambda a: (order[str(a["alert"])], a["kind"] != "income", a["date"]))
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


# -- the person's choices --------------------------------------------------------------------


def mark_not_recurring(store: Store, stream_id: str, not_recurring: bool = True) -> None:
    """Hide a stream (or show it again); kept across every rebuild of the streams."""
    _require_stream(store, stream_id)
    _choose(store, stream_id, "not_recurring", not_recurring)


def rename(store: Store, stream_id: str, name: str | None) -> None:
    """Show the stream under `name` instead of its merchant (None or blank: the merchant again)."""
    cleaned = " ".join(_CONTROL.sub(" ", name or "").split())
    if len(cleaned) > MAX_NAME:
        raise StreamError(f"A name can be at most {MAX_NAME} characters.")
    _require_stream(store, stream_id)
    _choose(store, stream_id, "name", cleaned or None)


def set_category(store: Store, stream_id: str, primary: str | None, detailed: str | None = None) -> None:
    """Give the stream a category of the person's (None: the stream's own again)."""
    if primary is None or not primary.strip():
        chosen: tuple[str | None, str | None] = (None, None)
    else:
        try:
            chosen = _category(primary, detailed)
        except CategorizeError as e:
            raise StreamError(str(e)) from None
    _require_stream(store, stream_id)
    with store.transaction() as con:
        _upsert(con, stream_id)
        con.execute(
            "UPDATE recurring_choices SET category_primary = ?, category_detailed = ?, updated_at = current_timestamp "
            "WHERE stream_id = ?",
            [chosen[0], chosen[1], stream_id],
        )
    store.bump_data_version()


def _choose(store: Store, stream_id: str, column: str, value: object) -> None:
    with store.transaction() as con:
        _upsert(con, stream_id)
        con.execute(
            f"UPDATE recurring_choices SET {column} = ?, updated_at = current_timestamp WHERE stream_id = ?",
            [value, stream_id],
        )
    store.bump_data_version()


def _upsert(con: duckdb.DuckDBPyConnection, stream_id: str) -> None:
    con.execute("INSERT INTO recurring_choices (stream_id) VALUES (?) ON CONFLICT DO NOTHING", [stream_id])


def _require_stream(store: Store, stream_id: str) -> None:
    with ledger.reading(store) as con:
        if con.execute("SELECT 1 FROM recurring_streams WHERE stream_id = ?", [stream_id]).fetchone() is None:
            raise StreamError(f"No recurring stream {stream_id}; it may have ended with the transactions behind it.")


# -- helpers ---------------------------------------------------------------------------------


def records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Rows as dicts with Python dates and Decimals (a DataFrame would turn them into timestamps and floats)."""
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def amount(value: object) -> float:
    """A DECIMAL (or number) read from DuckDB as a float; anything else is a programming error."""
    if isinstance(value, Decimal | int | float):
        return float(value)
    raise TypeError(f"expected an amount, got {value!r}")


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date, got {value!r}")


def _as_int(value: object) -> int:
    if isinstance(value, int):
        return value
    raise TypeError(f"expected an integer, got {value!r}")
