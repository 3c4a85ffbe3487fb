"""The cash forecast: each depository account's balance day by day for the next 30, 60 or 90 days.

    balance(day) = start + recurring flows up to day + typical other flows per day × days

- **start** is the account's current balance minus its pending transactions (they will post): the
  money the account really has today.
- **Recurring flows** are the expected occurrences of the account's recurring streams that are not
  stopped and not marked "not recurring" (core.analytics.streams): salary and other income in,
  subscriptions and bills out, and its recurring transfers (a monthly move to savings, a card
  autopay), which matter per account though they are neither income nor spending. A fixed amount
  counts at its last value; a varying one at the mean of its last six. An occurrence already due
  that has not come yet (late, or a day or two behind) counts tomorrow.
- **Typical other flows**: the mean daily net of everything else in the account over the last 90
  days (TYPICAL_DAYS; fewer when its history is shorter): groceries, refunds, one-off transfers.

The band is a 90% range: the typical flows' day-to-day spread grows with the square root of the
days (1.645 σ √d), and each varying stream adds its recent low-to-high range. Example: start 1,000,
a salary of 2,000 on day 3 and rent of 1,500 on day 5, typical spending of 20 a day with σ 30:
day 5 is 1,000 + 2,000 − 1,500 − 5 × 20 = 1,400, band ± 1.645 × 30 × √5 ≈ ± 110.35.

Per currency, the total of the accounts in that currency is projected too (currencies are never
added); its band adds the accounts' bands. The Overview warns when an account is projected below
zero, or below the threshold the person set for it, on any day before its next income (the next
income stream into the account, else into any account in its currency; else within 30 days).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pandas as pd

from core.analytics import streams as streams_module
from core.analytics.filters import Filters
from core.errors import FinboardError
from core.store import Store

HORIZONS = (30, 60, 90)
DEFAULT_DAYS = 30
TYPICAL_DAYS = 90
BAND_Z = 1.645  # a 90% range for normally spread daily flows
NO_INCOME_WINDOW = 30
COLUMNS = ["account_id", "account", "currency", "date", "balance", "low", "high", "recurring"]
WARNING_COLUMNS = ["account_id", "account", "currency", "threshold", "lowest", "lowest_date", "next_income",
                   "next_income_date"]  # fmt: skip

ACCOUNTS_SQL = """
SELECT a.account_id,
       coalesce(a.name, a.official_name, a.account_id) || coalesce(' ••' || a.mask, '') AS account,
       coalesce(a.iso_currency_code, a.unofficial_currency_code, 'XXX') AS currency,
       coalesce(a.current_balance, 0) - coalesce(p.pending, 0) AS start,
       t.threshold
FROM accounts a
LEFT JOIN (SELECT account_id, sum(amount) AS pending FROM analytics_ledger WHERE pending GROUP BY ALL) p
  USING (account_id)
LEFT JOIN forecast_thresholds t USING (account_id)
WHERE a.type = 'depository'
ORDER BY currency, account, a.account_id
"""

# Each account's daily net of everything outside its visible streams over the typical window
# (Plaid's sign), with the days it covers: from the later of the window's start and its first transaction.
TYPICAL_SQL = """
WITH outside AS (
    SELECT l.account_id, l.date, l.amount
    FROM analytics_ledger l
    WHERE l.date BETWEEN $start AND $today AND NOT l.pending
      AND l.transaction_id NOT IN (
          SELECT t.transaction_id FROM recurring_stream_transactions t
          LEFT JOIN recurring_choices c USING (stream_id) WHERE NOT coalesce(c.not_recurring, false))
),
first_seen AS (SELECT account_id, greatest(min(date), $start) AS since FROM analytics_ledger GROUP BY ALL)
SELECT f.account_id, f.since, d.date, coalesce(sum(o.amount), 0) AS net
FROM first_seen f
JOIN (SELECT range::DATE AS date FROM range($start::DATE, $today::DATE + 1, INTERVAL 1 DAY)) d ON d.date >= f.since
LEFT JOIN outside o ON o.account_id = f.account_id AND o.date = d.date
GROUP BY ALL
"""


class ForecastError(FinboardError):
    """A forecast setting cannot be saved; the message says why."""


@dataclass(frozen=True)
class _Typical:
    mean: float  # Plaid's sign: positive = money out per day
    spread: float  # standard deviation of a day's net


@dataclass(frozen=True)
class _Flow:
    day: date
    amount: float  # effect on the balance: money in positive
    low: float
    high: float


def forecast(
    con: duckdb.DuckDBPyConnection, today: date, filters: Filters | None = None, days: int = 90
) -> pd.DataFrame:
    """One row per depository account and day (`days` days after `today`), then one per currency total
    (account_id None): COLUMNS. `recurring` is that day's net of the recurring streams, money in positive."""
    if days < 1:
        raise ForecastError("A forecast needs at least one day.")
    accounts = _accounts(con, filters)
    if not accounts:
        return pd.DataFrame(columns=COLUMNS)
    flows = _recurring_flows(con, today, days, filters)
    typical = _typical(con, today)
    rows: list[dict[str, object]] = []
    for a in accounts:
        rows.extend(_project(a, flows.get(str(a["account_id"]), []), typical.get(str(a["account_id"])), today, days))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    totals = (
        frame.groupby(["currency", "date"], as_index=False)[["balance", "low", "high", "recurring"]]
        .sum()
        .assign(account_id=None, account=lambda f: "All " + f["currency"] + " accounts")
    )
    return pd.concat([frame, totals[COLUMNS]], ignore_index=True).round(
        {"balance": 2, "low": 2, "high": 2, "recurring": 2}
    )


def accounts(con: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> pd.DataFrame:
    """The depository accounts the filters cover: account_id, account, currency, start (balance minus pending),
    threshold (None when not set)."""
    return pd.DataFrame(_accounts(con, filters), columns=["account_id", "account", "currency", "start", "threshold"])


def _accounts(con: duckdb.DuckDBPyConnection, filters: Filters | None) -> list[dict[str, object]]:
    rows = streams_module.records(con.execute(ACCOUNTS_SQL))
    if filters is not None and filters.accounts:
        rows = [r for r in rows if r["account_id"] in filters.accounts]
    if filters is not None and filters.currency:
        rows = [r for r in rows if r["currency"] == filters.currency]
    return rows


def recurring(con: duckdb.DuckDBPyConnection, today: date, days: int, filters: Filters | None = None) -> pd.DataFrame:
    """The recurring part alone: each expected stream occurrence in the depository accounts the filters cover,
    from tomorrow to `days` days ahead (core.analytics.streams.OCCURRENCE_COLUMNS), plus `effect`, `effect_low`
    and `effect_high`: what it does to the balance (money in positive) and its range."""
    covered = {str(a["account_id"]) for a in _accounts(con, filters)}
    table = streams_module.streams(con, today)
    frame = streams_module.occurrences(
        table[table["account_id"].isin(covered)], today + timedelta(days=1), today + timedelta(days=days)
    )
    sign = frame["direction"].map({"inflow": 1.0, "outflow": -1.0}).astype(float)
    low, high = sign * frame["low_amount"].astype(float), sign * frame["high_amount"].astype(float)
    return frame.assign(
        effect=sign * frame["amount"].astype(float),
        effect_low=low.combine(high, min),
        effect_high=low.combine(high, max),
    )


def _recurring_flows(
    con: duckdb.DuckDBPyConnection, today: date, days: int, filters: Filters | None
) -> dict[str, list[_Flow]]:
    out: dict[str, list[_Flow]] = defaultdict(list)
    for r in recurring(con, today, days, filters).to_dict("records"):
        out[str(r["account_id"])].append(_Flow(r["date"], r["effect"], r["effect_low"], r["effect_high"]))
    return out


def _typical(con: duckdb.DuckDBPyConnection, today: date) -> dict[str, _Typical]:
    start = today - timedelta(days=TYPICAL_DAYS - 1)
    nets: dict[str, list[float]] = defaultdict(list)
    for account_id, _, _, net in con.execute(TYPICAL_SQL, {"start": start, "today": today}).fetchall():
        nets[str(account_id)].append(float(net))
    return {
        a: _Typical(sum(v) / len(v), math.sqrt(sum((x - sum(v) / len(v)) ** 2 for x in v) / len(v)))
        for a, v in nets.items()
    }


def _project(
    account: dict[str, object], flows: list[_Flow], typical: _Typical | None, today: date, days: int
) -> list[dict[str, object]]:
    by_day: dict[date, list[_Flow]] = defaultdict(list)
    for f in flows:
        by_day[f.day].append(f)
    mean, spread = (typical.mean, typical.spread) if typical else (0.0, 0.0)
    balance = streams_module.amount(account["start"])
    below = above = 0.0  # how far varying streams may move the balance down and up
    out: list[dict[str, object]] = []
    for k in range(1, days + 1):
        day = today + timedelta(days=k)
        recurring = sum(f.amount for f in by_day[day])
        balance += recurring - mean
        below += sum(f.amount - f.low for f in by_day[day])
        above += sum(f.high - f.amount for f in by_day[day])
        band = BAND_Z * spread * math.sqrt(k)
        out.append({
            "account_id": account["account_id"], "account": account["account"], "currency": account["currency"],
            "date": day, "balance": balance, "low": balance - band - below, "high": balance + band + above,
            "recurring": recurring,
        })  # fmt: skip
    return out


def lowest(frame: pd.DataFrame) -> pd.DataFrame:
    """Per account (and currency total) the lowest projected balance and its first date: account_id, account,
    currency, lowest, lowest_date."""
    if frame.empty:
        return pd.DataFrame(columns=["account_id", "account", "currency", "lowest", "lowest_date"])
    idx = frame.groupby(["currency", "account"], sort=False)["balance"].idxmin()
    low = frame.loc[idx, ["account_id", "account", "currency", "balance", "date"]]
    return low.rename(columns={"balance": "lowest", "date": "lowest_date"}).reset_index(drop=True)


def warnings(con: duckdb.DuckDBPyConnection, today: date, filters: Filters | None = None) -> pd.DataFrame:
    """Accounts projected below their threshold (zero unless set) before their next income: WARNING_COLUMNS.
    `lowest` is the lowest balance in that window and `lowest_date` its first day."""
    frame = forecast(con, today, filters, days=max(HORIZONS))
    frame = frame[frame["account_id"].notna()]
    if frame.empty:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    table = streams_module.streams(con, today)
    income = table[(table["kind"] == "income") & (table["status"] != "stopped") & table["next_date"].notna()]
    thresholds = {str(a["account_id"]): streams_module.amount(a["threshold"] or 0) for a in _accounts(con, filters)}
    rows = []
    for (account_id, account, currency), days in frame.groupby(["account_id", "account", "currency"], sort=False):
        own = income[income["account_id"] == account_id]
        pool = own if not own.empty else income[income["currency"] == currency]
        nxt = pool.sort_values("next_date").iloc[0] if not pool.empty else None
        until = nxt["next_date"] if nxt is not None else today + timedelta(days=NO_INCOME_WINDOW + 1)
        window = days[days["date"] < until]
        threshold = thresholds.get(str(account_id), 0.0)
        if window.empty or window["balance"].min() >= threshold:
            continue
        low = window.iloc[int(window["balance"].to_numpy().argmin())]
        rows.append({
            "account_id": account_id, "account": account, "currency": currency, "threshold": threshold,
            "lowest": low["balance"], "lowest_date": low["date"],
            "next_income": None if nxt is None else nxt["merchant"],
            "next_income_date": None if nxt is None else nxt["next_date"],
        })  # fmt: skip
    return pd.DataFrame(rows, columns=WARNING_COLUMNS)


def set_threshold(store: Store, account_id: str, threshold: Decimal | None) -> None:
    """The lowest balance to keep in a depository account (None: back to zero)."""
    if threshold is not None and (not threshold.is_finite() or abs(threshold) >= Decimal("1e16")):
        raise ForecastError("The threshold must be an amount such as 500 or 500.00.")
    with store.transaction() as con:
        found = con.execute("SELECT type FROM accounts WHERE account_id = ?", [account_id]).fetchone()
        if found is None or found[0] != "depository":
            raise ForecastError(f"No checking or savings account {account_id}; thresholds apply to those only.")
        if threshold is None:
            con.execute("DELETE FROM forecast_thresholds WHERE account_id = ?", [account_id])
        else:
            con.execute(
                "INSERT INTO forecast_thresholds (account_id, threshold) VALUES (?, ?) ON CONFLICT (account_id) "
                "DO UPDATE SET threshold = excluded.threshold, updated_at = excluded.updated_at",
                [account_id, threshold.quantize(Decimal("0.01"))],
            )
    store.bump_data_version()
