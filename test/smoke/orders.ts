import { randomBytes } from 'node:crypto';
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { DescribeExecutionCommandOutput, HistoryEvent } from '@aws-sdk/client-sfn';
import { BULK_QUANTITY_LIMIT } from '../../lambda/screen-fraud/scoring';
import {
  ORDER_ID_PATTERN,
  ORDER_SCHEMA_VERSION,
  OUTCOME_REASONS,
  parseOrder,
  renderTraceHeader,
  TEST_PAYMENT_TOKENS,
  TERMINAL_STATUSES,
} from '@securecart/contracts';
import type { CatalogItem, Order, OrderStatus, OutcomeReason } from '@securecart/contracts';
import type { Clients } from './aws';
import { seedCatalogItems } from './catalog';
import { describeResponse } from './http';
import type { ApiResponse, CheckoutApi } from './http';
import type { StackOutputs } from './outputs';
import { CheckFailure, elapsedSince } from './report';
import { errorName, isRecord, parseJson, pollUntil, truncate } from './util';

/*
 * The orders the smoke run places through the checkout service's API (POST /api/orders), one
 * customer each, and what each must end as. Products are seeded per run and priced relative to the
 * deployed high-value threshold, so the scenarios hold for any profile.
 */

export type ProductKey = 'std' | 'lux' | 'pin';

/** The body of POST /api/orders: the order minus what the service assigns. */
export type OrderRequest = Pick<Order, 'items' | 'shippingAddress' | 'payment' | 'clientTotalCents'>;

export interface Scenario {
  readonly key: string;
  readonly title: string;
  /** The token's `sub`: the service makes it the order's customer id (and SQS message group). */
  readonly customerId: string;
  readonly request: OrderRequest;
  readonly terminal: 'FULFILLED' | 'CANCELLED';
  readonly reason: OutcomeReason | null;
  /** Every status the workflow publishes for this order, in order. */
  readonly path: readonly OrderStatus[];
  /**
   * A malformed message of the same customer is sent straight to orders.fifo right before the
   * order (same message group), as a misbehaving producer would; the API itself refuses it.
   */
  readonly afterPoison?: true;
}

/** A scenario whose order the service accepted. */
export interface PlacedOrder extends Scenario {
  readonly orderId: string;
  readonly placedAt: number;
}

export interface RunPlan {
  readonly runId: string;
  readonly prefix: string;
  /** Every customer id of this run starts with it (status messages are matched by it). */
  readonly customerPrefix: string;
  readonly products: Record<ProductKey, CatalogItem>;
  readonly scenarios: readonly Scenario[];
  /** Where the `lux` product ends once both its reservations and the restock are done. */
  readonly luxRestockedStock: number;
}

export function planRun(runId: string, thresholdCents: number, allowedCountries: readonly string[]): RunPlan {
  const prefix = `smoke-${runId}`;
  const customerPrefix = `${prefix}-customer-`;
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

  const request = (key: string, token: string, country: string, items: [ProductKey, number][]): OrderRequest => {
    const body: OrderRequest = {
      items: items.map(([p, quantity]) => ({ productId: products[p].productId, quantity })),
      shippingAddress: { name: 'Smoke Test', line1: '1 Test Street', city: 'Testville', postalCode: '12345', country },
      payment: { token },
      clientTotalCents: items.reduce((sum, [p, q]) => sum + products[p].priceCents * q, 0),
    };
    // The order the service will build from it must be a valid contract order.
    const parsed = parseOrder({
      schemaVersion: ORDER_SCHEMA_VERSION,
      orderId: `${prefix}-${key}`,
      customerId: `${customerPrefix}${key}`,
      createdAt: new Date().toISOString(),
      currency: 'USD',
      ...body,
    });
    if (!parsed.ok) throw new Error(`smoke suite bug: order ${key} is invalid: ${parsed.problems.join('; ')}`);
    return body;
  };
  const scenario = (
    key: string,
    title: string,
    body: OrderRequest,
    outcome: Pick<Scenario, 'terminal' | 'reason' | 'path' | 'afterPoison'>,
  ): Scenario => ({ key, title, customerId: `${customerPrefix}${key}`, request: body, ...outcome });

  const scenarios: Scenario[] = [
    scenario(
      'fulfilled',
      'order fulfilled',
      request('fulfilled', TEST_PAYMENT_TOKENS.approve, allowed('US'), [
        ['std', 1],
        ['lux', 1],
      ]),
      { terminal: 'FULFILLED', reason: null, path: ['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED'] },
    ),
    scenario(
      'declined',
      'order declined → CANCELLED',
      request('declined', TEST_PAYMENT_TOKENS.decline, allowed('US'), [['std', 1]]),
      {
        terminal: 'CANCELLED',
        reason: OUTCOME_REASONS.paymentDeclined,
        path: ['ACCEPTED', 'VALIDATED', 'CANCELLED'],
      },
    ),
    scenario(
      'high-value',
      'order high-value screened → FULFILLED',
      request('high-value', TEST_PAYMENT_TOKENS.approve, allowed('DE'), [['lux', 2]]),
      { terminal: 'FULFILLED', reason: null, path: ['ACCEPTED', 'VALIDATED', 'SCREENING', 'PAID', 'FULFILLED'] },
    ),
    scenario(
      'fraud-rejected',
      'order suspicious → fraud-rejected',
      request('fraud-rejected', TEST_PAYMENT_TOKENS.approve, unusual, [['pin', BULK_QUANTITY_LIMIT + 1]]),
      {
        terminal: 'CANCELLED',
        reason: OUTCOME_REASONS.fraudRejected,
        path: ['ACCEPTED', 'VALIDATED', 'SCREENING', 'CANCELLED'],
      },
    ),
    scenario(
      'after-poison',
      "order right after the same customer's poison message → FULFILLED",
      request('after-poison', TEST_PAYMENT_TOKENS.approve, allowed('US'), [['pin', 2]]),
      {
        terminal: 'FULFILLED',
        reason: null,
        path: ['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED'],
        afterPoison: true,
      },
    ),
  ];
  return {
    runId,
    prefix,
    customerPrefix,
    products,
    scenarios,
    luxRestockedStock: products.lux.stock - 3 + products.lux.reorderQuantity,
  };
}

export async function seedCatalog(c: Clients, o: StackOutputs, plan: RunPlan): Promise<string> {
  const items = Object.values(plan.products);
  await seedCatalogItems(c, o, items);
  return items.map((i) => `${i.productId} ${i.priceCents}¢ ×${i.stock} @${i.warehouse}`).join(', ');
}

/** An X-Ray trace header as API Gateway sends it to the service: a new sampled trace. */
function apiGatewayTraceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return renderTraceHeader({
    traceId: `1-${epoch}-${randomBytes(12).toString('hex')}`,
    parentId: randomBytes(8).toString('hex'),
    sampled: true,
  });
}

/**
 * Places the scenario's order as the storefront does (through API Gateway): POST /api/orders with the customer's bearer
 * token and an Idempotency-Key; expects 202 { orderId, status: PENDING } and its Location. Then
 * sends the same request again, which must answer with the same order id, marked replayed (so the
 * pipeline receives the order once).
 */
export async function placeOrder(
  api: CheckoutApi,
  token: string,
  s: Scenario,
  idempotencyKey: string,
): Promise<PlacedOrder> {
  // The trace header API Gateway adds (stage tracing on): the order carries it into the pipeline.
  const trace = apiGatewayTraceHeader();
  const post = () =>
    api.request('POST', '/api/orders', {
      token,
      json: s.request,
      headers: { 'idempotency-key': idempotencyKey, 'x-amzn-trace-id': trace },
    });
  const placedAt = Date.now();
  const first = await post();
  if (first.status !== 202) throw new CheckFailure(describeResponse('POST', '/api/orders', first));
  const orderId: unknown = first.body?.orderId;
  const problems: string[] = [];
  if (typeof orderId !== 'string' || !ORDER_ID_PATTERN.test(orderId)) {
    throw new CheckFailure(`POST /api/orders → 202 without a usable orderId: ${truncate(first.text, 200)}`);
  }
  if (first.body.status !== 'PENDING') problems.push(`status ${first.body.status}, expected PENDING`);
  if (first.headers.get('location') !== `/api/orders/${orderId}`)
    problems.push(`Location ${first.headers.get('location')}, expected /api/orders/${orderId}`);
  if (first.headers.get('idempotent-replayed')) problems.push('first request marked Idempotent-Replayed');
  const replay = await post();
  if (
    replay.status !== 202 ||
    replay.body?.orderId !== orderId ||
    replay.headers.get('idempotent-replayed') !== 'true'
  ) {
    problems.push(
      `replay with the same Idempotency-Key: ${replay.status} ${replay.body?.orderId ?? ''} (Idempotent-Replayed ${replay.headers.get('idempotent-replayed') ?? 'absent'}), expected 202 ${orderId} replayed`,
    );
  }
  if (problems.length > 0) throw new CheckFailure(`order ${orderId}: ${problems.join('; ')}`);
  return { ...s, orderId, placedAt };
}

export const executionArnFor = (stateMachineArn: string, orderId: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;

export interface OrderResult {
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail: string;
}

interface HistoryEntry {
  status: string;
  reason: string | null;
  occurredAt: string;
}

/** The statuses GET /api/orders/{id} must show in the end: the service's PENDING, then the path. */
export const expectedHistory = (s: Scenario): string[] => ['PENDING', ...s.path];

const isTerminal = (status: unknown) => (TERMINAL_STATUSES as readonly unknown[]).includes(status);

/**
 * The order's status history in the order its statuses happened: by occurredAt, ties (equal
 * timestamps) in the scenario's path order.
 */
export function chronological(s: Scenario, history: readonly HistoryEntry[]): HistoryEntry[] {
  const rank = (status: string) => {
    const i = expectedHistory(s).indexOf(status);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...history].sort(
    (a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || rank(a.status) - rank(b.status),
  );
}

/**
 * Follows the order through the service, as the storefront does: GET /api/orders/{id} until it
 * shows its terminal status and the full history (the service's status consumer applies what the
 * order-status queue delivers), within the timeout; then compares the order, its history and the
 * workflow execution with the scenario.
 */
export async function awaitOrder(
  c: Clients,
  o: StackOutputs,
  api: CheckoutApi,
  token: string,
  order: PlacedOrder,
  timeoutMs: number,
): Promise<OrderResult> {
  const deadline = order.placedAt + timeoutMs;
  const { orderId } = order;
  const path = `/api/orders/${orderId}`;
  const want = expectedHistory(order);
  let last: ApiResponse | undefined;
  const seen = await pollUntil(deadline, 250, async () => {
    last = await api.get(path, token);
    if (last.status !== 200) return undefined;
    const statuses = ((last.body?.statusHistory ?? []) as HistoryEntry[]).map((h) => h.status);
    return isTerminal(last.body?.status) && want.every((s) => statuses.includes(s)) ? last : undefined;
  });
  const seconds = seen ? elapsedSince(order.placedAt) : timeoutMs / 1000;

  const executionArn = executionArnFor(o.StateMachineArn, orderId);
  let started = false;
  const execution = await pollUntil<DescribeExecutionCommandOutput>(
    Math.max(deadline, Date.now() + 5000),
    1000,
    async () => {
      try {
        const out = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
        started = true;
        return out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE' ? undefined : out;
      } catch (error) {
        if (errorName(error) === 'ExecutionDoesNotExist') return undefined;
        throw error;
      }
    },
  );

  const view = last?.status === 200 ? last.body : undefined;
  const history = chronological(order, (view?.statusHistory ?? []) as HistoryEntry[]);
  const via = history.length > 0 ? ` via ${history.map((h) => h.status).join(' → ')}` : '';
  const problems: string[] = [];
  if (!view) {
    problems.push(last ? describeResponse('GET', path, last) : `GET ${path} never answered`);
  } else if (!seen) {
    problems.push(
      `GET ${path} shows ${view.status} after ${timeoutMs / 1000} s, not ${order.terminal} with the history ${want.join(' → ')}`,
    );
  } else {
    if (view.status !== order.terminal || (view.reason ?? null) !== order.reason) {
      problems.push(`order ${view.status} (${view.reason}), expected ${order.terminal} (${order.reason})`);
    }
    const got = history.map((h) => h.status);
    if (got.join() !== want.join()) problems.push(`history ${got.join(' → ')}, expected ${want.join(' → ')}`);
    const terminalEntry = history.find((h) => h.status === order.terminal);
    if (terminalEntry && terminalEntry.reason !== order.reason)
      problems.push(`history ${order.terminal} reason ${terminalEntry.reason}, expected ${order.reason}`);
  }

  if (!execution) {
    problems.push(
      started
        ? `execution still RUNNING after ${timeoutMs / 1000} s`
        : `no execution named ${orderId} after ${timeoutMs / 1000} s: the relay did not send it or start-fulfillment did not start it (check the service log and the event source mapping)`,
    );
  } else {
    const output = parseJson(execution.output);
    const outcome = isRecord(output) && isRecord(output.outcome) ? output.outcome : undefined;
    if (execution.status !== 'SUCCEEDED') {
      problems.push(`execution ${execution.status}${await lastError(c, executionArn)}`);
    } else if (!outcome) {
      problems.push('execution output has no outcome');
    } else if (outcome.status !== order.terminal || (outcome.reason ?? null) !== order.reason) {
      problems.push(
        `execution outcome ${String(outcome.status)} (${String(outcome.reason)}), expected ${order.terminal} (${order.reason})${await lastError(c, executionArn)}`,
      );
    }
  }
  if (problems.length > 0) return { ok: false, seconds, detail: `${problems.join('; ')}${via}` };
  const reason = order.reason ? ` (${order.reason})` : '';
  return {
    ok: true,
    seconds,
    detail: `${order.terminal}${reason}${via} (GET ${path}); execution ${execution!.status}`,
  };
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
