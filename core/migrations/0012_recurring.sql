-- Finboard schema: recurring streams and the cash forecast.

-- Plaid's own recurring streams (/transactions/recurring/get, core/products/recurring.py), per item, replaced
-- on every fetch and deleted with the item's other shared data. Amounts in Plaid's sign.
CREATE TABLE plaid_recurring_streams (
    stream_id              VARCHAR NOT NULL,
    item_id                VARCHAR NOT NULL,
    account_id             VARCHAR NOT NULL,
    direction              VARCHAR NOT NULL,         -- inflow | outflow (which list Plaid put it in)
    description            VARCHAR,
    merchant_name          VARCHAR,
    category_primary       VARCHAR,
    category_detailed      VARCHAR,
    frequency              VARCHAR NOT NULL,         -- Plaid's: WEEKLY, BIWEEKLY, SEMI_MONTHLY, MONTHLY, ANNUALLY, UNKNOWN
    status                 VARCHAR NOT NULL,         -- MATURE, EARLY_DETECTION, TOMBSTONED, UNKNOWN
    is_active              BOOLEAN NOT NULL,
    first_date             DATE,
    last_date              DATE,
    predicted_next_date    DATE,
    average_amount         DECIMAL(18,2),
    last_amount            DECIMAL(18,2),
    iso_currency_code      VARCHAR,
    unofficial_currency_code VARCHAR,
    transaction_ids        VARCHAR[] NOT NULL,
    fetched_at             TIMESTAMP NOT NULL
);

-- Plaid's refusal of a product for an item (INVALID_PRODUCT: the client lacks the add-on;
-- ADDITIONAL_CONSENT_REQUIRED: the user did not consent), NULL after a successful fetch.
ALTER TABLE product_refreshes ADD COLUMN error_code VARCHAR;

-- Derived, rebuilt by core/analytics/recurring.py with the analytics ledger (same transaction) and when
-- Plaid's streams change: the streams of every account in one shape, Plaid's for items whose Recurring
-- Transactions answered, Finboard's detector's for the others, and the transactions each is made of. Never edit them;
-- the person's choices live in recurring_choices. Status and next date depend on the day you look,
-- so they are worked out when read (core/analytics/streams.py), not stored.
CREATE TABLE recurring_streams (
    stream_id              VARCHAR PRIMARY KEY,      -- Plaid's, or Finboard's: stable across rebuilds (see recurring.py)
    source                 VARCHAR NOT NULL,         -- plaid | finboard
    predicted_date         DATE,                     -- Plaid's predicted_next_date (Plaid streams)
    plaid_status           VARCHAR,                  -- Plaid's status and is_active: MATURE, EARLY_DETECTION, TOMBSTONED
    account_id             VARCHAR NOT NULL,
    currency               VARCHAR NOT NULL,
    direction              VARCHAR NOT NULL,         -- inflow | outflow
    merchant               VARCHAR NOT NULL,         -- merchant, else description, of the latest transaction
    counterparty_key       VARCHAR NOT NULL,
    category_primary       VARCHAR NOT NULL,
    category_detailed      VARCHAR,
    is_transfer            BOOLEAN NOT NULL,
    cadence                VARCHAR NOT NULL,         -- weekly, biweekly, semi_monthly, monthly, bimonthly, quarterly, annually
    frequency              VARCHAR NOT NULL,         -- the shared vocabulary (bimonthly is `unknown`)
    anchor                 DATE NOT NULL,            -- weekly/biweekly: one slot; monthly family: a month of the phase
    day                    INTEGER NOT NULL,         -- day of the month (31 = the last), 0 for weekly/biweekly
    day2                   INTEGER NOT NULL,         -- semi_monthly's second day, else 0
    weekend_rule           VARCHAR NOT NULL,         -- none | before | after: where a weekend slot's money lands
    first_date             DATE NOT NULL,
    last_date              DATE NOT NULL,
    last_slot              DATE NOT NULL,            -- the nominal slot of the last transaction
    transactions           INTEGER NOT NULL,
    amount_kind            VARCHAR NOT NULL,         -- fixed | variable
    average_amount         DECIMAL(18,2) NOT NULL,   -- positive money; direction gives the sign
    last_amount            DECIMAL(18,2) NOT NULL,
    expected_amount        DECIMAL(18,2) NOT NULL,   -- next one: the last (fixed) or the mean of the last six (variable)
    low_amount             DECIMAL(18,2) NOT NULL,   -- recent range
    high_amount            DECIMAL(18,2) NOT NULL,
    previous_amount        DECIMAL(18,2),            -- before the last price change
    price_changed_on       DATE
);

CREATE TABLE recurring_stream_transactions (
    stream_id              VARCHAR NOT NULL,
    transaction_id         VARCHAR NOT NULL,
    date                   DATE NOT NULL,
    amount                 DECIMAL(18,2) NOT NULL    -- Plaid's sign
);

-- The person's choices about a stream, by stream id (Finboard's or Plaid's); they survive every
-- rebuild. not_recurring hides the stream (its money counts as ordinary spending in the forecast);
-- name replaces the merchant; a category replaces the stream's own.
CREATE TABLE recurring_choices (
    stream_id              VARCHAR PRIMARY KEY,
    not_recurring          BOOLEAN NOT NULL DEFAULT false,
    name                   VARCHAR CHECK (name IS NULL OR length(trim(name)) > 0),
    category_primary       VARCHAR,
    category_detailed      VARCHAR,
    updated_at             TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- The lowest balance a person wants to keep in an account: the Overview warns when the forecast
-- goes below it before the next income (below zero when an account has no row here).
-- What recurring_streams were built from besides the ledger: a fingerprint of Plaid's streams and refusals.
CREATE TABLE recurring_source (
    id                     INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint            VARCHAR NOT NULL
);

CREATE TABLE forecast_thresholds (
    account_id             VARCHAR PRIMARY KEY,
    threshold              DECIMAL(18,2) NOT NULL,
    updated_at             TIMESTAMP NOT NULL DEFAULT current_timestamp
);
