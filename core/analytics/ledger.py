"""The analytics ledger: every transaction with its category, currency and transfer flag resolved.

Every chart reads `analytics_ledger`, a table derived from the read model (the `transactions`
view, which applies the user's categories and the rules). Resolving categories through the
rules and matching transfers costs a few hundred milliseconds at a million transactions; doing
it once per change instead of in every query keeps each chart query in the tens of
milliseconds. The table is sorted by date, so a date filter skips whole row groups.

Staying current: the ledger records a fingerprint of its sources (row count and the sum of the
`updated_at` stamps of plaid_transactions, which moves whenever a sync writes or replaces a row,
even when an older sync commits after a newer one; a hash of the annotations and of the rules). `reading()`
compares it before a page's queries and rebuilds in one transaction when it changed, whoever
changed the data (a sync in another process, the webhook receiver, an analyst's SQL). The
dashboard's own edits (`edit()`) patch just the affected rows in the same transaction as the
edit and record the new fingerprint, so a recategorization does not rebuild a million rows.

The recurring streams (core.analytics.recurring_sources) are derived from the ledger too: every rebuild
and every edit detects them again in the same transaction; `reading()` also rebuilds them alone when
Plaid's own streams changed.

Every row carries its flow (core/analytics/money_rules.py): income, spending, an outside transfer
(by its category), or one half of a transfer between the person's own accounts. Pairs are matched
over the resolved categories (the user's, a rule's or Plaid's), after the rows are written, by
core/analytics/matching.py; the person's confirmed, linked and rejected pairs (transfer_decisions)
win over the automatic rule. `is_transfer` is true for internal and outside transfers alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

from core.analytics import matching, recurring_sources
from core.analytics.filters import Window
from core.analytics.money_rules import category_flow_sql
from core.store import Store

LEDGER_VERSION = 6  # bump when the build below changes, so existing ledgers are rebuilt
UNCATEGORIZED = "UNCATEGORIZED"
# The flow of ledger row `l` before transfer matching (matching.apply_pairs sets paired rows' flow).
_CATEGORY_FLOW = category_flow_sql("l.category_primary", "l.category_detailed")


FINGERPRINT_SQL = f"""
SELECT concat_ws('|', {LEDGER_VERSION},
    (SELECT count(*) FROM plaid_transactions), (SELECT sum(epoch_us(updated_at)) FROM plaid_transactions),
    (SELECT count(*) FROM transaction_annotations),
    (SELECT bit_xor(hash(transaction_id, category_primary, category_detailed, note)) FROM transaction_annotations),
    (SELECT count(*) FROM category_rules),
    (SELECT bit_xor(hash(rule_id, pattern, category_primary, category_detailed)) FROM category_rules),
    (SELECT count(*) FROM transfer_decisions),
    (SELECT bit_xor(hash(transaction_id, decision, pair_id)) FROM transfer_decisions))
"""

# The same precedence as the `transactions` view (user > newest matching rule > Plaid), written for a
# whole-table build: rules are matched once per distinct (merchant_name, name) instead of per row.
# tests/unit/test_analytics_ledger.py checks that both agree.
NAMES_SQL = """
DELETE FROM analytics_names;
INSERT INTO analytics_names
SELECT row_number() OVER (ORDER BY merchant_name, name), merchant_name, name
FROM (SELECT DISTINCT merchant_name, name FROM plaid_transactions);
"""

NAMED_RULES_SQL = """
SELECT n.merchant_name, n.name, max(r.rule_id) AS rule_id
FROM analytics_names n
JOIN category_rules r
  ON contains(lower(n.merchant_name), lower(r.pattern)) OR contains(lower(n.name), lower(r.pattern))
GROUP BY ALL
"""
NO_RULES_SQL = "SELECT NULL::VARCHAR AS merchant_name, NULL::VARCHAR AS name, NULL::INTEGER AS rule_id WHERE false"

BUILD_SQL = f"""
INSERT INTO analytics_ledger BY NAME
WITH named AS ({{named_rules}}),
resolved AS (
    SELECT t.transaction_id, t.account_id, t.item_id, t.date, t.authorized_date, t.name, t.merchant_name,
           coalesce(t.merchant_name, t.name, '(no name)') AS merchant, t.amount,
           coalesce(t.iso_currency_code, t.unofficial_currency_code, acc.iso_currency_code,
                    acc.unofficial_currency_code, 'XXX') AS currency,
           t.pending,
           coalesce(CASE WHEN a.category_primary IS NOT NULL THEN a.category_primary
                         WHEN r.rule_id IS NOT NULL THEN r.category_primary
                         ELSE t.category_primary END, '{UNCATEGORIZED}') AS category_primary,
           CASE WHEN a.category_primary IS NOT NULL THEN a.category_detailed
                WHEN r.rule_id IS NOT NULL THEN r.category_detailed
                ELSE t.category_detailed END AS category_detailed,
           CASE WHEN a.category_primary IS NOT NULL THEN 'user'
                WHEN r.rule_id IS NOT NULL THEN 'rule' ELSE 'plaid' END AS category_source,
           r.rule_id AS category_rule_id, t.payment_channel, a.note, nm.name_id
    FROM plaid_transactions t
    LEFT JOIN analytics_names nm
      ON nm.merchant_name IS NOT DISTINCT FROM t.merchant_name AND nm.name IS NOT DISTINCT FROM t.name
    LEFT JOIN transaction_annotations a USING (transaction_id)
    LEFT JOIN named n ON n.merchant_name IS NOT DISTINCT FROM t.merchant_name AND n.name IS NOT DISTINCT FROM t.name
    LEFT JOIN category_rules r ON r.rule_id = n.rule_id
    LEFT JOIN accounts acc USING (account_id)
)
SELECT l.*, NULL::VARCHAR AS transfer_pair_id, {_CATEGORY_FLOW} AS flow,
       {_CATEGORY_FLOW} = 'transfer_outside' AS is_transfer
FROM resolved l
ORDER BY l.date
"""

ROLLUP_SQL = """
DELETE FROM analytics_daily_by_account;
DELETE FROM analytics_daily;
DELETE FROM analytics_daily_merchants;
INSERT INTO analytics_daily_by_account BY NAME
SELECT date, account_id, currency, category_primary, category_detailed, pending, is_transfer, flow,
       sum(amount) AS amount, sum(greatest(-amount, 0)) AS money_in, sum(greatest(amount, 0)) AS money_out,
       count(*) AS transactions
FROM analytics_ledger GROUP BY ALL ORDER BY date;
INSERT INTO analytics_daily BY NAME
SELECT date, currency, category_primary, category_detailed, pending, is_transfer, flow, sum(amount) AS amount,
       sum(money_in) AS money_in, sum(money_out) AS money_out, sum(transactions) AS transactions
FROM analytics_daily_by_account GROUP BY ALL ORDER BY date;
INSERT INTO analytics_daily_merchants BY NAME
SELECT date, currency, merchant, category_primary, pending, is_transfer, flow, sum(amount) AS amount,
       sum(greatest(-amount, 0)) AS money_in, sum(greatest(amount, 0)) AS money_out, count(*) AS transactions
FROM analytics_ledger GROUP BY ALL ORDER BY date;
"""

# A rebuild sorts a million rows; DuckDB spills to disk beyond this instead of growing the
# dashboard's memory (the limit applies to the whole process's DuckDB while it holds).
BUILD_MEMORY_LIMIT = "128MB"


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the ledger's sources look like now; any committed change to them changes it."""
    row = con.execute(FINGERPRINT_SQL).fetchone()
    return str(row[0]) if row else ""


def built_from(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT fingerprint FROM analytics_ledger_source WHERE id = 1").fetchone()
    return str(row[0]) if row else None


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    return built_from(con) == fingerprint(con)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the ledger and its daily sums; call inside a transaction."""
    has_rules = (con.execute("SELECT count(*) FROM category_rules").fetchone() or (0,))[0] > 0
    limit = (con.execute("SELECT current_setting('memory_limit')").fetchone() or ("",))[0]
    con.execute(f"SET memory_limit = '{BUILD_MEMORY_LIMIT}'")
    try:
        con.execute("DELETE FROM analytics_ledger")
        con.execute(NAMES_SQL)
        con.execute(BUILD_SQL.format(named_rules=NAMED_RULES_SQL if has_rules else NO_RULES_SQL))
        matching.apply_pairs(con)
        con.execute(ROLLUP_SQL)
    finally:
        con.execute(f"SET memory_limit = '{limit}'")
    recurring_sources.rebuild(con)
    record_fingerprint(con)


def record_fingerprint(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT OR REPLACE INTO analytics_ledger_source (id, fingerprint, built_at) VALUES (1, ?, current_timestamp)",
        [fingerprint(con)],
    )


def refresh(store: Store) -> bool:
    """Rebuild the ledger if its sources changed since it was built; returns whether it did."""
    with store.connect() as con:
        return _refresh(store, con)


def _refresh(store: Store, con: duckdb.DuckDBPyConnection) -> bool:
    if is_current(con) and recurring_sources.is_current(con):
        return False
    with store.transaction() as writer:
        if not is_current(writer):
            rebuild(writer)
            return True
        if not recurring_sources.is_current(writer):  # Plaid's streams changed, the ledger did not
            recurring_sources.rebuild(writer)
        return False


@contextmanager
def reading(store: Store) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection for a unit of read work (a page's queries) on an up-to-date ledger."""
    with store.connect() as con:
        _refresh(store, con)
        yield con


def refresh_rows(con: duckdb.DuckDBPyConnection, condition: str, params: dict[str, object]) -> None:
    """Re-resolve the category (and the flow that follows) of the ledger rows matching `condition` (over
    alias x), then match transfers again, since a category decides whether a row can pair."""
    con.execute(
        f"""
        UPDATE analytics_ledger AS l
        SET category_primary = coalesce(v.category_primary, '{UNCATEGORIZED}'),
            category_detailed = v.category_detailed, category_source = v.category_source,
            category_rule_id = v.category_rule_id, note = v.note
        FROM transactions AS v
        WHERE v.transaction_id = l.transaction_id
          AND l.transaction_id IN (SELECT x.transaction_id FROM analytics_ledger x WHERE {condition})
        """,
        params,
    )
    con.execute(
        f"""
        UPDATE analytics_ledger AS l
        SET flow = CASE WHEN l.transfer_pair_id IS NOT NULL THEN 'transfer_internal' ELSE {_CATEGORY_FLOW} END,
            is_transfer = l.transfer_pair_id IS NOT NULL OR {_CATEGORY_FLOW} = 'transfer_outside'
        WHERE l.transaction_id IN (SELECT x.transaction_id FROM analytics_ledger x WHERE {condition})
        """,
        params,
    )
    matching.apply_pairs(con)


def edit(
    store: Store, change: Callable[[duckdb.DuckDBPyConnection], None], condition: str, params: dict[str, object]
) -> None:
    """Apply a user's change and patch the ledger rows it affects, in one transaction.

    `condition` (over alias x) selects the ledger rows the change can affect.
    """
    with store.transaction() as con:
        if not is_current(con):
            rebuild(con)
        change(con)
        refresh_rows(con, condition, params)
        con.execute(ROLLUP_SQL)
        recurring_sources.rebuild(con)  # a category decides whether a stream is a bill, a transfer or a habit
        record_fingerprint(con)
    store.bump_data_version()


def bounded(con: duckdb.DuckDBPyConnection, window: Window) -> Window:
    """`window` with open ends closed at the ledger's first and last dates (both None when it is empty)."""
    if window.start is not None and window.end is not None:
        return window
    first, last = con.execute("SELECT min(date), max(date) FROM analytics_ledger").fetchone() or (None, None)
    if first is None:
        return Window(window.start, window.end)
    return Window(window.start or first, window.end or max(last, window.start or last))
