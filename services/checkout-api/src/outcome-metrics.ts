/**
 * The order outcome metrics (docs/adr/0015-monitoring.md): when the status consumer applies an
 * order's terminal status (once per order), OrderOutcomes by status and reason, and
 * TimeToOutcomeSeconds from the order's creation (POST /api/orders committed) to its terminal status.
 */
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { CHECKOUT_METRIC_DIMENSIONS, METRIC_NAMES, NO_REASON_DIMENSION } from '@securecart/contracts/metrics';
import type { OrderStatusEvent } from '@securecart/contracts/status';
import { emfLine } from './metrics';
import type { MetricsSink } from './metrics';

const D = CHECKOUT_METRIC_DIMENSIONS;

async function orderCreatedAt(pool: pg.Pool, orderId: string): Promise<Date | undefined> {
  const { rows } = await pool.query<{ created_at: Date }>({
    name: 'order_created_at',
    text: 'SELECT created_at FROM orders WHERE order_id = $1',
    values: [orderId],
  });
  return rows[0]?.created_at;
}

/**
 * Emits the outcome metrics of an order that just reached its terminal status. A failure here is
 * logged and never fails the message: the status is already applied.
 */
export async function recordOutcome(
  pool: pg.Pool,
  event: OrderStatusEvent,
  metrics: { readonly namespace: string; readonly sink: MetricsSink; readonly log: FastifyBaseLogger },
): Promise<void> {
  const { namespace, sink } = metrics;
  const occurredAt = Date.parse(event.occurredAt);
  try {
    const createdAt = await orderCreatedAt(pool, event.orderId);
    const reason = event.reason ?? NO_REASON_DIMENSION;
    sink(
      emfLine(namespace, [{ name: METRIC_NAMES.orderOutcomes, unit: 'Count', value: 1 }], Date.now(), {
        values: { [D.status]: event.status, [D.reason]: reason },
        sets: [[D.status], [D.status, D.reason]],
      }),
    );
    if (createdAt) {
      const seconds = Math.max(0, (occurredAt - new Date(createdAt).getTime()) / 1000);
      sink(
        emfLine(
          namespace,
          [{ name: METRIC_NAMES.timeToOutcome, unit: 'Seconds', value: Math.round(seconds * 1000) / 1000 }],
          Date.now(),
          { values: { [D.status]: event.status }, sets: [[], [D.status]] },
        ),
      );
    }
  } catch (error) {
    metrics.log.warn({ err: error, orderId: event.orderId }, 'Could not record the outcome metrics');
  }
}
