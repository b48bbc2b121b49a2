import { parseTraceHeader, renderTraceHeader } from '@securecart/contracts/tracing';
import {
  CreateInvoiceInputSchema,
  CreateShipmentInputSchema,
  isForwardTransition,
  OrderItemsInputSchema,
  ORDER_STATUSES,
  parseOrder,
  ProcessPaymentInputSchema,
  PUBLISHED_STATUSES,
  RefundPaymentInputSchema,
  STATUS_SUBSCRIPTIONS,
  TEST_PAYMENT_TOKENS,
  ValidateOrderInputSchema,
  toWorkflowOrder,
} from '@securecart/contracts';

const REF = '0b7e4d2a-9c1f-4e3a-8d5b-6f2a1c3e4b5d';

describe('status contract: consumers apply a status only if it moves the order forward', () => {
  test('a first status is always applied', () => {
    for (const s of ORDER_STATUSES) expect(isForwardTransition(undefined, s)).toBe(true);
  });

  test('the workflow path moves forward; a late, repeated or older status does not', () => {
    expect(isForwardTransition('PENDING', 'ACCEPTED')).toBe(true);
    expect(isForwardTransition('VALIDATED', 'PAID')).toBe(true);
    expect(isForwardTransition('PAID', 'FULFILLED')).toBe(true);
    expect(isForwardTransition('PAID', 'VALIDATED')).toBe(false); // delivered out of order
    expect(isForwardTransition('PAID', 'PAID')).toBe(false); // duplicate delivery
  });

  test('a terminal status is final, whichever terminal status comes later', () => {
    for (const terminal of ['FULFILLED', 'CANCELLED', 'FAILED'] as const) {
      for (const next of ORDER_STATUSES)
        expect({ terminal, next, applied: isForwardTransition(terminal, next) }).toEqual({
          terminal,
          next,
          applied: false,
        });
    }
  });

  test('every subscription receives only published statuses', () => {
    for (const statuses of Object.values(STATUS_SUBSCRIPTIONS)) {
      for (const s of statuses) expect(PUBLISHED_STATUSES).toContain(s);
    }
    expect(PUBLISHED_STATUSES).not.toContain('PENDING');
  });
});

describe('order schema', () => {
  const valid = {
    schemaVersion: 1,
    orderId: 'ord-1',
    customerId: 'c-1',
    createdAt: '2026-11-21T09:00:00.000Z',
    currency: 'USD',
    items: [{ productId: 'p-1', quantity: 2 }],
    shippingAddress: { name: 'A', line1: 'x', city: 'y', postalCode: '1', country: 'NL' },
    payment: { token: TEST_PAYMENT_TOKENS.approve },
  };

  test('accepts a valid order and keeps it as sent', () => {
    expect(parseOrder(valid)).toEqual({ ok: true, order: valid });
  });

  test('names every problem with its path, in plain English', () => {
    const r = parseOrder({
      ...valid,
      orderId: 'has space',
      items: [{ productId: 'p-1', quantity: 0 }],
      shippingAddress: { ...valid.shippingAddress, country: 'nl' },
    });
    expect(r.ok).toBe(false);
    const problems = (r as { problems: string[] }).problems;
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'items.0.quantity',
      'orderId',
      'shippingAddress.country',
    ]);
    expect(problems.join('\n')).toMatch(/Too small: expected number to be >=1/);
  });
});

describe('step input schemas: what each workflow step accepts', () => {
  const problems = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
    (result.error?.issues ?? []).map((i) => i.path.join('.')).sort();

  test('stock steps take merged items: extra fields dropped, quantities above 100 allowed', () => {
    const r = OrderItemsInputSchema.safeParse({
      orderId: 'ord-1',
      items: [{ productId: 'p-1', quantity: 250, name: 'Mug', lineTotalCents: 100 }],
      extra: true,
    });
    expect(r).toEqual({ success: true, data: { orderId: 'ord-1', items: [{ productId: 'p-1', quantity: 250 }] } });
  });

  test('stock steps name every problem by its path', () => {
    const r = OrderItemsInputSchema.safeParse({
      orderId: 'bad id!',
      items: [{ productId: '', quantity: 0 }, { productId: 'p'.repeat(65), quantity: 1.5 }, 'x'],
    });
    expect(problems(r)).toEqual([
      'items.0.productId',
      'items.0.quantity',
      'items.1.productId',
      'items.1.quantity',
      'items.2',
      'orderId',
    ]);
    expect(problems(OrderItemsInputSchema.safeParse({ orderId: 'o', items: [] }))).toEqual(['items']);
  });

  test('ProcessPayment: attempt defaults to 0; amounts are positive integers; a claim reference, never a token', () => {
    const valid = { orderId: 'o', customerId: 'c', amountCents: 1, claim: REF };
    expect(ProcessPaymentInputSchema.parse(valid)).toEqual({ ...valid, attempt: 0 });
    expect(ProcessPaymentInputSchema.parse({ ...valid, attempt: 2 }).attempt).toBe(2);
    // A token handed in is dropped: the step reads it from the claim (docs/adr/0019).
    expect(ProcessPaymentInputSchema.parse({ ...valid, paymentToken: 'tok_approve' })).not.toHaveProperty(
      'paymentToken',
    );
    const r = ProcessPaymentInputSchema.safeParse({
      ...valid,
      customerId: 'c'.repeat(129),
      amountCents: 0,
      claim: 'tok_approve',
      attempt: null,
    });
    expect(problems(r)).toEqual(['amountCents', 'attempt', 'claim', 'customerId']);
  });

  test('CreateInvoice: non-empty priced lines, zero prices allowed, integer totals', () => {
    const line = {
      productId: 'p',
      name: 'Free sample',
      quantity: 1,
      unitPriceCents: 0,
      lineTotalCents: 0,
      warehouse: 'w',
    };
    expect(
      CreateInvoiceInputSchema.safeParse({ orderId: 'o', customerId: 'c', lines: [line], totalCents: 0 }).success,
    ).toBe(true);
    const r = CreateInvoiceInputSchema.safeParse({
      orderId: 'o',
      customerId: 'c',
      lines: [{ ...line, name: '', unitPriceCents: -1 }],
      totalCents: 1.5,
    });
    expect(problems(r)).toEqual(['lines.0.name', 'lines.0.unitPriceCents', 'totalCents']);
  });

  test('CreateShipment: the shipment and the claim reference are checked; an address handed in is dropped', () => {
    const r = CreateShipmentInputSchema.safeParse({
      orderId: 'o',
      shipment: { shipmentId: 's'.repeat(201), warehouse: 'w', items: [{ productId: 'p', quantity: 500 }] },
      claim: 'not-a-uuid',
    });
    expect(problems(r)).toEqual(['claim', 'shipment.shipmentId']);
    const parsed = CreateShipmentInputSchema.parse({
      orderId: 'o',
      shipment: { shipmentId: 's', warehouse: 'w', items: [{ productId: 'p', quantity: 1 }] },
      claim: REF,
      shippingAddress: { name: 'A', line1: 'x', city: 'y', postalCode: '1', country: 'NL' },
    });
    expect(parsed).not.toHaveProperty('shippingAddress');
  });

  test('RefundPayment and ValidateOrder', () => {
    expect(problems(RefundPaymentInputSchema.safeParse({ orderId: '' }))).toEqual(['claim', 'orderId']);
    expect(problems(ValidateOrderInputSchema.safeParse({}))).toEqual(['order']);
  });

  test('the workflow order: the order without token and address, with the country and the claim reference', () => {
    const order = {
      schemaVersion: 1 as const,
      orderId: 'o',
      customerId: 'c',
      createdAt: '2026-01-01T00:00:00.000Z',
      currency: 'USD' as const,
      items: [{ productId: 'p', quantity: 1 }],
      shippingAddress: { name: 'A', line1: 'x', city: 'y', postalCode: '1', country: 'NL' },
      payment: { token: 'tok_approve' },
    };
    const workflow = toWorkflowOrder(order, REF);
    expect(workflow).toEqual({
      ...order,
      shippingAddress: undefined,
      payment: undefined,
      shippingCountry: 'NL',
      claim: REF,
    });
    expect(JSON.stringify(workflow)).not.toMatch(/tok_|"name"|line1|postalCode/);
    expect(ValidateOrderInputSchema.safeParse({ order: workflow }).success).toBe(true);
    // The order as the queue carries it is no workflow order.
    expect(problems(ValidateOrderInputSchema.safeParse({ order }))).toEqual(['order.claim', 'order.shippingCountry']);
  });
});

describe('the X-Ray trace header (contracts/tracing.ts)', () => {
  const ROOT = '1-5759e988-bd862e3fe1be46a994272793';

  test('parseTraceHeader reads Root, Parent and Sampled in any order and ignores other fields', () => {
    expect(parseTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`)).toEqual({
      traceId: ROOT,
      parentId: '53995c3f42cd8ad8',
      sampled: true,
    });
    // As the ALB forwards API Gateway's header: with a Self field in front.
    expect(
      parseTraceHeader(`Self=1-6755a1b1-89abcdef0123456789abcdef;Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`),
    ).toEqual({ traceId: ROOT, parentId: '53995c3f42cd8ad8', sampled: true });
    expect(parseTraceHeader(`Sampled=0;Lineage=a87bd80c:1|68fd508a:5;Root=${ROOT}`)).toEqual({
      traceId: ROOT,
      parentId: undefined,
      sampled: false,
    });
  });

  test.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a root that is not a trace id', 'Root=not-a-trace;Sampled=1'],
    ['an injected root', `Root=${ROOT}\nSampled=1;Parent=53995c3f42cd8ad8`],
    ['an overlong header', `Root=${ROOT};Sampled=1;${'x'.repeat(1100)}`],
  ])('parseTraceHeader refuses %s', (_name, header) => {
    expect(parseTraceHeader(header)).toBeUndefined();
  });

  test('a malformed parent is dropped, the rest kept', () => {
    expect(parseTraceHeader(`Root=${ROOT};Parent=zz;Sampled=1`)).toEqual({
      traceId: ROOT,
      parentId: undefined,
      sampled: true,
    });
  });

  test('renderTraceHeader writes what parseTraceHeader reads back', () => {
    for (const trace of [
      { traceId: ROOT, parentId: '53995c3f42cd8ad8', sampled: true },
      { traceId: ROOT, parentId: undefined, sampled: false },
    ]) {
      const header = renderTraceHeader(trace);
      expect(header).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}(;Parent=[0-9a-f]{16})?;Sampled=[01]$/);
      expect(parseTraceHeader(header)).toEqual(trace);
    }
    expect(renderTraceHeader({ traceId: ROOT, sampled: true })).toBe(`Root=${ROOT};Sampled=1`);
  });
});
