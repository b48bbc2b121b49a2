import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { COMPLIANCE_SOURCE, idempotencyKey, Order, OrderStatus, TEST_PAYMENT_TOKENS } from '@securecart/contracts';
import { ExecutionReport, WorkflowHarness } from '../helpers/workflow-harness';
import {
  count,
  expectContractEvents,
  expectOneTerminalStatus,
  harnessOn,
  localEngines,
  order,
  PRODUCTS,
  seed,
  sqsEvent,
  statusesOf,
  terminal,
  UNDELIVERABLE,
} from './fixtures';

/*
 * Every test seeds the catalog items it uses under fresh product ids and runs its own orders, so
 * tests share no state and each passes alone (`npx jest test/workflow -t '<name>'`). The harness's
 * own guarantees (each handler runs with its own function's environment): harness-environment.test.ts.
 */

describe('OrderFulfillment (synthesized definition, real handlers, local engines)', () => {
  const engines = localEngines();

  describe('OrderFulfillment workflow', () => {
    let harness: WorkflowHarness;
    harnessOn(engines, (h) => (harness = h));

    /** Nothing stays charged unless a refund was attempted after the (last) charge attempt. */
    async function expectNoChargeWithoutRefundAttempt(r: ExecutionReport, o: Order) {
      const payment = await harness.record(idempotencyKey('payment', o.orderId));
      if (payment?.status === 'CHARGED' && terminal(r).status !== 'FULFILLED') {
        expect(r.tasks.lastIndexOf('RefundPayment')).toBeGreaterThan(r.tasks.lastIndexOf('ProcessPayment'));
      }
    }

    test('every Task state is bound to a local handler: nothing calls AWS', () => {
      expect(harness.uncoveredTasks()).toEqual([]);
      expect(harness.lambdaTaskSteps.sort()).toEqual(
        [
          'CancelShipment', // ShipOrder's compensation (docs/adr/0029)
          'CommitShipment', // ShipOrder's (docs/adr/0029), as is CreateShipment
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
      const { widget, gadget } = await seed(harness, 'widget', 'gadget');
      const o = order({
        items: [
          { productId: widget, quantity: 2 },
          { productId: gadget, quantity: 1 },
        ],
        clientTotalCents: 1,
      });
      const r = await harness.run(o);
      expect(r.error).toBeUndefined();
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED']);
      expectContractEvents(r, o);
      expect(terminal(r)).toMatchObject({ status: 'FULFILLED', customerId: o.customerId });
      expect(terminal(r).reason ?? null).toBeNull();
      // The client's total (1 cent) is ignored: 2 × 25.00 + 120.00.
      expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({
        status: 'CHARGED',
        amountCents: 17_000,
      });
      expect(r.output.shipments).toHaveLength(2);
      expect((await harness.catalogItem(widget)).stock).toBe(98);
      expect((await harness.catalogItem(gadget)).stock).toBe(49);
      // Shipping committed the reservations: no marker is left behind.
      expect([...((await harness.catalogItem(widget)).reservedOrders ?? [])]).not.toContain(o.orderId);
      expect(count(r, 'RefundPayment') + count(r, 'ReleaseInventory')).toBe(0);
    });

    test('high value, approved: screened through the HighValueOrder rule, then FULFILLED', async () => {
      const { premium } = await seed(harness, 'premium');
      const o = order({
        items: [{ productId: premium, quantity: 1 }],
        shippingAddress: { name: 'B', line1: 'x', city: 'Berlin', postalCode: '10115', country: 'DE' },
      });
      const r = await harness.run(o);
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'SCREENING', 'PAID', 'FULFILLED']);
      expect(r.output.screening).toMatchObject({ decision: 'APPROVED' });
      expect(
        harness.sfnMock
          .commandCalls(SendTaskSuccessCommand)
          .some((c) => c.args[0].input.taskToken?.includes(o.orderId)),
      ).toBe(true);
    });

    test('high value, rejected: CANCELLED FRAUD_REJECTED before any payment', async () => {
      const { premium } = await seed(harness, 'premium');
      const o = order({
        items: [{ productId: premium, quantity: 10 }],
        shippingAddress: { name: 'C', line1: 'x', city: 'Pyongyang', postalCode: '0000', country: 'KP' },
      });
      const r = await harness.run(o);
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'SCREENING', 'CANCELLED']);
      expect(terminal(r).reason).toBe('FRAUD_REJECTED');
      expect(count(r, 'ProcessPayment')).toBe(0);
      expect(await harness.record(idempotencyKey('payment', o.orderId))).toBeUndefined();
    });

    test('fraud screen timeout: no answer in time → CANCELLED FRAUD_REVIEW_TIMEOUT (manual review), nothing charged', async () => {
      const { premium } = await seed(harness, 'premium');
      const o = order({ items: [{ productId: premium, quantity: 1 }] });
      const r = await harness.run(o, { screeningTimeoutSeconds: 1, screeningTargetDown: true });
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'SCREENING', 'CANCELLED']);
      expect(terminal(r).reason).toBe('FRAUD_REVIEW_TIMEOUT');
      expect(count(r, 'ProcessPayment')).toBe(0);
    });

    test('payment fails transiently twice, then succeeds on the third attempt → FULFILLED', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({
        items: [{ productId: widget, quantity: 1 }],
        payment: { token: TEST_PAYMENT_TOKENS.transientTwice },
      });
      const r = await harness.run(o);
      expect(count(r, 'ProcessPayment')).toBe(3);
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED']);
    });

    test('payment declined: CANCELLED PAYMENT_DECLINED, no retry, nothing reserved or refunded', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }], payment: { token: TEST_PAYMENT_TOKENS.decline } });
      const r = await harness.run(o);
      expect(count(r, 'ProcessPayment')).toBe(1);
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'CANCELLED']);
      expect(terminal(r).reason).toBe('PAYMENT_DECLINED');
      expect(count(r, 'ReserveInventory') + count(r, 'RefundPayment')).toBe(0);
      expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock);
    });

    test('payment provider never answers: retries exhausted → refund attempted → CANCELLED PAYMENT_UNAVAILABLE', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }], payment: { token: TEST_PAYMENT_TOKENS.timeout } });
      const r = await harness.run(o);
      expect(count(r, 'ProcessPayment')).toBe(4); // first attempt + 3 retries
      expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_UNAVAILABLE' });
      expect(r.tasks.slice(-3)).toEqual(['RefundPayment', 'ReleaseInventory', 'PublishOutcome']);
    });

    test('out of stock after payment: refund, release, CANCELLED OUT_OF_STOCK; stock unchanged', async () => {
      const { widget, rare } = await seed(harness, 'widget', 'rare');
      const o = order({
        items: [
          { productId: widget, quantity: 3 },
          { productId: rare, quantity: 2 },
        ],
      });
      const r = await harness.run(o);
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'CANCELLED']);
      expect(terminal(r).reason).toBe('OUT_OF_STOCK');
      expect(r.tasks.indexOf('RefundPayment')).toBeLessThan(r.tasks.indexOf('ReleaseInventory'));
      expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({ status: 'REFUNDED' });
      expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock);
      expect((await harness.catalogItem(rare)).stock).toBe(PRODUCTS.rare.stock);
      expect(r.output.compensation.refund).toMatchObject({ refunded: true });
    });

    test('shipment failure: compensation refunds and restocks, CANCELLED SHIPMENT_FAILED', async () => {
      const { gadget } = await seed(harness, 'gadget');
      const o = order({ items: [{ productId: gadget, quantity: 2 }], shippingAddress: UNDELIVERABLE });
      const r = await harness.run(o);
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'CANCELLED']);
      expect(terminal(r).reason).toBe('SHIPMENT_FAILED');
      expect(count(r, 'RefundPayment')).toBe(1);
      expect(count(r, 'ReleaseInventory')).toBe(1);
      expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({ status: 'REFUNDED' });
      expect((await harness.catalogItem(gadget)).stock).toBe(PRODUCTS.gadget.stock);
    });

    describe('a release is final: a reservation that lands after the saga gives its stock back', () => {
      /*
       * On AWS a failed branch fails the Parallel state and stops ReserveInventory's branch, but not
       * an invocation already in flight: it may commit after the saga released the order
       * (lambda/shared/release-marker.ts). aws-local-stepfunctions waits for both branches, so the
       * late invocation is the real handler, called here as Lambda would run it.
       */
      const reserveLate = (o: Order) =>
        harness.handler('reserve-inventory')({ orderId: o.orderId, items: o.items }, undefined);
      const invoiceDown = new Error('Invoice service answered 500');

      test('an attempt that arrives after the release is refused; stock stays where it started', async () => {
        const { gadget } = await seed(harness, 'gadget');
        const o = order({ items: [{ productId: gadget, quantity: 2 }] });
        const r = await harness.run(o, { faults: { CreateInvoice: invoiceDown } });
        expect(terminal(r)).toMatchObject({ status: 'FAILED', reason: 'UNEXPECTED_ERROR' });
        // FAILED: the outcome's compliance event follows the publish (ADR 28).
        expect(r.tasks.slice(-4)).toEqual([
          'RefundPayment',
          'ReleaseInventory',
          'PublishOutcome',
          'PutComplianceEvent',
        ]);
        expect(await harness.record(idempotencyKey('release', o.orderId))).toMatchObject({
          kind: 'release',
          orderId: o.orderId,
        });

        await expect(reserveLate(o)).rejects.toMatchObject({ name: 'OrderReleased' });
        const item = await harness.catalogItem(gadget);
        expect(item.stock).toBe(PRODUCTS.gadget.stock);
        expect([...(item.reservedOrders ?? [])]).not.toContain(o.orderId);
      });

      test('an invocation in flight that reserves after the release gives the reservation back', async () => {
        const { widget } = await seed(harness, 'widget');
        const o = order({ items: [{ productId: widget, quantity: 3 }] });
        // The in-flight invocation passes its first check (not released yet); its reservation is held
        // on the wire until the saga has run, then committed.
        const { ddb } = await import('../../lambda/shared/dynamodb');
        let arrived!: () => void;
        const atReservation = new Promise<void>((resolve) => (arrived = resolve));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let committed = false;
        const hold = `hold-late-reservation-${o.orderId}`;
        ddb.middlewareStack.add(
          (next) => async (args) => {
            const request = JSON.stringify(args.input);
            if (!request.includes('stock = stock - ') || !request.includes(`"${widget}"`)) return next(args);
            arrived();
            await gate;
            const out = await next(args);
            committed = true;
            return out;
          },
          { step: 'initialize', name: hold },
        );
        try {
          const late = reserveLate(o).then(
            () => undefined,
            (error: Error) => error,
          );
          await atReservation;
          // The execution's own ReserveInventory is that invocation: its branch is stopped, which
          // the local engine only does for a task that fails.
          const r = await harness.run(o, {
            faults: { ReserveInventory: new Error('branch stopped'), CreateInvoice: invoiceDown },
          });
          // FAILED: the outcome's compliance event follows the publish (ADR 28).
          expect(r.tasks.slice(-4)).toEqual([
            'RefundPayment',
            'ReleaseInventory',
            'PublishOutcome',
            'PutComplianceEvent',
          ]);
          expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock); // nothing to release yet

          release();
          expect(await late).toMatchObject({ name: 'OrderReleased' });
          expect(committed).toBe(true); // the reservation did land after the release...
          const item = await harness.catalogItem(widget);
          expect(item.stock).toBe(PRODUCTS.widget.stock); // ...and gave its stock back
          expect([...(item.reservedOrders ?? [])]).not.toContain(o.orderId);
          // No Inventory Low for it (its Refund Issued compliance event aside, ADR 28).
          expect(
            harness.publishedEvents.filter((e) => e.Source !== COMPLIANCE_SOURCE && e.Detail?.includes(o.orderId)),
          ).toEqual([]);
        } finally {
          release();
          ddb.middlewareStack.remove(hold);
        }
      });
    });

    test('an order that drops stock below its reorder level emits InventoryLow, and restock refills it once', async () => {
      const { rare } = await seed(harness, 'rare');
      const o = order({ items: [{ productId: rare, quantity: 1 }] });
      const r = await harness.run(o);
      expect(terminal(r).status).toBe('FULFILLED');
      const low = harness.publishedEvents.filter(
        (e) => e.DetailType === 'Inventory Low' && JSON.parse(e.Detail!).orderId === o.orderId,
      );
      expect(low).toHaveLength(1);
      expect(JSON.parse(low[0].Detail!)).toMatchObject({ productId: rare, stock: 0, reorderLevel: 2 });
      expect((await harness.catalogItem(rare)).stock).toBe(5); // 0 + reorderQuantity
    });

    test('the same order delivered twice starts one execution; the duplicate is success, not an error', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }] });
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

    test('a malformed message never starts an execution: it is sidelined to the orders DLQ, the next one goes on', async () => {
      const { widget } = await seed(harness, 'widget');
      const good = order({ items: [{ productId: widget, quantity: 1 }] });
      const poison = '{"orderId": "x", "items": "not-a-list"';
      const before = harness.executions.size;
      const event = sqsEvent([
        { body: poison, group: 'poison' },
        { body: JSON.stringify(good), group: good.customerId },
      ]);
      const result = await harness.handler('start-fulfillment')(event, {});
      expect(result.batchItemFailures).toEqual([]);
      expect(harness.sentMessages.filter((m) => m.MessageDeduplicationId === event.Records[0].messageId)).toEqual([
        expect.objectContaining({
          QueueUrl: harness.environmentOf('start-fulfillment').ORDERS_DLQ_URL,
          MessageBody: poison,
        }),
      ]);
      expect(harness.executions.size).toBe(before + 1);
      expect(terminal(await harness.executions.get(good.orderId)!).status).toBe('FULFILLED');
    });

    test('a malformed order that reaches the workflow ends CANCELLED INVALID_ORDER', async () => {
      const { widget, retired } = await seed(harness, 'widget', 'retired');
      const unknownProduct = order({ items: [{ productId: 'does-not-exist', quantity: 1 }] });
      const retiredProduct = order({ items: [{ productId: retired, quantity: 1 }] });
      const schemaInvalid = {
        ...order({ items: [{ productId: widget, quantity: 1 }] }),
        items: [{ productId: widget, quantity: -5 }],
      };
      for (const input of [unknownProduct, retiredProduct, schemaInvalid]) {
        const r = await harness.run(input);
        expect({ id: input.orderId, statuses: statusesOf(r), reason: terminal(r).reason }).toEqual({
          id: input.orderId,
          statuses: ['ACCEPTED', 'CANCELLED'],
          reason: 'INVALID_ORDER',
        });
        expect(count(r, 'ProcessPayment')).toBe(0);
      }
    });

    describe('FAILED: the execution fails, the status is published, nothing stays charged unnoticed', () => {
      test('a compensation that fails (refund-payment throws during the saga) → FAILED COMPENSATION_FAILED', async () => {
        const { widget, rare } = await seed(harness, 'widget', 'rare');
        const o = order({
          items: [
            { productId: widget, quantity: 1 },
            { productId: rare, quantity: 2 }, // out of stock after payment: the saga runs
          ],
        });
        const r = await harness.run(o, {
          faults: { RefundPayment: new Error('Payment provider answered 500 to the refund') },
        });
        // The execution fails: what the ExecutionsFailed alarm counts.
        expect(r.error).toEqual({ error: 'OrderFailed', cause: 'COMPENSATION_FAILED' });
        expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'FAILED']);
        expect(r.statuses.map((s) => s.state)).toEqual([
          'PublishAccepted',
          'PublishValidated',
          'PublishPaid',
          'PublishOutcome',
        ]);
        expect(terminal(r).reason).toBe('COMPENSATION_FAILED');
        expectContractEvents(r, o);
        expectOneTerminalStatus(r);
        // A compensation retries every error (the profile's compensationMaxAttempts, for minutes), then
        // gives up; the charge is still on record for the operator (docs/runbooks/failed-orders.md).
        expect(r.taskErrors.map((e) => [e.state, e.name])).toEqual([
          ['ReserveInventory', 'OutOfStock'],
          ...Array.from({ length: engines.profile.workflow.compensationMaxAttempts + 1 }, () => [
            'RefundPayment',
            'Error',
          ]),
        ]);
        expect(count(r, 'RefundPayment')).toBe(engines.profile.workflow.compensationMaxAttempts + 1);
        expect(r.tasks.indexOf('RefundPayment')).toBeGreaterThan(r.tasks.lastIndexOf('ProcessPayment'));
        expect(count(r, 'ReleaseInventory')).toBe(0); // the saga stops at the failed step
        expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({ status: 'CHARGED' });
        await expectNoChargeWithoutRefundAttempt(r, o);
        // Nothing stays reserved: reserve-inventory undid its own reservations when it ran out of stock.
        expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock);
      });

      test('an unexpected handler error after payment → refunded, released, FAILED UNEXPECTED_ERROR', async () => {
        const { gadget } = await seed(harness, 'gadget');
        const o = order({ items: [{ productId: gadget, quantity: 2 }] }); // one warehouse: one shipment
        const r = await harness.run(o, {
          faults: { CreateShipment: new TypeError("Cannot read properties of undefined (reading 'carrier')") },
        });
        expect(r.error).toEqual({ error: 'OrderFailed', cause: 'UNEXPECTED_ERROR' });
        expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'FAILED']);
        expect(terminal(r).reason).toBe('UNEXPECTED_ERROR');
        expectContractEvents(r, o);
        expectOneTerminalStatus(r);
        expect(r.taskErrors).toEqual([
          expect.objectContaining({ state: 'CreateShipment', name: 'TypeError', injected: true }),
        ]);
        expect(count(r, 'CreateShipment')).toBe(1); // not a transient error: no retry
        // FAILED: the outcome's compliance event follows the publish (ADR 28).
        expect(r.tasks.slice(-4)).toEqual([
          'RefundPayment',
          'ReleaseInventory',
          'PublishOutcome',
          'PutComplianceEvent',
        ]);
        expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({ status: 'REFUNDED' });
        await expectNoChargeWithoutRefundAttempt(r, o);
        expect((await harness.catalogItem(gadget)).stock).toBe(PRODUCTS.gadget.stock);
      });

      test('an unexpected handler error before payment → FAILED UNEXPECTED_ERROR, nothing charged', async () => {
        const { widget } = await seed(harness, 'widget');
        const o = order({ items: [{ productId: widget, quantity: 1 }] });
        const r = await harness.run(o, { faults: { ValidateOrder: new Error('Requested resource not found') } });
        expect(r.error).toEqual({ error: 'OrderFailed', cause: 'UNEXPECTED_ERROR' });
        expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'FAILED']);
        expect(terminal(r).reason).toBe('UNEXPECTED_ERROR');
        expectContractEvents(r, o);
        expectOneTerminalStatus(r);
        expect(count(r, 'ProcessPayment') + count(r, 'RefundPayment')).toBe(0);
        expect(await harness.record(idempotencyKey('payment', o.orderId))).toBeUndefined();
        expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock);
      });
    });

    test('every execution ends in exactly one terminal status, published once, and every event fits the contract', async () => {
      // Its own orders, one per outcome, run concurrently (handlers interleave; each keeps its environment).
      const { widget, gadget, premium, rare } = await seed(harness, 'widget', 'gadget', 'premium', 'rare');
      const orders: Array<[Order, Parameters<WorkflowHarness['run']>[1]]> = [
        [order({ items: [{ productId: widget, quantity: 1 }] }), {}],
        [order({ items: [{ productId: premium, quantity: 1 }] }), {}],
        [
          order({
            items: [{ productId: premium, quantity: 10 }],
            shippingAddress: { name: 'C', line1: 'x', city: 'Pyongyang', postalCode: '0000', country: 'KP' },
          }),
          {},
        ],
        [order({ items: [{ productId: widget, quantity: 1 }], payment: { token: TEST_PAYMENT_TOKENS.decline } }), {}],
        [order({ items: [{ productId: rare, quantity: 5 }] }), {}],
        [order({ items: [{ productId: gadget, quantity: 1 }], shippingAddress: UNDELIVERABLE }), {}],
        [order({ items: [{ productId: 'does-not-exist', quantity: 1 }] }), {}],
        [order({ items: [{ productId: gadget, quantity: 1 }] }), { faults: { CreateInvoice: new Error('boom') } }],
        // Its shipment fails and then the saga's release: FAILED COMPENSATION_FAILED.
        [
          order({ items: [{ productId: widget, quantity: 1 }], shippingAddress: UNDELIVERABLE }),
          { faults: { ReleaseInventory: new Error('boom') } },
        ],
      ];
      const reports = await Promise.all(orders.map(([o, options]) => harness.run(o, options)));
      expect(new Set(reports.map((r) => terminal(r).status))).toEqual(new Set(['FULFILLED', 'CANCELLED', 'FAILED']));
      reports.forEach((r, i) => {
        expectContractEvents(r, orders[i][0]);
        expectOneTerminalStatus(r);
      });
      for (const [i, r] of reports.entries()) await expectNoChargeWithoutRefundAttempt(r, orders[i][0]);
    });
  });
});
