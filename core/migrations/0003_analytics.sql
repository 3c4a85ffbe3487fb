-- Finboard schema version 3: analytics. Category rules, saved views, and the analytics ledger.

-- "merchant or name contains <pattern> -> category": case-insensitive, matched against
-- merchant_name and name. When several rules match, the newest (highest rule_id) wins.
-- A category the user set on one transaction (transaction_annotations) beats every rule.
CREATE SEQUENCE category_rule_ids START 1;
CREATE TABLE category_rules (
    rule_id                INTEGER PRIMARY KEY DEFAULT nextval('category_rule_ids'),
    pattern                VARCHAR NOT NULL CHECK (length(trim(pattern)) > 0),
    category_primary       VARCHAR NOT NULL,
    category_detailed      VARCHAR,
    created_at             TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Named filter sets; `query` is the URL query string of the filters (e.g. period=last_month&currency=USD).
CREATE TABLE saved_views (
    name                   VARCHAR PRIMARY KEY CHECK (length(trim(name)) > 0),
    query                  VARCHAR NOT NULL,
    created_at             TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- The public read model now applies rules too: the user's category, else the newest matching
-- rule, else Plaid's. category_source says which one won. Columns of version 1 are unchanged.
CREATE OR REPLACE VIEW transactions AS
SELECT
    t.transaction_id, t.account_id, t.item_id, t.date, t.authorized_date, t.name, t.merchant_name,
    t.amount, t.iso_currency_code, t.unofficial_currency_code, t.pending, t.pending_transaction_id,
    CASE WHEN a.category_primary IS NOT NULL THEN a.category_primary
         WHEN r.category_primary IS NOT NULL THEN r.category_primary
         ELSE t.category_primary END AS category_primary,
    CASE WHEN a.category_primary IS NOT NULL THEN a.category_detailed
         WHEN r.category_primary IS NOT NULL THEN r.category_detailed
         ELSE t.category_detailed END AS category_detailed,
    t.payment_channel,
    t.category_primary  AS plaid_category_primary,
    t.category_detailed AS plaid_category_detailed,
    a.note, a.tags,
    CASE WHEN a.category_primary IS NOT NULL THEN 'user'
         WHEN r.category_primary IS NOT NULL THEN 'rule'
         ELSE 'plaid' END AS category_source,
    r.rule_id AS category_rule_id
FROM plaid_transactions t
LEFT JOIN transaction_annotations a USING (transaction_id)
LEFT JOIN LATERAL (
    SELECT cr.rule_id, cr.category_primary, cr.category_detailed
    FROM category_rules cr
    WHERE contains(lower(t.merchant_name), lower(cr.pattern)) OR contains(lower(t.name), lower(cr.pattern))
    ORDER BY cr.rule_id DESC
    LIMIT 1
) r ON true;

-- Derived, rebuilt by core/analytics/ledger.py whenever its sources change: one row per
-- transaction with the category, currency and transfer flag resolved, sorted by date so date
-- filters skip whole row groups. Never edit it; edit transactions, annotations or rules.
CREATE TABLE analytics_ledger (
    transaction_id         VARCHAR NOT NULL,
    account_id             VARCHAR NOT NULL,
    item_id                VARCHAR NOT NULL,
    date                   DATE NOT NULL,
    authorized_date        DATE,
    name                   VARCHAR,
    merchant_name          VARCHAR,
    merchant               VARCHAR NOT NULL,         -- merchant_name, else name: what "top merchants" groups by
    amount                 DECIMAL(18,2) NOT NULL,   -- Plaid's sign: positive = money out
    currency               VARCHAR NOT NULL,
    pending                BOOLEAN NOT NULL,
    category_primary       VARCHAR NOT NULL,
    category_detailed      VARCHAR,
    category_source        VARCHAR NOT NULL,         -- user | rule | plaid
    category_rule_id       INTEGER,
    transfer_pair_id       VARCHAR,                  -- the matched opposite transaction in another own account
    is_transfer            BOOLEAN NOT NULL,
    payment_channel        VARCHAR,
    note                   VARCHAR
);

-- Daily sums of the ledger, rebuilt with it: what charts read when no filter needs single
-- transactions (merchant text, amount bounds). By account for account filters, overall, and by
-- merchant for the top merchants.
CREATE TABLE analytics_daily_by_account (
    date                   DATE NOT NULL,
    account_id             VARCHAR NOT NULL,
    currency               VARCHAR NOT NULL,
    category_primary       VARCHAR NOT NULL,
    category_detailed      VARCHAR,
    pending                BOOLEAN NOT NULL,
    is_transfer            BOOLEAN NOT NULL,
    amount                 DECIMAL(18,2) NOT NULL,
    transactions           BIGINT NOT NULL
);

CREATE TABLE analytics_daily (
    date                   DATE NOT NULL,
    currency               VARCHAR NOT NULL,
    category_primary       VARCHAR NOT NULL,
    category_detailed      VARCHAR,
    pending                BOOLEAN NOT NULL,
    is_transfer            BOOLEAN NOT NULL,
    amount                 DECIMAL(18,2) NOT NULL,
    transactions           BIGINT NOT NULL
);

CREATE TABLE analytics_daily_merchants (
    date                   DATE NOT NULL,
    currency               VARCHAR NOT NULL,
    merchant               VARCHAR NOT NULL,
    category_primary       VARCHAR NOT NULL,
    pending                BOOLEAN NOT NULL,
    is_transfer            BOOLEAN NOT NULL,
    amount                 DECIMAL(18,2) NOT NULL,
    transactions           BIGINT NOT NULL
);

-- What the ledger was built from (a fingerprint of its sources); one row.
CREATE TABLE analytics_ledger_source (
    id                     INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint            VARCHAR NOT NULL,
    built_at               TIMESTAMP NOT NULL
);
