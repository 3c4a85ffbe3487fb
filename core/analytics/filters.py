"""The filters every analytics view shares, parsed from and written to URL query parameters.

A `Filters` value is frozen and hashable, so it can key caches. `parse_query` never raises: a
parameter it cannot use is dropped and described in the returned problems, for the UI to show.

Query parameters (all optional; the defaults give the last 12 months, posted transactions,
transfers excluded, the most common currency):

    period=this_month|last_month|last_30_days|last_90_days|last_12_months|year_to_date|last_year|all
    from=YYYY-MM-DD  to=YYYY-MM-DD      a custom range (either end may be open)
    account=ID (repeatable)             category=PFC code, primary or detailed (repeatable)
    merchant=TEXT                       min=AMOUNT  max=AMOUNT (size of the amount, in or out)
    pending=1                           transfers=1                 currency=ISO code
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal, get_args
from urllib.parse import parse_qs, urlencode

Period = Literal[
    "this_month",
    "last_month",
    "last_30_days",
    "last_90_days",
    "last_12_months",
    "year_to_date",
    "last_year",
    "all",
    "custom",
]
PERIODS: tuple[Period, ...] = get_args(Period)
PERIOD_LABELS: dict[Period, str] = {
    "this_month": "This month",
    "last_month": "Last month",
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "last_12_months": "Last 12 months",
    "year_to_date": "Year to date",
    "last_year": "Last year",
    "all": "All time",
    "custom": "Custom range",
}
DEFAULT_PERIOD: Period = "last_12_months"

FILTER_KEYS = ("period", "from", "to", "account", "category", "merchant", "min", "max", "pending", "transfers",
               "currency")  # fmt: skip
CURRENCY_PATTERN = re.compile(r"[A-Z0-9]{2,10}")  # ISO 4217 codes and Plaid's unofficial ones (BTC, DOGE)
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
MAX_MERCHANT_TEXT = 100


@dataclass(frozen=True)
class Window:
    """An inclusive date range; None on a side means open."""

    start: date | None
    end: date | None

    @property
    def days(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Filters:
    """What slice of the data a view shows. Amount bounds apply to the size of the amount."""

    period: Period = DEFAULT_PERIOD
    start: date | None = None  # custom period only
    end: date | None = None
    accounts: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    merchant: str = ""
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    include_pending: bool = False
    include_transfers: bool = False
    currency: str | None = None

    def window(self, today: date) -> Window:
        """The dates this filter covers, as of `today`."""
        return period_windows(self.period, today, self.start, self.end)[0]

    def previous_window(self, today: date) -> Window | None:
        """The window this one is compared with (None for all time or open ranges)."""
        return period_windows(self.period, today, self.start, self.end)[1]

    def to_query(self) -> dict[str, list[str]]:
        """Query parameters that reproduce these filters (defaults are left out)."""
        q: dict[str, list[str]] = {}
        if self.period == "custom" and not (self.start or self.end):
            q["period"] = ["all"]  # a custom range with no dates is all time
        elif self.period == "custom":
            if self.start:
                q["from"] = [self.start.isoformat()]
            if self.end:
                q["to"] = [self.end.isoformat()]
        elif self.period != DEFAULT_PERIOD:
            q["period"] = [self.period]
        if self.accounts:
            q["account"] = list(self.accounts)
        if self.categories:
            q["category"] = list(self.categories)
        if self.merchant:
            q["merchant"] = [self.merchant]
        if self.min_amount is not None:
            q["min"] = [str(self.min_amount)]
        if self.max_amount is not None:
            q["max"] = [str(self.max_amount)]
        if self.include_pending:
            q["pending"] = ["1"]
        if self.include_transfers:
            q["transfers"] = ["1"]
        if self.currency:
            q["currency"] = [self.currency]
        return q

    def query_string(self) -> str:
        return urlencode(self.to_query(), doseq=True)

    def with_currency(self, currency: str) -> Filters:
        return replace(self, currency=currency)

    def describe(self, today: date) -> dict[str, object]:
        """A plain description for manifests and captions."""
        w = self.window(today)
        return {
            "period": self.period,
            "from": w.start.isoformat() if w.start else None,
            "to": w.end.isoformat() if w.end else None,
            "accounts": list(self.accounts),
            "categories": list(self.categories),
            "merchant": self.merchant or None,
            "min_amount": str(self.min_amount) if self.min_amount is not None else None,
            "max_amount": str(self.max_amount) if self.max_amount is not None else None,
            "include_pending": self.include_pending,
            "include_transfers": self.include_transfers,
            "currency": self.currency,
            "query": self.query_string(),
        }

    def slug(self, today: date) -> str:
        """A short file-name-safe tag: date range and currency, e.g. 2025-01-01_2025-12-31_USD."""
        w = self.window(today)
        dates = f"{w.start.isoformat() if w.start else 'start'}_{w.end.isoformat() if w.end else 'today'}"
        return f"{dates}_{self.currency}" if self.currency else dates


@dataclass(frozen=True)
class Known:
    """Values that exist in the data; parsing drops anything else (None: accept any)."""

    accounts: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    currencies: frozenset[str] | None = None


@dataclass(frozen=True)
class Parsed:
    filters: Filters
    problems: tuple[str, ...] = field(default=())


def parse_query(params: Mapping[str, Sequence[str]], known: Known | None = None) -> Parsed:
    """Filters from query parameters; every unusable value is dropped and explained in `problems`."""
    known = known or Known()
    problems: list[str] = []

    def one(key: str) -> str | None:
        values = [v for v in params.get(key, ()) if v.strip()]
        if len(values) > 1:
            problems.append(f"`{key}` was given {len(values)} times; used the first.")
        return values[0].strip() if values else None

    period: Period = DEFAULT_PERIOD
    raw_period = one("period")
    if raw_period is not None:
        if raw_period in PERIODS:
            period = raw_period
        else:
            problems.append(f"`period={raw_period}` is not a known period ({', '.join(PERIODS[:-1])}).")

    start, end = _date(one("from"), "from", problems), _date(one("to"), "to", problems)
    if start and end and start > end:
        problems.append(f"`from={start}` is after `to={end}`; the dates were swapped.")
        start, end = end, start
    if start or end:
        if raw_period is not None and period != "custom":
            problems.append(f"`period={raw_period}` was ignored because `from`/`to` give a custom range.")
        period = "custom"
    elif period == "custom":
        period = "all"  # a custom range with no dates is all time

    accounts = _known_values(params.get("account", ()), known.accounts, "account", problems)
    categories = _known_values(params.get("category", ()), known.categories, "category", problems)

    merchant = one("merchant") or ""
    if len(merchant) > MAX_MERCHANT_TEXT:
        problems.append(f"`merchant` was cut to {MAX_MERCHANT_TEXT} characters.")
        merchant = merchant[:MAX_MERCHANT_TEXT]

    low, high = _amount(one("min"), "min", problems), _amount(one("max"), "max", problems)
    if low is not None and high is not None and low > high:
        problems.append(f"`min={low}` is above `max={high}`; the bounds were swapped.")
        low, high = high, low

    currency = one("currency")
    if currency is not None:
        currency = currency.upper()
        if not CURRENCY_PATTERN.fullmatch(currency):
            problems.append(f"`currency={currency}` is not a currency code.")
            currency = None
        elif known.currencies is not None and currency not in known.currencies:
            problems.append(f"`currency={currency}`: no account or transaction uses it.")
            currency = None

    filters = Filters(
        period=period,
        start=start if period == "custom" else None,
        end=end if period == "custom" else None,
        accounts=accounts,
        categories=categories,
        merchant=merchant,
        min_amount=low,
        max_amount=high,
        include_pending=_flag(one("pending"), "pending", problems),
        include_transfers=_flag(one("transfers"), "transfers", problems),
        currency=currency,
    )
    return Parsed(filters, tuple(problems))


def parse_query_string(query: str, known: Known | None = None) -> Parsed:
    """parse_query for a raw query string such as `period=last_month&currency=USD`."""
    return parse_query(parse_qs(query.lstrip("?"), keep_blank_values=True), known)


def period_windows(
    period: Period, today: date, start: date | None = None, end: date | None = None
) -> tuple[Window, Window | None]:
    """The window a period covers as of `today` and the window it is compared with (docs/analytics.md).

    Month to date is compared with the same days of last month (clipped to that month's end), year to
    date with the same days of last year, last month and last year with the month or year before, and
    the rolling windows (30 and 90 days, the year ending today) and custom ranges with as many days just
    before. All time and half-open custom ranges have nothing to be compared with.
    """
    first_of_month = today.replace(day=1)
    match period:
        case "this_month":
            last_month = _add_months(first_of_month, -1)
            same_day = min(_add_months(today, -1), _month_end(last_month))
            return Window(first_of_month, today), Window(last_month, same_day)
        case "last_month":
            start = _add_months(first_of_month, -1)
            before = _add_months(first_of_month, -2)
            return Window(start, first_of_month - timedelta(days=1)), Window(before, start - timedelta(days=1))
        case "last_30_days":
            return _rolling(Window(today - timedelta(days=29), today))
        case "last_90_days":
            return _rolling(Window(today - timedelta(days=89), today))
        case "last_12_months":  # the year ending today: from the day after today's date last year
            return _rolling(Window(_add_years(today, -1) + timedelta(days=1), today))
        case "year_to_date":
            return Window(date(today.year, 1, 1), today), Window(date(today.year - 1, 1, 1), _add_years(today, -1))
        case "last_year":
            return (Window(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
                    Window(date(today.year - 2, 1, 1), date(today.year - 2, 12, 31)))  # fmt: skip
        case "all":
            return Window(None, None), None
        case "custom":
            if start is None or end is None:
                return Window(start, end), None
            return _rolling(Window(start, end))


def _rolling(current: Window) -> tuple[Window, Window]:
    """A window and as many days just before it."""
    assert current.start is not None and current.end is not None
    length = timedelta(days=(current.end - current.start).days + 1)
    return current, Window(current.start - length, current.start - timedelta(days=1))


def describe_period(filters: Filters, today: date) -> str:
    """The period in words with its dates and what it is compared with, e.g.
    "This month: 2026-12-01 to 2026-12-05, compared with 2026-11-01 to 2026-11-05"."""
    current, previous = period_windows(filters.period, today, filters.start, filters.end)
    if current.start is None and current.end is None:
        return f"{PERIOD_LABELS[filters.period]}: every transaction, nothing to compare with"
    if current.start and current.end:
        dates = f"{current.start} to {current.end}"
    else:
        dates = f"from {current.start} on" if current.start else f"up to {current.end}"
    text = dates[:1].upper() + dates[1:] if filters.period == "custom" else f"{PERIOD_LABELS[filters.period]}: {dates}"
    if previous is None:
        return f"{text}, nothing to compare with"
    return f"{text}, compared with {previous.start} to {previous.end}"


# -- SQL -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """Which table to read (`FROM {table} l`), a SQL condition over it and its named parameters ($name).

    The table is the analytics ledger (one row per transaction) or, when no filter needs single
    transactions, one of its daily sums; `count` counts the transactions behind the rows either way.
    """

    sql: str
    params: dict[str, object]
    table: str = "analytics_ledger"

    @property
    def count(self) -> str:
        return "count(*)" if self.table == "analytics_ledger" else "sum(l.transactions)"

    @property
    def money_in(self) -> str:
        """Money in behind a row, positive (a daily sum keeps money in and out apart)."""
        return "greatest(-l.amount, 0)" if self.table == "analytics_ledger" else "l.money_in"

    @property
    def money_out(self) -> str:
        return "greatest(l.amount, 0)" if self.table == "analytics_ledger" else "l.money_out"

    def and_(self, sql: str, **params: object) -> Where:
        return Where(f"{self.sql} AND {sql}", {**self.params, **params}, self.table)

    def bind(self, **params: object) -> dict[str, object]:
        """These parameters plus a query's own."""
        return {**self.params, **params}


def ledger_where(filters: Filters, window: Window | None, *, rows: bool = False, merchants: bool = False) -> Where:
    """The rows these filters cover within `window`: from the ledger when `rows` (the caller needs
    single transactions) or a filter looks inside transactions (merchant text, amount bounds), else
    from the daily sums (by account when accounts are filtered; by merchant for `merchants`, unless
    accounts are filtered), which are 3 to 50 times smaller.
    """
    parts: list[str] = ["true"]
    params: dict[str, object] = {}
    if window is not None and window.start is not None:
        parts.append("l.date >= $start")
        params["start"] = window.start
    if window is not None and window.end is not None:
        parts.append("l.date <= $end")
        params["end"] = window.end
    if filters.accounts:
        parts.append("list_contains($accounts::VARCHAR[], l.account_id)")
        params["accounts"] = list(filters.accounts)
    if filters.categories:
        parts.append(
            "(list_contains($categories::VARCHAR[], l.category_primary)"
            " OR list_contains($categories::VARCHAR[], l.category_detailed))"
        )
        params["categories"] = list(filters.categories)
    if filters.merchant:
        # Matched once per distinct name (a few thousand), then an integer semi-join: no scan of a million strings.
        parts.append(
            "l.name_id IN (SELECT n.name_id FROM analytics_names n "
            "WHERE n.merchant_name ILIKE $merchant ESCAPE '\\' OR n.name ILIKE $merchant ESCAPE '\\')"
        )
        params["merchant"] = "%" + _escape_like(filters.merchant) + "%"
    if filters.min_amount is not None:
        parts.append("abs(l.amount) >= $min_amount")
        params["min_amount"] = filters.min_amount
    if filters.max_amount is not None:
        parts.append("abs(l.amount) <= $max_amount")
        params["max_amount"] = filters.max_amount
    if not filters.include_pending:
        parts.append("NOT l.pending")
    if not filters.include_transfers:
        parts.append("NOT l.is_transfer")
    if filters.currency:
        parts.append("l.currency = $currency")
        params["currency"] = filters.currency
    if rows or filters.merchant or filters.min_amount is not None or filters.max_amount is not None:
        table = "analytics_ledger"
    elif merchants:
        table = "analytics_ledger" if filters.accounts else "analytics_daily_merchants"
    else:
        table = "analytics_daily_by_account" if filters.accounts else "analytics_daily"
    return Where(" AND ".join(parts), params, table)


# -- helpers ---------------------------------------------------------------------------------


def _date(raw: str | None, key: str, problems: list[str]) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"`{key}={raw}` is not a date (use YYYY-MM-DD).")
        return None


def _amount(raw: str | None, key: str, problems: list[str]) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        problems.append(f"`{key}={raw}` is not an amount.")
        return None
    if not value.is_finite() or value < 0 or value >= Decimal("1e16"):
        problems.append(f"`{key}={raw}` must be a positive amount (it bounds the size of money in or out).")
        return None
    return value.quantize(Decimal("0.01"))


def _flag(raw: str | None, key: str, problems: list[str]) -> bool:
    if raw is None:
        return False
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() not in FALSE_WORDS:
        problems.append(f"`{key}={raw}` is not 1 or 0.")
    return False


def _known_values(raw: Iterable[str], known: frozenset[str] | None, key: str, problems: list[str]) -> tuple[str, ...]:
    values: list[str] = []
    for value in (v.strip() for v in raw):
        if not value or value in values:
            continue
        if known is not None and value not in known:
            problems.append(f"`{key}={value}` does not exist in your data.")
            continue
        values.append(value)
    return tuple(values)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _add_years(day: date, years: int) -> date:
    return _add_months(day, 12 * years)
