import Stripe from 'stripe';
import { ORDER_ID_PATTERN, PAYMENT_TOKEN_PATTERN } from '@securecart/contracts/order';
import type { ChargeRequest, ChargeResult, PaymentLookup, PaymentProvider, PaymentRef } from './payment-provider';
import { ProviderHttpError, ProviderUnreachable } from './payment-provider';

/*
 * The payment provider for real money: Stripe's PaymentIntents API through the official SDK
 * (ADR 20). Every request that changes something carries an Idempotency-Key derived from the
 * order's payment key (`payment#<orderId>`), so a retry, a duplicate delivery or the saga's lookup
 * never charges twice:
 *
 *   create   POST /v1/payment_intents                 key `<paymentKey>/create`   (no charge: unconfirmed)
 *   confirm  POST /v1/payment_intents/:id/confirm     key `<paymentKey>/confirm`  (the charge)
 *   cancel   POST /v1/payment_intents/:id/cancel      key `<paymentKey>/cancel`
 *   refund   POST /v1/refunds                         key `<chargeId>/refund`
 *
 * Two steps make the outcome of a lost answer knowable without a search index: replaying the
 * create with the same key and the same parameters returns the PaymentIntent the first create
 * made (Stripe keeps an idempotent request's answer), or creates an unconfirmed one, which charges
 * nothing; retrieving it by id then tells whether the confirm landed. Cancelling a PaymentIntent
 * that is not charged is atomic at Stripe: a confirm arriving later is refused.
 *
 * The adapter is a pure function of (orderId, token, amount, currency) and the client: it holds
 * no state and reads no environment; payment-providers.ts builds the client from the secret.
 */

/** Stripe's largest amount in the smallest currency unit (eight digits). */
const MAX_AMOUNT = 99_999_999;
/** The confirm's token form: a card token from Stripe.js / Elements `createToken` (`tok_…`). */
interface TokenPaymentMethodData {
  readonly type: 'card';
  readonly card: { readonly token: string };
}

/** The request is malformed: refused before anything is sent to the provider. Not retryable. */
export class InvalidPaymentRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPaymentRequest';
  }
}

export interface StripeClientOptions {
  /** The secret API key (`sk_live_…`, `sk_test_…`, or `rk_…` restricted). */
  readonly apiKey: string;
  /** Client-side time-out of one request, in milliseconds. */
  readonly timeoutMs: number;
  /** Tests: the local fake (`http`, `127.0.0.1`, its port). Default: api.stripe.com over HTTPS. */
  readonly endpoint?: { readonly protocol: 'http' | 'https'; readonly host: string; readonly port: number };
}

/**
 * The SDK client: no automatic network retries (the workflow retries, with the same keys), the
 * given time-out, no telemetry header.
 */
export function stripeClient(options: StripeClientOptions): Stripe {
  return new Stripe(options.apiKey, {
    maxNetworkRetries: 0,
    timeout: options.timeoutMs,
    telemetry: false,
    ...(options.endpoint ?? {}),
  });
}

function checkRef(orderId: string, amountCents: number, currency: string): void {
  const problems: string[] = [];
  if (!ORDER_ID_PATTERN.test(orderId)) problems.push('orderId must be 1 to 64 of A-Z a-z 0-9 _ -');
  if (!Number.isSafeInteger(amountCents) || amountCents < 1 || amountCents > MAX_AMOUNT) {
    problems.push(`amountCents must be an integer from 1 to ${MAX_AMOUNT}`);
  }
  if (!/^[a-z]{3}$/.test(currency)) problems.push('currency must be a lower-case ISO 4217 code');
  if (problems.length > 0) throw new InvalidPaymentRequest(`Payment request refused: ${problems.join('; ')}`);
}

function checkKey(idempotencyKey: string, orderId: string): void {
  // One payment per order, and Stripe keys are at most 255 characters.
  if (idempotencyKey !== `payment#${orderId}`) {
    throw new InvalidPaymentRequest('Payment request refused: the idempotency key is not the order’s payment key');
  }
}

/** A Stripe SDK error as the payment steps understand it (see isProviderUnavailable). */
export function translateStripeError(error: unknown): Error {
  if (!(error instanceof Stripe.errors.StripeError)) return error as Error;
  if (error instanceof Stripe.errors.StripeConnectionError) {
    return new ProviderUnreachable(`Stripe did not answer: ${error.message}`, { cause: error });
  }
  const status = error.statusCode ?? 0;
  // 409: another request with the same key is in progress; 429: rate limited; 5xx: Stripe's side.
  const retryable = status === 409 || status === 429 || status >= 500;
  const code = error.code ? ` (${error.code})` : '';
  return new ProviderHttpError(status, `Stripe ${error.rawType ?? error.type}${code}: ${error.message}`, {
    retryable,
    cause: error,
  });
}

/** Rejects when the signal aborts (the SDK has its own time-out; this one is the caller's). */
function withSignal<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    call().then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(translateStripeError(error));
      },
    );
  });
}

/** The charge's answer for a PaymentIntent in a settled state; undefined while it is not settled. */
function lookupOf(intent: Stripe.PaymentIntent): PaymentLookup | undefined {
  switch (intent.status) {
    case 'succeeded': {
      const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
      return {
        status: 'CHARGED',
        chargeId: intent.id,
        amountCents: intent.amount_received,
        refundedCents: charge?.amount_refunded ?? 0,
      };
    }
    case 'canceled':
      return { status: 'CANCELED' };
    case 'requires_payment_method':
      // Confirmed and declined (the error is kept), or never confirmed.
      return intent.last_payment_error ? { status: 'DECLINED', chargeId: intent.id } : { status: 'NOT_FOUND' };
    case 'requires_confirmation':
      return { status: 'NOT_FOUND' };
    default:
      // processing, requires_action, requires_capture: not settled yet.
      return undefined;
  }
}

/** A Stripe-backed PaymentProvider for one currency (orders are priced in one currency). */
export function stripeProvider(client: Stripe, currency: string): PaymentProvider {
  /** The order's PaymentIntent: created unconfirmed, or the one the first create made (same key, same parameters). */
  const intentFor = (orderId: string, idempotencyKey: string, amountCents: number) =>
    client.paymentIntents.create(
      {
        amount: amountCents,
        currency,
        allowed_payment_method_types: ['card'],
        capture_method: 'automatic',
        // Ids only: no customer data at the provider beyond the card.
        metadata: { order_id: orderId, idempotency_key: idempotencyKey },
      },
      { idempotencyKey: `${idempotencyKey}/create` },
    );

  const current = async ({ idempotencyKey, orderId, amountCents }: PaymentRef): Promise<Stripe.PaymentIntent> => {
    const created = await intentFor(orderId, idempotencyKey, amountCents);
    return client.paymentIntents.retrieve(created.id, { expand: ['latest_charge'] });
  };

  const settledLookup = (intent: Stripe.PaymentIntent): PaymentLookup => {
    const found = lookupOf(intent);
    if (!found) {
      throw new ProviderHttpError(409, `Stripe PaymentIntent ${intent.id} is ${intent.status}; asking again later`, {
        retryable: true,
      });
    }
    return found;
  };

  return {
    async charge(request: ChargeRequest, signal: AbortSignal): Promise<ChargeResult> {
      checkRef(request.orderId, request.amountCents, currency);
      checkKey(request.idempotencyKey, request.orderId);
      if (!PAYMENT_TOKEN_PATTERN.test(request.paymentToken)) {
        throw new InvalidPaymentRequest('Payment request refused: paymentToken must be a card token (tok_…)');
      }
      return withSignal(signal, async () => {
        const intent = await intentFor(request.orderId, request.idempotencyKey, request.amountCents);
        let confirmed: Stripe.PaymentIntent;
        try {
          confirmed = await client.paymentIntents.confirm(
            intent.id,
            {
              // The SDK's types list no `card` here; Stripe takes a card token in this form.
              payment_method_data: {
                type: 'card',
                card: { token: request.paymentToken },
              } as TokenPaymentMethodData as unknown as Stripe.PaymentIntentConfirmParams.PaymentMethodData,
              // The customer is not in the checkout session any more (the pipeline is asynchronous):
              // a card that needs authentication is declined rather than left waiting.
              off_session: true,
            },
            { idempotencyKey: `${request.idempotencyKey}/confirm` },
          );
        } catch (error) {
          if (error instanceof Stripe.errors.StripeCardError) {
            return { decision: 'DECLINED', chargeId: intent.id, declineCode: 'card_declined' };
          }
          throw error;
        }
        if (confirmed.status === 'succeeded') return { decision: 'APPROVED', chargeId: confirmed.id };
        // Not settled (processing) or waiting for something that will not come: unknown for now;
        // the workflow retries (same keys) and the saga asks.
        throw new ProviderHttpError(409, `Stripe PaymentIntent ${confirmed.id} is ${confirmed.status}`, {
          retryable: true,
        });
      });
    },

    async retrieve(payment: PaymentRef, signal: AbortSignal): Promise<PaymentLookup> {
      checkRef(payment.orderId, payment.amountCents, currency);
      checkKey(payment.idempotencyKey, payment.orderId);
      return withSignal(signal, async () => settledLookup(await current(payment)));
    },

    async cancel(payment: PaymentRef, signal: AbortSignal): Promise<PaymentLookup> {
      checkRef(payment.orderId, payment.amountCents, currency);
      checkKey(payment.idempotencyKey, payment.orderId);
      return withSignal(signal, async () => {
        const intent = await current(payment);
        const settled = lookupOf(intent);
        if (settled && settled.status !== 'NOT_FOUND') return settled;
        try {
          await client.paymentIntents.cancel(
            intent.id,
            { cancellation_reason: 'abandoned' },
            { idempotencyKey: `${payment.idempotencyKey}/cancel` },
          );
          return { status: 'CANCELED' };
        } catch (error) {
          // It settled meanwhile (a confirm landed): answer what it is now.
          if (
            error instanceof Stripe.errors.StripeInvalidRequestError &&
            error.code === 'payment_intent_unexpected_state'
          ) {
            return settledLookup(await client.paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] }));
          }
          throw error;
        }
      });
    },

    async refund(request: { chargeId: string; amountCents: number }, signal: AbortSignal) {
      if (!/^pi_[A-Za-z0-9]{1,250}$/.test(request.chargeId)) {
        throw new InvalidPaymentRequest('Refund refused: chargeId must be a Stripe PaymentIntent id (pi_…)');
      }
      if (!Number.isSafeInteger(request.amountCents) || request.amountCents < 1 || request.amountCents > MAX_AMOUNT) {
        throw new InvalidPaymentRequest(`Refund refused: amountCents must be an integer from 1 to ${MAX_AMOUNT}`);
      }
      return withSignal(signal, async () => {
        try {
          const refund = await client.refunds.create(
            { payment_intent: request.chargeId, amount: request.amountCents, reason: 'requested_by_customer' },
            { idempotencyKey: `${request.chargeId}/refund` },
          );
          return { refundId: refund.id };
        } catch (error) {
          // Refunded already (by an earlier key's lifetime, or by hand in the dashboard): that refund is the answer.
          if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'charge_already_refunded') {
            const refunds = await client.refunds.list({ payment_intent: request.chargeId, limit: 1 });
            if (refunds.data[0]) return { refundId: refunds.data[0].id };
          }
          throw error;
        }
      });
    },
  };
}
