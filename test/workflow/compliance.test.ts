import fc from 'fast-check';
import {
  COMPLIANCE_DETAIL_TYPES,
  COMPLIANCE_SOURCE,
  complianceProblems,
  ComplianceDetailType,
  Order,
  TEST_PAYMENT_TOKENS,
} from '@securecart/contracts';
import { ExecutionReport, WorkflowHarness } from '../helpers/workflow-harness';
import { harnessOn, localEngines, order, seed, terminal } from './fixtures';

/*
 * The workflow's compliance events (ADR 28): each outcome that is one puts exactly one event of
 * its detail-type, valid against the contract, with ids only; other outcomes put none. Real
 * handlers, the synthesized definition, local engines.
 */

/** The order's token and address values: none may reach a compliance event. */
const secretsOf = (o: Order) => {
  const a = o.shippingAddress;
  return [o.payment.token, a.name, a.line1, a.line2, a.city, a.postalCode].filter(
    (v): v is string => typeof v === 'string' && v.length >= 3,
  );
};

function expectCompliance(r: ExecutionReport, o: Order, detailType: ComplianceDetailType | undefined) {
  expect(r.compliance.map((c) => c.detailType)).toEqual(detailType ? [detailType] : []);
  for (const c of r.compliance) {
    expect(c.source).toBe(COMPLIANCE_SOURCE);
    expect(complianceProblems(c.detailType, c.detail)).toEqual([]);
    expect(c.detail).toMatchObject({ orderId: o.orderId, customerId: o.customerId, status: terminal(r).status });
    const text = JSON.stringify(c.detail);
    expect(secretsOf(o).filter((s) => text.includes(s))).toEqual([]);
  }
}

describe('compliance events of the workflow (synthesized definition, real handlers)', () => {
  const engines = localEngines();
  let harness: WorkflowHarness;
  harnessOn(engines, (h) => (harness = h));

  const KP = { name: 'C', line1: 'x', city: 'Pyongyang', postalCode: '0000', country: 'KP' };

  test('fraud rejected: one Fraud Rejected event, CANCELLED FRAUD_REJECTED, ids only', async () => {
    const { premium } = await seed(harness, 'premium');
    const o = order({ items: [{ productId: premium, quantity: 10 }], shippingAddress: KP });
    const r = await harness.run(o);
    expect(terminal(r).reason).toBe('FRAUD_REJECTED');
    expectCompliance(r, o, COMPLIANCE_DETAIL_TYPES.fraudRejected);
    expect(r.compliance[0].detail).toEqual({
      schemaVersion: 1,
      orderId: o.orderId,
      customerId: o.customerId,
      status: 'CANCELLED',
      reason: 'FRAUD_REJECTED',
      occurredAt: expect.any(String),
      executionId: expect.stringMatching(/^arn:aws:states:.*:execution:/),
    });
  });

  test('fraud review timed out, payment declined, order FAILED: their own detail-types', async () => {
    const { premium, widget } = await seed(harness, 'premium', 'widget');
    const timedOut = order({ items: [{ productId: premium, quantity: 1 }] });
    const r1 = await harness.run(timedOut, { screeningTimeoutSeconds: 1, screeningTargetDown: true });
    expectCompliance(r1, timedOut, COMPLIANCE_DETAIL_TYPES.fraudReviewTimedOut);

    const declined = order({
      items: [{ productId: widget, quantity: 1 }],
      payment: { token: TEST_PAYMENT_TOKENS.decline },
    });
    expectCompliance(await harness.run(declined), declined, COMPLIANCE_DETAIL_TYPES.paymentDeclined);

    const failed = order({ items: [{ productId: widget, quantity: 1 }] });
    const r3 = await harness.run(failed, { faults: { CreateInvoice: new Error('boom') } });
    expect(terminal(r3).status).toBe('FAILED');
    expectCompliance(r3, failed, COMPLIANCE_DETAIL_TYPES.orderFailed);
    expect(r3.error?.error).toBe('OrderFailed'); // the compliance event does not change how it ends
  });

  test('a fulfilled order, and one cancelled out of stock, put no compliance event', async () => {
    const { widget, rare } = await seed(harness, 'widget', 'rare');
    const fulfilled = order({ items: [{ productId: widget, quantity: 1 }] });
    const r = await harness.run(fulfilled);
    expect(terminal(r).status).toBe('FULFILLED');
    expectCompliance(r, fulfilled, undefined);
    const outOfStock = order({ items: [{ productId: rare, quantity: 2 }] });
    const r2 = await harness.run(outOfStock);
    expect(terminal(r2).reason).toBe('OUT_OF_STOCK');
    expectCompliance(r2, outOfStock, undefined);
  });

  test('property: whatever the address and the token, the event carries neither (declined and fraud-rejected orders)', async () => {
    const { premium, widget } = await seed(harness, 'premium', 'widget');
    // Hostile but valid address text (the order schema refuses control characters) and test tokens.
    const text = fc.stringMatching(/^[A-Za-z0-9 '"<>{}\\/$.,:;@#%&*+=?!-]{3,40}$/).filter((s) => s.trim().length >= 3);
    await fc.assert(
      fc.asyncProperty(
        fc.record({ name: text, line1: text, city: text, postalCode: fc.stringMatching(/^[A-Z0-9-]{3,10}$/) }),
        fc.boolean(),
        async (address, fraud) => {
          const o = fraud
            ? order({ items: [{ productId: premium, quantity: 10 }], shippingAddress: { ...address, country: 'KP' } })
            : order({
                items: [{ productId: widget, quantity: 1 }],
                shippingAddress: { ...address, country: 'NL' },
                payment: { token: TEST_PAYMENT_TOKENS.decline },
              });
          const r = await harness.run(o);
          expectCompliance(
            r,
            o,
            fraud ? COMPLIANCE_DETAIL_TYPES.fraudRejected : COMPLIANCE_DETAIL_TYPES.paymentDeclined,
          );
        },
      ),
      { numRuns: 8, seed: 28 },
    );
  });
});
