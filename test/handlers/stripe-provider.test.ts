import Stripe from 'stripe';
import { isProviderUnavailable, ProviderHttpError } from '../../lambda/shared/payment-provider';
import type { PaymentProvider } from '../../lambda/shared/payment-provider';
import { InvalidPaymentRequest, stripeClient, stripeProvider } from '../../lambda/shared/stripe-provider';
import { FAKE_SECRET_KEY, StripeFake } from '../helpers/stripe-fake';

/*
 * The Stripe adapter through the real SDK (stripe-node), pointed at a local fake of Stripe's API
 * (test/helpers/stripe-fake.ts) with the SDK's host/port/protocol options (ADR 20).
 */

const fake = new StripeFake();
let endpoint: Awaited<ReturnType<StripeFake['start']>>;
let provider: PaymentProvider;
/** Long enough never to fire for an answered call; the `tok_timeout` answer never comes. */
const TIMEOUT_MS = 500;
const signal = () => new AbortController().signal;

let orderSeq = 0;
/** A fresh order per test: the fake keeps every key for the whole file. */
const newOrder = () => `ord-stripe-${(orderSeq += 1)}`;
const chargeOf = (orderId: string, paymentToken: string, amountCents = 4_500) =>
  provider.charge({ idempotencyKey: `payment#${orderId}`, orderId, amountCents, paymentToken, attempt: 0 }, signal());
const ref = (orderId: string, amountCents = 4_500) => ({ idempotencyKey: `payment#${orderId}`, orderId, amountCents });
const callsOf = (orderId: string) => fake.calls.filter((c) => c.idempotencyKey?.startsWith(`payment#${orderId}/`));

beforeAll(async () => {
  endpoint = await fake.start();
  provider = stripeProvider(stripeClient({ apiKey: FAKE_SECRET_KEY, timeoutMs: TIMEOUT_MS, endpoint }), 'usd');
});
afterAll(() => fake.stop());

describe('Stripe adapter against the Stripe fake', () => {
  it('approves: one unconfirmed PaymentIntent, confirmed with the card token, both with order-based Idempotency-Keys', async () => {
    const orderId = newOrder();

    const result = await chargeOf(orderId, 'tok_visa');

    expect(result).toEqual({ decision: 'APPROVED', chargeId: expect.stringMatching(/^pi_/) });
    expect(fake.netCents(orderId)).toBe(4_500);
    expect(
      callsOf(orderId).map((c) => [c.method, c.path.replace(/pi_\w+/, ':id'), c.idempotencyKey, c.status]),
    ).toEqual([
      ['POST', '/v1/payment_intents', `payment#${orderId}/create`, 200],
      ['POST', '/v1/payment_intents/:id/confirm', `payment#${orderId}/confirm`, 200],
    ]);
    expect(fake.intentsOf(orderId)).toEqual([
      expect.objectContaining({
        amount: 4_500,
        currency: 'usd',
        status: 'succeeded',
        metadata: { order_id: orderId, idempotency_key: `payment#${orderId}` },
      }),
    ]);
  });

  it('declines with card_declined; nothing is charged and the lookup says DECLINED', async () => {
    const orderId = newOrder();

    const result = await chargeOf(orderId, 'tok_decline');

    expect(result).toEqual({
      decision: 'DECLINED',
      chargeId: expect.stringMatching(/^pi_/),
      declineCode: 'card_declined',
    });
    expect(fake.netCents(orderId)).toBe(0);
    await expect(provider.retrieve(ref(orderId), signal())).resolves.toEqual({
      status: 'DECLINED',
      chargeId: (result as { chargeId: string }).chargeId,
    });
    // A repeat is answered from the stored decline (no second attempt at the card).
    await expect(chargeOf(orderId, 'tok_decline')).resolves.toMatchObject({ decision: 'DECLINED' });
    expect(
      callsOf(orderId)
        .filter((c) => c.path.endsWith('/confirm'))
        .map((c) => c.replayed),
    ).toEqual([false, true]);
  });

  it('time-out then lookup: the charge landed but its answer was lost; the lookup finds it, the refund nets it to 0', async () => {
    const orderId = newOrder();

    const error = await chargeOf(orderId, 'tok_timeout').catch((e: unknown) => e);

    expect(isProviderUnavailable(error)).toBe(true);
    expect(fake.netCents(orderId)).toBe(4_500); // the customer IS charged
    const found = await provider.retrieve(ref(orderId), signal());
    expect(found).toEqual({
      status: 'CHARGED',
      chargeId: expect.stringMatching(/^pi_/),
      amountCents: 4_500,
      refundedCents: 0,
    });
    // cancel cannot void a charge that landed: it answers the charge.
    await expect(provider.cancel(ref(orderId), signal())).resolves.toEqual(found);
    const { chargeId } = found as { chargeId: string };
    await expect(provider.refund({ chargeId, amountCents: 4_500 }, signal())).resolves.toEqual({
      refundId: expect.stringMatching(/^re_/),
    });
    expect(fake.netCents(orderId)).toBe(0);
    await expect(provider.retrieve(ref(orderId), signal())).resolves.toMatchObject({ refundedCents: 4_500 });
    // The lookups created nothing new: still one PaymentIntent, one charge.
    expect(fake.intentsOf(orderId)).toHaveLength(1);
    expect(fake.chargesOf(orderId)).toHaveLength(1);
  });

  it('a dropped connection is retried once by the SDK with the same key: answered from the idempotency store, one charge', async () => {
    // stripe-node retries a request whose connection closed, even with maxNetworkRetries 0; the
    // Idempotency-Key makes that safe.
    const dropping = new StripeFake({ lostAnswers: 'drop' });
    const at = await dropping.start();
    try {
      const client = stripeProvider(
        stripeClient({ apiKey: FAKE_SECRET_KEY, timeoutMs: TIMEOUT_MS, endpoint: at }),
        'usd',
      );
      const orderId = newOrder();

      const result = await client.charge(
        { idempotencyKey: `payment#${orderId}`, orderId, amountCents: 4_500, paymentToken: 'tok_timeout', attempt: 0 },
        signal(),
      );

      expect(result).toMatchObject({ decision: 'APPROVED' });
      expect(dropping.chargesOf(orderId)).toHaveLength(1);
      expect(dropping.calls.filter((c) => c.path.endsWith('/confirm')).map((c) => [c.status, c.replayed])).toEqual([
        [0, false],
        [200, true],
      ]);
    } finally {
      await dropping.stop();
    }
  });

  it('a key with no charge is cancelled at the provider, and a charge arriving later with it is refused', async () => {
    const orderId = newOrder();

    await expect(provider.retrieve(ref(orderId), signal())).resolves.toEqual({ status: 'NOT_FOUND' });
    await expect(provider.cancel(ref(orderId), signal())).resolves.toEqual({ status: 'CANCELED' });
    const late = await chargeOf(orderId, 'tok_visa').catch((e: unknown) => e);

    expect(late).toBeInstanceOf(ProviderHttpError);
    expect(late).toMatchObject({ statusCode: 400, retryable: false });
    expect((late as Error).message).toContain('payment_intent_unexpected_state');
    expect(fake.netCents(orderId)).toBe(0);
    await expect(provider.retrieve(ref(orderId), signal())).resolves.toEqual({ status: 'CANCELED' });
  });

  it('refunds a captured charge once: a repeated refund returns the same refund, never a second one', async () => {
    const orderId = newOrder();
    const { chargeId } = (await chargeOf(orderId, 'tok_approve', 1_999)) as { chargeId: string };

    const first = await provider.refund({ chargeId, amountCents: 1_999 }, signal());
    const second = await provider.refund({ chargeId, amountCents: 1_999 }, signal());

    expect(second).toEqual(first);
    expect(fake.netCents(orderId)).toBe(0);
    expect(fake.calls.filter((c) => c.idempotencyKey === `${chargeId}/refund`).map((c) => c.replayed)).toEqual([
      false,
      true,
    ]);
  });

  it('a refund of a charge refunded under another key (e.g. in the dashboard) answers that refund', async () => {
    const orderId = newOrder();
    const { chargeId } = (await chargeOf(orderId, 'tok_visa')) as { chargeId: string };
    const raw = new Stripe(FAKE_SECRET_KEY, { ...endpoint, maxNetworkRetries: 0 });
    const manual = await raw.refunds.create({ payment_intent: chargeId }, { idempotencyKey: 'dashboard-1' });

    await expect(provider.refund({ chargeId, amountCents: 4_500 }, signal())).resolves.toEqual({ refundId: manual.id });
    expect(fake.netCents(orderId)).toBe(0);
  });

  it('an idempotent retry never charges twice, and the same key with another amount is refused (400 idempotency_error)', async () => {
    const orderId = newOrder();

    const first = await chargeOf(orderId, 'tok_visa');
    const retry = await chargeOf(orderId, 'tok_visa');
    const other = await chargeOf(orderId, 'tok_visa', 9_900).catch((e: unknown) => e);

    expect(retry).toEqual(first);
    expect(fake.chargesOf(orderId)).toHaveLength(1);
    expect(fake.netCents(orderId)).toBe(4_500);
    expect(callsOf(orderId).filter((c) => c.replayed)).toHaveLength(2); // create and confirm replayed
    expect(other).toMatchObject({ name: 'ProviderHttpError', statusCode: 400, retryable: false });
    expect((other as Error).message).toMatch(/idempotency_error.*same parameters/);
  });

  it('a 5xx is retryable and not kept for the key: the retry charges once', async () => {
    const orderId = newOrder();
    fake.failNext(1, 503);

    const error = await chargeOf(orderId, 'tok_visa').catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 503, retryable: true });
    expect(isProviderUnavailable(error)).toBe(true);

    await expect(chargeOf(orderId, 'tok_visa')).resolves.toMatchObject({ decision: 'APPROVED' });
    expect(fake.chargesOf(orderId)).toHaveLength(1);
  });

  it('a wrong API key is a 401, not retried', async () => {
    const wrong = stripeProvider(stripeClient({ apiKey: 'sk_test_wrong', timeoutMs: TIMEOUT_MS, endpoint }), 'usd');
    const orderId = newOrder();

    const error = await wrong
      .charge(
        { idempotencyKey: `payment#${orderId}`, orderId, amountCents: 100, paymentToken: 'tok_visa', attempt: 0 },
        signal(),
      )
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ statusCode: 401, retryable: false });
    expect(isProviderUnavailable(error)).toBe(false);
  });

  describe('refuses Unicode and odd inputs before anything reaches Stripe', () => {
    it.each([
      ['a Unicode order id', { orderId: 'ördér-1' }],
      ['an order id with a newline', { orderId: 'ord-1\nX-Injected: 1' }],
      ['an over-long order id', { orderId: 'o'.repeat(65) }],
      ['a Unicode token', { paymentToken: 'tok_visa\u202e' }],
      ['a token with a bracket (form-encoding injection)', { paymentToken: 'tok_visa&amount=1' }],
      ['a PaymentMethod instead of a token', { paymentToken: 'pm_card_visa' }],
      ['a zero amount', { amountCents: 0 }],
      ['a fractional amount', { amountCents: 10.5 }],
      ['a NaN amount', { amountCents: Number.NaN }],
      ['an amount above Stripe’s eight digits', { amountCents: 100_000_000 }],
      ['another order’s idempotency key', { idempotencyKey: 'payment#someone-else' }],
    ])('%s', async (_name, change) => {
      const orderId = (change as { orderId?: string }).orderId ?? newOrder();
      const request = {
        idempotencyKey: `payment#${orderId}`,
        orderId,
        amountCents: 4_500,
        paymentToken: 'tok_visa',
        attempt: 0,
        ...change,
      };
      const before = fake.calls.length;

      await expect(provider.charge(request, signal())).rejects.toThrow(InvalidPaymentRequest);
      expect(fake.calls.length).toBe(before);
    });

    it('a refund of something that is not a PaymentIntent id, or of an odd amount', async () => {
      const before = fake.calls.length;
      await expect(provider.refund({ chargeId: 'pi_1/../../v1/charges', amountCents: 1 }, signal())).rejects.toThrow(
        InvalidPaymentRequest,
      );
      await expect(provider.refund({ chargeId: 'pi_abc', amountCents: -5 }, signal())).rejects.toThrow(
        InvalidPaymentRequest,
      );
      expect(fake.calls.length).toBe(before);
    });

    it('the fake itself refuses what the adapter would never send (an unknown token, a bad amount), as Stripe does', async () => {
      const raw = new Stripe(FAKE_SECRET_KEY, { ...endpoint, maxNetworkRetries: 0 });
      const intent = await raw.paymentIntents.create({ amount: 100, currency: 'usd' });

      await expect(
        raw.paymentIntents.confirm(intent.id, {
          payment_method_data: { type: 'card', card: { token: 'tok_ünïcode' } } as never,
        }),
      ).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing', statusCode: 400 });
      await expect(raw.paymentIntents.create({ amount: -1, currency: 'usd' })).rejects.toMatchObject({
        code: 'parameter_invalid_integer',
        statusCode: 400,
      });
      await expect(raw.paymentIntents.create({ amount: 100, currency: 'US$' })).rejects.toMatchObject({
        param: 'currency',
        statusCode: 400,
      });
    });
  });
});
