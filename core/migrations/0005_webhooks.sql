-- Finboard schema version 5: the webhook audit log and the item facts webhooks report.

-- Every request to the webhook receiver, accepted or not. No body, no token: type, code and item
-- are what Plaid's payload names (for unverified requests, what the sender claimed), the outcome
-- says in words what Finboard did. body_sha256 tells deliveries apart without storing the body.
CREATE TABLE webhook_events (
    event_id               VARCHAR PRIMARY KEY,
    received_at            TIMESTAMP NOT NULL,   -- UTC
    webhook_type           VARCHAR,
    webhook_code           VARCHAR,
    item_id                VARCHAR,
    verified               BOOLEAN NOT NULL,
    outcome                VARCHAR NOT NULL,
    body_sha256            VARCHAR
);

-- ITEM/NEW_ACCOUNTS_AVAILABLE sets it: offer "Add accounts" (Link update mode with account
-- selection). Whoever completes that update mode clears it.
ALTER TABLE items ADD COLUMN new_accounts_available BOOLEAN NOT NULL DEFAULT false;

-- ITEM/PENDING_DISCONNECT (disconnect_time) or PENDING_EXPIRATION (consent_expiration_time): when
-- the connection stops unless the user goes through Link update mode. UTC.
ALTER TABLE items ADD COLUMN pending_disconnect_at TIMESTAMP;
