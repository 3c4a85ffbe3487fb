-- Finboard schema version 8: facts about each item that its syncs keep up to date.

-- Where Plaid was last asked to send the item's webhooks. A sync compares it with the configured
-- address (PLAID_WEBHOOK_URL, or the local receiver offline) and calls /item/webhook/update when
-- they differ, so a new tunnel URL or receiver port does not silently lose webhooks.
-- NULL: connected before version 8, not known yet (the next sync sets it).
ALTER TABLE items ADD COLUMN webhook_url VARCHAR;

-- Plaid's transactions_update_status on the item's last sync page: NOT_READY,
-- INITIAL_UPDATE_COMPLETE (recent transactions only, older history still loading) or
-- HISTORICAL_UPDATE_COMPLETE. Shown on the Connections page while history is incomplete.
ALTER TABLE items ADD COLUMN transactions_update_status VARCHAR;
