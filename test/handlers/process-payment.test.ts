import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/process-payment';
import type { ProcessPaymentInput } from '@securecart/contracts/steps';
import { chargeIdFor, providerLedger } from '../../lambda/shared/payment-provider';
import {
  CLAIM_REF,
  conditionFailed,
  FIXED_EXPIRATION,
  FIXED_NOW,
  fixDate,
  rejectionOf,
  TABLES,
} from './support/fixtures';
import { captureLogs } from './support/logs';
import { captureMetrics } from './support/metrics';
import { METRIC_NAMES, METRICS_NAMESPACE } from '@securecart/contracts/metrics';

const ddbMock = mockClient(DynamoDBDocumentClient);
const logs = captureLogs();
const emf = captureMetrics();
const KEY = { id: 'payment#ord-5' };
const CHARGE_ID = chargeIdFor('ord-5');

const IDEMPOTENCY = { TableName: TABLES.idempotency };
const CLAIMS = { TableName: TABLES.claims };
/** The token in the order's payment claim (what start-fulfillment put); undefined: no claim. */
let claimedToken: string | undefined;
/** The payment claim as the OrderClaims table answers it: this order's, unexpired. */
const paymentClaim = (token: string, extra: Record<string, unknown> = {}) => ({
  claimId: `payment#${CLAIM_REF}`,
  kind: 'payment',
  orderId: 'ord-5',
  paymentToken: token,
  expiresAt: Math.floor(FIXED_NOW.getTime() / 1000) + 3600,
  ...extra,
});
const installClaims = () =>
  ddbMock
    .on(GetCommand, CLAIMS)
    .callsFake(async () => ({ Item: claimedToken ? paymentClaim(claimedToken) : undefined }));
/**
 * The step's input; `paymentToken` (test-only) sets the token of the order's payment claim, which
 * is where process-payment reads it (docs/adr/0019).
 */
const input = ({
  paymentToken = 'tok_approve',
  ...overrides
}: Partial<ProcessPaymentInput> & { paymentToken?: string } = {}): ProcessPaymentInput => {
  claimedToken = paymentToken;
  return { orderId: 'ord-5', customerId: 'cust-42', amountCents: 4_500, claim: CLAIM_REF, attempt: 0, ...overrides };
};
const deletes = () => ddbMock.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key?.claimId);
const stored = (status: string, extra: Record<string, unknown> = {}) => ({
  ...KEY,
  kind: 'payment',
  orderId: 'ord-5',
  customerId: 'cust-42',
  status,
  chargeId: CHARGE_ID,
  amountCents: 4_500,
  expiration: FIXED_EXPIRATION,
  ...extra,
});
const puts = () => ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input);
/** The attempt as process-payment records it before it calls the provider. */
const pendingPut = (extra: Record<string, unknown> = {}) => ({
  TableName: TABLES.idempotency,
  Item: {
    ...KEY,
    kind: 'payment',
    orderId: 'ord-5',
    customerId: 'cust-42',
    status: 'PENDING',
    amountCents: 4_500,
    attemptedAt: FIXED_NOW.toISOString(),
    expiration: FIXED_EXPIRATION,
    ...extra,
  },
  ConditionExpression: 'attribute_not_exists(id)',
});
const outcomeCondition = {
  ConditionExpression: '(#status = :pending AND amountCents = :amount)',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: { ':pending': 'PENDING', ':amount': 4_500 },
};

beforeEach(() => {
  fixDate();
  ddbMock.reset();
  ddbMock.on(GetCommand, IDEMPOTENCY).resolves({});
  installClaims();
  providerLedger.reset();
  process.env.IDEMPOTENCY_TABLE_NAME = TABLES.idempotency;
  process.env.ORDER_CLAIMS_TABLE_NAME = TABLES.claims;
  process.env.PAYMENT_PROVIDER_TIMEOUT_MS = '50';
});
afterEach(() => jest.useRealTimers());

describe('process-payment', () => {
  it('records the attempt PENDING before calling the provider, then CHARGED over that PENDING record', async () => {
    const ledgerAtPut: unknown[] = [];
    ddbMock.on(PutCommand).callsFake(() => {
      ledgerAtPut.push(providerLedger.entry(KEY.id)?.status);
      return {};
    });
    const result = await handler(input());

    expect(result).toEqual({ status: 'CHARGED', chargeId: CHARGE_ID, amountCents: 4_500 });
    expect(CHARGE_ID).toMatch(/^ch_[0-9a-f]{20}$/);
    expect(ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLES.idempotency, Key: KEY, ConsistentRead: true },
      // The token, from the order's payment claim: never from the input.
      { TableName: TABLES.claims, Key: { claimId: `payment#${CLAIM_REF}` }, ConsistentRead: true },
    ]);
    expect(puts()).toEqual([
      pendingPut(),
      {
        TableName: TABLES.idempotency,
        Item: stored('CHARGED', { chargedAt: FIXED_NOW.toISOString(), attemptedAt: FIXED_NOW.toISOString() }),
        ConditionExpression:
          '(#status = :pending AND amountCents = :amount) OR (#status = :charged AND amountCents = :amount)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'PENDING', ':amount': 4_500, ':charged': 'CHARGED' },
      },
    ]);
    // Nothing at the provider when the attempt was recorded; one charge, under the record id, after.
    expect(ledgerAtPut).toEqual([undefined, 'CHARGED']);
    expect(providerLedger.entry(KEY.id)).toMatchObject({ status: 'CHARGED', chargeId: CHARGE_ID, chargedCents: 4_500 });
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'Payment charged', orderId: 'ord-5' }),
    );
  });

  it('returns the stored charge on a repeat, without charging or writing', async () => {
    ddbMock.on(GetCommand, IDEMPOTENCY).resolves({ Item: stored('CHARGED') });

    await expect(handler(input({ attempt: 1 }))).resolves.toEqual({
      status: 'CHARGED',
      chargeId: CHARGE_ID,
      amountCents: 4_500,
    });
    expect(puts()).toHaveLength(0);
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', orderId: 'ord-5' }));
  });

  it('refuses a repeat asking for a different amount', async () => {
    ddbMock.on(GetCommand, IDEMPOTENCY).resolves({ Item: stored('CHARGED', { amountCents: 100 }) });

    await expect(handler(input())).rejects.toThrow(/already charged 100 cents/);
    expect(puts()).toHaveLength(0);
  });

  it('records a decline and throws PaymentDeclined', async () => {
    const error = await rejectionOf(handler(input({ paymentToken: 'tok_decline' })));

    expect(error).toMatchObject({ name: 'PaymentDeclined', declineCode: 'card_declined' });
    expect(puts()).toEqual([
      pendingPut(),
      {
        TableName: TABLES.idempotency,
        Item: stored('DECLINED', {
          declineCode: 'card_declined',
          declinedAt: FIXED_NOW.toISOString(),
          attemptedAt: FIXED_NOW.toISOString(),
        }),
        ...outcomeCondition,
      },
    ]);
  });

  it('declines again on a repeat after a decline, without calling the provider or writing', async () => {
    ddbMock.on(GetCommand, IDEMPOTENCY).resolves({ Item: stored('DECLINED', { declineCode: 'card_declined' }) });

    await expect(handler(input({ paymentToken: 'tok_approve' }))).rejects.toMatchObject({ name: 'PaymentDeclined' });
    expect(puts()).toHaveLength(0);
    expect(emf()).toEqual([]); // the first decline was counted; a replay is not
  });

  it('counts a recorded decline once, as PaymentDeclines by decline code and in total', async () => {
    await rejectionOf(handler(input({ paymentToken: 'tok_decline' })));

    expect(emf()).toHaveLength(1);
    expect(emf()[0]._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service', 'reason'], ['service']],
        Metrics: [{ Name: METRIC_NAMES.paymentDeclines, Unit: 'Count' }],
      },
    ]);
    expect(emf()[0]).toMatchObject({ reason: 'card_declined', [METRIC_NAMES.paymentDeclines]: 1 });
  });

  it('counts nothing for a charge, a replayed charge or a decline recorded by a concurrent invocation', async () => {
    await handler(input());
    ddbMock.on(GetCommand, IDEMPOTENCY).resolves({ Item: stored('CHARGED') });
    await handler(input());
    ddbMock.reset();
    installClaims();
    ddbMock
      .on(GetCommand, IDEMPOTENCY)
      .resolvesOnce({})
      .resolves({ Item: stored('DECLINED', { declineCode: 'card_declined' }) });
    ddbMock.on(PutCommand).rejects(conditionFailed());
    await expect(handler(input({ paymentToken: 'tok_decline' }))).rejects.toMatchObject({ name: 'PaymentDeclined' });

    expect(emf()).toEqual([]);
  });

  it('refuses to charge a refunded order (plain Error, not a business error)', async () => {
    ddbMock.on(GetCommand, IDEMPOTENCY).resolves({ Item: stored('REFUNDED') });

    const error = await rejectionOf(handler(input()));
    expect(error.name).toBe('Error');
    expect(error.message).toMatch(/already refunded/);
    expect(puts()).toHaveLength(0);
  });

  it('turns provider 503s into PaymentProviderUnavailable until the third attempt (tok_transient)', async () => {
    for (const attempt of [0, 1]) {
      await expect(handler(input({ paymentToken: 'tok_transient', attempt }))).rejects.toMatchObject({
        name: 'PaymentProviderUnavailable',
      });
    }
    expect(puts().map((p) => p.Item?.status)).toEqual(['PENDING', 'PENDING']); // no record read back (mock)
    expect(logs().filter((l) => l.level === 'WARN' && l.orderId === 'ord-5')).toHaveLength(2);
    expect(providerLedger.entry(KEY.id)).toBeUndefined();

    await expect(handler(input({ paymentToken: 'tok_transient', attempt: 2 }))).resolves.toMatchObject({
      status: 'CHARGED',
    });
    expect(puts().map((p) => p.Item?.status)).toEqual(['PENDING', 'PENDING', 'PENDING', 'CHARGED']);
  });

  it('gives up on a provider that never answers after PAYMENT_PROVIDER_TIMEOUT_MS, leaving the attempt PENDING (tok_timeout)', async () => {
    const started = process.hrtime.bigint();
    const error = await rejectionOf(handler(input({ paymentToken: 'tok_timeout' })));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;

    expect(error.name).toBe('PaymentProviderUnavailable');
    expect(error.message).toBe('Payment provider unavailable: no answer within 50 ms');
    expect(elapsedMs).toBeGreaterThanOrEqual(40);
    expect(elapsedMs).toBeLessThan(1_000);
    // The provider took the money; the record says only that an attempt was made, for the saga to resolve.
    expect(puts()).toEqual([pendingPut()]);
    expect(providerLedger.entry(KEY.id)).toMatchObject({ status: 'CHARGED', chargedCents: 4_500 });
  });

  it('charges again with the same idempotency key on a retry after a time-out, never twice', async () => {
    await rejectionOf(handler(input({ paymentToken: 'tok_late' })));
    expect(providerLedger.entry(KEY.id)).toMatchObject({ status: 'CHARGED', chargedCents: 4_500 }); // landed late
    ddbMock.on(GetCommand, IDEMPOTENCY).resolves({ Item: pendingPut().Item });

    await expect(handler(input({ paymentToken: 'tok_approve', attempt: 1 }))).resolves.toEqual({
      status: 'CHARGED',
      chargeId: CHARGE_ID,
      amountCents: 4_500,
    });
    expect(puts().map((p) => p.Item?.status)).toEqual(['PENDING', 'CHARGED']); // the PENDING record is reused
    expect(providerLedger.entry(KEY.id)).toMatchObject({ chargedCents: 4_500, refunds: 0 });
  });

  it('refuses a PENDING attempt of a different amount, without calling the provider', async () => {
    ddbMock.on(GetCommand, IDEMPOTENCY).resolves({ Item: pendingPut({ amountCents: 100 }).Item });

    await expect(handler(input())).rejects.toThrow(/attempted for 100 cents/);
    expect(puts()).toHaveLength(0);
    expect(providerLedger.entry(KEY.id)).toBeUndefined();
  });

  it('refuses to charge an order the saga already compensated (NOTHING_TO_REFUND)', async () => {
    ddbMock.on(GetCommand, IDEMPOTENCY).resolves({ Item: stored('NOTHING_TO_REFUND') });

    await expect(handler(input())).rejects.toThrow(/already compensated/);
    expect(puts()).toHaveLength(0);
    expect(providerLedger.entry(KEY.id)).toBeUndefined();
  });

  it('does not overwrite a record the saga settled while the provider was answering', async () => {
    ddbMock
      .on(GetCommand, IDEMPOTENCY)
      .resolvesOnce({})
      .resolves({ Item: stored('REFUNDED') });
    ddbMock.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());

    await expect(handler(input())).rejects.toThrow(/already refunded/);
    expect(puts().map((p) => p.Item?.status)).toEqual(['PENDING', 'CHARGED']);
    expect(puts()[1].ConditionExpression).toMatch(/^\(#status = :pending AND amountCents = :amount\)/);
  });

  it('answers like the invocation that recorded first when its conditional write loses a race', async () => {
    ddbMock
      .on(GetCommand, IDEMPOTENCY)
      .resolvesOnce({})
      .resolves({ Item: stored('CHARGED') });
    ddbMock.on(PutCommand).rejects(conditionFailed());

    await expect(handler(input())).resolves.toEqual({ status: 'CHARGED', chargeId: CHARGE_ID, amountCents: 4_500 });
    expect(ddbMock.commandCalls(GetCommand, IDEMPOTENCY)).toHaveLength(2);
    expect(providerLedger.entry(KEY.id)).toBeUndefined(); // the winner charged; this one did not call
  });

  describe('the payment claim (docs/adr/0019)', () => {
    it('deletes the token claim once the charge is captured, and keeps the address claim for the shipments', async () => {
      await handler(input());
      expect(deletes()).toEqual([`payment#${CLAIM_REF}`]);
      expect(ddbMock.commandCalls(DeleteCommand)[0].args[0].input.TableName).toBe(TABLES.claims);
    });

    it('deletes both claims once the charge is declined (nothing will ship)', async () => {
      await rejectionOf(handler(input({ paymentToken: 'tok_decline' })));
      expect(deletes()).toEqual([`payment#${CLAIM_REF}`, `shipping#${CLAIM_REF}`]);
    });

    it('deletes both claims when a repeat finds the decline recorded', async () => {
      ddbMock.on(GetCommand, IDEMPOTENCY).resolves({ Item: stored('DECLINED', { declineCode: 'card_declined' }) });
      await rejectionOf(handler(input()));
      expect(deletes()).toEqual([`payment#${CLAIM_REF}`, `shipping#${CLAIM_REF}`]);
    });

    it('keeps the claim while the outcome is unknown (the retry needs the token again)', async () => {
      await rejectionOf(handler(input({ paymentToken: 'tok_transient' })));
      expect(deletes()).toEqual([]);
    });

    it.each([
      ['a missing claim', () => ddbMock.on(GetCommand, CLAIMS).resolves({})],
      [
        'expired',
        () => ddbMock.on(GetCommand, CLAIMS).resolves({ Item: paymentClaim('tok_approve', { expiresAt: 1 }) }),
      ],
      [
        "another order's claim",
        () => ddbMock.on(GetCommand, CLAIMS).resolves({ Item: paymentClaim('tok_approve', { orderId: 'ord-6' }) }),
      ],
      [
        'a malformed claim',
        () => ddbMock.on(GetCommand, CLAIMS).resolves({ Item: paymentClaim('4242 4242 4242 4242') }),
      ],
    ])('%s: PaymentClaimMissing, nothing recorded, the provider never called', async (_name, answer) => {
      const request = input();
      answer();
      const error = await rejectionOf(handler(request));

      expect(error.name).toBe('PaymentClaimMissing');
      expect(puts()).toEqual([]);
      expect(providerLedger.entry(KEY.id)).toBeUndefined();
    });

    it('a claim gone because a concurrent invocation settled the charge: answers as it did', async () => {
      ddbMock
        .on(GetCommand, IDEMPOTENCY)
        .resolvesOnce({})
        .resolves({ Item: stored('CHARGED') });
      ddbMock.on(GetCommand, CLAIMS).resolves({});

      await expect(handler(input())).resolves.toEqual({ status: 'CHARGED', chargeId: CHARGE_ID, amountCents: 4_500 });
      expect(providerLedger.entry(KEY.id)).toBeUndefined();
    });
  });

  it.each([
    ['a zero amount', { amountCents: 0 }, /amountCents/],
    ['a fractional amount', { amountCents: 12.5 }, /amountCents/],
    ['an amount as text', { amountCents: '4500' as unknown as number }, /amountCents/],
    ['a bad claim reference', { claim: 'payment#ord-5' }, /claim/],
    ['a bad order id', { orderId: 'ord 5!' }, /orderId/],
    ['a negative attempt', { attempt: -1 }, /attempt/],
  ])('rejects %s before any read, write or charge', async (_name, overrides, problem) => {
    const error = await rejectionOf(handler(input(overrides)));

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(problem);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
