-- Finboard schema version 4: state the sync engine keeps beside the read model.

-- Every /accounts/balance/get call, so the 5-per-item-per-minute limit is respected locally by
-- every process (dashboard, CLI, webhook receiver) before Plaid refuses. Rows older than a
-- minute are pruned when a new call is recorded.
CREATE TABLE balance_requests (
    item_id                VARCHAR NOT NULL,
    requested_at           TIMESTAMP NOT NULL
);

-- When Auth or Identity was last fetched for an item and which accounts it covered, so a sync
-- fetches them once (and again when accounts appear), not on every run. item_created_at ties the
-- record to one life of the item: removed and connected again, it is fetched again.
CREATE TABLE product_refreshes (
    item_id                VARCHAR NOT NULL,
    product                VARCHAR NOT NULL,   -- auth | identity
    account_ids            VARCHAR[] NOT NULL,
    fetched_at             TIMESTAMP NOT NULL,
    item_created_at        TIMESTAMP,
    PRIMARY KEY (item_id, product)
);

-- Plaid's display_message for the last failure, shown beside our own advice.
ALTER TABLE items ADD COLUMN display_message VARCHAR;
