import { idempotencyKey, TEST_PAYMENT_TOKENS } from '@securecart/contracts';
import { providerLedger } from '../../lambda/shared/payment-provider';
import { WorkflowHarness } from '../helpers/workflow-harness';
import {
  count,
  expectContractEvents,
  expectOneTerminalStatus,
  harnessOn,
  localEngines,
  order,
  PRODUCTS,
  seed,
  terminal,
} from './fixtures';

/*
 * Payments that cannot leave a customer charged (docs/adr/0018). The handlers run in this test
 * file's module registry, so the simulated provider's ledger they write is the one read here: what
 * the customer was charged and refunded, per idempotency key (the order's payment record id).
 */

describe('OrderFulfillment payments (synthesized definition, real handlers, simulated provider)', () => {
  const engines = localEngines();
  let harness: WorkflowHarness;
  harnessOn(engines, (h) => (harness = h));

  const paymentKey = (orderId: string) => idempotencyKey('payment', orderId);

  test('tok_timeout (charge taken, answer lost): retries exhausted → CANCELLED PAYMENT_UNAVAILABLE, charged then refunded, net 0', async () => {
    const { widget } = await seed(harness, 'widget');
    const o = order({ items: [{ productId: widget, quantity: 2 }], payment: { token: TEST_PAYMENT_TOKENS.timeout } });

    const r = await harness.run(o);

    expect(count(r, 'ProcessPayment')).toBe(4); // first attempt + 3 retries, each timed out
    expect(r.taskErrors.filter((e) => e.state === 'ProcessPayment').map((e) => e.name)).toEqual(
      Array(4).fill('PaymentProviderUnavailable'),
    );
    expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_UNAVAILABLE' });
    expectOneTerminalStatus(r);
    expectContractEvents(r, o);
    // The provider did take the money (once, whatever the retries), and the saga gave it back.
    expect(providerLedger.entry(paymentKey(o.orderId))).toMatchObject({
      status: 'CHARGED',
      chargedCents: 2 * PRODUCTS.widget.priceCents,
      refundedCents: 2 * PRODUCTS.widget.priceCents,
      refunds: 1,
    });
    expect(providerLedger.netCents(paymentKey(o.orderId))).toBe(0);
    expect(await harness.record(paymentKey(o.orderId))).toMatchObject({
      status: 'REFUNDED',
      amountCents: 2 * PRODUCTS.widget.priceCents,
    });
    expect(r.output.compensation.refund).toMatchObject({ refunded: true, note: 'REFUNDED' });
    expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock);
  });

  test('tok_late (the charge lands after the time-out): CANCELLED PAYMENT_UNAVAILABLE, the late charge is refunded', async () => {
    const { gadget } = await seed(harness, 'gadget');
    const o = order({
      items: [{ productId: gadget, quantity: 1 }],
      payment: { token: TEST_PAYMENT_TOKENS.lateCharge },
    });

    const r = await harness.run(o);

    expect(count(r, 'ProcessPayment')).toBe(4);
    expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_UNAVAILABLE' });
    expectOneTerminalStatus(r);
    expect(providerLedger.entry(paymentKey(o.orderId))).toMatchObject({
      status: 'CHARGED',
      chargedCents: PRODUCTS.gadget.priceCents,
      refundedCents: PRODUCTS.gadget.priceCents,
    });
    expect(providerLedger.netCents(paymentKey(o.orderId))).toBe(0);
    expect(await harness.record(paymentKey(o.orderId))).toMatchObject({ status: 'REFUNDED' });
  });

  // Needs the workflow to retry RefundPayment's PaymentProviderUnavailable (compensations retry every
  // error, the workflow change in progress on another branch); with a definition that does not, the
  // order ends FAILED COMPENSATION_FAILED and this test fails at its first assertion.
  test('a refund that fails transiently (tok_refund_transient, out of stock after payment) is retried and completes: CANCELLED OUT_OF_STOCK, net 0', async () => {
    const { widget, rare } = await seed(harness, 'widget', 'rare');
    const o = order({
      items: [
        { productId: widget, quantity: 1 },
        { productId: rare, quantity: PRODUCTS.rare.stock + 1 },
      ],
      payment: { token: TEST_PAYMENT_TOKENS.refundTransient },
    });

    const r = await harness.run(o);

    expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' });
    expectOneTerminalStatus(r);
    // Two transient failures, each retried by the workflow, then the refund.
    expect(r.taskErrors.filter((e) => e.state === 'RefundPayment')).toEqual([
      expect.objectContaining({ attempt: 0, name: 'PaymentProviderUnavailable', injected: false }),
      expect.objectContaining({ attempt: 1, name: 'PaymentProviderUnavailable', injected: false }),
    ]);
    expect(count(r, 'RefundPayment')).toBe(3);
    expect(r.tasks.slice(-3)).toEqual(['RefundPayment', 'ReleaseInventory', 'PublishOutcome']);
    const total = PRODUCTS.widget.priceCents + (PRODUCTS.rare.stock + 1) * PRODUCTS.rare.priceCents;
    expect(providerLedger.entry(paymentKey(o.orderId))).toMatchObject({
      chargedCents: total,
      refundedCents: total,
      refunds: 1,
      failedRefunds: 2,
    });
    expect(await harness.record(paymentKey(o.orderId))).toMatchObject({ status: 'REFUNDED' });
    expect((await harness.catalogItem(widget)).stock).toBe(PRODUCTS.widget.stock);
  });

  test('an approved payment is recorded PENDING first and then CHARGED; the ledger holds one charge, nothing refunded', async () => {
    const { widget } = await seed(harness, 'widget');
    const o = order({ items: [{ productId: widget, quantity: 1 }] });

    const r = await harness.run(o);

    expect(terminal(r).status).toBe('FULFILLED');
    expect(await harness.record(paymentKey(o.orderId))).toMatchObject({
      status: 'CHARGED',
      attemptedAt: expect.any(String),
    });
    expect(providerLedger.entry(paymentKey(o.orderId))).toMatchObject({
      chargedCents: PRODUCTS.widget.priceCents,
      refundedCents: 0,
    });
  });
});
