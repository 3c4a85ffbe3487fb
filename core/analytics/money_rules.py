"""Every dollar accounted for: what a transaction counts as, by its category (docs/analytics.md).

Each transaction has one flow:
- `transfer_internal`: one half of a transfer between two of the person's connected accounts (a
  matched or confirmed pair, see core/analytics/matching.py); neither income nor spending.
- otherwise its category decides: `income`, `spending` (refunds lower it) or `transfer_outside`
  (money that moved to or from something outside Finboard: an investment account with no
  transactions here, ATM cash, a deposit from someone else, a payment to a card that is not connected).

Net = income - spending; outside transfers are shown beside net, never in it. Per currency and
window, money in - money out = income - spending + outside in - outside out + internal in - internal out.

The table follows Plaid's personal finance categories, v1 and v2 (../shared/plaid/pfc-taxonomy-all.csv);
tests/unit/test_money_rules.py checks that every code in the taxonomy has a flow here.
"""

from __future__ import annotations

from typing import Literal, get_args

Flow = Literal["income", "spending", "transfer_internal", "transfer_outside"]
FLOWS: tuple[Flow, ...] = get_args(Flow)
TRANSFER_FLOWS: tuple[Flow, ...] = ("transfer_internal", "transfer_outside")
FLOW_LABELS: dict[Flow, str] = {
    "income": "Income",
    "spending": "Spending",
    "transfer_internal": "Transfer between your accounts",
    "transfer_outside": "Transfer to or from outside",
}

# What an unpaired transaction counts as, by PFC primary category. Categories not in Plaid's taxonomy
# (one you made up) count as spending.
FLOW_BY_PRIMARY: dict[str, Flow] = {
    "INCOME": "income",  # wages, dividends, interest, benefits, tax refunds (a reversal lowers it)
    "TRANSFER_IN": "transfer_outside",  # deposits, account and savings transfers, wires, loans received (v1)
    "TRANSFER_OUT": "transfer_outside",  # ATM withdrawals, investment contributions, account transfers, wires
    "LOAN_DISBURSEMENTS": "transfer_outside",  # borrowed money arriving (v2): not income
    "LOAN_PAYMENTS": "spending",  # mortgage, car, student and personal loan payments: what the debt costs
    "OTHER": "transfer_outside",  # v2 OTHER_OTHER is v1's "other transfer in/out": Plaid could not say what
    "UNCATEGORIZED": "transfer_outside",  # no category at all: treated like OTHER, as Plaid advises
    "BANK_FEES": "spending",
    "ENTERTAINMENT": "spending",
    "FOOD_AND_DRINK": "spending",
    "GENERAL_MERCHANDISE": "spending",
    "GENERAL_SERVICES": "spending",
    "GOVERNMENT_AND_NON_PROFIT": "spending",  # taxes paid and donations
    "HOME_IMPROVEMENT": "spending",
    "MEDICAL": "spending",
    "PERSONAL_CARE": "spending",
    "RENT_AND_UTILITIES": "spending",
    "TRANSPORTATION": "spending",
    "TRAVEL": "spending",
}
# Detailed categories that count differently from their primary.
FLOW_BY_DETAILED: dict[str, Flow] = {
    # pays for purchases made on the card: spending once the card is connected (the pair is internal)
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT": "transfer_outside",
    # repay money that arrived as an outside transfer (LOAN_DISBURSEMENTS_CASH_ADVANCES / _EWA)
    "LOAN_PAYMENTS_CASH_ADVANCES": "transfer_outside",
    "LOAN_PAYMENTS_EWA": "transfer_outside",
}
DEFAULT_FLOW: Flow = "spending"

# A transfer pair needs this evidence on both sides: a transfer, loan-payment or card-payment category.
# Never a purchase, a fee or income, and a row with no merchant is not evidence by itself.
PAIR_EVIDENCE_PRIMARY = ("TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS")


def category_flow(primary: str | None, detailed: str | None) -> Flow:
    """What an unpaired transaction in this category counts as."""
    if detailed and detailed in FLOW_BY_DETAILED:
        return FLOW_BY_DETAILED[detailed]
    return FLOW_BY_PRIMARY.get(primary or "UNCATEGORIZED", DEFAULT_FLOW)


def _sql_list(values: list[str] | tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


def category_flow_sql(primary: str, detailed: str) -> str:
    """category_flow() as a SQL expression over two columns (the codes are fixed identifiers, not input)."""
    cases = [
        f"WHEN {detailed} IN {_sql_list([d for d, f in FLOW_BY_DETAILED.items() if f == flow])} THEN '{flow}'"
        for flow in FLOWS
        if flow in FLOW_BY_DETAILED.values()
    ]
    cases += [
        f"WHEN {primary} IN {_sql_list([p for p, f in FLOW_BY_PRIMARY.items() if f == flow])} THEN '{flow}'"
        for flow in FLOWS
        if flow in FLOW_BY_PRIMARY.values()
    ]
    return f"(CASE {' '.join(cases)} ELSE '{DEFAULT_FLOW}' END)"


def pair_evidence_sql(primary: str) -> str:
    return f"({primary} IN {_sql_list(PAIR_EVIDENCE_PRIMARY)})"
