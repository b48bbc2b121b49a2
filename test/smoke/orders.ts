import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { DescribeExecutionCommandOutput, HistoryEvent } from '@aws-sdk/client-sfn';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { BULK_QUANTITY_LIMIT } from '../../lambda/screen-fraud/scoring';
import {
  ORDER_SCHEMA_VERSION,
  OUTCOME_REASONS,
  parseOrder,
  TEST_PAYMENT_TOKENS,
  TERMINAL_STATUSES,
} from '../../lib/contracts';
import type { CatalogItem, Order, OrderStatus, OutcomeReason } from '../../lib/contracts';
import type { Clients } from './aws';
import type { StackOutputs } from './outputs';
import { CheckFailure, elapsedSince } from './report';
import type { StatusCollector } from './status-collector';
import { errorName, isRecord, parseJson, pollUntil, truncate } from './util';

/*
 * The orders the smoke run sends, as the checkout service would, and what each must end as.
 * Products are seeded per run and priced relative to the deployed high-value threshold, so the
 * scenarios hold for any profile.
 */

export type ProductKey = 'std' | 'lux' | 'pin';

export interface Scenario {
  readonly key: string;
  readonly title: string;
  readonly order: Order;
  readonly terminal: 'FULFILLED' | 'CANCELLED';
  readonly reason: OutcomeReason | null;
  /** Every status the workflow publishes for this order, in order. */
  readonly path: readonly OrderStatus[];
  /** A malformed message of the same customer is sent right before the order (same message group). */
  readonly afterPoison?: true;
}

export interface RunPlan {
  readonly runId: string;
  readonly prefix: string;
  readonly products: Record<ProductKey, CatalogItem>;
  readonly scenarios: readonly Scenario[];
  /** Where the `lux` product ends once both its reservations and the restock are done. */
  readonly luxRestockedStock: number;
}

export function planRun(runId: string, thresholdCents: number, allowedCountries: readonly string[]): RunPlan {
  const prefix = `smoke-${runId}`;
  const product = (
    key: ProductKey,
    priceCents: number,
    stock: number,
    reorderLevel: number,
    warehouse: string,
  ): CatalogItem => ({
    productId: `${prefix}-${key}`,
    name: `Smoke ${key} (${runId})`,
    priceCents,
    stock,
    reorderLevel,
    reorderQuantity: 50,
    warehouse,
    active: true,
  });
  const products: Record<ProductKey, CatalogItem> = {
    // std + lux stays under the threshold; 2 × lux is at or above it (and far below 10×, which scores VERY_HIGH_VALUE).
    std: product('std', Math.max(1, Math.floor(thresholdCents * 0.05)), 100, 5, 'smoke-east'),
    // 6 in stock, reorder below 5: the run's 3 reserved units cross the level once → one InventoryLow → restock.
    lux: product('lux', Math.ceil(thresholdCents * 0.6), 6, 5, 'smoke-west'),
    // Cheap enough that a bulk order stays under the threshold (the SuspiciousOrder rule's side).
    pin: product('pin', Math.max(1, Math.floor(thresholdCents / 100)), 100, 5, 'smoke-east'),
  };
  const allowed = (preferred: string) =>
    allowedCountries.includes(preferred) || allowedCountries.length === 0 ? preferred : allowedCountries[0];
  const unusual = ['BR', 'AR', 'ZA', 'JP', 'MX', 'IN'].find((c) => !allowedCountries.includes(c)) ?? 'ZZ';

  const order = (key: string, token: string, country: string, items: [ProductKey, number][]): Order => {
    const candidate = {
      schemaVersion: ORDER_SCHEMA_VERSION,
      orderId: `${prefix}-${key}`,
      customerId: `${prefix}-customer-${key}`,
      createdAt: new Date().toISOString(),
      currency: 'USD',
      items: items.map(([p, quantity]) => ({ productId: products[p].productId, quantity })),
      shippingAddress: { name: 'Smoke Test', line1: '1 Test Street', city: 'Testville', postalCode: '12345', country },
      payment: { token },
      clientTotalCents: items.reduce((sum, [p, q]) => sum + products[p].priceCents * q, 0),
    };
    const parsed = parseOrder(candidate);
    if (!parsed.ok) throw new Error(`smoke suite bug: order ${key} is invalid: ${parsed.problems.join('; ')}`);
    return parsed.order;
  };

  const scenarios: Scenario[] = [
    {
      key: 'fulfilled',
      title: 'order fulfilled',
      order: order('fulfilled', TEST_PAYMENT_TOKENS.approve, allowed('US'), [
        ['std', 1],
        ['lux', 1],
      ]),
      terminal: 'FULFILLED',
      reason: null,
      path: ['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED'],
    },
    {
      key: 'declined',
      title: 'order declined → CANCELLED',
      order: order('declined', TEST_PAYMENT_TOKENS.decline, allowed('US'), [['std', 1]]),
      terminal: 'CANCELLED',
      reason: OUTCOME_REASONS.paymentDeclined,
      path: ['ACCEPTED', 'VALIDATED', 'CANCELLED'],
    },
    {
      key: 'high-value',
      title: 'order high-value screened → FULFILLED',
      order: order('high-value', TEST_PAYMENT_TOKENS.approve, allowed('DE'), [['lux', 2]]),
      terminal: 'FULFILLED',
      reason: null,
      path: ['ACCEPTED', 'VALIDATED', 'SCREENING', 'PAID', 'FULFILLED'],
    },
    {
      key: 'fraud-rejected',
      title: 'order suspicious → fraud-rejected',
      order: order('fraud-rejected', TEST_PAYMENT_TOKENS.approve, unusual, [['pin', BULK_QUANTITY_LIMIT + 1]]),
      terminal: 'CANCELLED',
      reason: OUTCOME_REASONS.fraudRejected,
      path: ['ACCEPTED', 'VALIDATED', 'SCREENING', 'CANCELLED'],
    },
    {
      key: 'after-poison',
      title: "order right after the same customer's poison message → FULFILLED",
      order: order('after-poison', TEST_PAYMENT_TOKENS.approve, allowed('US'), [['pin', 2]]),
      terminal: 'FULFILLED',
      reason: null,
      path: ['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED'],
      afterPoison: true,
    },
  ];
  return {
    runId,
    prefix,
    products,
    scenarios,
    luxRestockedStock: products.lux.stock - 3 + products.lux.reorderQuantity,
  };
}

export async function seedCatalog(c: Clients, o: StackOutputs, plan: RunPlan): Promise<string> {
  const items = Object.values(plan.products);
  await c.doc.send(
    new BatchWriteCommand({ RequestItems: { [o.CatalogTableName]: items.map((Item) => ({ PutRequest: { Item } })) } }),
  );
  for (const item of items) {
    const { Item } = await c.doc.send(
      new GetCommand({ TableName: o.CatalogTableName, Key: { productId: item.productId }, ConsistentRead: true }),
    );
    if (!Item) throw new CheckFailure(`${item.productId} not readable after PutItem`);
  }
  return items.map((i) => `${i.productId} ${i.priceCents}¢ ×${i.stock} @${i.warehouse}`).join(', ');
}

export async function removeCatalogItems(c: Clients, o: StackOutputs, plan: RunPlan): Promise<void> {
  const keys = Object.values(plan.products).map((p) => ({ DeleteRequest: { Key: { productId: p.productId } } }));
  await c.doc.send(new BatchWriteCommand({ RequestItems: { [o.CatalogTableName]: keys } }));
}

/** Sends the order as the checkout service does: group = customer, deduplication id = order id. */
export async function sendOrder(c: Clients, o: StackOutputs, order: Order): Promise<void> {
  await c.sqs.send(
    new SendMessageCommand({
      QueueUrl: o.OrdersQueueUrl,
      MessageBody: JSON.stringify(order),
      MessageGroupId: order.customerId,
      MessageDeduplicationId: order.orderId,
    }),
  );
}

export const executionArnFor = (stateMachineArn: string, orderId: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;

export interface OrderResult {
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail: string;
}

/**
 * Waits (bounded) for the order's execution to finish and its terminal status event to reach the
 * order-status queue, then compares both with the scenario.
 */
export async function awaitOrder(
  c: Clients,
  o: StackOutputs,
  scenario: Scenario,
  orderStatus: StatusCollector,
  sentAt: number,
  timeoutMs: number,
): Promise<OrderResult> {
  const deadline = sentAt + timeoutMs;
  const { orderId } = scenario.order;
  const executionArn = executionArnFor(o.StateMachineArn, orderId);
  let started = false;
  const execution = await pollUntil<DescribeExecutionCommandOutput>(deadline, 1000, async () => {
    try {
      const out = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
      started = true;
      return out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE' ? undefined : out;
    } catch (error) {
      if (errorName(error) === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  });
  const terminalEvent = () =>
    (orderStatus.byOrder.get(orderId) ?? []).find((d) =>
      (TERMINAL_STATUSES as readonly string[]).includes(d.event.status),
    );
  const event = execution ? await pollUntil(deadline, 250, async () => terminalEvent()) : undefined;
  const seconds = event ? (event.receivedAt - sentAt) / 1000 : elapsedSince(sentAt);
  const seen = orderStatus.statuses(orderId);
  const via = seen.length > 0 ? ` via ${seen.join(' → ')}` : '';

  if (!execution) {
    const why = started
      ? `execution still RUNNING after ${timeoutMs / 1000} s (statuses so far: ${seen.join(' → ') || 'none'})`
      : `no execution named ${orderId} after ${timeoutMs / 1000} s: start-fulfillment did not start it (check the event source mapping and its logs)`;
    return { ok: false, seconds, detail: why };
  }
  const problems: string[] = [];
  const output = parseJson(execution.output);
  const outcome = isRecord(output) && isRecord(output.outcome) ? output.outcome : undefined;
  if (execution.status !== 'SUCCEEDED') {
    problems.push(`execution ${execution.status}${await lastError(c, executionArn)}`);
  } else if (!outcome) {
    problems.push('execution output has no outcome');
  } else if (outcome.status !== scenario.terminal || (outcome.reason ?? null) !== scenario.reason) {
    problems.push(
      `outcome ${String(outcome.status)} (${String(outcome.reason)}), expected ${scenario.terminal} (${scenario.reason})${await lastError(c, executionArn)}`,
    );
  }
  if (!event) {
    problems.push(`no terminal status event on the order-status queue within ${timeoutMs / 1000} s`);
  } else if (event.event.status !== scenario.terminal || event.event.reason !== scenario.reason) {
    problems.push(
      `status event ${event.event.status} (${event.event.reason}), expected ${scenario.terminal} (${scenario.reason})`,
    );
  }
  if (problems.length > 0) return { ok: false, seconds, detail: `${problems.join('; ')}${via}` };
  const reason = scenario.reason ? ` (${scenario.reason})` : '';
  return { ok: true, seconds, detail: `${scenario.terminal}${reason}${via}; execution ${execution.status}` };
}

/** The most recent error in an execution's history, for a failure message. */
async function lastError(c: Clients, executionArn: string): Promise<string> {
  try {
    const { events = [] } = await c.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100 }),
    );
    for (const e of events) {
      const details = failureDetails(e);
      if (details)
        return `; last error in ${e.type}: ${truncate(`${details.error ?? ''} ${details.cause ?? ''}`.trim(), 400)}`;
    }
  } catch {
    // best effort: the failure is reported either way
  }
  return '';
}

function failureDetails(e: HistoryEvent): { error?: string; cause?: string } | undefined {
  for (const [key, value] of Object.entries(e)) {
    if (
      key.endsWith('FailedEventDetails') ||
      key.endsWith('TimedOutEventDetails') ||
      key === 'executionAbortedEventDetails'
    ) {
      return value as { error?: string; cause?: string };
    }
  }
  return undefined;
}
