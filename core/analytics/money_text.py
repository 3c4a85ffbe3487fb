"""Money as text, the same way on every page and in the command line: "$1,234.50", "−CA$12.00", "1,000 XYZ"."""

from __future__ import annotations

import pandas as pd

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "CHF": "CHF "}
ZERO_DECIMALS = {"JPY", "KRW"}


def money(value: float | None, currency: str | None, *, signed: bool = False) -> str:
    """1234.5, USD -> "$1,234.50"; unknown currencies get the code after the number."""
    if value is None or pd.isna(value):
        return "–"
    decimals = 0 if currency in ZERO_DECIMALS else 2
    sign = "−" if value < 0 else ("+" if signed and value > 0 else "")
    number = f"{abs(value):,.{decimals}f}"
    symbol = CURRENCY_SYMBOLS.get(currency or "")
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency or ''}".rstrip()
