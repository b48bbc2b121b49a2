-- Up Migration

-- The relay never lets one row hold up the others (src/outbox-relay.ts):
-- * a row SQS refuses with a sender fault (InvalidMessageContents, InvalidParameterValue, ...) can
--   never be sent: it is marked rejected (rejected_at) and its order cancelled, and the relay
--   never looks at it again;
-- * a row that failed for a transient reason waits until next_attempt_at (exponential backoff
--   with jitter) while the rows behind it are sent.
ALTER TABLE outbox ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE outbox ADD COLUMN rejected_at timestamptz;

-- The relay scans rows that are neither sent nor rejected, oldest first.
DROP INDEX IF EXISTS outbox_unsent;
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL AND rejected_at IS NULL;
-- Rejected rows are rare; health reports count them without scanning the table.
CREATE INDEX outbox_rejected ON outbox (rejected_at) WHERE rejected_at IS NOT NULL;

-- Down Migration
DROP INDEX IF EXISTS outbox_rejected;
DROP INDEX IF EXISTS outbox_unsent;
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
ALTER TABLE outbox DROP COLUMN rejected_at;
ALTER TABLE outbox DROP COLUMN next_attempt_at;
