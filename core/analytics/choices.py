"""What the filters can choose from: the accounts, categories and currencies in the data."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from core.analytics.filters import Known


@dataclass(frozen=True)
class Account:
    account_id: str
    label: str  # "Everyday Checking ••0000 · First Platypus Bank"
    currency: str


@dataclass(frozen=True)
class FilterChoices:
    accounts: tuple[Account, ...]
    categories: tuple[tuple[str, str | None], ...]  # (primary, detailed), detailed None for the primary itself
    currencies: tuple[str, ...]  # most used first

    @property
    def default_currency(self) -> str | None:
        return self.currencies[0] if self.currencies else None

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(detailed or primary for primary, detailed in self.categories)

    def known(self) -> Known:
        return Known(
            accounts=frozenset(a.account_id for a in self.accounts),
            categories=frozenset(self.category_codes),
            currencies=frozenset(self.currencies),
        )


def filter_choices(con: duckdb.DuckDBPyConnection) -> FilterChoices:
    """The choices as the analytics ledger and the accounts table have them now."""
    accounts = con.execute(
        """
        SELECT a.account_id,
               coalesce(a.name, a.official_name, a.account_id) || coalesce(' ••' || a.mask, '')
                   || ' · ' || coalesce(i.institution_name, i.institution_id, a.item_id),
               coalesce(a.iso_currency_code, a.unofficial_currency_code, 'XXX')
        FROM accounts a LEFT JOIN items i USING (item_id)
        ORDER BY i.institution_name, a.type, a.name
        """
    ).fetchall()
    categories = con.execute(
        """
        SELECT DISTINCT category_primary, NULL AS category_detailed FROM analytics_daily
        UNION SELECT DISTINCT category_primary, category_detailed FROM analytics_daily
              WHERE category_detailed IS NOT NULL
        ORDER BY 1, 2 NULLS FIRST
        """
    ).fetchall()
    currencies = con.execute(
        """
        SELECT currency FROM (
            SELECT currency, sum(transactions) AS n FROM analytics_daily GROUP BY currency
            UNION ALL
            SELECT coalesce(iso_currency_code, unofficial_currency_code, 'XXX'), 0 FROM accounts)
        GROUP BY currency ORDER BY sum(n) DESC, currency
        """
    ).fetchall()
    return FilterChoices(
        accounts=tuple(Account(str(a), str(label), str(c)) for a, label, c in accounts),
        categories=tuple((str(p), None if d is None else str(d)) for p, d in categories),
        currencies=tuple(str(c) for (c,) in currencies),
    )
