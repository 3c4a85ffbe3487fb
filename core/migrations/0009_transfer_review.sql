-- Finboard schema version 9: the person's transfer decisions, and each ledger row's flow.

-- User-owned, like transaction_annotations: survives re-syncs and follows a pending transaction to
-- the posted one that replaces it (core/sync/apply.py). Wins over automatic transfer matching:
--   'pair'          this transaction and pair_id are the two halves of a transfer between your
--                   accounts (a suggested pair you confirmed, or two rows you linked); both halves
--                   have a row, each pointing at the other.
--   'not_transfer'  this transaction is not a transfer between your accounts: it never pairs automatically.
CREATE TABLE transfer_decisions (
    transaction_id         VARCHAR PRIMARY KEY,
    decision               VARCHAR NOT NULL CHECK (decision IN ('pair', 'not_transfer')),
    pair_id                VARCHAR,
    updated_at             TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK ((decision = 'pair') = (pair_id IS NOT NULL))
);

-- Derived (core/analytics/ledger.py rebuilds them): what each transaction counts as, see
-- core/analytics/money_rules.py: income | spending | transfer_internal | transfer_outside.
ALTER TABLE analytics_ledger ADD COLUMN flow VARCHAR;
ALTER TABLE analytics_daily_by_account ADD COLUMN flow VARCHAR;
ALTER TABLE analytics_daily ADD COLUMN flow VARCHAR;
ALTER TABLE analytics_daily_merchants ADD COLUMN flow VARCHAR;
-- Money in and out behind each daily sum (amount = money_out - money_in), so transfers in and out
-- are told apart exactly without reading single transactions.
ALTER TABLE analytics_daily_by_account ADD COLUMN money_in DECIMAL(18,2);
ALTER TABLE analytics_daily_by_account ADD COLUMN money_out DECIMAL(18,2);
ALTER TABLE analytics_daily ADD COLUMN money_in DECIMAL(18,2);
ALTER TABLE analytics_daily ADD COLUMN money_out DECIMAL(18,2);
ALTER TABLE analytics_daily_merchants ADD COLUMN money_in DECIMAL(18,2);
ALTER TABLE analytics_daily_merchants ADD COLUMN money_out DECIMAL(18,2);
