"""Data worlds for the analytics tests, written straight into the read model's tables.

- `small_world`: a handful of hand-made transactions whose totals are computed by hand in
  tests/unit/test_analytics*.py (transfers between accounts and to outside, a refund, pending, two
  currencies, an unhealthy item).
- `big_world`: N synthetic transactions over many accounts, generated inside DuckDB, for benchmarks.
"""

from __future__ import annotations

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
    # a move to savings: both halves carry a transfer category, so they pair
    ("t-save-out", "chk", "2025-01-25", "ONLINE TRANSFER 9", None, "500.00", "USD", False,
     "TRANSFER_OUT", "TRANSFER_OUT_SAVINGS"),
    # money to and from outside Finboard: ATM cash out, a check deposited (no twin in any account)
    ("t-atm", "chk", "2025-01-18", "ATM WITHDRAWAL", None, "60.00", "USD", False,
     "TRANSFER_OUT", "TRANSFER_OUT_WITHDRAWAL"),
    ("t-deposit", "sav", "2025-01-22", "MOBILE CHECK DEPOSIT", None, "-250.00", "USD", False,
     "TRANSFER_IN", "TRANSFER_IN_DEPOSIT"),
    # 10 days after the gas purchase: same size, opposite sign, too far apart to be a pair
    ("t-return", "card", "2025-01-25", "AMAZON RETURN", "Amazon", "-40.00", "USD", False,
     "GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES"),
    ("t-save-in", "sav", "2025-01-27", "ONLINE TRANSFER 9", None, "-500.00", "USD", False,
     "TRANSFER_IN", "TRANSFER_IN_SAVINGS"),
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
        "INSERT INTO plaid_transaction_rows (transaction_id, account_id, item_id, date, name, merchant_name, amount, "
        "iso_currency_code, pending, pending_transaction_id, category_primary, category_detailed, payment_channel, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'in store', ?)",
        [transaction_id, account_id, item_id[0] if item_id else "item-x", day, name, merchant, Decimal(amount),
         currency, pending, pending_transaction_id, primary, detailed, datetime.now(UTC).replace(tzinfo=None)],
    )  # fmt: skip


def _insert_items_and_accounts(
    con: duckdb.DuckDBPyConnection, items: list[tuple[object, ...]], accounts: list[tuple[object, ...]]
) -> None:
    con.executemany(
        "INSERT INTO items (item_id, institution_name, status, error_message, last_synced_at) VALUES (?, ?, ?, ?, ?)",
        [list(i) for i in items],
    )
    con.executemany(
        "INSERT INTO accounts (account_id, item_id, name, mask, type, subtype, current_balance, available_balance, "
        "credit_limit, iso_currency_code, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [list(a) for a in accounts],
    )


# -- a big world -------------------------------------------------------------------------------


def big_world(store: Store, transactions: int = 1_000_000, accounts: int = 50, *, today: date) -> Store:
    """`transactions` synthetic rows over `accounts` accounts and two years, generated in DuckDB
    (about 2 s for a million). 2 of every 50 accounts are credit cards, one account is in EUR."""
    with store.transaction() as con:
        con.execute(
            f"""
            INSERT INTO items (item_id, institution_name, status, last_synced_at)
            SELECT 'item-' || i, 'Bank ' || chr((65 + i)::INTEGER),
                   CASE WHEN i = 3 THEN 'login_required' ELSE 'healthy' END, now()::TIMESTAMP
            FROM range(10) r(i);
            INSERT INTO accounts (account_id, item_id, name, mask, type, subtype, current_balance,
                                  available_balance, credit_limit, iso_currency_code, updated_at)
            SELECT 'acc-' || i, 'item-' || (i % 10), 'Account ' || i, lpad((i * 37 % 10000)::VARCHAR, 4, '0'),
                   CASE WHEN i % 25 = 1 THEN 'credit' ELSE 'depository' END,
                   CASE WHEN i % 25 = 1 THEN 'credit card' ELSE 'checking' END,
                   (1000 + i * 137)::DECIMAL(18,2), NULL,
                   CASE WHEN i % 25 = 1 THEN 10000 END, CASE WHEN i = 7 THEN 'EUR' ELSE 'USD' END, now()::TIMESTAMP
            FROM range({int(accounts)}) r(i);
            CREATE TEMP TABLE merchants AS
            SELECT i AS m, 'Merchant ' || i AS merchant,
                   (['FOOD_AND_DRINK', 'GENERAL_MERCHANDISE', 'TRANSPORTATION', 'ENTERTAINMENT', 'RENT_AND_UTILITIES',
                     'TRAVEL', 'PERSONAL_CARE', 'GENERAL_SERVICES', 'MEDICAL', 'HOME_IMPROVEMENT'])[1 + i % 10]
                       AS primary_category
            FROM range(2000) r(i);
            INSERT INTO plaid_transaction_rows (transaction_id, account_id, item_id, date, name, merchant_name, amount,
                iso_currency_code, pending, category_primary, category_detailed, payment_channel, updated_at)
            SELECT 'big-' || i, 'acc-' || (i % {int(accounts)}), 'item-' || ((i % {int(accounts)}) % 10),
                   DATE '{today.isoformat()}' - CAST((i * 7919) % 730 AS INTEGER),
                   CASE WHEN i % 20 = 0 THEN 'PAYROLL ' || (i % 7) ELSE upper(merchant) || ' #' || (i % 97) END,
                   CASE WHEN i % 20 = 0 THEN 'Employer ' || (i % 7) ELSE merchant END,
                   CASE WHEN i % 20 = 0 THEN -(1500 + (i % 1000))::DECIMAL(18,2)
                        WHEN i % 37 = 0 THEN (100 + i % 400)::DECIMAL(18,2)
                        ELSE ((i * 31) % 20000 / 100.0 + 1)::DECIMAL(18,2) END,
                   CASE WHEN i % {int(accounts)} = 7 THEN 'EUR' ELSE 'USD' END,
                   i % 997 = 0,
                   CASE WHEN i % 20 = 0 THEN 'INCOME' WHEN i % 37 = 0 THEN 'TRANSFER_OUT' ELSE primary_category END,
                   CASE WHEN i % 20 = 0 THEN 'INCOME_WAGES' WHEN i % 37 = 0 THEN 'TRANSFER_OUT_ACCOUNT_TRANSFER'
                        ELSE primary_category || '_OTHER' END,
                   'online', now()::TIMESTAMP
            FROM range({int(transactions)}) r(i) JOIN merchants ON m = (i * 13) % 2000;
            INSERT INTO balance_history (account_id, date, current_balance, available_balance, derived)
            SELECT a.account_id, d.day::DATE, a.current_balance + (d.i * 3 % 500), NULL, d.i > 30
            FROM accounts a
            CROSS JOIN (SELECT i, DATE '{today.isoformat()}' - i::INTEGER AS day FROM range(730) r(i)) d;
            """
        )  # one script of statements: DuckDB binds parameters only for the last one, so numbers are inlined
    store.bump_data_version()
    return store
