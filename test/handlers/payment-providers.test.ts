import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as refundPayment } from '../../lambda/refund-payment';
import {
  paymentProvider,
  providerName,
  simulatedProvider,
  useStripeEndpoint,
} from '../../lambda/shared/payment-providers';
import { FAKE_SECRET_KEY, StripeFake } from '../helpers/stripe-fake';

/*
 * Which provider the payment steps get (PAYMENT_PROVIDER), and the Stripe key from Secrets
 * Manager, cached in the instance (ADR 20).
 */

const secrets = mockClient(SecretsManagerClient);
const ddb = mockClient(DynamoDBDocumentClient);
const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:securecart/prod/payments/stripe-secret-key-AbCdEf';
const fake = new StripeFake();

beforeAll(async () => useStripeEndpoint(await fake.start()));
afterAll(async () => {
  useStripeEndpoint(undefined);
  await fake.stop();
});
beforeEach(() => {
  secrets.reset();
  delete process.env.PAYMENT_PROVIDER;
  delete process.env.PAYMENT_PROVIDER_SECRET_ARN;
});

describe('payment provider selection', () => {
  it('is the simulator when PAYMENT_PROVIDER is unset or simulator, without reading any secret', async () => {
    await expect(paymentProvider(1000)).resolves.toBe(simulatedProvider);
    process.env.PAYMENT_PROVIDER = 'simulator';
    await expect(paymentProvider(1000)).resolves.toBe(simulatedProvider);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('refuses an unknown provider name, naming the variable and the choices', () => {
    process.env.PAYMENT_PROVIDER = 'paypal';
    expect(() => providerName()).toThrow("PAYMENT_PROVIDER must be one of simulator, stripe, got 'paypal'");
  });

  it('stripe: reads the key from the secret once and keeps it (no second GetSecretValue within the cache time)', async () => {
    process.env.PAYMENT_PROVIDER = 'stripe';
    process.env.PAYMENT_PROVIDER_SECRET_ARN = SECRET_ARN;
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: FAKE_SECRET_KEY });

    const first = await paymentProvider(1000);
    const second = await paymentProvider(1000);
    const result = await second.charge(
      {
        idempotencyKey: 'payment#ord-sel-1',
        orderId: 'ord-sel-1',
        amountCents: 700,
        paymentToken: 'tok_visa',
        attempt: 0,
      },
      new AbortController().signal,
    );

    expect(second).toBe(first);
    expect(first).not.toBe(simulatedProvider);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(result).toMatchObject({ decision: 'APPROVED' });
    expect(fake.netCents('ord-sel-1')).toBe(700);
  });

  it('stripe: refuses a secret that does not hold a Stripe key (the deploy-time placeholder), without echoing it', async () => {
    process.env.PAYMENT_PROVIDER = 'stripe';
    process.env.PAYMENT_PROVIDER_SECRET_ARN = `${SECRET_ARN}-placeholder`;
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'Xq3placeholderNotAStripeKey9' });

    const error = (await paymentProvider(1000).catch((e: unknown) => e)) as Error;

    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('does not hold a Stripe secret key');
    expect(error.message).not.toContain('Xq3placeholder');
  });

  it('stripe without PAYMENT_PROVIDER_SECRET_ARN fails naming the variable', async () => {
    process.env.PAYMENT_PROVIDER = 'stripe';
    await expect(paymentProvider(1000)).rejects.toThrow('PAYMENT_PROVIDER_SECRET_ARN');
  });

  it('refund-payment answers a settled record (declined) without reading the key from Secrets Manager', async () => {
    process.env.PAYMENT_PROVIDER = 'stripe';
    process.env.IDEMPOTENCY_TABLE_NAME = 'Idempotency';
    process.env.ORDER_CLAIMS_TABLE_NAME = 'OrderClaims';
    ddb.on(GetCommand).resolves({
      Item: { id: 'payment#ord-sel-2', kind: 'payment', orderId: 'ord-sel-2', status: 'DECLINED', expiration: 1 },
    });

    await expect(
      refundPayment({ orderId: 'ord-sel-2', claim: '0b7e4d2a-9c1f-4e3a-8d5b-6f2a1c3e4b5d' }),
    ).resolves.toEqual({ refunded: false, note: 'NO_CHARGE' });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
