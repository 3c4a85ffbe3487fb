-- Finboard schema: recurring streams and the cash forecast.

-- Derived, rebuilt by core/analytics/recurring.py with the analytics ledger (same transaction):
-- the streams Finboard's detector finds, and the transactions each is made of. Never edit them;
-- the person's choices live in recurring_choices. Status and next date depend on the day you look,
-- so they are worked out when read (core/analytics/streams.py), not stored.
CREATE TABLE recurring_streams (
    stream_id              VARCHAR PRIMARY KEY,      -- stable across rebuilds: account, currency, direction, counterparty
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
CREATE TABLE forecast_thresholds (
    account_id             VARCHAR PRIMARY KEY,
    threshold              DECIMAL(18,2) NOT NULL,
    updated_at             TIMESTAMP NOT NULL DEFAULT current_timestamp
);
