"""Accounts and monthly cash flow for the Overview page."""

from __future__ import annotations

import pandas as pd

from core.store import Store

# Money moving between the person's own accounts is neither income nor spending.
TRANSFER_CATEGORIES = ("TRANSFER_IN", "TRANSFER_OUT")
TRANSFER_DETAILED = ("LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",)

ACCOUNTS_SQL = """
SELECT i.institution_name AS institution, a.name, a.mask, a.type, a.subtype,
       a.current_balance, a.available_balance, a.credit_limit,
       coalesce(a.iso_currency_code, a.unofficial_currency_code) AS currency
FROM accounts a JOIN items i USING (item_id)
ORDER BY i.institution_name, a.type, a.name
"""


def accounts(store: Store) -> pd.DataFrame:
    """One row per account with its current balances."""
    with store.connect() as con:
        return con.execute(ACCOUNTS_SQL).df()


MONTHLY_CASH_FLOW_SQL = """
SELECT date_trunc('month', date)::DATE AS month,
       coalesce(iso_currency_code, unofficial_currency_code) AS currency,
       sum(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS income,
       sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS spending,
       -sum(amount) AS net
FROM transactions
WHERE NOT pending
  AND coalesce(category_primary, '') NOT IN (SELECT unnest(?::VARCHAR[]))
  AND coalesce(category_detailed, '') NOT IN (SELECT unnest(?::VARCHAR[]))
GROUP BY ALL
ORDER BY month, currency
"""


def monthly_cash_flow(store: Store) -> pd.DataFrame:
    """Income, spending and net per month and currency (Plaid's sign flipped: income positive)."""
    with store.connect() as con:
        return con.execute(MONTHLY_CASH_FLOW_SQL, [list(TRANSFER_CATEGORIES), list(TRANSFER_DETAILED)]).df()
