import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { PAYMENT_PROVIDER_NAMES } from '@securecart/contracts/payment';
import type { PaymentProviderName } from '@securecart/contracts/payment';
import { requireEnv } from './env';
import * as simulator from './payment-provider';
import type { PaymentProvider } from './payment-provider';
import { stripeClient, stripeProvider } from './stripe-provider';
import type { StripeClientOptions } from './stripe-provider';

/*
 * Which payment provider the payment steps use: the profile's `payments.provider`, set as
 * PAYMENT_PROVIDER on process-payment and refund-payment (ADR 20). `simulator` when unset (tests,
 * local runs).
 */

/** Orders are priced in US dollars (contracts/order.ts `currency: 'USD'`); Stripe wants lower case. */
export const ORDER_CURRENCY = 'usd';

/**
 * Seconds the Stripe API key is kept in the Lambda instance after it is read from Secrets
 * Manager: a rolled key reaches every instance within this time (ADR 20, rotating the key).
 */
export const SECRET_CACHE_SECONDS = 300;

/**
 * The simulator as a PaymentProvider. It calls the simulator module's functions at call time, so
 * tests that spy on them (`jest.spyOn(provider, 'refund')`) still see the calls.
 */
export const simulatedProvider: PaymentProvider = {
  charge: (request, signal) => simulator.charge(request, signal),
  retrieve: (payment, signal) => simulator.retrieve(payment.idempotencyKey, signal),
  cancel: (payment, signal) => simulator.cancel(payment.idempotencyKey, signal),
  refund: (request, signal) => simulator.refund(request, signal),
};

/** The provider named by PAYMENT_PROVIDER; throws naming the variable for anything else. */
export function providerName(): PaymentProviderName {
  const raw = process.env[HANDLER_ENV.paymentProvider]?.trim() || 'simulator';
  if (!(PAYMENT_PROVIDER_NAMES as readonly string[]).includes(raw)) {
    throw new Error(
      `Environment variable ${HANDLER_ENV.paymentProvider} must be one of ${PAYMENT_PROVIDER_NAMES.join(', ')}, got '${raw}'`,
    );
  }
  return raw as PaymentProviderName;
}

/**
 * The Stripe secret API key from Secrets Manager, cached in the instance for SECRET_CACHE_SECONDS
 * (Powertools parameters). The secret holds the key as a plain string (`sk_…` or a restricted `rk_…`).
 */
export async function stripeApiKey(): Promise<string> {
  const arn = requireEnv(HANDLER_ENV.paymentProviderSecretArn);
  const value = await getSecret(arn, { maxAge: SECRET_CACHE_SECONDS });
  if (typeof value !== 'string' || !/^(sk|rk)_(live|test)_[A-Za-z0-9]+$/.test(value.trim())) {
    // Never echo the value: it is a credential.
    throw new Error(
      `The secret ${HANDLER_ENV.paymentProviderSecretArn} names does not hold a Stripe secret key (sk_… or rk_…)`,
    );
  }
  return value.trim();
}

/** Tests: send the Stripe client to a local fake instead of api.stripe.com. */
let endpointOverride: StripeClientOptions['endpoint'];
export function useStripeEndpoint(endpoint: StripeClientOptions['endpoint']): void {
  endpointOverride = endpoint;
}

/** The last Stripe provider built, reused while the key and the settings are the same (keeps its connections). */
let built: { readonly settings: string; readonly provider: PaymentProvider } | undefined;

/** The payment provider for this invocation. */
export async function paymentProvider(timeoutMs: number): Promise<PaymentProvider> {
  if (providerName() === 'simulator') return simulatedProvider;
  const apiKey = await stripeApiKey();
  const settings = JSON.stringify([apiKey, timeoutMs, endpointOverride]);
  if (built?.settings !== settings) {
    const client = stripeClient({ apiKey, timeoutMs, endpoint: endpointOverride });
    built = { settings, provider: stripeProvider(client, ORDER_CURRENCY) };
  }
  return built.provider;
}
