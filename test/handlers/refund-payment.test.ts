import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/refund-payment';
import * as provider from '../../lambda/shared/payment-provider';
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

const ddbMock = mockClient(DynamoDBDocumentClient);
const logs = captureLogs();
const KEY = { id: 'payment#ord-5' };
const REFUND = { orderId: 'ord-5', claim: CLAIM_REF };
const CHARGE_ID = provider.chargeIdFor('ord-5');
const record = (status: string) => ({
  ...KEY,
  kind: 'payment',
  orderId: 'ord-5',
  status,
  chargeId: CHARGE_ID,
  amountCents: 4_500,
});
const updates = () => ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
const puts = () => ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input);
/** The attempt process-payment recorded before calling the provider: the outcome is unknown. */
const pending = () => ({ ...KEY, kind: 'payment', orderId: 'ord-5', status: 'PENDING', amountCents: 4_500 });
/** A charge at the simulated provider under the order's idempotency key (as process-payment makes it). */
const chargeAtProvider = (paymentToken = 'tok_approve') =>
  provider.charge(
    { idempotencyKey: KEY.id, orderId: 'ord-5', amountCents: 4_500, paymentToken, attempt: 0 },
    new AbortController().signal,
  );
const PENDING_TO_REFUNDED = {
  TableName: TABLES.idempotency,
  Key: KEY,
  UpdateExpression:
    'SET #status = :refunded, refundedAt = :now, refundId = :refundId, chargeId = :chargeId, amountCents = :amount',
  ConditionExpression: '#status = :pending',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: {
    ':refunded': 'REFUNDED',
    ':pending': 'PENDING',
    ':now': FIXED_NOW.toISOString(),
    ':refundId': provider.refundIdFor(CHARGE_ID),
    ':chargeId': CHARGE_ID,
    ':amount': 4_500,
  },
};

beforeEach(() => {
  fixDate();
  ddbMock.reset();
  provider.providerLedger.reset();
  process.env.IDEMPOTENCY_TABLE_NAME = TABLES.idempotency;
  process.env.ORDER_CLAIMS_TABLE_NAME = TABLES.claims;
  delete process.env.PAYMENT_PROVIDER_TIMEOUT_MS;
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('refund-payment', () => {
  it('refunds a charge and flips the record CHARGED → REFUNDED conditionally', async () => {
    ddbMock.on(GetCommand).resolves({ Item: record('CHARGED') });

    const result = await handler(REFUND);

    expect(result).toEqual({ refunded: true, note: 'REFUNDED', chargeId: CHARGE_ID, amountCents: 4_500 });
    expect(ddbMock.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: TABLES.idempotency,
      Key: KEY,
      ConsistentRead: true,
    });
    expect(updates()).toEqual([
      {
        TableName: TABLES.idempotency,
        Key: KEY,
        UpdateExpression: 'SET #status = :refunded, refundedAt = :now, refundId = :refundId',
        ConditionExpression: '#status = :charged AND chargeId = :chargeId',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':refunded': 'REFUNDED',
          ':charged': 'CHARGED',
          ':now': FIXED_NOW.toISOString(),
          ':refundId': provider.refundIdFor(CHARGE_ID),
          ':chargeId': CHARGE_ID,
        },
      },
    ]);
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'Payment refunded', orderId: 'ord-5' }),
    );
  });

  it('answers ALREADY_REFUNDED on a repeat, without refunding or writing', async () => {
    ddbMock.on(GetCommand).resolves({ Item: record('REFUNDED') });
    const refund = jest.spyOn(provider, 'refund');

    await expect(handler(REFUND)).resolves.toEqual({
      refunded: true,
      note: 'ALREADY_REFUNDED',
      chargeId: CHARGE_ID,
      amountCents: 4_500,
    });
    expect(refund).not.toHaveBeenCalled();
    expect(updates()).toHaveLength(0);
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', orderId: 'ord-5' }));
  });

  it.each([
    ['a declined payment', record('DECLINED')],
    ['a payment already found not charged', record('NOTHING_TO_REFUND')],
  ])('answers NO_CHARGE for %s, without asking the provider or writing', async (_name, item) => {
    ddbMock.on(GetCommand).resolves({ Item: item });
    const retrieve = jest.spyOn(provider, 'retrieve');

    await expect(handler(REFUND)).resolves.toEqual({ refunded: false, note: 'NO_CHARGE' });
    expect(updates()).toHaveLength(0);
    expect(puts()).toHaveLength(0);
    expect(retrieve).not.toHaveBeenCalled();
  });

  it('answers NO_CHARGE for no payment record (the provider was never called) and records NOTHING_TO_REFUND, so a late charge is refused', async () => {
    ddbMock.on(GetCommand).resolves({});

    await expect(handler(REFUND)).resolves.toEqual({ refunded: false, note: 'NO_CHARGE' });
    expect(puts()).toEqual([
      {
        TableName: TABLES.idempotency,
        Item: {
          ...KEY,
          kind: 'payment',
          orderId: 'ord-5',
          status: 'NOTHING_TO_REFUND',
          settledAt: FIXED_NOW.toISOString(),
          expiration: FIXED_EXPIRATION,
        },
        ConditionExpression: 'attribute_not_exists(id)',
      },
    ]);
  });

  it('decides again when process-payment recorded its attempt just before the NOTHING_TO_REFUND record', async () => {
    await chargeAtProvider();
    ddbMock.on(GetCommand).resolvesOnce({}).resolves({ Item: pending() });
    ddbMock.on(PutCommand).rejects(conditionFailed());

    await expect(handler(REFUND)).resolves.toMatchObject({ refunded: true, note: 'REFUNDED' });
    expect(updates()).toEqual([PENDING_TO_REFUNDED]);
    expect(provider.providerLedger.netCents(KEY.id)).toBe(0);
  });

  it('PENDING, charged at the provider (the answer was lost): refunds exactly the charge and records REFUNDED', async () => {
    await chargeAtProvider();
    ddbMock.on(GetCommand).resolves({ Item: pending() });

    await expect(handler(REFUND)).resolves.toEqual({
      refunded: true,
      note: 'REFUNDED',
      chargeId: CHARGE_ID,
      amountCents: 4_500,
    });
    expect(updates()).toEqual([PENDING_TO_REFUNDED]);
    expect(provider.providerLedger.entry(KEY.id)).toMatchObject({
      chargedCents: 4_500,
      refundedCents: 4_500,
      refunds: 1,
    });
  });

  it('PENDING, a repeat after the refund but before the record flipped: refunds nothing twice', async () => {
    await chargeAtProvider();
    ddbMock.on(GetCommand).resolves({ Item: pending() });
    ddbMock.on(UpdateCommand).rejectsOnce(new Error('DynamoDB unavailable')).resolves({});

    await expect(handler(REFUND)).rejects.toThrow('DynamoDB unavailable');
    await expect(handler(REFUND)).resolves.toMatchObject({ note: 'REFUNDED' });
    expect(provider.providerLedger.entry(KEY.id)).toMatchObject({ refundedCents: 4_500, refunds: 1 });
  });

  it('PENDING, nothing at the provider: cancels the key and records NOTHING_TO_REFUND; a charge landing later is refused', async () => {
    ddbMock.on(GetCommand).resolves({ Item: pending() });

    await expect(handler(REFUND)).resolves.toEqual({ refunded: false, note: 'NO_CHARGE' });
    expect(updates()).toEqual([
      {
        TableName: TABLES.idempotency,
        Key: KEY,
        UpdateExpression: 'SET #status = :nothing, settledAt = :now',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':nothing': 'NOTHING_TO_REFUND',
          ':pending': 'PENDING',
          ':now': FIXED_NOW.toISOString(),
        },
      },
    ]);
    expect(provider.providerLedger.entry(KEY.id)).toMatchObject({ status: 'CANCELED' });
    await expect(chargeAtProvider()).rejects.toMatchObject({ statusCode: 409 });
    expect(provider.providerLedger.netCents(KEY.id)).toBe(0);
  });

  it('PENDING, declined at the provider: records NOTHING_TO_REFUND without refunding', async () => {
    await chargeAtProvider('tok_decline');
    ddbMock.on(GetCommand).resolves({ Item: pending() });
    const refund = jest.spyOn(provider, 'refund');

    await expect(handler(REFUND)).resolves.toEqual({ refunded: false, note: 'NO_CHARGE' });
    expect(refund).not.toHaveBeenCalled();
    expect(updates()[0].ExpressionAttributeValues).toMatchObject({ ':nothing': 'NOTHING_TO_REFUND' });
  });

  it('a refund failing transiently throws PaymentProviderUnavailable and leaves the record for the retry, which refunds once', async () => {
    await chargeAtProvider('tok_refund_transient');
    ddbMock.on(GetCommand).resolves({ Item: pending() });

    for (let i = 0; i < 2; i += 1) {
      await expect(handler(REFUND)).rejects.toMatchObject({
        name: 'PaymentProviderUnavailable',
        message: 'Payment provider unavailable for refund: HTTP 503 Service Unavailable',
      });
    }
    expect(updates()).toHaveLength(0);
    expect(provider.providerLedger.netCents(KEY.id)).toBe(4_500);

    await expect(handler(REFUND)).resolves.toMatchObject({ refunded: true, note: 'REFUNDED' });
    expect(updates()).toEqual([PENDING_TO_REFUNDED]);
    expect(provider.providerLedger.entry(KEY.id)).toMatchObject({ refundedCents: 4_500, refunds: 1 });
  });

  it('a provider that does not answer the lookup is transient too (PaymentProviderUnavailable), nothing recorded', async () => {
    ddbMock.on(GetCommand).resolves({ Item: pending() });
    jest.spyOn(provider, 'retrieve').mockRejectedValue(new provider.ProviderHttpError(502, 'Bad Gateway'));

    await expect(handler(REFUND)).rejects.toMatchObject({
      name: 'PaymentProviderUnavailable',
      message: 'Payment provider unavailable for retrieve: HTTP 502 Bad Gateway',
    });
    expect(updates()).toHaveLength(0);
    expect(provider.providerLedger.entry(KEY.id)).toBeUndefined(); // not canceled either
  });

  it('answers ALREADY_REFUNDED when a concurrent invocation flipped the record first', async () => {
    ddbMock
      .on(GetCommand)
      .resolvesOnce({ Item: record('CHARGED') })
      .resolves({ Item: record('REFUNDED') });
    ddbMock.on(UpdateCommand).rejects(conditionFailed());

    await expect(handler(REFUND)).resolves.toMatchObject({ refunded: true, note: 'ALREADY_REFUNDED' });
  });

  it('refunds at the provider before flipping the record: a provider failure leaves it CHARGED for the retry', async () => {
    ddbMock.on(GetCommand).resolves({ Item: record('CHARGED') });
    jest.spyOn(provider, 'refund').mockRejectedValue(new provider.ProviderHttpError(503, 'Service Unavailable'));

    await expect(handler(REFUND)).rejects.toMatchObject({
      name: 'PaymentProviderUnavailable',
      message: 'Payment provider unavailable for refund: HTTP 503 Service Unavailable',
    });
    expect(updates()).toHaveLength(0);
  });

  it.each([
    ['a charge', () => ({ Item: record('CHARGED') })],
    ['no payment record', () => ({})],
    ['a PENDING attempt', () => ({ Item: pending() })],
  ])(
    'deletes both claims of the order first, before the provider is asked (%s; docs/adr/0019)',
    async (_name, answer) => {
      ddbMock.on(GetCommand).resolves(answer());
      const calls: string[] = [];
      ddbMock.on(DeleteCommand).callsFake(async (input) => {
        calls.push(`delete ${input.TableName} ${input.Key.claimId}`);
        return {};
      });
      const retrieve = jest.spyOn(provider, 'retrieve');

      await handler(REFUND);

      expect(calls).toEqual([
        `delete ${TABLES.claims} payment#${CLAIM_REF}`,
        `delete ${TABLES.claims} shipping#${CLAIM_REF}`,
      ]);
      const firstGet = ddbMock.calls().findIndex((c) => c.args[0] instanceof GetCommand);
      const lastDelete = ddbMock.calls().findLastIndex((c) => c.args[0] instanceof DeleteCommand);
      expect(lastDelete).toBeLessThan(firstGet);
      if (retrieve.mock.calls.length > 0) expect(lastDelete).toBeGreaterThanOrEqual(0);
    },
  );

  it.each([
    ['a bad order id', { orderId: '', claim: CLAIM_REF }, /orderId/],
    ['no claim reference', { orderId: 'ord-5' }, /claim/],
  ])('rejects %s before touching anything', async (_name, request, problem) => {
    const error = await rejectionOf(handler(request as typeof REFUND));

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(problem);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
