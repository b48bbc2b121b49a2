/**
 * npm run test:chaos — the order pipeline under injected AWS faults (docs/adr/0017).
 *
 * Against a deployed `localstack` profile (npm run local:deploy; outputs in
 * cdk.out/localstack-outputs.json) on the local AWS endpoint (AWS_ENDPOINT_URL). It talks only
 * through standard AWS APIs, except for the endpoint's fault control API (scripts/chaos/faults.ts).
 *
 * Scenarios, each with its own products and orders (ids carry the run id):
 * - `mixed` per seed (--seeds 7,11): faults on at --rate (default 0.12) for DynamoDB writes, SNS
 *   Publish, EventBridge PutEvents, Lambda Invoke and the task-token callbacks for
 *   --fault-seconds (45), while --orders (30) orders of --customers (10) customers with mixed test
 *   cards (approve, decline, transient, high value: screened) are placed; then faults off.
 * - `outage` (--outage sns@ProcessPayment:300, repeatable): from the moment the order enters the
 *   named state, every call of that service (sns, events, dynamodb, lambda) that concerns the
 *   order fails, 100 %, for that many seconds. All outages run at once, one order each.
 *
 * Then, with faults off, it waits until no execution of the run is RUNNING and the
 * status-redelivery queue is empty, reads every status from the order-status queue, and checks
 * per order: exactly one terminal status; statuses only forward; no execution left running (and
 * FAILED exactly when the execution failed); a FULFILLED order charged once, for its total; a
 * CANCELLED or FAILED order with no net charge; per product, stock decremented exactly by the
 * FULFILLED quantities and no reservation left; every DLQ message naming an order of the run
 * accounted for (that order reached its terminal status); the outcome's compliance event (ADR 28:
 * FAILED, fraud rejected or timed out, payment declined) in the audit log group exactly once, and
 * none for any other outcome; a declined order's outcome (CANCELLED PAYMENT_DECLINED) kept through
 * an outage at its compliance event. Prints one table per scenario and
 * exits non-zero on any violation.
 */
import { readFileSync } from 'node:fs';
import { FilterLogEventsCommand, FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { parseArgs } from 'node:util';
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  CatalogItem,
  COMPLIANCE_OUTCOMES,
  COMPLIANCE_SOURCE,
  complianceTypeOfOutcome,
  idempotencyKey,
  isForwardTransition,
  isTerminalStatus,
  Order,
  OrderStatus,
  OrderStatusEventSchema,
  OUTCOME_REASONS,
  TEST_PAYMENT_TOKENS,
} from '@securecart/contracts';
import { auditLogGroup, auditStackName } from '../../test/smoke/audit';
import { createClients, describeTarget } from '../../test/smoke/aws';
import { PROFILES } from '../../lib/config/profiles';
import { FaultBoard, FaultControl, FaultRule } from './faults';
import { deriveMatrix, MatrixRow } from './matrix';
import { RowResult, rowFaults, runMatrix } from './outage-matrix';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '7,11' },
    rate: { type: 'string', default: '0.12' },
    orders: { type: 'string', default: '30' },
    customers: { type: 'string', default: '10' },
    'fault-seconds': { type: 'string', default: '45' },
    outage: { type: 'string', multiple: true, default: [] },
    outputs: { type: 'string', default: 'cdk.out/localstack-outputs.json' },
    stack: { type: 'string', default: 'SecureCart-localstack-Pipeline' },
    'settle-timeout': { type: 'string', default: '1500' },
    matrix: { type: 'boolean', default: false },
    only: { type: 'string' },
    'outage-seconds': { type: 'string' },
    template: { type: 'string', default: 'cdk.out/localstack/SecureCart-localstack-Pipeline.template.json' },
  },
});

const c = createClients();
const faults = FaultControl.fromEnvironment();
const RUN = `chaos${Date.now().toString(36)}`;
const out = JSON.parse(readFileSync(args.outputs!, 'utf8'))[args.stack!] as Record<string, string>;
for (const name of [
  'OrdersQueueUrl',
  'OrderStatusQueueUrl',
  'StateMachineArn',
  'CatalogTableName',
  'IdempotencyTableName',
])
  if (!out?.[name]) throw new Error(`${args.outputs} has no ${name} for ${args.stack}`);
const executionArn = (orderId: string) => `${out.StateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const log = (s: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${s}`);

interface Placed {
  readonly order: Order;
  readonly totalCents: number;
  readonly scenario: string;
}
interface Scenario {
  readonly name: string;
  /** Outages whose order never entered their state (it ended before): the outage did not run. */
  readonly notReached?: string[];
  readonly products: Record<string, CatalogItem>;
  readonly orders: Placed[];
  /** The outcome a matrix row's order must have whatever the outage (a declined order's: decided before it). */
  readonly expected?: { readonly status: OrderStatus; readonly reason: string | null };
}
type Statuses = Map<string, Array<{ status: OrderStatus; occurredAt: string; reason: string | null }>>;

const PRODUCTS = {
  widget: { name: 'Chaos widget', priceCents: 2_500 },
  premium: { name: 'Chaos premium', priceCents: 60_000 }, // above the localstack threshold: screened
} as const;
const STOCK = 10_000;

/**
 * Fresh products for a scenario. `lowStock`: the reorder level is the whole stock, so every
 * reservation announces low stock (reserve-inventory's PutEvents runs; restock adds 1 once per order).
 */
async function seedProducts(
  scenario: string,
  kinds: Array<keyof typeof PRODUCTS> = ['widget', 'premium'],
  lowStock = false,
): Promise<Record<string, CatalogItem>> {
  const items: Record<string, CatalogItem> = {};
  for (const kind of kinds) {
    const p = PRODUCTS[kind];
    items[kind] = {
      productId: `${RUN}-${scenario}-${kind}z`,
      ...p,
      stock: STOCK,
      reorderLevel: lowStock ? STOCK : 0,
      reorderQuantity: 1,
      warehouse: 'AMS',
      active: true,
    };
  }
  await c.doc.send(
    new BatchWriteCommand({
      RequestItems: { [out.CatalogTableName]: Object.values(items).map((Item) => ({ PutRequest: { Item } })) },
    }),
  );
  return items;
}

let counter = 0;
const UNDELIVERABLE_POSTAL_CODE = '00000'; // the simulated carrier refuses it: the shipment fails after payment

async function place(
  s: Scenario,
  customer: number,
  card: 'approve' | 'decline' | 'transient' | 'screened',
  undeliverable = false,
) {
  counter += 1;
  const product = s.products[card === 'screened' ? 'premium' : 'widget'];
  const quantity = card === 'screened' ? 1 : 1 + (counter % 3);
  const order: Order = {
    schemaVersion: 1,
    // The trailing 'z' keeps one order's id from being a prefix of another's (fault rules match substrings).
    orderId: `${RUN}-${s.name}-${counter}z`.replace(/[^A-Za-z0-9_-]/g, '-'),
    customerId: `${RUN}-cust-${customer}`,
    createdAt: new Date().toISOString(),
    currency: 'USD',
    items: [{ productId: product.productId, quantity }],
    shippingAddress: {
      name: 'Chaos Test',
      line1: '1 Main St',
      city: 'Amsterdam',
      postalCode: undeliverable ? UNDELIVERABLE_POSTAL_CODE : '1011AB',
      country: 'NL',
    },
    payment: {
      token:
        card === 'decline'
          ? TEST_PAYMENT_TOKENS.decline
          : card === 'transient'
            ? TEST_PAYMENT_TOKENS.transientTwice
            : TEST_PAYMENT_TOKENS.approve,
    },
  };
  await c.sqs.send(
    new SendMessageCommand({
      QueueUrl: out.OrdersQueueUrl,
      MessageBody: JSON.stringify(order),
      MessageGroupId: order.customerId,
      MessageDeduplicationId: order.orderId,
    }),
  );
  s.orders.push({ order, totalCents: product.priceCents * quantity, scenario: s.name });
  return order;
}

const CARDS = ['approve', 'approve', 'decline', 'transient', 'screened', 'approve'] as const;

async function mixed(seed: number): Promise<Scenario> {
  const s: Scenario = { name: `mixed-seed${seed}`, products: await seedProducts(`s${seed}`), orders: [] };
  const rate = Number(args.rate);
  const rules: FaultRule[] = [
    { service: 'dynamodb', operation: 'writes', rate },
    { service: 'sns', operation: 'Publish', rate },
    { service: 'events', operation: 'PutEvents', rate },
    { service: 'lambda', operation: 'Invoke', rate },
    { service: 'states', operation: 'SendTaskSuccess|SendTaskFailure', rate },
  ];
  await faults.set({ seed, rules });
  log(`${s.name}: faults on (rate ${rate}) for ${args['fault-seconds']} s; placing ${args.orders} orders`);
  const started = Date.now();
  const n = Number(args.orders);
  for (let i = 0; i < n; i++) {
    await place(s, i % Number(args.customers), CARDS[(i + seed) % CARDS.length]);
    await sleep((Number(args['fault-seconds']) * 1000) / (2 * n)); // spread over the first half of the window
  }
  await sleep(Math.max(0, Number(args['fault-seconds']) * 1000 - (Date.now() - started)));
  const counts = await faults.counts();
  await faults.off();
  log(
    `${s.name}: faults off; injected ${counts.map((r, i) => `${rules[i].service}.${rules[i].operation} ${r.faults}/${r.calls}`).join(', ')}`,
  );
  return s;
}

/** Targeted outages, all at once: `service@State:seconds`, one order each. */
async function outages(specs: string[], seed: number): Promise<Scenario> {
  const s: Scenario = { name: 'outages', products: await seedProducts('outage'), orders: [] };
  const active: FaultRule[] = [];
  const notReached: string[] = [];
  const apply = () => (active.length ? faults.set({ seed, rules: active }) : faults.off());
  const runs = specs.map(async (spec, i) => {
    const m = /^(sns|events|dynamodb|lambda)@([A-Za-z]+)(?::(\d+))?$/.exec(spec);
    if (!m) throw new Error(`--outage ${spec}: expected service@State[:seconds]`);
    const [, service, state, secs] = m;
    const seconds = Number(secs ?? 300);
    const card = state === 'ScreenForFraud' || state === 'PublishScreening' ? 'screened' : 'approve';
    const o = await place(s, 1000 + i, card);
    // Wait for the order to enter the state, then take the service down for it. An order that
    // ends (or takes 10 minutes) without entering it is reported, and gets no outage.
    let reached = false;
    for (const deadline = Date.now() + 600_000; !reached && Date.now() < deadline; await sleep(500)) {
      const arn = executionArn(o.orderId);
      const events = await c.sfn
        .send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }))
        .then((h) => h.events ?? [])
        .catch(() => []);
      reached = events.some((e) => e.stateEnteredEventDetails?.name === state);
      if (!reached && events.some((e) => /^Execution(Succeeded|Failed|TimedOut|Aborted)$/.test(e.type ?? ''))) break;
    }
    if (!reached) {
      notReached.push(`${spec}: ${o.orderId} ended without entering ${state}`);
      log(`outage ${spec}: ${o.orderId} never entered ${state}; no outage`);
      return;
    }
    const rule: FaultRule = { service: service as FaultRule['service'], operation: '*', rate: 1, match: o.orderId };
    active.push(rule);
    await apply();
    log(`outage ${spec}: ${service} down for ${o.orderId} from ${state}, ${seconds} s`);
    await sleep(seconds * 1000);
    active.splice(active.indexOf(rule), 1);
    await apply();
    log(`outage ${spec}: over`);
  });
  await Promise.all(runs);
  return { ...s, notReached };
}

async function settle(orders: Placed[]): Promise<void> {
  const deadline = Date.now() + Number(args['settle-timeout']) * 1000;
  for (;;) {
    const running: string[] = [];
    for (const p of orders) {
      const d = await c.sfn
        .send(new DescribeExecutionCommand({ executionArn: executionArn(p.order.orderId) }))
        .catch(() => undefined);
      if (!d || d.status === 'RUNNING') running.push(p.order.orderId);
    }
    const redelivery = out.StatusRedeliveryQueueUrl
      ? await c.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: out.StatusRedeliveryQueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      : undefined;
    const pending = Object.values(redelivery?.Attributes ?? {}).reduce((a, v) => a + Number(v), 0);
    if (running.length === 0 && pending === 0) return;
    if (Date.now() > deadline) {
      log(`settle timeout: ${running.length} executions not finished, ${pending} status events awaiting redelivery`);
      return;
    }
    log(`waiting: ${running.length} executions running, ${pending} status events awaiting redelivery`);
    await sleep(5_000);
  }
}

/** Every status event of the run's orders on the order-status queue (SNS envelope), deleted once read. */
async function drainStatuses(ids: Set<string>): Promise<Statuses> {
  const byOrder: Statuses = new Map();
  for (let empty = 0; empty < 3;) {
    const r = await c.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: out.OrderStatusQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const ours = (r.Messages ?? []).filter((m) => {
      const event = OrderStatusEventSchema.safeParse(JSON.parse(JSON.parse(m.Body ?? '{}').Message ?? '{}'));
      if (!event.success || !ids.has(event.data.orderId)) return false;
      const list = byOrder.get(event.data.orderId) ?? [];
      list.push({ status: event.data.status, occurredAt: event.data.occurredAt, reason: event.data.reason ?? null });
      byOrder.set(event.data.orderId, list);
      return true;
    });
    if (ours.length === 0) empty++;
    else {
      empty = 0;
      await c.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: out.OrderStatusQueueUrl,
          Entries: ours.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }
  return byOrder;
}

/** Messages in every DLQ of the deployment, by queue name (peeked: visibility 0, not deleted). */
async function dlqMessages(): Promise<Array<{ queue: string; body: string }>> {
  const prefix = new URL(out.OrdersQueueUrl).pathname
    .split('/')
    .pop()!
    .replace(/-orders\.fifo$/, '');
  const urls = (await c.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls ?? [];
  const found = new Map<string, { queue: string; body: string }>();
  for (const url of urls.filter((u) => /-dlq(\.fifo)?$/.test(u))) {
    for (let i = 0; i < 5; i++) {
      const r = await c.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
      );
      for (const m of r.Messages ?? []) found.set(m.MessageId!, { queue: url.split('/').pop()!, body: m.Body ?? '' });
      if (!r.Messages?.length) break;
    }
  }
  return [...found.values()];
}

/** The outcome's compliance event of a terminal status, if the outcome is one (ADR 28). */
const complianceOf = (terminal?: { status: OrderStatus; reason: string | null }) =>
  terminal ? complianceTypeOfOutcome(terminal.status, terminal.reason) : undefined;
const terminalOf = (statuses: Statuses, orderId: string) =>
  (statuses.get(orderId) ?? []).find((e) => isTerminalStatus(e.status));

/**
 * The workflow's outcome compliance events (PutComplianceEvent: Order Failed, Fraud Rejected, Fraud
 * Review Timed Out, Payment Declined) naming the run's orders in the audit log group, by order id
 * (detail-types, one per event). Read with FilterLogEvents, every page since the run began; read
 * again (30 s at most) while an order whose outcome is a compliance event has none yet.
 */
async function auditOutcomeEvents(statuses: Statuses, ids: Set<string>): Promise<Map<string, string[]>> {
  const logGroupName = await auditLogGroup(c, auditStackName(args.stack!));
  const outcomeTypes = new Set<string>(COMPLIANCE_OUTCOMES.map((o) => o.detailType));
  const want = [...ids].filter((id) => complianceOf(terminalOf(statuses, id)));
  for (const deadline = Date.now() + 30_000; ; await sleep(2000)) {
    const byOrder = new Map<string, string[]>();
    let nextToken: string | undefined;
    do {
      const page: FilterLogEventsCommandOutput = await c.logs.send(
        new FilterLogEventsCommand({ logGroupName, startTime: started - 60_000, nextToken }),
      );
      for (const e of page.events ?? []) {
        let event: any;
        try {
          event = JSON.parse(e.message ?? '');
        } catch {
          continue;
        }
        const id = event?.detail?.orderId;
        if (event?.source !== COMPLIANCE_SOURCE || !outcomeTypes.has(event['detail-type']) || !ids.has(id)) continue;
        byOrder.set(id, [...(byOrder.get(id) ?? []), event['detail-type']]);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (want.every((id) => byOrder.has(id)) || Date.now() > deadline) {
      log(`audit log ${logGroupName}: ${[...byOrder.values()].flat().length} outcome compliance events of the run`);
      return byOrder;
    }
  }
}

type Check =
  | 'oneTerminal'
  | 'forwardOnly'
  | 'notRunning'
  | 'fulfilledChargedOnce'
  | 'noNetCharge'
  | 'stockExact'
  | 'dlqAccounted'
  | 'complianceOnce'
  | 'outcomeKept';
const CHECKS: Check[] = [
  'oneTerminal',
  'forwardOnly',
  'notRunning',
  'fulfilledChargedOnce',
  'noNetCharge',
  'stockExact',
  'dlqAccounted',
  'complianceOnce',
  'outcomeKept',
];

async function check(
  s: Scenario,
  statuses: Statuses,
  dlq: Array<{ queue: string; body: string }>,
  audit: Map<string, string[]>,
) {
  const failures: Record<Check, string[]> = Object.fromEntries(CHECKS.map((k) => [k, []])) as any;
  const outcome: Record<string, number> = {};
  const fulfilledQty = new Map<string, number>();
  const complete = new Set<string>();
  for (const p of s.orders) {
    const id = p.order.orderId;
    const seen = statuses.get(id) ?? [];
    const distinct = [...new Map(seen.map((e) => [e.status, e])).values()].sort((a, b) =>
      a.occurredAt.localeCompare(b.occurredAt),
    );
    const terminals = distinct.filter((e) => isTerminalStatus(e.status));
    const terminal = terminals[0]?.status;
    outcome[terminal ?? 'none'] = (outcome[terminal ?? 'none'] ?? 0) + 1;
    if (terminals.length !== 1)
      failures.oneTerminal.push(`${id}: ${terminals.map((t) => t.status).join('+') || 'none'}`);
    if (distinct.some((e, i) => i > 0 && !isForwardTransition(distinct[i - 1].status, e.status)))
      failures.forwardOnly.push(`${id}: ${distinct.map((e) => e.status).join(' → ')}`);
    const d = await c.sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(id) })).catch(() => undefined);
    if (!d || d.status === 'RUNNING' || (d.status === 'FAILED') !== (terminal === 'FAILED'))
      failures.notRunning.push(`${id}: execution ${d?.status ?? 'missing'}, status ${terminal ?? 'none'}`);
    const payment = (
      await c.doc.send(
        new GetCommand({
          TableName: out.IdempotencyTableName,
          Key: { id: idempotencyKey('payment', id) },
          ConsistentRead: true,
        }),
      )
    ).Item;
    if (terminal === 'FULFILLED') {
      if (payment?.status !== 'CHARGED' || payment.amountCents !== p.totalCents)
        failures.fulfilledChargedOnce.push(`${id}: payment ${payment?.status ?? 'none'} ${payment?.amountCents ?? ''}`);
      const pid = p.order.items[0].productId;
      fulfilledQty.set(pid, (fulfilledQty.get(pid) ?? 0) + p.order.items[0].quantity);
    } else if (payment?.status === 'CHARGED')
      failures.noNetCharge.push(`${id}: ${terminal ?? 'no status'} but CHARGED`);
    if (terminals.length === 1 && d && d.status !== 'RUNNING') complete.add(id);
    // The outcome's compliance event exactly once (none for an outcome that is not one).
    const want = complianceOf(terminals[0]);
    const got = audit.get(id) ?? [];
    if (got.length !== (want ? 1 : 0) || (want && got[0] !== want))
      failures.complianceOnce.push(
        `${id}: ${terminal ?? 'no status'}, expected ${want ?? 'none'}, audit log has ${got.join(', ') || 'none'}`,
      );
    const exp = s.expected;
    if (exp && (terminals[0]?.status !== exp.status || (exp.reason !== null && terminals[0]?.reason !== exp.reason)))
      failures.outcomeKept.push(
        `${id}: ${[terminal ?? 'none', terminals[0]?.reason].filter(Boolean).join(' ')}, expected ${[exp.status, exp.reason].filter(Boolean).join(' ')}`,
      );
  }
  for (const item of Object.values(s.products)) {
    const now = (
      await c.doc.send(
        new GetCommand({ TableName: out.CatalogTableName, Key: { productId: item.productId }, ConsistentRead: true }),
      )
    ).Item!;
    // restock adds reorderQuantity once per order that left the product low (lastRestockTrigger names it).
    const restocked = now.lastRestockTrigger ? Number(now.reorderQuantity) : 0;
    const want = STOCK - (fulfilledQty.get(item.productId) ?? 0) + restocked;
    const leftover = [...((now.reservedOrders as Set<string>) ?? [])].filter((o) => o.startsWith(RUN));
    if (now.stock !== want || leftover.length)
      failures.stockExact.push(
        `${item.productId}: stock ${now.stock}, expected ${want}; reserved by ${leftover.join(',') || 'none'}`,
      );
  }
  const ours = dlq.filter((m) => s.orders.some((p) => m.body.includes(p.order.orderId)));
  for (const m of ours) {
    const id = s.orders.find((p) => m.body.includes(p.order.orderId))!.order.orderId;
    if (!complete.has(id)) failures.dlqAccounted.push(`${m.queue}: ${id} never completed`);
  }
  return { failures, outcome, dlq: ours.length };
}

/**
 * The outage matrix (--matrix): derived from the deployed template (scripts/chaos/matrix.ts), one
 * scenario per row, each with its own low-stock product and one order of the kind that reaches it.
 */
async function matrix(seed: number, scenarios: Scenario[]) {
  const template = JSON.parse(readFileSync(args.template!, 'utf8'));
  const only = args.only ? new RegExp(args.only) : undefined;
  const all = deriveMatrix(template.Resources);
  const rows = all.filter((r) => !only || only.test(r.id));
  const seconds = Number(args['outage-seconds'] ?? PROFILES.localstack.workflow.ridesOutOutage.toSeconds());
  const board = new FaultBoard(faults, seed);
  log(`matrix: ${rows.length} rows, each dependency down ${seconds} s from its state (${args.template})`);
  const byRow = new Map<MatrixRow, Scenario>();
  let rowCount = 0;
  const results = await runMatrix(
    {
      c,
      board,
      stackName: args.stack!,
      seconds,
      executionArn,
      log,
      place: async (row) => {
        const i = rowCount++; // taken before any await: rows are placed concurrently
        const kind = row.reach.screened ? 'premium' : 'widget';
        const s: Scenario = {
          name: row.id,
          products: await seedProducts(`m${i}`, [kind], true),
          orders: [],
          // A declined order's outcome is published before its compliance event is put: an outage there must not change it.
          ...(row.reach.declined ? { expected: { status: 'CANCELLED', reason: OUTCOME_REASONS.paymentDeclined } } : {}),
        };
        scenarios.push(s);
        byRow.set(row, s);
        const card = row.reach.screened ? 'screened' : row.reach.declined ? 'decline' : 'approve';
        const o = await place(s, 2000 + i, card, row.reach.undeliverable);
        return { orderId: o.orderId, productId: o.items[0].productId };
      },
    },
    rows,
    all,
  );
  for (const r of results) {
    const s = byRow.get(r.row)!;
    // A row whose outage injected no fault did not test it (the gate's faults only held the order).
    const notTested =
      r.notReached ?? (rowFaults(board, r.row).outage === 0 ? 'its outage injected no fault' : undefined);
    if (notTested) (s as { notReached?: string[] }).notReached = [`${r.row.id}: ${notTested}`];
  }
  return { results, board };
}

function printMatrix(
  m: { results: RowResult[]; board: FaultBoard },
  statuses: Statuses,
  verdicts: Map<string, string>,
) {
  console.log(`
| outage (service@state) | via | order reaches it by | faults injected (gate + outage) | terminal status | invariants |`);
  console.log('|---|---|---|---|---|---|');
  for (const { row, order } of m.results) {
    const terminal = terminalOf(statuses, order?.orderId ?? '');
    const faults = rowFaults(m.board, row);
    const reach = [
      row.reach.screened ? 'screened' : '',
      row.reach.undeliverable ? 'undeliverable (saga)' : '',
      row.reach.declined ? 'declined card (a compliance outcome)' : '',
      ...row.reach.failFirst.map((f) => `${f} failing`),
      row.reach.nameTaken ? `${row.reach.nameTaken}'s start refused (name taken)` : '',
    ].filter(Boolean);
    console.log(
      `| ${row.id} | ${row.via}${row.scope === 'global' ? ' (alone)' : ''} | ${reach.join(', ') || 'approved card'} | ${faults.gate} + ${faults.outage} | ${terminal ? [terminal.status, terminal.reason].filter(Boolean).join(' ') : 'none'} | ${verdicts.get(row.id) ?? '?'} |`,
    );
  }
}

async function main() {
  log(`run ${RUN}: ${describeTarget()}`);
  await faults.off();
  const seeds = args.seeds!.split(',').filter(Boolean).map(Number);
  const scenarios: Scenario[] = [];
  // The matrix first: its orders reach their states fastest on a quiet pipeline, and the seeds'
  // orders need no settling before they start (all the run's orders are settled at the end).
  const m = args.matrix ? await matrix(seeds[0] ?? 1, scenarios) : undefined;
  for (const seed of seeds) scenarios.push(await mixed(seed));
  if (args.outage!.length) scenarios.push(await outages(args.outage!, seeds[0] ?? 1));
  await faults.off();
  const all = scenarios.flatMap((s) => s.orders);
  await settle(all);
  const statuses = await drainStatuses(new Set(all.map((p) => p.order.orderId)));
  const dlq = await dlqMessages();
  const audit = await auditOutcomeEvents(statuses, new Set(all.map((p) => p.order.orderId)));
  let failed = 0;
  console.log(`\n| scenario | orders | FULFILLED | CANCELLED | FAILED | none | ${CHECKS.join(' | ')} | DLQ msgs |`);
  console.log(`|---|---|---|---|---|---|${CHECKS.map(() => '---').join('|')}|---|`);
  const details: string[] = [];
  const verdicts = new Map<string, string>();
  for (const s of scenarios) {
    const r = await check(s, statuses, dlq, audit);
    const cells = CHECKS.map((k) => (r.failures[k].length ? `FAIL ${r.failures[k].length}` : 'ok'));
    const violations = CHECKS.reduce((n, k) => n + r.failures[k].length, 0);
    failed += violations;
    verdicts.set(s.name, s.notReached?.length ? 'NOT RUN' : violations ? 'FAIL' : 'PASS');
    const o = (k: string) => r.outcome[k] ?? 0;
    console.log(
      `| ${s.name} | ${s.orders.length} | ${o('FULFILLED')} | ${o('CANCELLED')} | ${o('FAILED')} | ${o('none')} | ${cells.join(' | ')} | ${r.dlq} |`,
    );
    for (const k of CHECKS) for (const f of r.failures[k]) details.push(`${s.name} ${k}: ${f}`);
  }
  if (m) printMatrix(m, statuses, verdicts);
  for (const d of details) console.log(`  FAIL ${d}`);
  for (const s of scenarios) for (const n of s.notReached ?? []) console.log(`  NOT RUN ${n}`);
  const notRun = scenarios.reduce((n, s) => n + (s.notReached?.length ?? 0), 0);
  failed += notRun; // an outage that did not run tested nothing: the run does not pass
  console.log(`\nchaos: ${failed === 0 ? 'PASS' : `FAIL (${failed} violations)`}`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch(async (error) => {
  await faults.off().catch(() => undefined);
  console.error(error);
  process.exitCode = 2;
});
