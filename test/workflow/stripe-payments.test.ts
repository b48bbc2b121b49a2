import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Template } from 'aws-cdk-lib/assertions';
import { idempotencyKey } from '@securecart/contracts';
import { mockClient } from 'aws-sdk-client-mock';
import { useStripeEndpoint } from '../../lambda/shared/payment-providers';
import { FAKE_SECRET_KEY, StripeFake } from '../helpers/stripe-fake';
import { WorkflowHarness } from '../helpers/workflow-harness';
import { count, expectOneTerminalStatus, localEngines, order, PRODUCTS, seed, terminal } from './fixtures';

/*
 * The payment scenarios of ADR 18 with the Stripe adapter (ADR 20): the synthesized workflow and
 * the real handlers, process-payment and refund-payment set to PAYMENT_PROVIDER=stripe as prod sets
 * them, the Stripe key from a (mocked) Secrets Manager, and the SDK talking HTTP to the Stripe fake.
 */

const SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:securecart/test/payments/stripe-secret-key-AbCdEf';

describe('OrderFulfillment payments through the Stripe adapter (synthesized definition, real handlers, Stripe fake)', () => {
  const engines = localEngines();
  // tok_timeout: the charge lands and the answer never comes (the client's time-out fires).
  const fake = new StripeFake({ lostAnswers: 'hold' });
  const secrets = mockClient(SecretsManagerClient);
  let harness: WorkflowHarness;

  beforeAll(async () => {
    useStripeEndpoint(await fake.start());
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: FAKE_SECRET_KEY });
    // The sandbox pipeline with the payment steps set to Stripe, as the prod profile sets them.
    const template = engines.pipelineTemplate().toJSON();
    for (const fn of Object.values<any>(template.Resources)) {
      const variables = fn.Properties?.Environment?.Variables;
      if (['process-payment', 'refund-payment'].includes(variables?.POWERTOOLS_SERVICE_NAME)) {
        Object.assign(variables, { PAYMENT_PROVIDER: 'stripe', PAYMENT_PROVIDER_SECRET_ARN: SECRET_ARN });
      }
    }
    // A local HTTP round trip may need more than the harness's 50 ms on a busy machine; a lost
    // answer costs this long.
    harness = new WorkflowHarness(Template.fromJSON(template), engines.tables, engines.endpoint, {
      PAYMENT_PROVIDER_TIMEOUT_MS: '2000',
    });
  });
  afterAll(async () => {
    harness?.restore();
    secrets.restore();
    useStripeEndpoint(undefined);
    await fake.stop();
  });

  const paymentKey = (orderId: string) => idempotencyKey('payment', orderId);

  test('approved (tok_visa): FULFILLED, one charge at Stripe, the record CHARGED with the PaymentIntent id', async () => {
    const { widget } = await seed(harness, 'widget');
    const o = order({ items: [{ productId: widget, quantity: 2 }], payment: { token: 'tok_visa' } });

    const r = await harness.run(o);

    expect(terminal(r).status).toBe('FULFILLED');
    expectOneTerminalStatus(r);
    expect(fake.netCents(o.orderId)).toBe(2 * PRODUCTS.widget.priceCents);
    expect(fake.chargesOf(o.orderId)).toHaveLength(1);
    expect(await harness.record(paymentKey(o.orderId))).toMatchObject({
      status: 'CHARGED',
      chargeId: expect.stringMatching(/^pi_/),
      amountCents: 2 * PRODUCTS.widget.priceCents,
    });
    expect(secrets.commandCalls(GetSecretValueCommand).length).toBeGreaterThan(0);
  });

  test('declined (tok_decline): CANCELLED PAYMENT_DECLINED, nothing charged', async () => {
    const { widget } = await seed(harness, 'widget');
    const o = order({ items: [{ productId: widget, quantity: 1 }], payment: { token: 'tok_decline' } });

    const r = await harness.run(o);

    expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    expectOneTerminalStatus(r);
    expect(fake.netCents(o.orderId)).toBe(0);
    expect(await harness.record(paymentKey(o.orderId))).toMatchObject({ status: 'DECLINED' });
  });

  test('time-out (tok_timeout: charged, answer lost): retries never charge twice, the saga finds the charge and refunds it, net 0', async () => {
    const { widget } = await seed(harness, 'widget');
    const o = order({ items: [{ productId: widget, quantity: 1 }], payment: { token: 'tok_timeout' } });

    const r = await harness.run(o);

    // The first attempt's answer is lost; the retry is answered from Stripe's idempotency store.
    expect(r.taskErrors.filter((e) => e.state === 'ProcessPayment').map((e) => e.name)).toEqual([
      'PaymentProviderUnavailable',
    ]);
    expect(count(r, 'ProcessPayment')).toBe(2);
    expect(fake.chargesOf(o.orderId)).toHaveLength(1);
    expect(terminal(r).status).toBe('FULFILLED');
    expect(fake.netCents(o.orderId)).toBe(PRODUCTS.widget.priceCents);
  });

  test('time-out, then Stripe unavailable for every retry: CANCELLED PAYMENT_UNAVAILABLE, the saga finds the charge by its key and refunds it, net 0', async () => {
    const { gadget } = await seed(harness, 'gadget');
    const o = order({ items: [{ productId: gadget, quantity: 1 }], payment: { token: 'tok_timeout' } });
    fake.onLostAnswer = () => fake.failNext(3, 503); // the three retries of ProcessPayment
    try {
      const r = await harness.run(o);

      expect(count(r, 'ProcessPayment')).toBe(4);
      expect(terminal(r)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_UNAVAILABLE' });
      expectOneTerminalStatus(r);
      // Charged once (the lost answer), refunded once by the saga.
      expect(fake.chargesOf(o.orderId)).toEqual([
        expect.objectContaining({ amount: PRODUCTS.gadget.priceCents, refunded: PRODUCTS.gadget.priceCents }),
      ]);
      expect(fake.netCents(o.orderId)).toBe(0);
      expect(await harness.record(paymentKey(o.orderId))).toMatchObject({
        status: 'REFUNDED',
        chargeId: expect.stringMatching(/^pi_/),
        refundId: expect.stringMatching(/^re_/),
      });
      expect(r.output.compensation.refund).toMatchObject({ refunded: true, note: 'REFUNDED' });
    } finally {
      fake.onLostAnswer = undefined;
    }
  });
});
