import {
  isForwardTransition,
  ORDER_STATUSES,
  parseOrder,
  PUBLISHED_STATUSES,
  STATUS_SUBSCRIPTIONS,
  TEST_PAYMENT_TOKENS,
} from '../lib/contracts';

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
