import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/refund-payment';
import * as provider from '../../lambda/shared/payment-provider';
import { conditionFailed, FIXED_NOW, fixDate, rejectionOf, TABLES } from './support/fixtures';
import { captureLogs } from './support/logs';

const ddbMock = mockClient(DynamoDBDocumentClient);
const logs = captureLogs();
const KEY = { id: 'payment#ord-5' };
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

beforeEach(() => {
  fixDate();
  ddbMock.reset();
  process.env.IDEMPOTENCY_TABLE_NAME = TABLES.idempotency;
  delete process.env.PAYMENT_PROVIDER_TIMEOUT_MS;
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('refund-payment', () => {
  it('refunds a charge and flips the record CHARGED → REFUNDED conditionally', async () => {
    ddbMock.on(GetCommand).resolves({ Item: record('CHARGED') });

    const result = await handler({ orderId: 'ord-5' });

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

    await expect(handler({ orderId: 'ord-5' })).resolves.toEqual({
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
    ['no payment record', undefined],
    ['a declined payment', record('DECLINED')],
  ])('answers NO_CHARGE for %s', async (_name, item) => {
    ddbMock.on(GetCommand).resolves({ Item: item });

    await expect(handler({ orderId: 'ord-5' })).resolves.toEqual({ refunded: false, note: 'NO_CHARGE' });
    expect(updates()).toHaveLength(0);
  });

  it('answers ALREADY_REFUNDED when a concurrent invocation flipped the record first', async () => {
    ddbMock
      .on(GetCommand)
      .resolvesOnce({ Item: record('CHARGED') })
      .resolves({ Item: record('REFUNDED') });
    ddbMock.on(UpdateCommand).rejects(conditionFailed());

    await expect(handler({ orderId: 'ord-5' })).resolves.toMatchObject({ refunded: true, note: 'ALREADY_REFUNDED' });
  });

  it('refunds at the provider before flipping the record: a provider failure leaves it CHARGED for the retry', async () => {
    ddbMock.on(GetCommand).resolves({ Item: record('CHARGED') });
    jest.spyOn(provider, 'refund').mockRejectedValue(new provider.ProviderHttpError(503, 'Service Unavailable'));

    await expect(handler({ orderId: 'ord-5' })).rejects.toMatchObject({
      name: 'PaymentProviderUnavailable',
      message: 'Payment provider unavailable for refund: HTTP 503 Service Unavailable',
    });
    expect(updates()).toHaveLength(0);
  });

  it('rejects a bad order id before touching anything', async () => {
    const error = await rejectionOf(handler({ orderId: '' }));

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(/orderId/);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
