import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { CartAbandonedDetailSchema, reminderDecision } from '@securecart/contracts/reminders';
import { handler, PROJECTED_ATTRIBUTES } from '../../lambda/cart-reminder';
import { captureLogs } from './support/logs';
import { captureMetrics } from './support/metrics';
import { sqsBatch, sqsRecord } from './support/sqs';

const BUS = 'securecart-sandbox';
const TABLE = 'securecart-sandbox-carts';
const ddbMock = mockClient(DynamoDBDocumentClient);
const ebMock = mockClient(EventBridgeClient);
const logs = captureLogs();
const metrics = captureMetrics();

const NOW_S = Math.floor(Date.now() / 1000);
const cart = (overrides: Record<string, unknown> = {}) => ({
  items: [
    { productId: 'p-100', quantity: 2 },
    { productId: 'p-200', quantity: 1 },
  ],
  version: 7,
  updatedAt: '2026-12-07T16:00:00.000Z',
  expiresAt: NOW_S + 86_400,
  ...overrides,
});
const reminder = (customerId: string, cartVersion: number) => ({ schemaVersion: 1, customerId, cartVersion });
const record = (messageId: string, body: unknown) =>
  sqsRecord(messageId, body, { queueArn: 'arn:aws:sqs:us-east-1:123456789012:securecart-sandbox-cart-reminders' });
const batch = sqsBatch;
const published = () => ebMock.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
const counted = () =>
  metrics().flatMap((line) =>
    line._aws.CloudWatchMetrics[0].Metrics.map((m) => `${m.Name}${line.reason ? `:${String(line.reason)}` : ''}`),
  );
const carts = (byCustomer: Record<string, Record<string, unknown> | undefined>) =>
  ddbMock.on(GetCommand).callsFake((input: { Key: { cartId: string } }) => ({ Item: byCustomer[input.Key.cartId] }));

beforeEach(() => {
  ddbMock.reset();
  ebMock.reset();
  ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  process.env.CARTS_TABLE_NAME = TABLE;
  process.env.EVENT_BUS_NAME = BUS;
});
afterAll(() => {
  delete process.env.CARTS_TABLE_NAME;
  delete process.env.EVENT_BUS_NAME;
  ddbMock.restore();
  ebMock.restore();
});

describe('cart-reminder', () => {
  test('an untouched cart: CartAbandoned on the bus with ids and counts only, counted as a business metric', async () => {
    carts({ 'cust-secret-1': cart() });
    const result = await handler(batch(record('m1', reminder('cust-secret-1', 7))));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(published()).toEqual([
      {
        EventBusName: BUS,
        Source: 'securecart.carts',
        DetailType: 'Cart Abandoned',
        Detail: JSON.stringify({
          schemaVersion: 1,
          customerId: 'cust-secret-1',
          cartVersion: 7,
          cartUpdatedAt: '2026-12-07T16:00:00.000Z',
          itemCount: 3,
          productIds: ['p-100', 'p-200'],
        }),
      },
    ]);
    expect(CartAbandonedDetailSchema.safeParse(JSON.parse(published()[0].Detail!)).success).toBe(true);
    expect(counted()).toEqual(['CartsAbandoned']);
  });

  test('reads the cart strongly consistent, only the attributes it decides on', async () => {
    carts({ c1: cart() });
    await handler(batch(record('m1', reminder('c1', 7))));
    const [get] = ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(get).toMatchObject({ TableName: TABLE, Key: { cartId: 'c1' }, ConsistentRead: true });
    expect(Object.values(get.ExpressionAttributeNames!).sort()).toEqual([...PROJECTED_ATTRIBUTES].sort());
    expect(get.ProjectionExpression).toBe('#a0, #a1, #a2, #a3, #a4');
  });

  test.each([
    ['updated since (a newer version)', cart({ version: 8 }), 'SUPERSEDED'],
    ['ordered from this version', cart({ orderedVersion: 7 }), 'ORDERED'],
    ['emptied since', cart({ version: 8, items: [] }), 'EMPTY'],
    ['gone (no item)', undefined, 'EMPTY'],
    ['expired but not deleted yet', cart({ expiresAt: NOW_S - 1 }), 'EMPTY'],
  ])('no reminder for a cart %s: a no-op, counted by reason', async (_name, item, reason) => {
    carts({ c1: item });
    const result = await handler(batch(record('m1', reminder('c1', 7))));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(published()).toEqual([]);
    expect(counted()).toEqual([`CartRemindersSkipped:${reason}`]);
  });

  test('an order of an older version does not silence a newer cart', async () => {
    carts({ c1: cart({ version: 9, orderedVersion: 7 }) });
    await handler(batch(record('m9', reminder('c1', 9))));
    expect(published()).toHaveLength(1);
  });

  test('each message decides for itself; a failed read or publish is a batch item failure (retried, then the DLQ)', async () => {
    ddbMock
      .on(GetCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }))
      .resolves({ Item: cart() });
    ebMock
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
    const result = await handler(
      batch(record('m1', reminder('c1', 7)), record('m2', reminder('c2', 7)), record('m3', reminder('c3', 7))),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(published()).toHaveLength(2);
    expect(counted()).toEqual(['CartsAbandoned']);
    const warnings = logs().filter((l) => l.message === 'Reminder failed; the message is offered again');
    expect(warnings.map((w) => w.error)).toEqual(['ProvisionedThroughputExceededException', 'InternalFailure']);
  });

  test.each([
    ['not JSON', '{"customerId": "c1"'],
    ['no version', { schemaVersion: 1, customerId: 'c1' }],
    ['a version of 0', reminder('c1', 0)],
    ['a fractional version', reminder('c1', 1.5)],
    ['a version as a string', { schemaVersion: 1, customerId: 'c1', cartVersion: '7' }],
    ['an unknown schema version', { ...reminder('c1', 7), schemaVersion: 2 }],
    ['an empty customer id', reminder('', 7)],
    ['a customer id of control characters', reminder('c1\u0000\u202e', 7)],
    ['a huge customer id', reminder('c'.repeat(10_000), 7)],
    ['an array', [reminder('c1', 7)]],
    ['null', 'null'],
  ])('a message with %s is never acted on: a failure until the DLQ, no read, no event', async (_name, body) => {
    carts({ c1: cart() });
    const result = await handler(batch(record('bad', body)));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
    expect(published()).toEqual([]);
  });

  test('a cart item that is not well formed is not published (left for the DLQ)', async () => {
    carts({
      c1: cart({ items: [{ productId: { $ne: 1 }, quantity: 1 }] }),
      c2: cart({ updatedAt: 'yesterday' }),
      c3: cart({ items: [{ productId: 'p-1', quantity: 'lots' }] }),
    });
    const result = await handler(
      batch(record('m1', reminder('c1', 7)), record('m2', reminder('c2', 7)), record('m3', reminder('c3', 7))),
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2', 'm3']);
    expect(published()).toEqual([]);
  });

  test('logs name the message and the version, never the customer or the products', async () => {
    carts({ 'cust-secret-1': cart() });
    await handler(batch(record('m1', reminder('cust-secret-1', 7)), record('m2', reminder('cust-secret-2', 7))));
    const text = JSON.stringify(logs());
    expect(text).toContain('m1');
    expect(text).not.toMatch(/cust-secret|p-100/);
  });

  test('without CARTS_TABLE_NAME it fails at once, naming the variable', async () => {
    delete process.env.CARTS_TABLE_NAME;
    await expect(handler(batch(record('m1', reminder('c1', 7))))).rejects.toThrow(/CARTS_TABLE_NAME/);
    expect(published()).toEqual([]);
  });
});

describe('reminderDecision (contracts/reminders.ts)', () => {
  const now = NOW_S * 1000;
  test('a version that is not a number in the item never matches', () => {
    expect(reminderDecision({ cartVersion: 7 }, cart({ version: '7' }), now, 'expiresAt')).toEqual({
      send: false,
      reason: 'SUPERSEDED',
    });
    expect(reminderDecision({ cartVersion: 7 }, cart({ expiresAt: 'soon' }), now, 'expiresAt')).toEqual({
      send: false,
      reason: 'EMPTY',
    });
    expect(reminderDecision({ cartVersion: 7 }, cart(), now, 'expiresAt')).toEqual({ send: true });
  });
});
