-- Up Migration

-- The outbox pruner deletes sent rows past the retention, oldest first (src/outbox-pruner.ts).
-- Unsent rows (sent_at NULL) are not in this index, so writing an order costs nothing more.
-- IF NOT EXISTS: on a large table, create it CONCURRENTLY by hand first (this runs in a transaction).
CREATE INDEX IF NOT EXISTS outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Down Migration
DROP INDEX IF EXISTS outbox_sent_at;
