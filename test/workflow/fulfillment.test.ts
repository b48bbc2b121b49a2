import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import {
  CatalogItem,
  idempotencyKey,
  Order,
  OrderStatus,
  OrderStatusEventSchema,
  TEST_PAYMENT_TOKENS,
} from '../../lib/contracts';
import { cleanUp, synthesize, Synthesized } from '../helpers/synth';
import { ExecutionReport, WorkflowHarness } from '../helpers/workflow-harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite');

const CATALOG: CatalogItem[] = [
  {
    productId: 'widget',
    name: 'Widget',
    priceCents: 2_500,
    stock: 100,
    reorderLevel: 10,
    reorderQuantity: 50,
    warehouse: 'AMS',
    active: true,
  },
  {
    productId: 'gadget',
    name: 'Gadget',
    priceCents: 12_000,
    stock: 50,
    reorderLevel: 5,
    reorderQuantity: 20,
    warehouse: 'BER',
    active: true,
  },
  {
    productId: 'premium',
    name: 'Premium watch',
    priceCents: 60_000,
    stock: 40,
    reorderLevel: 2,
    reorderQuantity: 10,
    warehouse: 'AMS',
    active: true,
  },
  {
    productId: 'rare',
    name: 'Rare print',
    priceCents: 1_000,
    stock: 1,
    reorderLevel: 2,
    reorderQuantity: 5,
    warehouse: 'BER',
    active: true,
  },
  {
    productId: 'retired',
    name: 'Retired item',
    priceCents: 500,
    stock: 10,
    reorderLevel: 1,
    reorderQuantity: 1,
    warehouse: 'AMS',
    active: false,
  },
];

let counter = 0;
function order(overrides: Partial<Order> & { items: Order['items'] }): Order {
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

const statusesOf = (r: ExecutionReport) => r.statuses.map((s) => s.event.status);
const terminal = (r: ExecutionReport) => r.statuses[r.statuses.length - 1]?.event;
const count = (r: ExecutionReport, task: string) => r.tasks.filter((t) => t === task).length;

describe('OrderFulfillment workflow (synthesized definition, real handlers, local engines)', () => {
  let synthesized: Synthesized;
  let server: any;
  let harness: WorkflowHarness;

  beforeAll(async () => {
    synthesized = synthesize('sandbox');
    server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${server.address().port}`;
    const tables = { catalog: 'Catalog', idempotency: 'Idempotency' };
    await WorkflowHarness.createTables(
      new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      synthesized.template(synthesized.stacks.data),
      tables,
    );
    harness = new WorkflowHarness(synthesized.template(synthesized.stacks.pipeline), tables, endpoint);
    await harness.seedCatalog(CATALOG);
  });
  afterAll(async () => {
    harness?.restore();
    await new Promise((resolve) => server?.close(resolve));
    cleanUp(synthesized);
  });

  test('every Task state is bound to a local handler: nothing calls AWS', () => {
    expect(harness.uncoveredTasks()).toEqual([]);
    expect(harness.lambdaTaskSteps.sort()).toEqual(
      [
        'CreateInvoice',
        'CreateShipment',
        'ProcessPayment',
        'RefundPayment',
        'ReleaseInventory',
        'ReserveInventory',
        'ValidateOrder',
      ].sort(),
    );
  });

  test('happy path: priced from the catalog, paid, reserved, invoiced, shipped per warehouse → FULFILLED', async () => {
    const o = order({
      items: [
        { productId: 'widget', quantity: 2 },
        { productId: 'gadget', quantity: 1 },
      ],
      clientTotalCents: 1,
    });
    const r = await harness.run(o);
    expect(r.error).toBeUndefined();
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED']);
    expect(r.statuses.every((s) => s.attribute === s.event.status && s.event.orderId === o.orderId)).toBe(true);
    expect(terminal(r)).toMatchObject({ status: 'FULFILLED', customerId: o.customerId });
    expect(terminal(r).reason ?? null).toBeNull();
    // The client's total (1 cent) is ignored: 2 × 25.00 + 120.00.
    expect(r.output.validation.value.totalCents).toBe(17_000);
    expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({
      status: 'CHARGED',
      amountCents: 17_000,
    });
    expect(r.output.shipments.map((s: any) => s.shipmentId).sort()).toHaveLength(2);
    expect((await harness.catalogItem('widget')).stock).toBe(98);
    expect((await harness.catalogItem('gadget')).stock).toBe(49);
    // Shipping committed the reservations: no marker is left behind.
    expect([...((await harness.catalogItem('widget')).reservedOrders ?? [])]).not.toContain(o.orderId);
    expect(count(r, 'RefundPayment') + count(r, 'ReleaseInventory')).toBe(0);
  });

  test('high value, approved: screened through the HighValueOrder rule, then FULFILLED', async () => {
    const o = order({
      items: [{ productId: 'premium', quantity: 1 }],
      shippingAddress: { name: 'B', line1: 'x', city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
    const r = await harness.run(o);
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'SCREENING', 'PAID', 'FULFILLED']);
    expect(r.output.screening).toMatchObject({ decision: 'APPROVED' });
    expect(
      harness.sfnMock.commandCalls(SendTaskSuccessCommand).some((c) => c.args[0].input.taskToken?.includes(o.orderId)),
    ).toBe(true);
  });

  test('high value, rejected: CANCELLED FRAUD_REJECTED before any payment', async () => {
    const o = order({
      items: [{ productId: 'premium', quantity: 10 }],
      shippingAddress: { name: 'C', line1: 'x', city: 'Pyongyang', postalCode: '0000', country: 'KP' },
    });
    const r = await harness.run(o);
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'SCREENING', 'CANCELLED']);
    expect(terminal(r).reason).toBe('FRAUD_REJECTED');
    expect(count(r, 'ProcessPayment')).toBe(0);
    expect(await harness.record(idempotencyKey('payment', o.orderId))).toBeUndefined();
  });

  test('fraud screen timeout: no answer in time → CANCELLED FRAUD_REVIEW_TIMEOUT (manual review), nothing charged', async () => {
    const o = order({ items: [{ productId: 'premium', quantity: 1 }] });
    const r = await harness.run(o, { screeningTimeoutSeconds: 1, screeningTargetDown: true });
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'SCREENING', 'CANCELLED']);
    expect(terminal(r).reason).toBe('FRAUD_REVIEW_TIMEOUT');
    expect(count(r, 'ProcessPayment')).toBe(0);
  });

  test('payment fails transiently twice, then succeeds on the third attempt → FULFILLED', async () => {
    const o = order({
      items: [{ productId: 'widget', quantity: 1 }],
      payment: { token: TEST_PAYMENT_TOKENS.transientTwice },
    });
    const r = await harness.run(o);
    expect(count(r, 'ProcessPayment')).toBe(3);
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED']);
  });

  test('payment declined: CANCELLED PAYMENT_DECLINED, no retry, nothing reserved or refunded', async () => {
    const o = order({ items: [{ productId: 'widget', quantity: 1 }], payment: { token: TEST_PAYMENT_TOKENS.decline } });
    const before = (await harness.catalogItem('widget')).stock;
    const r = await harness.run(o);
    expect(count(r, 'ProcessPayment')).toBe(1);
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'CANCELLED']);
    expect(terminal(r).reason).toBe('PAYMENT_DECLINED');
    expect(count(r, 'ReserveInventory') + count(r, 'RefundPayment')).toBe(0);
    expect((await harness.catalogItem('widget')).stock).toBe(before);
  });

  test('payment provider never answers: retries exhausted → refund attempted → CANCELLED PAYMENT_UNAVAILABLE', async () => {
    const o = order({ items: [{ productId: 'widget', quantity: 1 }], payment: { token: TEST_PAYMENT_TOKENS.timeout } });
    const r = await harness.run(o);
    expect(count(r, 'ProcessPayment')).toBe(4); // first attempt + 3 retries
    expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_UNAVAILABLE' });
    expect(r.tasks.slice(-3)).toEqual(['RefundPayment', 'ReleaseInventory', 'PublishOutcome']);
  });

  test('out of stock after payment: refund, release, CANCELLED OUT_OF_STOCK; stock unchanged', async () => {
    const o = order({
      items: [
        { productId: 'widget', quantity: 3 },
        { productId: 'rare', quantity: 2 },
      ],
    });
    const widgetBefore = (await harness.catalogItem('widget')).stock;
    const r = await harness.run(o);
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'CANCELLED']);
    expect(terminal(r).reason).toBe('OUT_OF_STOCK');
    expect(r.tasks.indexOf('RefundPayment')).toBeLessThan(r.tasks.indexOf('ReleaseInventory'));
    expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({ status: 'REFUNDED' });
    expect((await harness.catalogItem('widget')).stock).toBe(widgetBefore);
    expect((await harness.catalogItem('rare')).stock).toBe(1);
    expect(r.output.compensation.refund.value).toMatchObject({ refunded: true });
  });

  test('shipment failure: compensation refunds and restocks, CANCELLED SHIPMENT_FAILED', async () => {
    const o = order({
      items: [{ productId: 'gadget', quantity: 2 }],
      shippingAddress: { name: 'D', line1: 'Nowhere 1', city: 'Void', postalCode: '00000', country: 'NL' },
    });
    const before = (await harness.catalogItem('gadget')).stock;
    const r = await harness.run(o);
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'CANCELLED']);
    expect(terminal(r).reason).toBe('SHIPMENT_FAILED');
    expect(count(r, 'RefundPayment')).toBe(1);
    expect(count(r, 'ReleaseInventory')).toBe(1);
    expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({ status: 'REFUNDED' });
    expect((await harness.catalogItem('gadget')).stock).toBe(before);
  });

  test('an order that drops stock below its reorder level emits InventoryLow, and restock refills it once', async () => {
    const o = order({ items: [{ productId: 'rare', quantity: 1 }] });
    const r = await harness.run(o);
    expect(terminal(r).status).toBe('FULFILLED');
    const low = harness.publishedEvents.filter(
      (e) => e.DetailType === 'Inventory Low' && JSON.parse(e.Detail!).orderId === o.orderId,
    );
    expect(low).toHaveLength(1);
    expect(JSON.parse(low[0].Detail!)).toMatchObject({ productId: 'rare', stock: 0, reorderLevel: 2 });
    expect((await harness.catalogItem('rare')).stock).toBe(5); // 0 + reorderQuantity
  });

  const sqsEvent = (bodies: Array<{ body: string; group: string }>): SQSEvent => ({
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

  test('the same order delivered twice starts one execution; the duplicate is success, not an error', async () => {
    const o = order({ items: [{ productId: 'widget', quantity: 1 }] });
    const body = JSON.stringify(o);
    const intake = harness.handler('start-fulfillment');
    const first = await intake(
      sqsEvent([
        { body, group: o.customerId },
        { body, group: o.customerId },
      ]),
      {},
    );
    const redelivery = await intake(sqsEvent([{ body, group: o.customerId }]), {});
    expect(first).toEqual({ batchItemFailures: [] });
    expect(redelivery).toEqual({ batchItemFailures: [] });
    const r = await harness.executions.get(o.orderId)!;
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED']);
    expect(count(r, 'ProcessPayment')).toBe(1);
  });

  test('a malformed message never starts an execution and is reported as a batch item failure', async () => {
    const good = order({ items: [{ productId: 'widget', quantity: 1 }] });
    const before = harness.executions.size;
    const result = await harness.handler('start-fulfillment')(
      sqsEvent([
        { body: '{"orderId": "x", "items": "not-a-list"', group: 'poison' },
        { body: JSON.stringify(good), group: good.customerId },
      ]),
      {},
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: `msg-${counter}-0` }]);
    expect(harness.executions.size).toBe(before + 1);
    expect(terminal(await harness.executions.get(good.orderId)!).status).toBe('FULFILLED');
  });

  test('a malformed order that reaches the workflow ends CANCELLED INVALID_ORDER', async () => {
    const unknownProduct = order({ items: [{ productId: 'does-not-exist', quantity: 1 }] });
    const retired = order({ items: [{ productId: 'retired', quantity: 1 }] });
    const schemaInvalid = {
      ...order({ items: [{ productId: 'widget', quantity: 1 }] }),
      items: [{ productId: 'widget', quantity: -5 }],
    };
    for (const input of [unknownProduct, retired, schemaInvalid]) {
      const r = await harness.run(input);
      expect({ id: input.orderId, statuses: statusesOf(r), reason: terminal(r).reason }).toEqual({
        id: input.orderId,
        statuses: ['ACCEPTED', 'CANCELLED'],
        reason: 'INVALID_ORDER',
      });
      expect(count(r, 'ProcessPayment')).toBe(0);
    }
  });

  test('every execution ends in exactly one terminal status, published once, and every event fits the contract', async () => {
    const reports = await Promise.all(harness.executions.values());
    expect(reports.length).toBeGreaterThanOrEqual(12);
    for (const r of reports) {
      for (const s of r.statuses) {
        const parsed = OrderStatusEventSchema.safeParse(s.event);
        expect({ order: r.orderId, state: s.state, ok: parsed.success }).toEqual({
          order: r.orderId,
          state: s.state,
          ok: true,
        });
        expect(s.attribute).toBe(s.event.status);
      }
      const terminals = r.statuses.filter((s) => ['FULFILLED', 'CANCELLED', 'FAILED'].includes(s.event.status));
      expect({ order: r.orderId, terminals: terminals.length }).toEqual({ order: r.orderId, terminals: 1 });
      expect(r.statuses[r.statuses.length - 1]).toBe(terminals[0]);
    }
  });
});
