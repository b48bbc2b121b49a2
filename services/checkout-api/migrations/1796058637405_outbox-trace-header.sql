-- Up Migration

-- The X-Ray trace header of the request that created the order (`Root=…;Parent=…;Sampled=…`,
-- rebuilt from validated parts, never the raw header): the relay sends it as the message's
-- AWSTraceHeader, so the order's trace continues into the pipeline. NULL when the request had none.
ALTER TABLE outbox ADD COLUMN trace_header text;

-- Down Migration
ALTER TABLE outbox DROP COLUMN trace_header;
