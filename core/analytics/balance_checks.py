"""Balance checks: do the transactions explain every change between two balances the bank reported?

Like Beancount's balance assertions, but automatic. For each checking, savings and credit account
(a loan's reported balance is its principal and an investment's its market value: transactions do
not explain those), take each pair of consecutive reported balances B1 on day D1 and B2 on day D2
(rows of `balance_history` that were observed, never `derived`). Then

    bank's change     = B2 - B1
    posted            = sum of posted transactions dated D1 < date <= D2 (Plaid's sign; pending never count)
    same day          = what B1 had not included of D1's posted transactions (posted after the snapshot)
                        - what B2 had not included of D2's; what a snapshot included of its own day is
                        `same_day_posted` (NULL: the whole day)
    transactions' change = -(posted + same day) for depository accounts, +(posted + same day) for credit ones

and the pair reconciles when the two changes differ by at most a cent. docs/analytics.md has an example.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import duckdb
import pandas as pd

from core.analytics.money_text import money
from core.text import one_line

CHECKED_TYPES = ("depository", "credit")
TOLERANCE = "0.01"  # "more than a cent" disagrees
NOT_CHECKED = {
    "loan": "a loan's reported balance is its principal, which transactions do not explain",
    "investment": "an investment's reported balance is its market value, which transactions do not explain",
}

_ACCOUNTS = """
accts AS (
    SELECT a.account_id, a.name || coalesce(' ••' || a.mask, '') AS account,
           coalesce(i.institution_name, i.institution_id, a.item_id) AS institution,
           coalesce(a.type, 'other') AS type,
           coalesce(a.iso_currency_code, a.unofficial_currency_code, 'XXX') AS currency,
           list_contains($checked_types::VARCHAR[], a.type) AS checked
    FROM accounts a LEFT JOIN items i USING (item_id)
    WHERE $all_accounts OR list_contains($accounts::VARCHAR[], a.account_id)
),
reported AS (
    SELECT account_id, date AS end_day, current_balance AS end_balance, same_day_posted AS end_included,
           lag(date) OVER w AS start_day, lag(current_balance) OVER w AS start_balance,
           lag(same_day_posted) OVER w AS start_included
    FROM balance_history SEMI JOIN (SELECT account_id FROM accts WHERE checked) USING (account_id)
    WHERE NOT derived AND current_balance IS NOT NULL
    WINDOW w AS (PARTITION BY account_id ORDER BY date)
)"""

PAIRS = f"""
WITH {_ACCOUNTS},
daily AS (  -- the rows of the `transactions` view, without the categories it resolves (2-3x faster)
    SELECT account_id, date, sum(amount) AS total
    FROM plaid_transactions SEMI JOIN (SELECT account_id FROM reported) USING (account_id)
    WHERE NOT pending GROUP BY ALL
),
between_days AS (
    SELECT r.account_id, r.end_day, coalesce(sum(d.total), 0) AS posted
    FROM reported r LEFT JOIN daily d ON d.account_id = r.account_id AND d.date > r.start_day AND d.date <= r.end_day
    WHERE r.start_day IS NOT NULL
    GROUP BY ALL
),
pairs AS (
    SELECT r.account_id, r.start_day, r.end_day, r.start_balance, r.end_balance, b.posted,
           coalesce(s.total, 0) - coalesce(r.start_included, s.total, 0) AS start_posted_later,
           coalesce(e.total, 0) - coalesce(r.end_included, e.total, 0) AS end_posted_later,
           CASE a.type WHEN 'credit' THEN 1 ELSE -1 END AS sign
    FROM reported r
    JOIN between_days b USING (account_id, end_day)
    JOIN accts a USING (account_id)
    LEFT JOIN daily s ON s.account_id = r.account_id AND s.date = r.start_day
    LEFT JOIN daily e ON e.account_id = r.account_id AND e.date = r.end_day
),
explained AS (
    SELECT *, end_balance - start_balance AS bank_change,
           sign * (start_posted_later - end_posted_later) AS same_day,
           sign * (posted + start_posted_later - end_posted_later) AS transactions_change
    FROM pairs
)
SELECT x.account_id, a.account, a.institution, a.type, a.currency, x.start_day, x.end_day,
       x.start_balance, x.end_balance, x.bank_change, x.sign * x.posted AS posted_change, x.same_day,
       x.transactions_change, x.bank_change - x.transactions_change AS difference,
       abs(x.bank_change - x.transactions_change) <= {TOLERANCE} AS reconciles
FROM explained x JOIN accts a USING (account_id)
ORDER BY a.institution, a.account, x.account_id, x.end_day
"""

ACCOUNTS = f"""
WITH {_ACCOUNTS}
SELECT a.account_id, a.account, a.institution, a.type, a.currency, a.checked,
       count(r.end_day) AS reported_days, min(r.end_day) AS first_day, max(r.end_day) AS last_day
FROM accts a LEFT JOIN reported r USING (account_id)
GROUP BY ALL
ORDER BY checked DESC, institution, account, account_id
"""


@dataclass(frozen=True)
class BalanceChecks:
    """The checks over some accounts.

    accounts: one row per account: account_id, account, institution, type, currency, checked (its type
      can be checked), reported_days, first_day, last_day, pairs (checked), disagreeing.
    pairs: one row per pair of consecutive reported balances: account_id, account, institution, type,
      currency, start_day, end_day, start_balance, end_balance, bank_change, posted_change (the posted
      transactions dated start_day < date <= end_day, as a balance change), same_day (what the two
      reported balances had not included of their own day's posted transactions, as a balance change),
      transactions_change (= posted_change + same_day), difference (bank_change - transactions_change),
      reconciles, verdict ("$36.75 less money out", than the bank reports), message (the whole sentence).
    """

    accounts: pd.DataFrame
    pairs: pd.DataFrame

    @property
    def pairs_checked(self) -> int:
        return len(self.pairs)

    @property
    def disagreements(self) -> pd.DataFrame:
        return self.pairs[~self.pairs["reconciles"]]

    @property
    def ok(self) -> bool:
        """True when no pair disagrees (also when there was nothing to check yet)."""
        return self.disagreements.empty

    @property
    def checked_accounts(self) -> pd.DataFrame:
        """Accounts with at least one pair checked."""
        return self.accounts[self.accounts["pairs"] > 0]

    @property
    def waiting_accounts(self) -> pd.DataFrame:
        """Checkable accounts with fewer than two reported days so far."""
        return self.accounts[self.accounts["checked"] & (self.accounts["pairs"] == 0)]

    @property
    def unchecked_accounts(self) -> pd.DataFrame:
        """Loans, investments and other accounts whose balance transactions do not explain."""
        return self.accounts[~self.accounts["checked"]]

    def summary(self) -> str:
        """One line: what was checked and whether it reconciles."""
        accounts = self.checked_accounts
        if accounts.empty:
            return (
                "Nothing to check yet: an account needs balances reported by the bank on two different days, "
                "and each sync on a new day records one."
            )
        failing = int((accounts["disagreeing"] > 0).sum())
        pairs = _count(self.pairs_checked, "pair")
        span = f"{accounts['first_day'].min():%Y-%m-%d} to {accounts['last_day'].max():%Y-%m-%d}"
        if failing:
            return (
                f"{failing} of {_count(len(accounts), 'account')} do not reconcile: {len(self.disagreements)} of "
                f"{pairs} of reported balances disagree with the transactions between them ({span})."
            )
        return (
            f"Every change reconciles: {pairs} of reported balances on {_count(len(accounts), 'account')} "
            f"({span}), each explained to the cent by the transactions between them."
        )


def check_balances(con: duckdb.DuckDBPyConnection, accounts: Sequence[str] = ()) -> BalanceChecks:
    """Check every account (or only `accounts`): see the module docstring for the rule."""
    params = {"all_accounts": not accounts, "accounts": list(accounts), "checked_types": list(CHECKED_TYPES)}
    pairs = _printable_names(con.execute(PAIRS, params).df())
    pairs["verdict"] = pd.Series([_verdict(p) for p in pairs.to_dict("records")], index=pairs.index, dtype=str)
    pairs["message"] = pd.Series([_message(p) for p in pairs.to_dict("records")], index=pairs.index, dtype=str)
    summary = _printable_names(con.execute(ACCOUNTS, params).df())
    counts = pairs.groupby("account_id").agg(pairs=("reconciles", "size"), agree=("reconciles", "sum"))
    summary = summary.join(counts, on="account_id")
    summary["pairs"] = summary["pairs"].fillna(0).astype(int)
    summary["disagreeing"] = summary["pairs"] - summary["agree"].fillna(0).astype(int)
    return BalanceChecks(summary.drop(columns="agree"), pairs)


def _printable_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Bank text on one line, without control or bidirectional-formatting characters: the names reach a
    terminal (`finboard check`) and the page's tables."""
    for column in ("account", "institution"):
        frame[column] = frame[column].map(one_line).astype(str)
    return frame


def _verdict(pair: dict[Hashable, Any]) -> str:
    """How far apart, which way: "$36.75 less money out" (than the bank reports)."""
    # In Plaid's sign (money out positive) the transactions' flow minus the bank's is +difference for a
    # depository account and -difference for a card. "Less money out": a missing purchase or withdrawal,
    # or a duplicated deposit or payment; "more": the other way round.
    difference = pair["difference"]
    less = (difference < 0) == (pair["type"] != "credit")
    return f"{money(abs(difference), pair['currency'])} {'less' if less else 'more'} money out"


def _message(pair: dict[Hashable, Any]) -> str:
    """The sentence for one disagreeing pair: "Plaid Checking ••0000: transactions explain $X less ..."."""
    currency, start, end = pair["currency"], pair["start_day"], pair["end_day"]
    explained = money(pair["transactions_change"], currency, signed=True)
    if pair["same_day"]:
        first = start + timedelta(days=1)
        explained += (
            f" ({money(pair['posted_change'], currency, signed=True)} dated {first:%Y-%m-%d} to {end:%Y-%m-%d}, "
            f"{money(pair['same_day'], currency, signed=True)} from the two days' own transactions)"
        )
    return (
        f"{pair['account']}: transactions explain {pair['verdict']} than the bank reports between {start:%Y-%m-%d} "
        f"and {end:%Y-%m-%d} (missing or duplicated history?): the balance went from "
        f"{money(pair['start_balance'], currency)} to "
        f"{money(pair['end_balance'], currency)} ({money(pair['bank_change'], currency, signed=True)}), the "
        f"transactions account for {explained}."
    )


def not_checked_reason(account_type: str) -> str:
    """Why an account of this type is not checked."""
    return NOT_CHECKED.get(account_type, f"transactions do not explain the balance of a {account_type} account")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def report_lines(checks: BalanceChecks) -> list[str]:
    """The checks as text for `finboard check`: per institution, one line per account and one per disagreement."""
    lines: list[str] = []
    for institution, accounts in checks.accounts.groupby("institution", sort=False):
        lines.append(str(institution))
        for a in accounts.to_dict("records"):
            lines.append(f"  {a['account']} ({a['currency']}): {_account_status(a)}")
            for message in checks.disagreements.loc[checks.disagreements["account_id"] == a["account_id"], "message"]:
                lines.append(f"    {message}")
    lines.append(checks.summary())
    return lines


def _account_status(a: dict[Hashable, Any]) -> str:
    if not a["checked"]:
        return f"not checked: {not_checked_reason(a['type'])}"
    days = int(a["reported_days"])
    if days == 0:
        return "no balance reported by the bank yet"
    if days == 1:
        return f"1 day of reported balances ({a['first_day']:%Y-%m-%d}); a sync on another day makes it checkable"
    pairs, disagreeing = int(a["pairs"]), int(a["disagreeing"])
    verdict = "reconciles" if pairs == 1 else "all reconcile"
    if disagreeing:
        verdict = f"{disagreeing} disagree{'s' if disagreeing == 1 else ''}"
    return (
        f"{days} days of reported balances ({a['first_day']:%Y-%m-%d} to {a['last_day']:%Y-%m-%d}), "
        f"{_count(pairs, 'pair')} checked: {verdict}"
    )
