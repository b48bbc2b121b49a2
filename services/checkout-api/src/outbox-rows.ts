/**
 * The outbox table as the relay sees it (migrations/*outbox*): lock the due rows, then record
 * what became of each one — sent, to be retried after a backoff, or rejected for good.
 */
import type pg from 'pg';
import { OUTCOME_REASONS } from '@securecart/contracts/status';

export interface OutboxRow {
  id: string;
  order_id: string;
  message_group_id: string;
  message_deduplication_id: string;
  body: string;
  trace_header: string | null;
  attempts: number;
}

/** A row that failed for a transient reason and waits before its next attempt. */
export interface Retry {
  readonly id: string;
  readonly error: string;
  readonly delayMs: number;
}

/** A row SQS can never accept (a sender fault): taken out of the relay's way for good. */
export interface Rejection {
  readonly id: string;
  readonly orderId: string;
  readonly error: string;
}

/** Up to `batchSize` of the oldest rows that are due (not sent, not rejected, not backing off), locked. */
export async function lockDueRows(client: pg.PoolClient, batchSize: number): Promise<OutboxRow[]> {
  const { rows } = await client.query<OutboxRow>({
    name: 'outbox_lock_due',
    text: `SELECT id, order_id, message_group_id, message_deduplication_id, body, trace_header, attempts FROM outbox
           WHERE sent_at IS NULL AND rejected_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
           ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    values: [batchSize],
  });
  return rows;
}

export async function markSent(client: pg.PoolClient, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  await client.query({
    name: 'outbox_mark_sent',
    // The body (it holds the payment token) is not kept once SQS has it: the pipeline has the order.
    text: `UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL, next_attempt_at = NULL,
             body = ''
           WHERE id = ANY($1::bigint[])`,
    values: [ids],
  });
}

export async function markRetry(client: pg.PoolClient, retries: readonly Retry[]): Promise<void> {
  for (const retry of retries) {
    await client.query({
      name: 'outbox_mark_retry',
      text: `UPDATE outbox SET attempts = attempts + 1, last_error = $2,
               next_attempt_at = now() + make_interval(secs => $3::double precision / 1000)
             WHERE id = $1`,
      values: [retry.id, retry.error.slice(0, 500), retry.delayMs],
    });
  }
}

/**
 * Marks each row rejected and cancels its order, in the relay's transaction: the pipeline never
 * saw the order, so no charge was taken; the customer reads "cancelled: invalid order".
 */
export async function markRejected(client: pg.PoolClient, rejections: readonly Rejection[]): Promise<void> {
  const reason = OUTCOME_REASONS.invalidOrder;
  for (const rejection of rejections) {
    await client.query({
      name: 'outbox_mark_rejected',
      text: 'UPDATE outbox SET rejected_at = now(), attempts = attempts + 1, last_error = $2 WHERE id = $1',
      values: [rejection.id, rejection.error.slice(0, 500)],
    });
    await client.query({
      name: 'outbox_cancel_order',
      text: `UPDATE orders SET status = 'CANCELLED', status_reason = $2, updated_at = now()
             WHERE order_id = $1 AND status = 'PENDING'`,
      values: [rejection.orderId, reason],
    });
    await client.query({
      name: 'outbox_cancel_history',
      text: `INSERT INTO order_status_history (order_id, status, reason, occurred_at)
             VALUES ($1, 'CANCELLED', $2, now()) ON CONFLICT (order_id, status) DO NOTHING`,
      values: [rejection.orderId, reason],
    });
  }
}

export interface RelayBacklog {
  /** Age in seconds of the oldest row still to send (0 when none). */
  readonly lagSeconds: number;
  /** Rows still to send, backing-off ones included. */
  readonly unsent: number;
  /** Of those, rows waiting for their next attempt after a failure. */
  readonly backingOff: number;
  /** Rows SQS refused for good (their orders were cancelled). */
  readonly rejected: number;
}

/** One query, each part on its partial index: the rows to send, and the rejected ones. */
export async function backlog(pool: pg.Pool): Promise<RelayBacklog> {
  const { rows } = await pool.query<{ lag: string | null; unsent: string; backing_off: string; rejected: string }>({
    name: 'outbox_backlog',
    text: `SELECT EXTRACT(EPOCH FROM (now() - min(created_at))) AS lag, count(*) AS unsent,
                  count(*) FILTER (WHERE next_attempt_at > now()) AS backing_off,
                  (SELECT count(*) FROM outbox WHERE rejected_at IS NOT NULL) AS rejected
           FROM outbox WHERE sent_at IS NULL AND rejected_at IS NULL`,
  });
  const row = rows[0];
  return {
    lagSeconds: Math.max(0, Number(row?.lag ?? 0)),
    unsent: Number(row?.unsent ?? 0),
    backingOff: Number(row?.backing_off ?? 0),
    rejected: Number(row?.rejected ?? 0),
  };
}
