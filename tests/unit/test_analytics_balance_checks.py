"""Balance checks: each change between two reported balances against the posted transactions between them.

The world: Checking (depository), Card (credit), a loan and a brokerage account, with balances written
straight into `balance_history` for past days, as the bank would have reported them. In the base world
every pair reconciles:

  Checking: Mar 1 1,000.00 -> Mar 31 1,780.00  (+780.00)
            between: salary -2,000.00 (Mar 15), rent 1,200.00 (Mar 20), coffee 20.00 (Mar 31)  -> -780.00
            Plaid's sign, so the depository balance moves by +780.00. Not counted: coffee 4.50 on Mar 1
            (already in the Mar 1 balance) and a pending ride of 15.00 on Mar 25.
  Card:     Mar 1 200.00 -> Mar 31 350.00  (+150.00 owed)
            between: groceries 180.00 (Mar 10), refund -30.00 (Mar 12) -> +150.00, the same sign for a card
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.analytics.balance_checks import check_balances, report_lines
from core.store import migrate
from tests.worlds import insert_transaction

MAR_1, MAR_31 = date(2025, 3, 1), date(2025, 3, 31)
ACCOUNTS = [
    # account_id, name, mask, type, subtype, currency
    ("chk", "Plaid Checking", "0000", "depository", "checking", "USD"),
    ("card", "Plaid Credit Card", "3333", "credit", "credit card", "USD"),
    ("loan", "Plaid Student Loan", "4444", "loan", "student", "USD"),
    ("brk", "Plaid Brokerage", "5555", "investment", "brokerage", "USD"),
]
TRANSACTIONS = [
    # transaction_id, account_id, date, amount (Plaid's sign), pending
    ("coffee-1", "chk", "2025-03-01", "4.50", False),
    ("salary", "chk", "2025-03-15", "-2000.00", False),
    ("rent", "chk", "2025-03-20", "1200.00", False),
    ("ride", "chk", "2025-03-25", "15.00", True),
    ("coffee-31", "chk", "2025-03-31", "20.00", False),
    ("groceries", "card", "2025-03-10", "180.00", False),
    ("refund", "card", "2025-03-12", "-30.00", False),
    ("loan-pay", "loan", "2025-03-16", "-300.00", False),  # the principal moves by less: interest
]
BALANCES = [
    # account_id, date, current_balance, derived
    ("chk", MAR_1, "1000.00", False),
    ("chk", MAR_1 + timedelta(days=10), "999999.99", True),  # derived: never a reference
    ("chk", MAR_31, "1780.00", False),
    ("card", MAR_1, "200.00", False),
    ("card", MAR_31, "350.00", False),
    ("loan", MAR_1, "20000.00", False),
    ("loan", MAR_31, "19750.00", False),
    ("brk", MAR_1, "5000.00", False),
    ("brk", MAR_31, "5400.00", False),
]


@pytest.fixture
def con():
    """An in-memory database with Finboard's schema and the world above."""
    con = duckdb.connect()
    migrate(con)
    write_world(con)
    yield con
    con.close()


def write_world(con):
    """The world above, written into a database with Finboard's schema."""
    con.execute("INSERT INTO items (item_id, institution_name) VALUES ('item-1', 'First Platypus Bank')")
    for account_id, name, mask, kind, subtype, currency in ACCOUNTS:
        con.execute(
            "INSERT INTO accounts (account_id, item_id, name, mask, type, subtype, iso_currency_code) "
            "VALUES (?, 'item-1', ?, ?, ?, ?, ?)",
            [account_id, name, mask, kind, subtype, currency],
        )
    for transaction_id, account_id, day, amount, pending in TRANSACTIONS:
        posted(con, transaction_id, account_id, day, amount, pending=pending)
    for account_id, day, balance, derived in BALANCES:
        report(con, account_id, day, balance, derived=derived)


def posted(con, transaction_id, account_id, day, amount, *, pending=False):
    """A transaction as the sync stores it (pending: not posted yet)."""
    insert_transaction(
        con, transaction_id, account_id, str(day), transaction_id, None, amount, "USD", pending, None, None
    )


def report(con, account_id, day, balance, *, derived=False, same_day=None):
    """A balance for `day`, as a sync would have stored it (same_day: what it included of that day)."""
    con.execute(
        "INSERT OR REPLACE INTO balance_history (account_id, date, current_balance, derived, same_day_posted) "
        "VALUES (?, ?, ?, ?, ?)",
        [account_id, day, None if balance is None else Decimal(balance), derived, same_day],
    )


def pair(checks, account_id):
    rows = checks.pairs[checks.pairs["account_id"] == account_id]
    assert len(rows) == 1
    return rows.iloc[0]


def test_balances_that_the_transactions_between_them_explain_reconcile(con):
    checks = check_balances(con)
    assert checks.ok and checks.pairs_checked == 2
    chk = pair(checks, "chk")
    assert (chk["start_day"].date(), chk["end_day"].date()) == (MAR_1, MAR_31)
    assert (chk["bank_change"], chk["posted_change"], chk["transactions_change"]) == (780.0, 780.0, 780.0)
    card = pair(checks, "card")
    assert (card["bank_change"], card["transactions_change"], card["reconciles"]) == (150.0, 150.0, True)
    assert "Every change reconciles: 2 pairs of reported balances on 2 accounts (2025-03-01 to 2025-03-31)" in (
        checks.summary()
    )


def test_a_missing_transaction_is_reported_with_the_account_and_the_dates(con):
    con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 'rent'")
    checks = check_balances(con)
    assert not checks.ok
    [message] = checks.disagreements["message"]
    assert message.startswith(
        "Plaid Checking ••0000: transactions explain $1,200.00 less money out than the bank reports "
        "between 2025-03-01 and 2025-03-31 (missing or duplicated history?)"
    )
    assert "from $1,000.00 to $1,780.00 (+$780.00), the transactions account for +$1,980.00" in message
    assert pair(checks, "card")["reconciles"]
    assert checks.summary().startswith("1 of 2 accounts do not reconcile: 1 of 2 pairs")


def test_a_duplicated_transaction_is_reported_on_a_credit_card_with_its_sign(con):
    insert_transaction(
        con, "groceries-again", "card", "2025-03-10", "groceries", None, "180.00", "USD", False, None, None
    )
    [message] = check_balances(con).disagreements["message"]
    assert message.startswith(
        "Plaid Credit Card ••3333: transactions explain $180.00 more money out than the bank reports "
        "between 2025-03-01 and 2025-03-31"
    )
    assert "(+$150.00), the transactions account for +$330.00" in message


def test_pending_transactions_never_count(con):
    posted(con, "hotel-hold", "card", "2025-03-20", "400.00", pending=True)
    posted(con, "atm-today", "chk", "2025-03-31", "60.00", pending=True)
    report(con, "chk", MAR_31, "1780.00", same_day=Decimal("20.00"))  # a pending one is never "included" either
    assert check_balances(con).ok
    con.execute("UPDATE plaid_transaction_rows SET pending = true WHERE transaction_id = 'rent'")  # not posted yet
    [message] = check_balances(con).disagreements["message"]
    assert "transactions explain $1,200.00 less money out" in message


def test_the_start_day_belongs_to_the_earlier_balance_and_the_end_day_to_the_later(con):
    posted(con, "tea-1", "chk", "2025-03-01", "3.00")
    assert check_balances(con).ok  # dated Mar 1: inside the Mar 1 balance, not a change after it
    posted(con, "tea-31", "chk", "2025-03-31", "3.00")
    assert "$3.00 more money out" in check_balances(con).disagreements["message"].iloc[0]


def test_same_day_transactions_posted_after_the_snapshot_count_in_the_next_pair(con):
    """Mar 1's balance was taken when only the coffee had posted; a 20.00 withdrawal dated Mar 1 posted later
    that day, so the Mar 31 balance includes it and the pair must too. Mar 31's balance included nothing of
    Mar 31 yet, so that day's coffee belongs to the next pair."""
    posted(con, "atm-1", "chk", "2025-03-01", "20.00")
    report(con, "chk", MAR_1, "1000.00", same_day=Decimal("4.50"))
    report(con, "chk", MAR_31, "1780.00", same_day=Decimal("0.00"))
    chk = pair(check_balances(con), "chk")
    assert (chk["posted_change"], chk["same_day"], chk["transactions_change"]) == (780.0, 0.0, 780.0)
    # (+20.00 out on Mar 1, -20.00 out on Mar 31) cancel here; now only the Mar 1 withdrawal:
    report(con, "chk", MAR_31, "1760.00", same_day=Decimal("20.00"))  # docs/analytics.md's example
    chk = pair(check_balances(con), "chk")
    assert (chk["posted_change"], chk["same_day"], chk["transactions_change"], chk["reconciles"]) == (
        780.0, -20.0, 760.0, True,
    )  # fmt: skip
    con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 'rent'")
    chk = pair(check_balances(con), "chk")
    assert (chk["transactions_change"], chk["verdict"]) == (1960.0, "$1,200.00 less money out")
    posted(con, "rent", "chk", "2025-03-20", "1200.00")
    report(con, "chk", MAR_1, "1000.00", same_day=None)  # without the record, Mar 1 is taken whole
    assert "$20.00 less money out" in check_balances(con).disagreements["message"].iloc[0]


def test_a_cent_is_tolerated_and_two_are_not(con):
    report(con, "chk", MAR_31, "1780.01")
    assert check_balances(con).ok
    report(con, "chk", MAR_31, "1780.02")
    assert "$0.02 more money out" in check_balances(con).disagreements["message"].iloc[0]  # the bank has more


def test_three_reported_days_make_two_pairs_and_only_the_broken_one_is_reported(con):
    report(con, "chk", date(2025, 3, 18), "3000.00")  # after the salary (-2,000.00 on Mar 15), before the rent
    checks = check_balances(con)
    assert checks.ok and checks.pairs_checked == 3
    con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 'rent'")
    [message] = check_balances(con).disagreements["message"]
    assert "$1,200.00 less money out than the bank reports between 2025-03-18 and 2025-03-31" in message


def test_a_wrong_balance_between_two_right_ones_breaks_both_of_its_pairs_by_opposite_amounts(con):
    report(con, "chk", date(2025, 3, 18), "3100.00")
    disagreements = check_balances(con).disagreements
    assert disagreements["difference"].tolist() == [100.0, -100.0]
    assert disagreements["verdict"].tolist() == ["$100.00 more money out", "$100.00 less money out"]


def test_loans_investments_and_accounts_with_one_reported_day_are_not_checked(con):
    con.execute("DELETE FROM balance_history WHERE account_id = 'card' AND date = ?", [MAR_31])
    report(con, "card", MAR_1, None)  # a snapshot without a current balance is no reference either
    report(con, "card", date(2025, 3, 5), "200.00")
    checks = check_balances(con)
    assert set(checks.pairs["account_id"]) == {"chk"}
    by_id = checks.accounts.set_index("account_id")
    assert by_id.loc["card", ["checked", "reported_days", "pairs"]].tolist() == [True, 1, 0]
    assert by_id.loc["loan", ["checked", "reported_days", "pairs"]].tolist() == [False, 0, 0]
    assert list(checks.waiting_accounts["account_id"]) == ["card"]
    assert set(checks.unchecked_accounts["account_id"]) == {"loan", "brk"}
    lines = report_lines(checks)
    assert lines[0] == "First Platypus Bank"
    assert "  Plaid Credit Card ••3333 (USD): 1 day of reported balances (2025-03-05); a sync on another day" in (
        "\n".join(lines)
    )
    assert any("Plaid Student Loan ••4444 (USD): not checked: a loan's reported balance is its principal" in line
               for line in lines)  # fmt: skip
    assert "Plaid Checking ••0000 (USD): 2 days of reported balances (2025-03-01 to 2025-03-31), 1 pair checked: " \
        "reconciles" in "\n".join(lines)  # fmt: skip


def test_only_the_chosen_accounts_are_checked(con):
    con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 'rent'")
    checks = check_balances(con, ["card"])
    assert checks.ok and list(checks.accounts["account_id"]) == ["card"]


def test_nothing_to_check_yet_is_not_a_failure(con):
    con.execute("DELETE FROM balance_history WHERE date = ?", [MAR_31])
    checks = check_balances(con)
    assert checks.ok and checks.pairs_checked == 0
    assert checks.summary().startswith("Nothing to check yet")


def test_bank_text_cannot_reach_a_terminal_as_control_characters(con):
    con.execute("UPDATE accounts SET name = 'Plaid \x1b[31mChecking\x07\nline \u202ekcehc' WHERE account_id = 'chk'")
    con.execute("DELETE FROM plaid_transaction_rows WHERE transaction_id = 'rent'")
    [message] = check_balances(con).disagreements["message"]
    assert message.startswith("Plaid [31mChecking line kcehc ••0000:") and "\x1b" not in "\n".join(
        report_lines(check_balances(con))
    )


# -- the rule in plain Python, against the SQL -----------------------------------------------------------------

CENT = Decimal("0.01")


def reference_pairs(accounts, balances, transactions):
    """The rule as docs/analytics.md states it: (account, D1, D2, bank's change, transactions' change, reconciles)."""
    out = []
    for account_id, kind in accounts:
        if kind not in ("depository", "credit"):
            continue
        reported = sorted(
            (day, balance, same_day)
            for acc, day, balance, derived, same_day, _ in balances
            if acc == account_id and not derived and balance is not None
        )
        posted = [(day, amount) for acc, day, amount, pending in transactions if acc == account_id and not pending]
        sign = 1 if kind == "credit" else -1
        for (d1, b1, c1), (d2, b2, c2) in itertools.pairwise(reported):
            between = sum((amount for d, amount in posted if d1 < d <= d2), Decimal(0))
            explained = sign * (between + _posted_later(posted, d1, c1) - _posted_later(posted, d2, c2))
            out.append((account_id, d1, d2, b2 - b1, explained, abs(b2 - b1 - explained) <= CENT))
    return sorted(out)


def _posted_later(posted, day, included):
    """What the balance of `day` had not included yet of that day's posted transactions."""
    on_day = sum((amount for d, amount in posted if d == day), Decimal(0))
    return on_day - (on_day if included is None else included)


amounts = st.integers(-100_000, 100_000).map(lambda cents: Decimal(cents) / 100)
DAY0 = date(2025, 1, 1)


@st.composite
def worlds(draw):
    """Accounts, a bank that reports balances (usually right, sometimes off), and transactions."""
    kinds = draw(st.lists(st.sampled_from(["depository", "credit", "loan", "investment"]), min_size=1, max_size=3))
    accounts = [(f"acc-{i}", kind) for i, kind in enumerate(kinds)]
    transactions, balances = [], []
    for account_id, kind in accounts:
        for _ in range(draw(st.integers(0, 12))):
            day = DAY0 + timedelta(days=draw(st.integers(0, 15)))
            transactions.append((account_id, day, draw(amounts), draw(st.booleans())))
        posted = [(d, a) for acc, d, a, pending in transactions if acc == account_id and not pending]
        opening, sign = draw(amounts), (1 if kind in ("credit", "loan") else -1)
        for offset in sorted(draw(st.sets(st.integers(0, 15), max_size=5))):
            day = DAY0 + timedelta(days=offset)
            that_day = [a for d, a in posted if d == day]
            # The bank's snapshot includes everything before its day and the first k of that day's postings.
            k = draw(st.integers(0, len(that_day)))
            included = sum(that_day[:k], Decimal(0))
            recorded = draw(st.sampled_from(["exact", "exact", "unrecorded"]))
            if recorded == "unrecorded":  # stored before version 9 or written by hand: the whole day
                included, k = None, len(that_day)
            true = opening + sign * (sum((a for d, a in posted if d < day), Decimal(0)) + sum(that_day[:k], Decimal(0)))
            error = draw(st.sampled_from([Decimal(0)] * 4 + [CENT, Decimal("0.02"), Decimal("-25.00")]))
            balance = None if draw(st.integers(0, 9)) == 0 else true + error
            balances.append((account_id, day, balance, draw(st.integers(0, 6)) == 0, included, error))
    return accounts, balances, transactions


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_the_sql_agrees_with_the_rule_in_plain_python(world, empty_con):
    accounts, balances, transactions = world
    con = empty_con
    for table in ("plaid_transaction_rows", "balance_history", "accounts"):
        con.execute(f"DELETE FROM {table}")
    for account_id, kind in accounts:
        con.execute(
            "INSERT INTO accounts (account_id, item_id, name, type) VALUES (?, 'item-1', ?, ?)",
            [account_id, account_id, kind],
        )
    for i, (account_id, day, amount, pending) in enumerate(transactions):
        insert_transaction(
            con, f"t{i}", account_id, day.isoformat(), "x", None, str(amount), "USD", pending, None, None
        )
    for account_id, day, balance, derived, included, _ in balances:
        report(con, account_id, day, balance, derived=derived, same_day=included)
    pairs = check_balances(con).pairs
    got = sorted(
        (r.account_id, r.start_day.date(), r.end_day.date(), Decimal(str(r.bank_change)).quantize(CENT),
         Decimal(str(r.transactions_change)).quantize(CENT), bool(r.reconciles))
        for r in pairs.itertuples()
    )  # fmt: skip
    assert got == reference_pairs(accounts, balances, transactions)
    # and the rule is right: where the bank reported both balances correctly, the pair reconciles
    errors = {(acc, day): error for acc, day, _, _, _, error in balances}
    for account_id, start, end, *_, reconciles in got:
        if errors[account_id, start] == errors[account_id, end] == 0:
            assert reconciles, (account_id, start, end)


@pytest.fixture(scope="module")
def empty_con():
    con = duckdb.connect()
    migrate(con)
    con.execute("INSERT INTO items (item_id, institution_name) VALUES ('item-1', 'Bank')")
    yield con
    con.close()
