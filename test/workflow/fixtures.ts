/**
 * Builders, assertions, the local engines and the harness shared by the workflow tests
 * (test/workflow/*.test.ts). Every test seeds the catalog items it uses under fresh product ids
 * and runs its own orders, so tests share no state and each passes alone
 * (`npx jest test/workflow -t '<name>'`).
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Template } from 'aws-cdk-lib/assertions';
import { CatalogItem, Order, OrderStatusEventSchema, TEST_PAYMENT_TOKENS } from '@securecart/contracts';
import type { Profile } from '../../lib/config/profiles';
import { LocalDynamo, localDynamoClient, startDynalite } from '../helpers/dynalite';
import { cleanUp, synthesize, Synthesized } from '../helpers/synth';
import { ExecutionReport, HarnessTables, WorkflowHarness } from '../helpers/workflow-harness';

export const PRODUCTS = {
  widget: { name: 'Widget', priceCents: 2_500, stock: 100, reorderLevel: 10, reorderQuantity: 50, warehouse: 'AMS' },
  gadget: { name: 'Gadget', priceCents: 12_000, stock: 50, reorderLevel: 5, reorderQuantity: 20, warehouse: 'BER' },
  premium: {
    name: 'Premium watch',
    priceCents: 60_000,
    stock: 40,
    reorderLevel: 2,
    reorderQuantity: 10,
    warehouse: 'AMS',
  },
  rare: { name: 'Rare print', priceCents: 1_000, stock: 1, reorderLevel: 2, reorderQuantity: 5, warehouse: 'BER' },
  retired: { name: 'Retired item', priceCents: 500, stock: 10, reorderLevel: 1, reorderQuantity: 1, warehouse: 'AMS' },
} as const;
type ProductKind = keyof typeof PRODUCTS;

let seeded = 0;
/** Puts fresh catalog items of these kinds (their stock is the caller's alone); returns their ids. */
export async function seed<K extends ProductKind>(h: WorkflowHarness, ...kinds: K[]): Promise<Record<K, string>> {
  const ids = {} as Record<K, string>;
  for (const kind of kinds) {
    seeded += 1;
    ids[kind] = `${kind}-${seeded}`;
    const item: CatalogItem = { productId: ids[kind], ...PRODUCTS[kind], active: kind !== 'retired' };
    await h.seedCatalog([item]);
  }
  return ids;
}

let counter = 0;
/** A valid order with a fresh order id and customer id. */
export function order(overrides: Partial<Order> & { items: Order['items'] }): Order {
  counter += 1;
  return {
    schemaVersion: 1,
    orderId: `ord-${counter}`,
    customerId: `cust-${counter}`,
    createdAt: '2026-11-21T09:00:00.000Z',
    currency: 'USD',
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: '1 Main St',
      city: 'Amsterdam',
      postalCode: '1011AB',
      country: 'NL',
    },
    payment: { token: TEST_PAYMENT_TOKENS.approve },
    ...overrides,
  };
}
export const UNDELIVERABLE = { name: 'D', line1: 'Nowhere 1', city: 'Void', postalCode: '00000', country: 'NL' };

export const statusesOf = (r: ExecutionReport) => r.statuses.map((s) => s.event.status);
export const terminal = (r: ExecutionReport) => r.statuses[r.statuses.length - 1]?.event;
export const count = (r: ExecutionReport, task: string) => r.tasks.filter((t) => t === task).length;
const TERMINAL: readonly string[] = ['FULFILLED', 'CANCELLED', 'FAILED'];

/** Every published status event fits the contract, carries its status as the attribute, and is this order's. */
export function expectContractEvents(r: ExecutionReport, o: { orderId: string; customerId: string }) {
  for (const s of r.statuses) {
    const parsed = OrderStatusEventSchema.safeParse(s.event);
    expect({ order: r.orderId, state: s.state, ok: parsed.success }).toEqual({
      order: r.orderId,
      state: s.state,
      ok: true,
    });
    expect({ state: s.state, attribute: s.attribute }).toEqual({ state: s.state, attribute: s.event.status });
    expect(s.event).toMatchObject({ orderId: o.orderId, customerId: o.customerId });
  }
}

/** Exactly one terminal status, published once and last; FAILED exactly when the execution failed. */
export function expectOneTerminalStatus(r: ExecutionReport) {
  const terminals = r.statuses.filter((s) => TERMINAL.includes(s.event.status));
  expect({ order: r.orderId, terminals: terminals.length }).toEqual({ order: r.orderId, terminals: 1 });
  expect(r.statuses[r.statuses.length - 1]).toBe(terminals[0]);
  expect({ order: r.orderId, failedExecution: r.error !== undefined }).toEqual({
    order: r.orderId,
    failedExecution: terminals[0].event.status === 'FAILED',
  });
}

/** An SQS event of the orders queue (FIFO) with these bodies; message ids are fresh per order built. */
export const sqsEvent = (bodies: Array<{ body: string; group: string }>): SQSEvent => ({
  Records: bodies.map(
    ({ body, group }, i) =>
      ({
        messageId: `msg-${counter}-${i}`,
        receiptHandle: `rh-${i}`,
        body,
        attributes: {
          MessageGroupId: group,
          MessageDeduplicationId: `d-${i}`,
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'x',
          ApproximateFirstReceiveTimestamp: '0',
          SequenceNumber: String(i),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:securecart-sandbox-orders.fifo',
        awsRegion: 'us-east-1',
      }) as SQSRecord,
  ),
});

export interface LocalEngines {
  readonly tables: HarnessTables;
  /** The DynamoDB endpoint (dynalite) the handlers use. */
  readonly endpoint: string;
  /** The sandbox pipeline stack's template. */
  pipelineTemplate(): Template;
  /** The sandbox profile (its workflow waits). */
  readonly profile: Profile;
}

/**
 * Registers `beforeAll`/`afterAll` hooks (call it in a `describe`) that synthesize the sandbox app
 * and start dynalite with the data stack's catalog and idempotency tables and the pipeline's claims
 * table; stopped and cleaned up after.
 */
export function localEngines(): LocalEngines {
  let synthesized: Synthesized;
  let dynamo: LocalDynamo | undefined;
  const tables: HarnessTables = { catalog: 'Catalog', idempotency: 'Idempotency', claims: 'OrderClaims' };

  beforeAll(async () => {
    synthesized = synthesize('sandbox');
    dynamo = await startDynalite();
    await WorkflowHarness.createTables(
      localDynamoClient(dynamo.endpoint),
      [synthesized.template(synthesized.stacks.data), synthesized.template(synthesized.stacks.pipeline)],
      tables,
    );
  });
  afterAll(async () => {
    await dynamo?.close();
    cleanUp(synthesized);
  });

  return {
    tables,
    get endpoint() {
      return dynamo!.endpoint;
    },
    pipelineTemplate: () => synthesized.template(synthesized.stacks.pipeline),
    get profile() {
      return synthesized.profile;
    },
  };
}

/**
 * Registers `beforeAll`/`afterAll` hooks (call it in a `describe`, after localEngines()) that build a
 * WorkflowHarness on the engines' template, tables and endpoint, hand it to `use`, and restore it after.
 */
export function harnessOn(engines: LocalEngines, use: (harness: WorkflowHarness) => void): void {
  let harness: WorkflowHarness | undefined;
  beforeAll(() => {
    harness = new WorkflowHarness(engines.pipelineTemplate(), engines.tables, engines.endpoint);
    use(harness);
  });
  afterAll(() => harness?.restore());
}
