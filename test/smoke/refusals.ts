import { randomUUID } from 'node:crypto';
import { ORDER_SCHEMA_VERSION } from '@securecart/contracts/order';
import type { Order } from '@securecart/contracts/order';
import type { CheckoutApi } from './http';
import type { LocalIssuer } from './issuer';
import type { RunPlan } from './orders';
import { CheckFailure } from './report';
import { pollUntil } from './util';

/**
 * Rows SQS refuses hold up no order (issue 18). The API refuses such text with a 400 (SafeText),
 * so the suite plants what an older service, or a future bug, could have left in the outbox: ten
 * orders of one customer whose message body holds U+FFFF, ahead of the run's valid orders. The
 * relay must take each out of the way at once — SQS (LocalStack, the emulator, AWS) refuses it
 * with InvalidMessageContents — and cancel it (INVALID_ORDER), while every valid order of the run
 * flows as it would without them (the order checks' times show it).
 */
export const REFUSED_ROWS = 10;

/** A query on the service's database (the smoke suite's embedded PostgreSQL). */
export type Sql = (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export interface PlantedRows {
  readonly customerId: string;
  readonly orderIds: readonly string[];
  readonly plantedAt: number;
}

/** Ten accepted-looking orders with U+FFFF in the name, at the head of the outbox. */
export async function plantRefusedRows(sql: Sql, plan: RunPlan): Promise<PlantedRows> {
  const customerId = `${plan.customerPrefix}refused-rows`;
  const request = plan.scenarios[0].request;
  const orderIds: string[] = [];
  for (let i = 0; i < REFUSED_ROWS; i++) {
    const order: Order = {
      schemaVersion: ORDER_SCHEMA_VERSION,
      orderId: randomUUID(),
      customerId,
      createdAt: new Date().toISOString(),
      currency: 'USD',
      items: request.items,
      shippingAddress: { ...request.shippingAddress, name: `Planted \uffff ${i}` },
      payment: { token: 'tok_approve' },
    };
    await sql(
      `WITH o AS (
         INSERT INTO orders (order_id, customer_id, idempotency_key, request_hash, order_doc, created_at)
         VALUES ($1, $2, $3, 'planted', $4::jsonb, now()) RETURNING order_id)
       INSERT INTO outbox (order_id, message_group_id, message_deduplication_id, body)
       SELECT order_id, $2, order_id, $5 FROM o`,
      [order.orderId, customerId, `planted-${order.orderId}`, JSON.stringify(order), JSON.stringify(order)],
    );
    orderIds.push(order.orderId);
  }
  return { customerId, orderIds, plantedAt: Date.now() };
}

/** Every planted order ends CANCELLED (INVALID_ORDER), seen through the API, within `timeoutMs`. */
export async function checkRefusedRows(
  api: CheckoutApi,
  issuer: LocalIssuer,
  planted: PlantedRows,
  timeoutMs: number,
): Promise<string> {
  const token = issuer.token(planted.customerId);
  const pending = new Set(planted.orderIds);
  const cancelledAt: number[] = [];
  await pollUntil(planted.plantedAt + timeoutMs, 250, async () => {
    for (const orderId of [...pending]) {
      const r = await api.get(`/api/orders/${orderId}`, token);
      if (r.status !== 200 || r.body.status !== 'CANCELLED' || r.body.reason !== 'INVALID_ORDER') continue;
      pending.delete(orderId);
      const history = r.body.statusHistory as { status: string; occurredAt: string }[];
      const entry = history.find((h) => h.status === 'CANCELLED');
      if (entry) cancelledAt.push(Date.parse(entry.occurredAt));
    }
    return pending.size === 0 ? true : undefined;
  });
  if (pending.size > 0) {
    throw new CheckFailure(`${pending.size} of ${REFUSED_ROWS} planted orders not CANCELLED (INVALID_ORDER) in time`);
  }
  const seconds = ((Math.max(...cancelledAt) - planted.plantedAt) / 1000).toFixed(1);
  return `${REFUSED_ROWS} rows with U+FFFF refused by SQS (InvalidMessageContents): every order CANCELLED (INVALID_ORDER) ${seconds} s after they were planted, in the relay's first pass; the run's orders went on behind them`;
}
