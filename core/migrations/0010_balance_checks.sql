-- Finboard schema version 10: what a reported balance includes of its own day, for the balance checks.

-- A snapshot is taken at some moment of its day: it includes the posted transactions dated that
-- day which the bank had posted by then, not the ones posted later that day. Finboard fetches
-- transactions before balances in one sync, so the day's posted transactions it holds when it
-- stores the snapshot are the ones the balance includes. This is their sum (Plaid's sign).
-- NULL on derived rows and on snapshots stored before version 10 (read as: the whole day).
ALTER TABLE balance_history ADD COLUMN same_day_posted DECIMAL(18,2);
