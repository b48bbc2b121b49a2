/**
 * Orders in PostgreSQL: the idempotent create (order + status history + outbox row in ONE
 * statement, so one transaction and one round trip), the customer's reads, and status updates
 * that only ever move an order forward.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Order } from '@securecart/contracts/order';
import { ORDER_ID_PATTERN } from '@securecart/contracts/order';
import { isForwardTransition } from '@securecart/contracts/status';
import type { OrderList, OrderView } from '@securecart/contracts/http-api';
import type { OrderStatus, OrderStatusEvent, OutcomeReason } from '@securecart/contracts/status';

/**
 * The create statement. ON CONFLICT on (customer_id, idempotency_key) makes a second request with
 * the same key insert nothing (a concurrent one waits for the first to commit, then finds it).
 * The history and outbox rows are inserted only when the order row was.
 * $5 is the order message (the outbox body, the only place the payment token is kept, until the
 * relay has sent it); $8 the order as the orders table keeps it: without the payment.
 * Also what the benchmark's pgbench script runs.
 */
export const CREATE_ORDER_SQL = `WITH new_order AS (
  INSERT INTO orders (order_id, customer_id, idempotency_key, request_hash, status, order_doc, created_at)
  VALUES ($1, $2, $3, $4, 'PENDING', $8::jsonb, $6)
  ON CONFLICT (customer_id, idempotency_key) DO NOTHING
  RETURNING order_id, created_at
), history AS (
  INSERT INTO order_status_history (order_id, status, occurred_at)
  SELECT order_id, 'PENDING', created_at FROM new_order
), outbox_row AS (
  INSERT INTO outbox (order_id, message_group_id, message_deduplication_id, body, created_at, trace_header)
  SELECT order_id, $2, order_id, $5, created_at, $7 FROM new_order
)
SELECT order_id FROM new_order`;

const FIND_BY_KEY_SQL = `SELECT order_id, request_hash FROM orders WHERE customer_id = $1 AND idempotency_key = $2`;

export type CreateResult =
  | { readonly kind: 'created'; readonly orderId: string }
  | { readonly kind: 'replayed'; readonly orderId: string }
  | { readonly kind: 'conflict'; readonly orderId: string };

/** sha256 over a canonical JSON form (sorted keys), so key order in the body does not matter. */
export function requestHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('base64url');
}

/**
 * Creates the order with its history and outbox rows, or finds the one this key already created.
 * `traceHeader` (the request's trace, contracts/tracing.ts) travels with the outbox row to orders.fifo.
 */
export async function createOrder(
  pool: pg.Pool,
  order: Order,
  idempotencyKey: string,
  hash: string,
  traceHeader?: string,
): Promise<CreateResult> {
  const body = JSON.stringify(order);
  const { payment: _payment, ...kept } = order;
  const doc = JSON.stringify(kept);
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await pool.query<{ order_id: string }>({
      name: 'create_order',
      text: CREATE_ORDER_SQL,
      values: [order.orderId, order.customerId, idempotencyKey, hash, body, order.createdAt, traceHeader ?? null, doc],
    });
    if (inserted.rows.length === 1) return { kind: 'created', orderId: inserted.rows[0].order_id };
    const existing = await pool.query<{ order_id: string; request_hash: string }>({
      name: 'find_order_by_key',
      text: FIND_BY_KEY_SQL,
      values: [order.customerId, idempotencyKey],
    });
    const row = existing.rows[0];
    if (row) return { kind: row.request_hash === hash ? 'replayed' : 'conflict', orderId: row.order_id };
    // The conflicting row's transaction rolled back in between: try again.
  }
  throw new Error('Could not create or find the order for this idempotency key');
}

interface OrderRow {
  order_id: string;
  status: OrderStatus;
  status_reason: OutcomeReason | null;
  /** The order without its payment (CREATE_ORDER_SQL). */
  order_doc: Omit<Order, 'payment'>;
  created_at: Date;
  updated_at: Date;
  history: { status: OrderStatus; reason: OutcomeReason | null; occurredAt: string }[];
}

const ORDER_COLUMNS = `o.order_id, o.status, o.status_reason, o.order_doc, o.created_at, o.updated_at,
  COALESCE((SELECT json_agg(json_build_object('status', h.status, 'reason', h.reason, 'occurredAt', h.occurred_at)
                             ORDER BY h.occurred_at, h.recorded_at)
            FROM order_status_history h WHERE h.order_id = o.order_id), '[]'::json) AS history`;

/** The customer's view of an order: never the payment token. */
function toView(row: OrderRow): OrderView {
  const doc = row.order_doc;
  return {
    orderId: row.order_id,
    status: row.status,
    reason: row.status_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    currency: doc.currency,
    items: doc.items,
    shippingAddress: doc.shippingAddress,
    ...(doc.clientTotalCents === undefined ? {} : { clientTotalCents: doc.clientTotalCents }),
    statusHistory: row.history.map((h) => ({
      status: h.status,
      reason: h.reason,
      occurredAt: new Date(h.occurredAt).toISOString(),
    })),
  };
}

export async function getOrder(pool: pg.Pool, customerId: string, orderId: string): Promise<OrderView | undefined> {
  const { rows } = await pool.query<OrderRow>({
    name: 'get_order',
    text: `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.order_id = $1 AND o.customer_id = $2`,
    values: [orderId, customerId],
  });
  return rows[0] ? toView(rows[0]) : undefined;
}

/**
 * Cursor: the last order of a page, as `<createdAt ISO>|<orderId>` in base64url. It is parsed
 * strictly, because PostgreSQL must accept what it holds: canonical base64url, a timestamp exactly
 * as `toISOString` writes it for a real instant from 2000 to 9999 (not any string JavaScript's
 * Date.parse tolerates: '2020-02-30' or '+275760-09-13T00:00:00.000Z' parse there and fail in
 * PostgreSQL), and an order id of the contract's shape. Anything else is not a cursor this API
 * issued: the caller answers 400. (A cursor only moves through the customer's own orders.)
 */
function encodeCursor(view: Pick<OrderView, 'createdAt' | 'orderId'>): string {
  return Buffer.from(`${view.createdAt}|${view.orderId}`).toString('base64url');
}

const CURSOR_TIMESTAMP = /^[2-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function decodeCursor(cursor: string): { createdAt: string; orderId: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) return undefined;
  const [createdAt, orderId, ...rest] = text.split('|');
  if (rest.length || orderId === undefined || !ORDER_ID_PATTERN.test(orderId)) return undefined;
  if (!CURSOR_TIMESTAMP.test(createdAt)) return undefined;
  const instant = new Date(createdAt);
  if (Number.isNaN(instant.getTime()) || instant.toISOString() !== createdAt) return undefined;
  return { createdAt, orderId };
}

export async function listOrders(
  pool: pg.Pool,
  customerId: string,
  limit: number,
  after?: { createdAt: string; orderId: string },
): Promise<OrderList> {
  const { rows } = await pool.query<OrderRow>({
    name: after ? 'list_orders_after' : 'list_orders',
    text: `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.customer_id = $1
      ${after ? 'AND (o.created_at, o.order_id) < ($3::timestamptz, $4)' : ''}
      ORDER BY o.created_at DESC, o.order_id DESC LIMIT $2`,
    values: after ? [customerId, limit + 1, after.createdAt, after.orderId] : [customerId, limit + 1],
  });
  const orders = rows.slice(0, limit).map(toView);
  return { orders, nextCursor: rows.length > limit ? encodeCursor(orders[orders.length - 1]) : undefined };
}

export type ApplyResult =
  /** The order moved forward to this status. */
  | 'applied'
  /** Recorded in the history; the order is already further along (out-of-order delivery). */
  | 'recorded-stale'
  /** Seen before (a duplicate delivery): nothing changed. */
  | 'duplicate'
  /** No such order (or it belongs to another customer): the event cannot be applied here. */
  | 'unknown-order';

/**
 * Applies a status event in one transaction: the history keeps every status once; the order's
 * current status changes only when the event moves it forward (isForwardTransition).
 */
export async function applyStatusEvent(pool: pg.Pool, event: OrderStatusEvent): Promise<ApplyResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const current = await client.query<{ status: OrderStatus; customer_id: string }>(
      'SELECT status, customer_id FROM orders WHERE order_id = $1 FOR UPDATE',
      [event.orderId],
    );
    const row = current.rows[0];
    if (!row || row.customer_id !== event.customerId) {
      await client.query('ROLLBACK');
      return 'unknown-order';
    }
    const recorded = await client.query(
      `INSERT INTO order_status_history (order_id, status, reason, occurred_at, execution_id)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (order_id, status) DO NOTHING`,
      [event.orderId, event.status, event.reason ?? null, event.occurredAt, event.executionId],
    );
    let result: ApplyResult = recorded.rowCount === 1 ? 'recorded-stale' : 'duplicate';
    if (isForwardTransition(row.status, event.status)) {
      await client.query('UPDATE orders SET status = $2, status_reason = $3, updated_at = now() WHERE order_id = $1', [
        event.orderId,
        event.status,
        event.reason ?? null,
      ]);
      result = 'applied';
    }
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
