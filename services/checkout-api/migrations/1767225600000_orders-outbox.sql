-- Up Migration

-- One row per accepted order. The idempotency key is scoped per customer: the unique constraint
-- makes two concurrent requests with one key produce one order.
CREATE TABLE orders (
  order_id        text        PRIMARY KEY,
  customer_id     text        NOT NULL,
  idempotency_key text        NOT NULL,
  -- sha256 of the canonical request body: the same key with another body is a conflict (409).
  request_hash    text        NOT NULL,
  status          text        NOT NULL DEFAULT 'PENDING'
    CHECK (status IN ('PENDING', 'ACCEPTED', 'VALIDATED', 'SCREENING', 'PAID', 'FULFILLED', 'CANCELLED', 'FAILED')),
  status_reason   text,
  -- The contract Order (contracts/order.ts), exactly as sent to orders.fifo.
  order_doc       jsonb       NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orders_customer_idempotency_key UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX orders_customer_recent ON orders (customer_id, created_at DESC, order_id DESC);

-- Every status an order has reported, once each (duplicates are harmless: the key absorbs them).
CREATE TABLE order_status_history (
  order_id     text        NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
  status       text        NOT NULL,
  reason       text,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  execution_id text,
  PRIMARY KEY (order_id, status)
);

-- Transactional outbox: written in the order's transaction, relayed to orders.fifo.
CREATE TABLE outbox (
  id                       bigserial   PRIMARY KEY,
  order_id                 text        NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
  message_group_id         text        NOT NULL,
  message_deduplication_id text        NOT NULL,
  body                     text        NOT NULL,
  created_at               timestamptz NOT NULL DEFAULT now(),
  sent_at                  timestamptz,
  attempts                 integer     NOT NULL DEFAULT 0,
  last_error               text
);
-- The relay only ever scans unsent rows, oldest first.
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Down Migration
DROP TABLE outbox;
DROP TABLE order_status_history;
DROP TABLE orders;
