"""Data worlds for the analytics tests, written straight into the read model's tables.

- `small_world`: a handful of hand-made transactions whose totals are computed by hand in
  tests/unit/test_analytics*.py (transfers, a refund, pending, two currencies, an unhealthy item).
- `demo_world`: two years of realistic history over seven accounts (one in EUR), for page tests,
  browser tests and screenshots.
- `big_world`: N synthetic transactions over many accounts, generated inside DuckDB, for benchmarks.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb

from core.store import Store

NOW = datetime(2025, 3, 10, 12, 0)

ITEMS = [
    # item_id, institution_name, status, error_message, last_synced_at
    ("item-a", "Bank A", "healthy", None, NOW),
    ("item-b", "Bank B", "login_required", "The bank needs you to log in again.", NOW - timedelta(days=5)),
]
ACCOUNTS = [
    # account_id, item_id, name, mask, type, subtype, current, available, limit, currency
    ("chk", "item-a", "Checking", "1111", "depository", "checking", "1000.00", "950.00", None, "USD"),
    ("sav", "item-a", "Savings", "2222", "depository", "savings", "5000.00", "5000.00", None, "USD"),
    ("card", "item-b", "Card", "3333", "credit", "credit card", "300.00", "700.00", "1000.00", "USD"),
    ("eur", "item-b", "Compte", "4444", "depository", "checking", "800.00", "800.00", None, "EUR"),
]
# transaction_id, account_id, date, name, merchant_name, amount (Plaid sign), currency, pending, primary, detailed
SMALL_TRANSACTIONS = [
    ("t-pay-jan", "chk", "2025-01-03", "ACME PAYROLL", "Acme", "-3000.00", "USD", False, "INCOME", "INCOME_WAGES"),
    ("t-rent", "chk", "2025-01-05", "RENT JAN", None, "1200.00", "USD", False,
     "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT"),
    ("t-coffee1", "card", "2025-01-06", "STARBUCKS 123", "Starbucks", "5.50", "USD", False,
     "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE"),
    ("t-eur-food", "eur", "2025-01-08", "CAFE PARIS", "Cafe Paris", "30.00", "EUR", False,
     "FOOD_AND_DRINK", "FOOD_AND_DRINK_RESTAURANT"),
    ("t-grocery", "card", "2025-01-10", "WHOLE FOODS 77", "Whole Foods", "150.25", "USD", False,
     "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES"),
    ("t-refund", "card", "2025-01-12", "WHOLE FOODS REFUND", "Whole Foods", "-20.25", "USD", False,
     "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES"),
    ("t-gas", "chk", "2025-01-15", "SHELL OIL", "Shell", "40.00", "USD", False, "TRANSPORTATION", "TRANSPORTATION_GAS"),
    # a credit-card payment: both halves are transfers by category
    ("t-ccpay-out", "chk", "2025-01-20", "PAYMENT TO CARD 3333", None, "135.50", "USD", False,
     "LOAN_PAYMENTS", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"),
    ("t-ccpay-in", "card", "2025-01-21", "PAYMENT THANK YOU", None, "-135.50", "USD", False,
     "TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER"),
    # a move to savings Plaid did not recognise: only the matched pair makes it a transfer
    ("t-save-out", "chk", "2025-01-25", "ONLINE TRANSFER 9", None, "500.00", "USD", False,
     "GENERAL_SERVICES", "GENERAL_SERVICES_OTHER_GENERAL_SERVICES"),
    # 10 days after the gas purchase: same size, opposite sign, too far apart to be a pair
    ("t-return", "card", "2025-01-25", "AMAZON RETURN", "Amazon", "-40.00", "USD", False,
     "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES"),
    ("t-save-in", "sav", "2025-01-27", "ONLINE TRANSFER 9", None, "-500.00", "USD", False, "OTHER", "OTHER_OTHER"),
    ("t-eur-pay", "eur", "2025-01-28", "SALAIRE", None, "-2000.00", "EUR", False, "INCOME", "INCOME_WAGES"),
    # a fee and interest of the same size a day apart: interest is INCOME, so never a transfer pair
    ("t-fee", "chk", "2025-01-30", "MONTHLY FEE", None, "12.00", "USD", False,
     "BANK_FEES", "BANK_FEES_OTHER_BANK_FEES"),
    ("t-interest", "sav", "2025-01-31", "INTEREST", None, "-12.00", "USD", False,
     "INCOME", "INCOME_INTEREST_EARNED"),
    ("t-pending", "card", "2025-01-31", "UBER TRIP", "Uber", "25.00", "USD", True,
     "TRANSPORTATION", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES"),
    ("t-pay-feb", "chk", "2025-02-03", "ACME PAYROLL", "Acme", "-3000.00", "USD", False, "INCOME", "INCOME_WAGES"),
    ("t-rent-feb", "chk", "2025-02-05", "RENT FEB", None, "1200.00", "USD", False,
     "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT"),
    ("t-coffee2", "card", "2025-02-07", "STARBUCKS 456", "Starbucks", "6.50", "USD", False,
     "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE"),
]  # fmt: skip
SMALL_BALANCES = [
    # account_id, date, current, derived
    ("chk", "2025-01-01", "1000.00", True),
    ("chk", "2025-01-31", "1500.00", False),
    ("chk", "2025-02-28", "2000.00", False),
    ("sav", "2025-01-01", "4500.00", True),
    ("sav", "2025-01-31", "5000.00", False),
    ("card", "2025-01-15", "200.00", False),
    ("card", "2025-02-28", "300.00", False),
    ("eur", "2025-01-31", "800.00", False),
]


def small_world(store: Store) -> Store:
    """The hand-made world; see the module docstring."""
    with store.transaction() as con:
        _insert_items_and_accounts(con, ITEMS, ACCOUNTS)
        for row in SMALL_TRANSACTIONS:
            insert_transaction(con, *row)
        con.executemany(
            "INSERT INTO balance_history (account_id, date, current_balance, available_balance, derived) "
            "VALUES (?, ?, ?, NULL, ?)",
            [list(r) for r in SMALL_BALANCES],
        )
    store.bump_data_version()
    return store


def insert_transaction(
    con: duckdb.DuckDBPyConnection,
    transaction_id: str,
    account_id: str,
    day: str,
    name: str,
    merchant: str | None,
    amount: str,
    currency: str,
    pending: bool,
    primary: str | None,
    detailed: str | None,
    pending_transaction_id: str | None = None,
) -> None:
    """Insert one transaction the way the sync engine stores it."""
    item_id = con.execute("SELECT item_id FROM accounts WHERE account_id = ?", [account_id]).fetchone()
    con.execute(
        "INSERT INTO plaid_transactions (transaction_id, account_id, item_id, date, name, merchant_name, amount, "
        "iso_currency_code, pending, pending_transaction_id, category_primary, category_detailed, payment_channel, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'in store', ?)",
        [transaction_id, account_id, item_id[0] if item_id else "item-x", day, name, merchant, Decimal(amount),
         currency, pending, pending_transaction_id, primary, detailed, datetime.now(UTC).replace(tzinfo=None)],
    )  # fmt: skip


def _insert_items_and_accounts(con: duckdb.DuckDBPyConnection, items: list[tuple], accounts: list[tuple]) -> None:  # type: ignore[type-arg]
    con.executemany(
        "INSERT INTO items (item_id, institution_name, status, error_message, last_synced_at) VALUES (?, ?, ?, ?, ?)",
        [list(i) for i in items],
    )
    con.executemany(
        "INSERT INTO accounts (account_id, item_id, name, mask, type, subtype, current_balance, available_balance, "
        "credit_limit, iso_currency_code, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [list(a) for a in accounts],
    )


# -- a realistic world -----------------------------------------------------------------------

DEMO_ITEMS = [
    ("item-platypus", "First Platypus Bank", "healthy", None),
    ("item-gingham", "First Gingham Credit Union", "healthy", None),
    ("item-tartan", "Tartan Bank", "login_required", "The bank needs you to log in again: use Reconnect."),
]
DEMO_ACCOUNTS = [
    ("acc-checking", "item-platypus", "Everyday Checking", "0000", "depository", "checking", "USD"),
    ("acc-savings", "item-platypus", "High-Yield Savings", "1111", "depository", "savings", "USD"),
    ("acc-card", "item-platypus", "Platypus Rewards Card", "3333", "credit", "credit card", "USD"),
    ("acc-cu-card", "item-gingham", "Gingham Visa", "5555", "credit", "credit card", "USD"),
    ("acc-brokerage", "item-gingham", "Brokerage", "7777", "investment", "brokerage", "USD"),
    ("acc-loan", "item-tartan", "Car Loan", "9999", "loan", "auto", "USD"),
    ("acc-eur", "item-tartan", "Compte Courant", "4242", "depository", "checking", "EUR"),
]
CARD_LIMITS = {"acc-card": Decimal("8000.00"), "acc-cu-card": Decimal("3500.00")}
# merchant, primary, detailed, typical amount, visits per month, paid with
DEMO_MERCHANTS = [
    ("Whole Foods", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", 85, 5, "acc-card"),
    ("Trader Joe's", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", 60, 3, "acc-cu-card"),
    ("Starbucks", "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE", 6, 12, "acc-card"),
    ("Chipotle", "FOOD_AND_DRINK", "FOOD_AND_DRINK_FAST_FOOD", 14, 4, "acc-card"),
    ("Olive Garden", "FOOD_AND_DRINK", "FOOD_AND_DRINK_RESTAURANT", 55, 2, "acc-cu-card"),
    ("Amazon", "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", 45, 5, "acc-card"),
    ("Target", "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_SUPERSTORES", 70, 2, "acc-cu-card"),
    ("Shell", "TRANSPORTATION", "TRANSPORTATION_GAS", 48, 3, "acc-card"),
    ("Uber", "TRANSPORTATION", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES", 22, 3, "acc-card"),
    ("Netflix", "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES", 15.49, 1, "acc-card"),
    ("Spotify", "ENTERTAINMENT", "ENTERTAINMENT_MUSIC_AND_AUDIO", 10.99, 1, "acc-card"),
    ("AMC Theatres", "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES", 32, 1, "acc-cu-card"),
    ("PG&E", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", 120, 1, "acc-checking"),
    ("Comcast", "RENT_AND_UTILITIES", "RENT_AND_UTILITIES_INTERNET_AND_CABLE", 80, 1, "acc-checking"),
    ("CVS", "MEDICAL", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS", 25, 1, "acc-cu-card"),
    ("Equinox", "PERSONAL_CARE", "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS", 60, 1, "acc-card"),
    ("Delta", "TRAVEL", "TRAVEL_FLIGHTS", 420, 0.25, "acc-card"),
    ("Marriott", "TRAVEL", "TRAVEL_LODGING", 380, 0.2, "acc-card"),
]
EUR_MERCHANTS = [
    ("Monoprix", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", 40, 4),
    ("Café de Flore", "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE", 8, 6),
    ("SNCF", "TRANSPORTATION", "TRANSPORTATION_PUBLIC_TRANSIT", 35, 2),
]


def demo_world(store: Store, today: date, *, months: int = 24, seed: int = 7) -> Store:
    """Two years up to `today`: salary, rent, card spending and payments, savings transfers,
    a car loan, a EUR account, a few pending transactions, and daily balance history
    (observed for the last 30 days, derived before)."""
    rng = random.Random(seed)
    rows: list[tuple[object, ...]] = []
    start = date(today.year, today.month, 1) - timedelta(days=31 * (months - 1))
    start = start.replace(day=1)
    counter = 0

    def add(account: str, day: date, name: str, merchant: str | None, amount: Decimal, currency: str,
            primary: str, detailed: str, pending: bool = False) -> None:  # fmt: skip
        nonlocal counter
        counter += 1
        item = next(a[1] for a in DEMO_ACCOUNTS if a[0] == account)
        rows.append((f"demo-{counter:06d}", account, item, day, name, merchant, amount, currency, pending,
                     primary, detailed))  # fmt: skip

    month = start
    while month <= today:
        days_in_month = ((month.replace(day=28) + timedelta(days=4)).replace(day=1) - month).days
        for payday in (1, 15):
            day = month.replace(day=payday)
            if day <= today:
                add("acc-checking", day, "ACME CORP PAYROLL", "Acme Corp", Decimal("-3250.00"), "USD",
                    "INCOME", "INCOME_WAGES")  # fmt: skip
        _in_month(month, 2, today, lambda d: add("acc-checking", d, "RENT - OAK STREET APTS", None,
                                                   Decimal("1850.00"), "USD", "RENT_AND_UTILITIES",
                                                   "RENT_AND_UTILITIES_RENT"))  # fmt: skip
        _in_month(month, 20, today, lambda d: add("acc-checking", d, "TARTAN AUTO LOAN PMT", None,
                                                    Decimal("410.00"), "USD", "LOAN_PAYMENTS",
                                                    "LOAN_PAYMENTS_CAR_PAYMENT"))  # fmt: skip
        _in_month(month, 28, today, lambda d: add("acc-savings", d, "INTEREST PAYMENT", None,
                                                    Decimal(f"-{rng.uniform(8, 14):.2f}"), "USD", "INCOME",
                                                    "INCOME_INTEREST_EARNED"))  # fmt: skip
        if month.month % 3 == 0:
            _in_month(month, 10, today, lambda d: add("acc-brokerage", d, "DIVIDEND VTI", None,
                                                        Decimal(f"-{rng.uniform(60, 90):.2f}"), "USD", "INCOME",
                                                        "INCOME_DIVIDENDS"))  # fmt: skip
        # savings: out of checking, into savings two days later; Plaid missed the category on one side
        def savings(d: date) -> None:
            add("acc-checking", d, "ONLINE TRANSFER TO SAVINGS", None, Decimal("600.00"), "USD",
                "TRANSFER_OUT", "TRANSFER_OUT_SAVINGS")  # fmt: skip
            d2 = d + timedelta(days=2)
            if d2 <= today:
                add("acc-savings", d2, "ONLINE TRANSFER FROM CHK", None, Decimal("-600.00"), "USD",
                    "OTHER", "OTHER_OTHER")  # fmt: skip

        _in_month(month, 16, today, savings)
        card_totals = {"acc-card": Decimal(0), "acc-cu-card": Decimal(0)}
        for merchant, primary, detailed, typical, per_month, account in DEMO_MERCHANTS:
            visits = _visits(rng, per_month)
            for _ in range(visits):
                d = month + timedelta(days=rng.randrange(days_in_month))
                if d > today:
                    continue
                amount = Decimal(f"{max(1.0, rng.gauss(typical, typical * 0.25)):.2f}")
                pending = (today - d).days <= 2
                add(account, d, merchant.upper(), merchant, amount, "USD", primary, detailed, pending)
                if account in card_totals:
                    card_totals[account] += amount
        if rng.random() < 0.3:  # a return now and then
            d = month + timedelta(days=rng.randrange(days_in_month))
            if d <= today:
                add("acc-card", d, "AMAZON RETURN", "Amazon", Decimal(f"-{rng.uniform(15, 60):.2f}"), "USD",
                    "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES")  # fmt: skip
        for account, total in card_totals.items():  # pay last month's card in full on the 25th
            pay_day = month.replace(day=25)
            if pay_day <= today and total > 0:
                add("acc-checking", pay_day, f"PAYMENT TO {account.upper()}", None, total, "USD", "LOAN_PAYMENTS",
                    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT")  # fmt: skip
                add(account, pay_day + timedelta(days=1), "PAYMENT THANK YOU", None, -total, "USD", "TRANSFER_IN",
                    "TRANSFER_IN_ACCOUNT_TRANSFER")  # fmt: skip
        _in_month(month, 1, today, lambda d: add("acc-eur", d, "SALAIRE FREELANCE", None, Decimal("-1400.00"), "EUR",
                                                   "INCOME", "INCOME_WAGES"))  # fmt: skip
        for merchant, primary, detailed, typical, per_month in EUR_MERCHANTS:
            for _ in range(_visits(rng, per_month)):
                d = month + timedelta(days=rng.randrange(days_in_month))
                if d <= today:
                    amount = Decimal(f"{max(1.0, rng.gauss(typical, typical * 0.2)):.2f}")
                    add("acc-eur", d, merchant.upper(), merchant, amount, "EUR", primary, detailed)
        month = (month + timedelta(days=32)).replace(day=1)

    balances = {"acc-checking": Decimal("41820.55"), "acc-savings": Decimal("18250.00"),
                "acc-card": Decimal("1245.30"), "acc-cu-card": Decimal("412.80"), "acc-brokerage": Decimal("56300.00"),
                "acc-loan": Decimal("11840.00"), "acc-eur": Decimal("3120.40")}  # fmt: skip
    with store.transaction() as con:
        con.executemany(
            "INSERT INTO items (item_id, institution_name, status, error_message, last_synced_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [[*item, datetime.combine(today, datetime.min.time())] for item in DEMO_ITEMS],
        )
        con.executemany(
            "INSERT INTO accounts (account_id, item_id, name, mask, type, subtype, current_balance, "
            "available_balance, credit_limit, iso_currency_code, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [
                [a, i, n, m, t, s, balances[a], balances[a] if t == "depository" else None, CARD_LIMITS.get(a), c]
                for a, i, n, m, t, s, c in DEMO_ACCOUNTS
            ],
        )
        con.executemany(
            "INSERT INTO plaid_transactions (transaction_id, account_id, item_id, date, name, merchant_name, amount, "
            "iso_currency_code, pending, category_primary, category_detailed, payment_channel, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'in store', current_timestamp)",
            [list(r) for r in rows],
        )
        _demo_balance_history(con, start, today, balances)
    store.bump_data_version()
    return store


def _demo_balance_history(con: duckdb.DuckDBPyConnection, start: date, today: date, now: dict[str, Decimal]) -> None:
    """Walk each account back from today's balance through its transactions (derived before the last 30 days)."""
    con.execute(
        """
        INSERT INTO balance_history (account_id, date, current_balance, available_balance, derived)
        WITH days AS (SELECT unnest(generate_series($start::DATE, $today::DATE, INTERVAL 1 DAY))::DATE AS day),
        flows AS (SELECT account_id, date, sum(amount) AS amount FROM plaid_transactions WHERE NOT pending
                  GROUP BY ALL),
        grid AS (SELECT a.account_id, a.type, a.current_balance, d.day FROM accounts a CROSS JOIN days d)
        SELECT g.account_id, g.day,
               -- money out lowers an asset and raises a debt; walk back from today's balance
               CASE WHEN g.type IN ('credit', 'loan')
                    THEN g.current_balance - coalesce(sum(f.amount) FILTER (WHERE f.date > g.day), 0)
                    ELSE g.current_balance + coalesce(sum(f.amount) FILTER (WHERE f.date > g.day), 0) END,
               NULL, g.day < $today::DATE - 30
        FROM grid g LEFT JOIN flows f ON f.account_id = g.account_id
        GROUP BY g.account_id, g.type, g.current_balance, g.day
        """,
        {"start": start, "today": today},
    )
    if now["acc-loan"]:  # the loan shrinks by the principal part of each payment
        con.execute(
            "UPDATE balance_history SET current_balance = current_balance + 380 * "
            "datediff('month', date, $today::DATE) WHERE account_id = 'acc-loan'",
            {"today": today},
        )


def _in_month(month: date, day: int, today: date, action: object) -> None:
    d = month.replace(day=day)
    if d <= today:
        action(d)  # type: ignore[operator]


def _visits(rng: random.Random, per_month: float) -> int:
    whole = int(per_month)
    return whole + (1 if rng.random() < per_month - whole else 0) + (rng.choice((-1, 0, 0, 1)) if whole >= 3 else 0)


# -- a big world -------------------------------------------------------------------------------


def big_world(store: Store, transactions: int = 1_000_000, accounts: int = 50, *, today: date) -> Store:
    """`transactions` synthetic rows over `accounts` accounts and two years, generated in DuckDB
    (about 2 s for a million). 2 of every 50 accounts are credit cards, one account is in EUR."""
    with store.transaction() as con:
        con.execute(
            """
            INSERT INTO items (item_id, institution_name, status, last_synced_at)
            SELECT 'item-' || i, 'Bank ' || chr(65 + i), CASE WHEN i = 3 THEN 'login_required' ELSE 'healthy' END,
                   now()::TIMESTAMP
            FROM range(10) r(i);
            INSERT INTO accounts (account_id, item_id, name, mask, type, subtype, current_balance,
                                  available_balance, credit_limit, iso_currency_code, updated_at)
            SELECT 'acc-' || i, 'item-' || (i % 10), 'Account ' || i, lpad((i * 37 % 10000)::VARCHAR, 4, '0'),
                   CASE WHEN i % 25 = 1 THEN 'credit' ELSE 'depository' END,
                   CASE WHEN i % 25 = 1 THEN 'credit card' ELSE 'checking' END,
                   (1000 + i * 137)::DECIMAL(18,2), NULL,
                   CASE WHEN i % 25 = 1 THEN 10000 END, CASE WHEN i = 7 THEN 'EUR' ELSE 'USD' END, now()::TIMESTAMP
            FROM range($accounts) r(i);
            CREATE TEMP TABLE merchants AS
            SELECT i AS m, 'Merchant ' || i AS merchant,
                   (['FOOD_AND_DRINK', 'GENERAL_MERCHANDISE', 'TRANSPORTATION', 'ENTERTAINMENT', 'RENT_AND_UTILITIES',
                     'TRAVEL', 'PERSONAL_CARE', 'GENERAL_SERVICES', 'MEDICAL', 'HOME_IMPROVEMENT'])[1 + i % 10]
                       AS primary_category
            FROM range(2000) r(i);
            INSERT INTO plaid_transactions (transaction_id, account_id, item_id, date, name, merchant_name, amount,
                iso_currency_code, pending, category_primary, category_detailed, payment_channel, updated_at)
            SELECT 'big-' || i, 'acc-' || (i % $accounts), 'item-' || ((i % $accounts) % 10),
                   $today::DATE - CAST((i * 7919) % 730 AS INTEGER),
                   CASE WHEN i % 20 = 0 THEN 'PAYROLL ' || (i % 7) ELSE upper(merchant) || ' #' || (i % 97) END,
                   CASE WHEN i % 20 = 0 THEN 'Employer ' || (i % 7) ELSE merchant END,
                   CASE WHEN i % 20 = 0 THEN -(1500 + (i % 1000))::DECIMAL(18,2)
                        WHEN i % 37 = 0 THEN (100 + i % 400)::DECIMAL(18,2)
                        ELSE ((i * 31) % 20000 / 100.0 + 1)::DECIMAL(18,2) END,
                   CASE WHEN i % $accounts = 7 THEN 'EUR' ELSE 'USD' END,
                   i % 997 = 0,
                   CASE WHEN i % 20 = 0 THEN 'INCOME' WHEN i % 37 = 0 THEN 'TRANSFER_OUT' ELSE primary_category END,
                   CASE WHEN i % 20 = 0 THEN 'INCOME_WAGES' WHEN i % 37 = 0 THEN 'TRANSFER_OUT_ACCOUNT_TRANSFER'
                        ELSE primary_category || '_OTHER' END,
                   'online', now()::TIMESTAMP
            FROM range($transactions) r(i) JOIN merchants ON m = (i * 13) % 2000;
            INSERT INTO balance_history (account_id, date, current_balance, available_balance, derived)
            SELECT a.account_id, d.day::DATE, a.current_balance + (d.i * 3 % 500), NULL, d.i > 30
            FROM accounts a CROSS JOIN (SELECT i, $today::DATE - i::INTEGER AS day FROM range(730) r(i)) d;
            """,
            {"accounts": accounts, "transactions": transactions, "today": today},
        )
    store.bump_data_version()
    return store
