-- Finboard schema version 7: the distinct (merchant_name, name) pairs of the transactions, numbered, so
-- a merchant-text filter matches a few thousand names instead of scanning a million ledger rows.
-- Derived like the ledger (core/analytics/ledger.py rebuilds both together); never edit it.

CREATE TABLE analytics_names (
    name_id                INTEGER PRIMARY KEY,
    merchant_name          VARCHAR,
    name                   VARCHAR
);
ALTER TABLE analytics_ledger ADD COLUMN name_id INTEGER;
