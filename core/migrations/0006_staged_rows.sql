-- Finboard schema version 6: a sync copies a big update into the file in several short
-- transactions, hidden, and reveals it in one short transaction at the end, so no reader ever
-- waits long for the file. The rows live in plaid_transaction_rows; staged_batch is NULL once
-- a row is visible. plaid_transactions (what everything reads) is the visible rows only.

ALTER TABLE plaid_transactions RENAME TO plaid_transaction_rows;
ALTER TABLE plaid_transaction_rows ADD COLUMN staged_batch BIGINT;

CREATE VIEW plaid_transactions AS
SELECT * EXCLUDE (staged_batch) FROM plaid_transaction_rows WHERE staged_batch IS NULL;
