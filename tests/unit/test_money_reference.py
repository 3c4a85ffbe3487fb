"""The money rules, worked out again in plain Python and compared with the SQL on generated worlds.

The reference below is written from docs/analytics.md, not from the SQL: what each category counts
as, which rows may pair, what a best pairing is (found by trying every matching), and how income,
spending, transfers and the previous window add up. Hypothesis generates worlds of a few accounts in
two currencies with purchases, refunds, income, twins of opposite amounts a few days apart (so
pairs, chains and ties happen), pending rows and uncategorized ones.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.analytics import ledger
from core.analytics.cash_flow import totals
from core.analytics.categories import category_spending
from core.analytics.filters import Filters
from core.store import Store

START = date(2025, 1, 1)
ACCOUNTS = {"a1": "USD", "a2": "USD", "a3": "USD", "e1": "EUR"}
# (primary, detailed) -> what docs/analytics.md says an unpaired row in it counts as
CATEGORIES = {
    ("INCOME", "INCOME_SALARY"): "income",
    ("INCOME", "INCOME_INTEREST_EARNED"): "income",
    ("FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES"): "spending",
    ("BANK_FEES", "BANK_FEES_ATM_FEES"): "spending",
    ("LOAN_PAYMENTS", "LOAN_PAYMENTS_MORTGAGE_PAYMENT"): "spending",
    ("GENERAL_SERVICES", "GENERAL_SERVICES_OTHER_GENERAL_SERVICES"): "spending",
    ("TRANSFER_IN", "TRANSFER_IN_DEPOSIT"): "transfer_outside",
    ("TRANSFER_OUT", "TRANSFER_OUT_WITHDRAWAL"): "transfer_outside",
    ("TRANSFER_OUT", "TRANSFER_OUT_SAVINGS"): "transfer_outside",
    ("TRANSFER_IN", "TRANSFER_IN_SAVINGS"): "transfer_outside",
    ("LOAN_PAYMENTS", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"): "transfer_outside",
    ("LOAN_DISBURSEMENTS", "LOAN_DISBURSEMENTS_PERSONAL"): "transfer_outside",
    ("OTHER", "OTHER_OTHER"): "transfer_outside",
    (None, None): "transfer_outside",  # no category: like OTHER
}
MAY_PAIR = {"TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS"}  # transfer, loan-payment or card-payment categories
PAIR_DAYS = 4


@dataclass(frozen=True)
class Row:
    tid: str
    account: str
    day: date
    cents: int  # Plaid's sign: positive = money out
    primary: str | None
    detailed: str | None
    pending: bool

    @property
    def currency(self) -> str:
        return ACCOUNTS[self.account]


@st.composite
def worlds(draw: st.DrawFn) -> list[Row]:
    rows: list[Row] = []
    categories = list(CATEGORIES)
    for n in range(draw(st.integers(1, 14))):
        account = draw(st.sampled_from(sorted(ACCOUNTS)))
        day = START + timedelta(days=draw(st.integers(0, 45)))
        cents = draw(st.integers(-90_000, 90_000).filter(bool))
        primary, detailed = draw(st.sampled_from(categories))
        cents = cents if primary not in MAY_PAIR else cents // 1000 * 1000 or 1000  # round sums: more twins alike
        pending = draw(st.booleans()) and draw(st.booleans())
        rows.append(Row(f"t{n:02d}", account, day, cents, primary, detailed, pending))
        if draw(st.booleans()):  # a twin: the opposite amount in another account of the currency, days apart
            others = sorted(a for a in ACCOUNTS if ACCOUNTS[a] == ACCOUNTS[account] and a != account)
            if others:  # mostly a transfer-like category, so pairs, chains and ties are common
                twin = draw(st.sampled_from([c for c in categories if c[0] in MAY_PAIR] * 3 + categories))
                shift = timedelta(days=draw(st.integers(-5, 5)))
                rows.append(Row(f"t{n:02d}x", draw(st.sampled_from(others)), day + shift, -cents, *twin, False))
    return rows


# -- the reference -------------------------------------------------------------------------------


def candidate_edges(rows: list[Row]) -> list[tuple[str, str, int]]:
    """(out id, in id, days apart) for every two rows that could be the halves of one transfer."""
    edges = []
    for o, i in itertools.permutations(rows, 2):
        if (o.cents > 0 and i.cents == -o.cents and o.currency == i.currency and o.account != i.account
                and o.primary in MAY_PAIR and i.primary in MAY_PAIR and abs((o.day - i.day).days) <= PAIR_DAYS):
            edges.append((o.tid, i.tid, abs((o.day - i.day).days)))  # fmt: skip
    return edges


def best_matchings(edges: list[tuple[str, str, int]]) -> tuple[tuple[int, int, int], list[frozenset[tuple[str, str]]]]:
    """Every matching that is best by the documented order: most pairs, then the smallest total gap, then
    the smallest sum of each pair's position among the pairs of its group in id order (groups: rows
    linked by candidate pairs). Tries every subset of edges: the worlds are small."""
    group = {}
    for o, i, _ in edges:  # union-find over rows
        group.setdefault(o, o), group.setdefault(i, i)

    def root(x: str) -> str:
        while group[x] != x:
            x = group[x]
        return x

    for o, i, _ in edges:
        group[root(o)] = root(i)
    rank = {}
    for g in {root(o) for o, _, _ in edges}:
        mine = sorted((o, i) for o, i, _ in edges if root(o) == g)
        rank.update({e: n for n, e in enumerate(mine)})
    best: tuple[int, int, int] | None = None
    found: list[frozenset[tuple[str, str]]] = []
    for size in range(len(edges), -1, -1):
        for chosen in itertools.combinations(edges, size):
            ends = [o for o, _, _ in chosen] + [i for _, i, _ in chosen]
            if len(set(ends)) < len(ends):
                continue
            score = (-size, sum(g for _, _, g in chosen), sum(rank[(o, i)] for o, i, _ in chosen))
            if best is None or score < best:
                best, found = score, []
            if score == best:
                found.append(frozenset((o, i) for o, i, _ in chosen))
        if best is not None and best[0] == -size:
            break  # no smaller matching can be better
    return best or (0, 0, 0), found


def flow_of(row: Row, paired: set[str]) -> str:
    return "transfer_internal" if row.tid in paired else CATEGORIES[(row.primary, row.detailed)]


def figures(rows: list[Row], paired: set[str], start: date, end: date, accounts: set[str], pending: bool):
    """Per currency: income, spending, outside in/out, internal in/out, money in/out, in cents (money in +)."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if not (start <= r.day <= end) or r.account not in accounts or (r.pending and not pending):
            continue
        f, money_in, money_out = flow_of(r, paired), max(-r.cents, 0), max(r.cents, 0)
        sums = out[r.currency]
        sums["money_in"] += money_in
        sums["money_out"] += money_out
        if f == "income":
            sums["income"] -= r.cents
        elif f == "spending":
            sums["spending"] += r.cents
        else:
            kind = "outside" if f == "transfer_outside" else "internal"
            sums[f"{kind}_in"] += money_in
            sums[f"{kind}_out"] += money_out
    return out


# -- the comparison ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store():
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "fb.duckdb")
        with store.transaction() as con:
            con.execute("INSERT INTO items (item_id, institution_name) VALUES ('i1', 'Bank'), ('i2', 'Other bank')")
            for n, (account, currency) in enumerate(sorted(ACCOUNTS.items())):
                con.execute(
                    "INSERT INTO accounts (account_id, item_id, name, type, iso_currency_code) "
                    "VALUES (?, ?, ?, 'depository', ?)",
                    [account, f"i{1 + n % 2}", account, currency],
                )
        yield store


def load(store: Store, rows: list[Row]) -> None:
    with store.transaction() as con:
        con.execute("DELETE FROM plaid_transaction_rows")
        con.executemany(
            "INSERT INTO plaid_transaction_rows (transaction_id, account_id, item_id, date, name, amount, "
            "iso_currency_code, pending, category_primary, category_detailed, updated_at) "
            "VALUES (?, ?, 'i1', ?, 'ROW', ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [[r.tid, r.account, r.day, Decimal(r.cents) / 100, r.currency, r.pending, r.primary, r.detailed]
             for r in rows],
        )  # fmt: skip


def cents(value: object) -> int:
    return round(float(value) * 100)  # type: ignore[arg-type]


window_days = st.tuples(st.integers(0, 50), st.integers(0, 50)).map(sorted)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=worlds(), days=window_days, accounts=st.sets(st.sampled_from(sorted(ACCOUNTS)), min_size=1),
       pending=st.booleans(), transfers=st.booleans())  # fmt: skip
def test_the_sql_agrees_with_the_reference(store, rows, days, accounts, pending, transfers):
    load(store, rows)
    start, end = START + timedelta(days=days[0]), START + timedelta(days=days[1])
    everything = sorted(accounts) == sorted(ACCOUNTS)
    filters = Filters(period="custom", start=start, end=end, accounts=() if everything else tuple(sorted(accounts)),
                      include_pending=pending, include_transfers=transfers)  # fmt: skip
    with ledger.reading(store) as con:
        sql_pairs = con.execute(
            "SELECT transaction_id, transfer_pair_id FROM analytics_ledger WHERE transfer_pair_id IS NOT NULL "
            "AND transaction_id IN (SELECT transaction_id FROM analytics_ledger WHERE amount > 0)"
        ).fetchall()
        got = totals(con, filters, date(2025, 3, 1)).set_index("currency")
        spent = category_spending(con, filters, date(2025, 3, 1))

    # the pairing is one of the best matchings of the candidates
    _, best = best_matchings(candidate_edges(rows))
    assert frozenset(sql_pairs) in best
    paired = {t for pair in sql_pairs for t in pair}

    # totals, per currency, for the window and the previous one (as many days just before)
    want = figures(rows, paired, start, end, accounts, pending)
    length = timedelta(days=(end - start).days + 1)
    before = figures(rows, paired, start - length, start - timedelta(days=1), accounts, pending)
    history = {r.currency for r in rows if start - length <= r.day < start and r.account in accounts}
    assert set(got.index) == {ACCOUNTS[a] for a in accounts}  # every currency of the accounts, even if idle
    for currency, row in got.iterrows():
        w, b = want[currency], before[currency]
        assert [cents(row[c]) for c in ("income", "spending", "net", "money_in", "money_out")] == [
            w["income"], w["spending"], w["income"] - w["spending"], w["money_in"], w["money_out"]
        ]  # fmt: skip
        assert [cents(row[f"transfers_{d}_{k}"]) for k in ("outside", "internal") for d in ("in", "out")] == [
            w["outside_in"], w["outside_out"], w["internal_in"], w["internal_out"]
        ]  # fmt: skip
        if currency in history:
            assert [cents(row["previous_income"]), cents(row["previous_spending"])] == [b["income"], b["spending"]]
        else:
            assert row[["previous_income", "previous_spending", "previous_net"]].isna().all()
        # the identity, exactly: every cent in or out is income, spending or a transfer
        assert cents(row["money_in"]) - cents(row["money_out"]) == (
            cents(row["income"]) - cents(row["spending"])
            + cents(row["transfers_in_outside"]) - cents(row["transfers_out_outside"])
            + cents(row["transfers_in_internal"]) - cents(row["transfers_out_internal"])
        )  # fmt: skip

    # spending per category: spending rows, and with the transfer filter on, transfers as categories too
    by_category: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        f = flow_of(r, paired)
        if start <= r.day <= end and r.account in accounts and (pending or not r.pending) and f != "income" and (
            transfers or f == "spending"
        ):
            by_category[(r.currency, r.detailed or r.primary or "UNCATEGORIZED")] += r.cents
    assert {(c, d): cents(s) for c, d, s in spent[["currency", "category_detailed", "spending"]].itertuples(
        index=False)} == dict(by_category)  # fmt: skip


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=worlds())
def test_internal_transfers_cancel_over_all_time_and_accounts(store, rows):
    load(store, rows)
    with ledger.reading(store) as con:
        got = totals(con, Filters(period="all", include_pending=True), date(2025, 3, 1))
    assert (got["transfers_in_internal"] == got["transfers_out_internal"]).all()
