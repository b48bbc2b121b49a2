import { SendTaskHeartbeatCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import {
  AWS_TRANSIENT_ERRORS,
  COMPLIANCE_DETAIL_TYPES,
  EXECUTION_ALREADY_EXISTS_ERROR,
  EXECUTION_NAME_PATTERN,
  idempotencyKey,
  ORDER_ID_PATTERN,
  OrderStatus,
  PICKUP_REQUESTED_DETAIL_TYPE,
  SHIP_ORDER_ERRORS,
  ShipOrderInputSchema,
  shipOrderExecutionName,
  ShipOrderOutputSchema,
  TEST_PAYMENT_TOKENS,
} from '@securecart/contracts';
import { allStates, definitionOf } from '../helpers/asl';
import { ACCOUNT, ExecutionReport, REGION, WorkflowHarness } from '../helpers/workflow-harness';
import {
  count,
  expectContractEvents,
  expectOneTerminalStatus,
  harnessOn,
  localEngines,
  order,
  PRODUCTS,
  seed,
  statusesOf,
  terminal,
  UNDELIVERABLE,
} from './fixtures';

/*
 * ShipOrder, the shipping sub-workflow (docs/adr/0029): OrderFulfillment starts one child per
 * package with states:startExecution.sync:2; the harness runs the child's synthesized definition
 * with the real handlers (create-shipment, carrier-pickup through the synthesized PickupRequested
 * rule, commit-shipment). Each named error of the child ends in the parent's saga.
 */
describe('ShipOrder, the shipping sub-workflow (synthesized definitions, real handlers, local engines)', () => {
  const engines = localEngines();
  let harness: WorkflowHarness;
  harnessOn(engines, (h) => (harness = h));

  /** The parent's `$$.Execution.Id` as the harness runs it. */
  const parentExecution = (orderId: string) =>
    `arn:aws:states:${REGION}:${ACCOUNT}:execution:OrderFulfillment:${orderId}`;
  const childError = (r: ExecutionReport) => r.children.map((c) => c.error?.error);

  test('the definitions: sync:2 per package of the Map, a task-token pickup wait with the profile heartbeat and timeout', () => {
    const resources = engines.pipelineTemplate().toJSON().Resources;
    const parent = allStates(definitionOf(resources));
    expect(parent.ShipOrder.Resource).toMatch(/:states:::states:startExecution\.sync:2$/);
    expect(parent.ShipOrder.Parameters).toMatchObject({
      'Name.$': '$.executionName',
      Input: { 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id', 'claim.$': '$.claim' },
    });
    expect(parent.CreateShipments.ItemProcessor.StartAt).toBe('ShipOrder');
    const child = allStates(definitionOf(resources, 'ShipOrder'));
    const pickup = engines.profile.workflow.pickup;
    expect(child.WaitForPickup).toMatchObject({
      Resource: expect.stringMatching(/events:putEvents\.waitForTaskToken$/),
      HeartbeatSeconds: pickup.heartbeat.toSeconds(),
      TimeoutSeconds: pickup.timeout.toSeconds(),
    });
    expect(child.WaitForPickup.Parameters.Entries[0]).toMatchObject({ DetailType: PICKUP_REQUESTED_DETAIL_TYPE });
    // Every Fail state of the child raises one of the contract's named errors, with a fixed cause,
    // but the one after the label's compensation, which raises the package's error as recorded.
    const fails = Object.values(child).filter((s: any) => s.Type === 'Fail');
    expect(
      fails
        .filter((f: any) => f.Error)
        .map((f: any) => f.Error)
        .sort(),
    ).toEqual([SHIP_ORDER_ERRORS.carrierUnavailable, SHIP_ORDER_ERRORS.shipmentFailed].sort());
    for (const f of fails.filter((x: any) => x.Error)) expect(typeof f.Cause).toBe('string');
    expect(child.ShipmentAbandoned).toEqual({
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
    // Before it, CancelShipment: reached from every failure once the label exists, its own failure caught.
    const intoCancel = Object.entries<any>(child)
      .filter(([, s]) => s.Next === 'CancelShipment')
      .map(([n]) => n)
      .sort();
    expect(intoCancel).toEqual(['CommitFailed', 'NoPickupInTime', 'PickupRefused']);
    expect(child.NoPickupInTime.Result).toMatchObject({ Error: SHIP_ORDER_ERRORS.pickupTimedOut, PickedUpAt: null });
    expect(child.CancelShipment.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.labelVoid', Next: 'ShipmentAbandoned' },
    ]);
    // Only intake starts OrderFulfillment, only OrderFulfillment starts ShipOrder.
    const starts = Object.entries<any>(resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
      .flatMap(([id, r]) =>
        r.Properties.PolicyDocument.Statement.filter((st: any) => st.Action === 'states:StartExecution').map(
          (st: any) => `${id.replace(/[0-9A-F]{8}$/, '')} → ${st.Resource.Ref.replace(/[0-9A-F]{8}$/, '')}`,
        ),
      );
    expect(starts.sort()).toEqual([
      'OrderFulfillmentStateMachineRoleDefaultPolicy → ShipOrderStateMachine',
      'OrderIntakeStartFulfillmentRoleDefaultPolicy → OrderFulfillmentStateMachine',
    ]);
  });

  test('every package runs as a child named <orderId>-pkg<i>, traced with the parent, its JSON output read; stock committed after the pickup', async () => {
    const { widget, gadget } = await seed(harness, 'widget', 'gadget');
    const o = order({
      items: [
        { productId: widget, quantity: 2 },
        { productId: gadget, quantity: 1 },
      ],
    });
    harness.sfnMock.resetHistory();
    const r = await harness.run(o);
    expect(r.error).toBeUndefined();
    expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED']);
    expect(r.children.map((c) => c.name).sort()).toEqual([`${o.orderId}-pkg0`, `${o.orderId}-pkg1`]);
    for (const c of r.children) {
      expect(c.stateMachineArn).toMatch(/:stateMachine:securecart-sandbox-ShipOrder$/);
      expect(c.input.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID).toBe(parentExecution(o.orderId));
      expect(ShipOrderInputSchema.safeParse(c.input).success).toBe(true);
      expect(ShipOrderOutputSchema.parse(c.output)).toEqual(c.output);
    }
    // The parent's shipments are the children's outputs, in package order.
    const byName = Object.fromEntries(r.children.map((c) => [c.name, c.output]));
    expect(r.output.shipments).toEqual([byName[`${o.orderId}-pkg0`], byName[`${o.orderId}-pkg1`]]);
    // The carrier confirmed each pickup through the synthesized rule and the task token.
    const confirmations = harness.sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input);
    expect(confirmations.filter((c) => c.taskToken?.startsWith(`token-${o.orderId}-pkg`))).toHaveLength(2);
    // Each preceded by the carrier's heartbeat on the same token.
    const heartbeats = harness.sfnMock.commandCalls(SendTaskHeartbeatCommand).map((c) => c.args[0].input.taskToken);
    expect(heartbeats.filter((t) => t?.startsWith(`token-${o.orderId}-pkg`)).sort()).toEqual(
      confirmations
        .map((c) => c.taskToken)
        .filter((t) => t?.startsWith(`token-${o.orderId}-pkg`))
        .sort(),
    );
    expect(count(r, 'WaitForPickup')).toBe(2);
    expect(count(r, 'CommitShipment')).toBe(2);
    expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock - 2);
    expect([...((await harness.catalogItem(widget)).reservedOrders ?? [])]).not.toContain(o.orderId);
  });

  describe('a child name already taken (Step Functions: ExecutionAlreadyExists unless RUNNING with the same input)', () => {
    const via = (r: ExecutionReport) => r.children.map((c) => c.via);
    const shipped = (r: ExecutionReport) =>
      count(r, 'CreateShipment') + count(r, 'WaitForPickup') + count(r, 'CommitShipment');

    test('a second start while the child RUNS with the same input joins it: one booking, both parents get its output', async () => {
      const { gadget } = await seed(harness, 'gadget');
      const input = await harness.handOff(order({ items: [{ productId: gadget, quantity: 1 }] }));
      const [a, b] = await Promise.all([harness.start(input), harness.start(input)]);
      expect([terminal(a).status, terminal(b).status]).toEqual(['FULFILLED', 'FULFILLED']);
      expect([...via(a), ...via(b)]).toEqual(['start', 'start']);
      expect(count(a, 'DescribeShipOrder') + count(b, 'DescribeShipOrder')).toBe(0);
      // The child's states are recorded once, in the report of the parent that started it.
      expect(shipped(a) + shipped(b)).toBe(3);
      expect(b.output.shipments).toEqual(a.output.shipments);
    });

    test('restart after the child SUCCEEDED: ExecutionAlreadyExists, the child described, its output the package result; nothing shipped twice', async () => {
      const { gadget } = await seed(harness, 'gadget');
      const o = order({ items: [{ productId: gadget, quantity: 1 }] });
      const input = await harness.handOff(o);
      const first = await harness.start(input);
      expect(terminal(first).status).toBe('FULFILLED');
      // The same execution input again (a redriven parent): the same child name and input.
      const again = await harness.start(input);
      expect(again.history).toContainEqual(
        expect.objectContaining({ type: 'StateFailed', Error: EXECUTION_ALREADY_EXISTS_ERROR }),
      );
      expect(terminal(again).status).toBe('FULFILLED');
      expect(again.children.map((c) => [c.name, c.via])).toEqual([[`${o.orderId}-pkg0`, 'describe']]);
      expect(count(again, 'DescribeShipOrder')).toBe(1);
      expect(shipped(again)).toBe(0);
      expect(again.output.shipments).toEqual(first.output.shipments);
      expect(ShipOrderOutputSchema.parse(again.output.shipments[0])).toEqual(first.output.shipments[0]);
    });

    /** The start's answer lost once (the child ran to its end): the retried start finds the name taken. */
    const answerLostOnce = {
      lostAnswers: {
        ShipOrder: (attempt: number) =>
          attempt === 0
            ? Object.assign(new Error('connection reset'), { name: AWS_TRANSIENT_ERRORS.stepFunctions[0] })
            : undefined,
      },
    };

    test('a retried start after the child SUCCEEDED (its answer lost): the child described, its output taken; booked once', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 2 }] });
      const r = await harness.run(o, answerLostOnce);
      expect(terminal(r).status).toBe('FULFILLED');
      expect(count(r, 'ShipOrder')).toBe(2);
      expect(r.children.map((c) => c.via)).toEqual(['start', 'describe']);
      expect([count(r, 'CreateShipment'), count(r, 'WaitForPickup'), count(r, 'CommitShipment')]).toEqual([1, 1, 1]);
      expect(r.output.shipments).toEqual([r.children[0].output]);
      expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock - 2);
    });

    test('a retried start after the child FAILED (ShipmentFailed): its named error, CANCELLED SHIPMENT_FAILED after the saga; booked once', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }], shippingAddress: UNDELIVERABLE });
      const r = await harness.run(o, answerLostOnce);
      expect(r.children.map((c) => [c.via, c.error?.error])).toEqual([
        ['start', SHIP_ORDER_ERRORS.shipmentFailed],
        ['describe', SHIP_ORDER_ERRORS.shipmentFailed],
      ]);
      expect(count(r, 'CreateShipment')).toBe(1);
      expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'SHIPMENT_FAILED' });
      expect(r.tasks.slice(-3)).toEqual(['RefundPayment', 'ReleaseInventory', 'PublishOutcome']);
      expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({ status: 'REFUNDED' });
      expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock);
    });

    test('a retried start after the child failed with an unnamed error (a TypeError): FAILED UNEXPECTED_ERROR after the saga', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }] });
      const r = await harness.run(o, { ...answerLostOnce, faults: { CommitShipment: new TypeError('boom') } });
      expect(r.children.map((c) => [c.via, c.error?.error])).toEqual([
        ['start', 'TypeError'],
        ['describe', 'TypeError'],
      ]);
      expect(count(r, 'CreateShipment')).toBe(1);
      expect(terminal(r)).toMatchObject({ status: 'FAILED', reason: 'UNEXPECTED_ERROR' });
      expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock);
    });

    test('the name taken by another input (another claim): its result is not taken; FAILED UNEXPECTED_ERROR after the saga', async () => {
      const { gadget } = await seed(harness, 'gadget');
      const o = order({ items: [{ productId: gadget, quantity: 1 }] });
      const first = await harness.run(o);
      expect(terminal(first).status).toBe('FULFILLED');
      // The same order handed off again: a new claim reference, so the child's input differs.
      const other = await harness.run(o);
      expect(other.children.map((c) => c.via)).toEqual(['describe']);
      expect(other.output).toBeUndefined();
      expect(count(other, 'DescribeShipOrder')).toBe(1);
      expect(shipped(other)).toBe(0);
      expect(JSON.stringify(other.history)).toContain('ShipOrderNameTaken');
      expect(terminal(other)).toMatchObject({ status: 'FAILED', reason: 'UNEXPECTED_ERROR' });
    });
  });

  test('hostile ids: the longest order id and a warehouse full of forbidden characters still give valid execution names', async () => {
    const orderId = `${'A-_z9'.repeat(12)}Zz-_`; // 64 characters, every kind ORDER_ID_PATTERN allows
    expect(orderId).toMatch(ORDER_ID_PATTERN);
    // Shipment ids are `<orderId>-<warehouse>`, at most 200 characters (the step contract).
    const warehouse = `Dock 7/<B>{*}[?]#%"\\^|~\`$&,;:${'x'.repeat(100)}`;
    const productId = `hostile-${Date.now()}`;
    await harness.seedCatalog([
      {
        productId,
        name: 'Hostile',
        priceCents: 100,
        stock: 5,
        reorderLevel: 1,
        reorderQuantity: 1,
        warehouse,
        active: true,
      },
    ]);
    const r = await harness.run(order({ orderId, items: [{ productId, quantity: 1 }] }));
    expect(terminal(r).status).toBe('FULFILLED');
    expect(r.children.map((c) => c.name)).toEqual([shipOrderExecutionName(orderId, 0)]);
    for (const c of r.children) expect(c.name).toMatch(EXECUTION_NAME_PATTERN);
    expect(shipOrderExecutionName(orderId, 999).length).toBeLessThanOrEqual(80);
    // The pattern refuses what Step Functions refuses (it can fail).
    for (const bad of ['a b', 'a/b', 'a{b', 'x'.repeat(81), '', 'ü\u0007'])
      expect({ bad, ok: EXECUTION_NAME_PATTERN.test(bad) }).toEqual({ bad, ok: false });
    expect(ShipOrderInputSchema.safeParse({ ...r.children[0].input, orderId: 'ord 1/../x' }).success).toBe(false);
  });

  describe('each named error of the child ends in the parent saga: refunded and released', () => {
    async function expectRefundedAndReleased(r: ExecutionReport, orderId: string, productId: string, stock: number) {
      expectOneTerminalStatus(r);
      // A FAILED order also reports itself to the audit account after its outcome (ADR 28); a CANCELLED one does not.
      const failed = terminal(r).status === 'FAILED';
      const last = ['RefundPayment', 'ReleaseInventory', 'PublishOutcome', ...(failed ? ['PutComplianceEvent'] : [])];
      expect(r.tasks.slice(-last.length)).toEqual(last);
      expect(r.compliance.map((c) => c.detailType)).toEqual(failed ? [COMPLIANCE_DETAIL_TYPES.orderFailed] : []);
      expect(await harness.record(idempotencyKey('payment', orderId))).toMatchObject({ status: 'REFUNDED' });
      expect((await harness.catalogItem(productId)).stock).toBe(stock);
    }

    test('ShipmentFailed (the carrier refuses the address) → CANCELLED SHIPMENT_FAILED; the cause names no address', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }], shippingAddress: UNDELIVERABLE });
      const r = await harness.run(o);
      expect(childError(r)).toEqual([SHIP_ORDER_ERRORS.shipmentFailed]);
      expect(r.children[0].error!.cause).not.toContain(UNDELIVERABLE.postalCode);
      expect(statusesOf(r)).toEqual<OrderStatus[]>(['ACCEPTED', 'VALIDATED', 'PAID', 'CANCELLED']);
      expect(terminal(r).reason).toBe('SHIPMENT_FAILED');
      expect(count(r, 'WaitForPickup')).toBe(0);
      expectContractEvents(r, o);
      await expectRefundedAndReleased(r, o.orderId, widget, PRODUCTS.widget.stock);
    });

    test('CarrierUnavailable (booking retried 3 times) → the saga, then FAILED UNEXPECTED_ERROR as before the split', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }] });
      const r = await harness.run(o, {
        faults: { CreateShipment: Object.assign(new Error('carrier down'), { name: 'CarrierUnavailable' }) },
      });
      expect(count(r, 'CreateShipment')).toBe(4);
      expect(childError(r)).toEqual([SHIP_ORDER_ERRORS.carrierUnavailable]);
      expect(terminal(r)).toMatchObject({ status: 'FAILED', reason: 'UNEXPECTED_ERROR' });
      expect(r.error).toEqual({ error: 'OrderFailed', cause: 'UNEXPECTED_ERROR' });
      await expectRefundedAndReleased(r, o.orderId, widget, PRODUCTS.widget.stock);
    });

    test('PickupTimedOut by TimeoutSeconds (the carrier never answers) → CANCELLED SHIPMENT_FAILED; the stock comes back', async () => {
      const { gadget } = await seed(harness, 'gadget');
      const o = order({ items: [{ productId: gadget, quantity: 2 }] });
      const r = await harness.run(o, { pickup: { carrierDown: true, heartbeatSeconds: null, timeoutSeconds: 1 } });
      expect(childError(r)).toEqual([SHIP_ORDER_ERRORS.pickupTimedOut]);
      expect(JSON.stringify(r.history)).toContain('States.Timeout');
      expect(count(r, 'CommitShipment')).toBe(0);
      expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'SHIPMENT_FAILED' });
      await expectRefundedAndReleased(r, o.orderId, gadget, PRODUCTS.gadget.stock);
    });

    test('PickupTimedOut by HeartbeatSeconds (no heartbeat from the carrier) → CANCELLED SHIPMENT_FAILED', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 3 }] });
      const r = await harness.run(o, { pickup: { carrierDown: true, heartbeatSeconds: 1, timeoutSeconds: 60 } });
      expect(childError(r)).toEqual([SHIP_ORDER_ERRORS.pickupTimedOut]);
      expect(JSON.stringify(r.history)).toContain('States.HeartbeatTimeout');
      expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'SHIPMENT_FAILED' });
      await expectRefundedAndReleased(r, o.orderId, widget, PRODUCTS.widget.stock);
    });

    test('an unnamed failure of the child (a bug in commit-shipment) → the saga, then FAILED UNEXPECTED_ERROR', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }], payment: { token: TEST_PAYMENT_TOKENS.approve } });
      const r = await harness.run(o, { faults: { CommitShipment: new TypeError('boom') } });
      expect(childError(r)).toEqual(['TypeError']);
      expect(terminal(r)).toMatchObject({ status: 'FAILED', reason: 'UNEXPECTED_ERROR' });
      await expectRefundedAndReleased(r, o.orderId, widget, PRODUCTS.widget.stock);
    });
  });

  describe('the label of a package that fails after its booking is voided first (CancelShipment), and the error stands', () => {
    const voidRecord = (orderId: string, shipmentId: string) =>
      harness.record(idempotencyKey('label-void', orderId, shipmentId));

    test('no pickup in time: the label voided once, then PickupTimedOut → CANCELLED SHIPMENT_FAILED, refunded and released', async () => {
      const { gadget } = await seed(harness, 'gadget');
      const o = order({ items: [{ productId: gadget, quantity: 1 }] });
      const r = await harness.run(o, { pickup: { carrierDown: true, heartbeatSeconds: null, timeoutSeconds: 1 } });
      expect(count(r, 'CancelShipment')).toBe(1);
      const shipmentId = `${o.orderId}-${PRODUCTS.gadget.warehouse}`;
      expect(await voidRecord(o.orderId, shipmentId)).toMatchObject({ kind: 'label-void', shipmentId });
      expect(r.children[0].error).toEqual({
        error: SHIP_ORDER_ERRORS.pickupTimedOut,
        cause: 'No pickup confirmation from the carrier in time',
      });
      expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'SHIPMENT_FAILED' });
      expect((await harness.catalogItem(gadget)).stock).toBe(PRODUCTS.gadget.stock);
    });

    test('CommitShipment failing for good after the pickup: the carrier refuses the void, the raw error stands (FAILED UNEXPECTED_ERROR)', async () => {
      const { widget } = await seed(harness, 'widget');
      const o = order({ items: [{ productId: widget, quantity: 1 }] });
      const r = await harness.run(o, { faults: { CommitShipment: new TypeError('boom') } });
      expect(count(r, 'CancelShipment')).toBe(1);
      expect(await voidRecord(o.orderId, `${o.orderId}-${PRODUCTS.widget.warehouse}`)).toBeUndefined();
      expect(r.children[0].error).toEqual({ error: 'TypeError', cause: expect.stringContaining('boom') });
      expect(terminal(r)).toMatchObject({ status: 'FAILED', reason: 'UNEXPECTED_ERROR' });
    });

    test('the void failing for good does not lose the package error: PickupTimedOut still, CANCELLED SHIPMENT_FAILED', async () => {
      const { gadget } = await seed(harness, 'gadget');
      const o = order({ items: [{ productId: gadget, quantity: 1 }] });
      const r = await harness.run(o, {
        pickup: { carrierDown: true, heartbeatSeconds: null, timeoutSeconds: 1 },
        faults: { CancelShipment: new Error('carrier API down') },
      });
      expect(count(r, 'CancelShipment')).toBe(1 + engines.profile.workflow.compensationMaxAttempts);
      expect(childError(r)).toEqual([SHIP_ORDER_ERRORS.pickupTimedOut]);
      expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'SHIPMENT_FAILED' });
      expect(await harness.record(idempotencyKey('payment', o.orderId))).toMatchObject({ status: 'REFUNDED' });
    });

    test('a booking refused (no label) voids nothing', async () => {
      const { widget } = await seed(harness, 'widget');
      const r = await harness.run(
        order({ items: [{ productId: widget, quantity: 1 }], shippingAddress: UNDELIVERABLE }),
      );
      expect(childError(r)).toEqual([SHIP_ORDER_ERRORS.shipmentFailed]);
      expect(count(r, 'CancelShipment')).toBe(0);
    });
  });
});
