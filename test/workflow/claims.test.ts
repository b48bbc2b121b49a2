import { randomUUID } from 'node:crypto';
import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { claimKey, idempotencyKey, Order, TEST_PAYMENT_TOKENS, toWorkflowOrder } from '@securecart/contracts';
import { providerLedger } from '../../lambda/shared/payment-provider';
import { ExecutionReport, WorkflowHarness } from '../helpers/workflow-harness';
import {
  count,
  expectOneTerminalStatus,
  harnessOn,
  localEngines,
  order,
  PRODUCTS,
  seed,
  sqsEvent,
  statusesOf,
  terminal,
} from './fixtures';

/*
 * The claim check (docs/adr/0019-claim-check-for-payment-data.md): the payment token and the
 * shipping address never enter the workflow's state data. start-fulfillment puts them into the
 * OrderClaims table; process-payment reads the token, create-shipment the address; the token's
 * claim is deleted after capture, decline and refund; without a claim nothing is charged.
 */

/** Every value of the order's token and address, and the field names that would carry them. */
function secretsOf(o: Order): string[] {
  const a = o.shippingAddress;
  return [o.payment.token, a.name, a.line1, a.city, a.postalCode, 'paymentToken', 'shippingAddress', '"token"'];
}

/** Which of the order's secrets the execution's input, history and task parameters contain. */
function leaked(r: ExecutionReport, o: Order): string[] {
  const history = JSON.stringify(r.history);
  return secretsOf(o).filter((secret) => history.includes(secret));
}

describe('claim check: no payment token or address in the execution (synthesized definition, real handlers)', () => {
  const engines = localEngines();
  let harness: WorkflowHarness;
  harnessOn(engines, (h) => (harness = h));

  const paymentKey = (orderId: string) => idempotencyKey('payment', orderId);
  /** A distinctive address and token, so a leak cannot hide behind another order's values. */
  const distinctive = (items: Order['items'], token: string = TEST_PAYMENT_TOKENS.approve) =>
    order({
      items,
      payment: { token },
      shippingAddress: {
        name: 'Grace Hopper-Claimcheck',
        line1: '42 Secret Lane',
        city: 'Claimsville',
        postalCode: 'CC-4242',
        country: 'NL',
      },
    });

  test('an order from the queue: the execution input, every state input and output and every task parameter hold neither the token nor the address', async () => {
    const { widget, gadget } = await seed(harness, 'widget', 'gadget');
    const o = distinctive([
      { productId: widget, quantity: 1 },
      { productId: gadget, quantity: 1 }, // two warehouses: two shipments read the address claim
    ]);
    harness.sfnMock.resetHistory();
    const result = await harness.handler('start-fulfillment')(
      sqsEvent([{ body: JSON.stringify(o), group: o.customerId }]),
      {},
    );
    expect(result).toEqual({ batchItemFailures: [] });

    const started = harness.sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(started).toHaveLength(1);
    const input = JSON.parse(started[0].input!);
    expect(input).toEqual({ ...toWorkflowOrder(o, input.claim) });
    expect(secretsOf(o).filter((secret) => started[0].input!.includes(secret))).toEqual([]);

    const r = await harness.executions.get(o.orderId)!;
    expect(statusesOf(r)).toEqual(['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED']);
    expect(count(r, 'CreateShipment')).toBe(2);
    expect(r.history.length).toBeGreaterThan(40);
    expect(leaked(r, o)).toEqual([]);
    // The check can fail: the state data and payment payload as they were before the claim check hold every one.
    const before = JSON.stringify({ order: o, pay: { paymentToken: o.payment.token } });
    expect(secretsOf(o).filter((secret) => before.includes(secret))).toEqual(secretsOf(o));

    // After capture the token's claim is gone; the address's stays for the shipments, until its TTL.
    expect(await harness.claim('payment', input.claim)).toBeUndefined();
    expect(await harness.claim('shipping', input.claim)).toMatchObject({ orderId: o.orderId, kind: 'shipping' });
  });

  test('ShipOrder (docs/adr/0029): no child input or output, pickup request or carrier answer holds the token or the address', async () => {
    const { widget, gadget } = await seed(harness, 'widget', 'gadget');
    const o = distinctive([
      { productId: widget, quantity: 1 },
      { productId: gadget, quantity: 1 },
    ]);
    const r = await harness.run(o);
    expect(statusesOf(r)).toEqual(['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED']);
    expect(r.children).toHaveLength(2);
    const children = JSON.stringify(r.children);
    expect(secretsOf(o).filter((secret) => children.includes(secret))).toEqual([]);
    // The children's states are in the history too (every state's data and every task's parameters).
    const scheduled = r.history.filter((e: any) => e.type === 'TaskScheduled').map((e: any) => e.state);
    expect(scheduled).toEqual(
      expect.arrayContaining(['ShipOrder', 'CreateShipment', 'WaitForPickup', 'CommitShipment']),
    );
    expect(leaked(r, o)).toEqual([]);
    // Only CreateShipment read the address: the claim is what the child carries.
    expect(r.children.map((c) => c.input.claim)).toEqual([r.children[0].input.claim, r.children[0].input.claim]);
    const confirmations = harness.sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.output);
    expect(secretsOf(o).filter((secret) => JSON.stringify(confirmations).includes(secret))).toEqual([]);
  });

  test('a screened order (fraud screening through EventBridge) leaks nothing either: the request carries the country only', async () => {
    const { premium } = await seed(harness, 'premium');
    const o = distinctive([{ productId: premium, quantity: 2 }]); // above the high-value threshold
    const r = await harness.run(o);
    expect(statusesOf(r)).toEqual(['ACCEPTED', 'VALIDATED', 'SCREENING', 'PAID', 'FULFILLED']);
    expect(leaked(r, o)).toEqual([]);
    expect(JSON.stringify(harness.publishedEvents)).not.toContain('Secret Lane');
  });

  test('declined: CANCELLED PAYMENT_DECLINED, both claims deleted', async () => {
    const { widget } = await seed(harness, 'widget');
    const o = distinctive([{ productId: widget, quantity: 1 }], TEST_PAYMENT_TOKENS.decline);
    const input = await harness.handOff(o);
    expect(await harness.claim('payment', input.claim)).toMatchObject({ paymentToken: TEST_PAYMENT_TOKENS.decline });

    const r = await harness.start(input);

    expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    expect(leaked(r, o)).toEqual([]);
    expect(await harness.claim('payment', input.claim)).toBeUndefined();
    expect(await harness.claim('shipping', input.claim)).toBeUndefined();
  });

  test('refunded (out of stock after payment): CANCELLED OUT_OF_STOCK, charge refunded, both claims deleted', async () => {
    const { rare } = await seed(harness, 'rare');
    const o = distinctive([{ productId: rare, quantity: 2 }]); // 1 in stock
    const input = await harness.handOff(o);

    const r = await harness.start(input);

    expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' });
    expect(r.output.compensation.refund).toMatchObject({ refunded: true, note: 'REFUNDED' });
    expect(providerLedger.netCents(paymentKey(o.orderId))).toBe(0);
    expect(leaked(r, o)).toEqual([]);
    expect(await harness.claim('payment', input.claim)).toBeUndefined();
    expect(await harness.claim('shipping', input.claim)).toBeUndefined();
  });

  test.each([
    ['is missing (never written)', async (_ref: string) => undefined],
    [
      'has expired (TTL passed, item not yet removed)',
      async (ref: string) => {
        await harness.ddb.send(
          new UpdateCommand({
            TableName: harness.tables.claims,
            Key: { claimId: claimKey('payment', ref) },
            UpdateExpression: 'SET expiresAt = :past',
            ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
          }),
        );
      },
    ],
  ])(
    'a %s payment claim: CANCELLED, nothing charged, the attempt settled as NOTHING_TO_REFUND',
    async (kind, spoil) => {
      const { widget } = await seed(harness, 'widget');
      const o = distinctive([{ productId: widget, quantity: 3 }]);
      const input = kind.startsWith('is missing') ? toWorkflowOrder(o, randomUUID()) : await harness.handOff(o);
      await spoil(input.claim);

      const r = await harness.start(input);

      expect(r.taskErrors.filter((e) => e.state === 'ProcessPayment').map((e) => e.name)).toEqual([
        'PaymentClaimMissing',
      ]);
      expect(count(r, 'ProcessPayment')).toBe(1); // a business error: not retried
      expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_UNAVAILABLE' });
      expectOneTerminalStatus(r);
      expect(r.error).toBeUndefined();
      expect(providerLedger.entry(paymentKey(o.orderId))).toBeUndefined();
      expect(await harness.record(paymentKey(o.orderId))).toMatchObject({ status: 'NOTHING_TO_REFUND' });
      expect(r.output.compensation.refund).toEqual({ refunded: false, note: 'NO_CHARGE' });
      expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock);
      expect(await harness.claim('payment', input.claim)).toBeUndefined();
    },
  );
});
