-- Finboard schema version 8: where Plaid was last asked to send each item's webhooks.
-- A sync compares it with the configured address (PLAID_WEBHOOK_URL, or the local receiver offline)
-- and calls /item/webhook/update when they differ, so a new tunnel URL or receiver port does not
-- silently lose webhooks. NULL: connected before version 8, not known yet (the next sync sets it).
ALTER TABLE items ADD COLUMN webhook_url VARCHAR;
