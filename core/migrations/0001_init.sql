-- Finboard schema version 1: items, tokens, accounts, transactions, balance history.
-- Public read model (DESIGN.md section 3): items, accounts, transactions, balance_history.
-- Timestamps are UTC. Money is DECIMAL(18,2) in Plaid's sign (positive = money out).

CREATE TABLE items (
    item_id                VARCHAR PRIMARY KEY,
    institution_id         VARCHAR,
    institution_name       VARCHAR,
    status                 VARCHAR NOT NULL DEFAULT 'healthy'
        CHECK (status IN ('healthy', 'login_required', 'pending_disconnect', 'revoked', 'error')),
    error_code             VARCHAR,
    error_message          VARCHAR,      -- plain-language text a person can act on; never a token
    products               VARCHAR[],
    cursor                 VARCHAR NOT NULL DEFAULT '',
    last_synced_at         TIMESTAMP,    -- last successful sync
    last_failed_at         TIMESTAMP,    -- last failed sync
    created_at             TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Fernet ciphertext only; the key lives outside the database (FINBOARD_KEY or the key file).
CREATE TABLE item_tokens (
    item_id                VARCHAR PRIMARY KEY,
    access_token_enc       VARCHAR NOT NULL
);

-- One row: a Fernet token of a fixed text, so a wrong key is caught before anything is written.
CREATE TABLE vault_check (
    id                     INTEGER PRIMARY KEY CHECK (id = 1),
    canary_enc             VARCHAR NOT NULL
);

CREATE TABLE accounts (
    account_id             VARCHAR PRIMARY KEY,
    item_id                VARCHAR NOT NULL,
    name                   VARCHAR,
    official_name          VARCHAR,
    mask                   VARCHAR,
    type                   VARCHAR,
    subtype                VARCHAR,
    current_balance        DECIMAL(18,2),
    available_balance      DECIMAL(18,2),
    credit_limit           DECIMAL(18,2),
    iso_currency_code      VARCHAR,
    unofficial_currency_code VARCHAR,
    updated_at             TIMESTAMP
);

-- Plaid's view of each transaction, exactly as last synced. No primary key: the sync engine
-- replaces rows by transaction_id in bulk (delete + insert), which DuckDB does far faster
-- than maintaining an ART index over millions of rows.
CREATE TABLE plaid_transactions (
    transaction_id         VARCHAR NOT NULL,
    account_id             VARCHAR NOT NULL,
    item_id                VARCHAR NOT NULL,
    date                   DATE NOT NULL,
    authorized_date        DATE,
    name                   VARCHAR,
    merchant_name          VARCHAR,
    amount                 DECIMAL(18,2) NOT NULL,
    iso_currency_code      VARCHAR,
    unofficial_currency_code VARCHAR,
    pending                BOOLEAN NOT NULL,
    pending_transaction_id VARCHAR,
    category_primary       VARCHAR,
    category_detailed      VARCHAR,
    category_confidence    VARCHAR,
    payment_channel        VARCHAR,
    location_city          VARCHAR,
    location_region        VARCHAR,
    location_country       VARCHAR,
    updated_at             TIMESTAMP NOT NULL
);

-- User-owned fields. They survive re-syncs and move from a pending transaction to the posted
-- one that replaces it (through pending_transaction_id).
CREATE TABLE transaction_annotations (
    transaction_id         VARCHAR PRIMARY KEY,
    category_primary       VARCHAR,
    category_detailed      VARCHAR,
    note                   VARCHAR,
    tags                   VARCHAR[],
    updated_at             TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE balance_history (
    account_id             VARCHAR NOT NULL,
    date                   DATE NOT NULL,
    current_balance        DECIMAL(18,2),
    available_balance      DECIMAL(18,2),
    derived                BOOLEAN NOT NULL DEFAULT false,  -- walked back from transactions, not observed
    PRIMARY KEY (account_id, date)
);

CREATE VIEW transactions AS
SELECT
    t.transaction_id, t.account_id, t.item_id, t.date, t.authorized_date, t.name, t.merchant_name,
    t.amount, t.iso_currency_code, t.unofficial_currency_code, t.pending, t.pending_transaction_id,
    coalesce(a.category_primary, t.category_primary)   AS category_primary,
    coalesce(a.category_detailed, t.category_detailed) AS category_detailed,
    t.payment_channel,
    t.category_primary  AS plaid_category_primary,
    t.category_detailed AS plaid_category_detailed,
    a.note, a.tags
FROM plaid_transactions t
LEFT JOIN transaction_annotations a USING (transaction_id);
