import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/release-inventory';
import { conditionFailed, FIXED_EXPIRATION, FIXED_NOW, fixDate, rejectionOf, TABLES } from './support/fixtures';
import { captureLogs } from './support/logs';

const ddbMock = mockClient(DynamoDBDocumentClient);
const logs = captureLogs();
const release = (productId: string, quantity: number) => ({
  TableName: TABLES.catalog,
  Key: { productId },
  UpdateExpression: 'SET stock = stock + :q DELETE reservedOrders :oidSet',
  ConditionExpression: 'contains(reservedOrders, :oid)',
  ExpressionAttributeValues: { ':q': quantity, ':oid': 'ord-3', ':oidSet': new Set(['ord-3']) },
});
const updates = () => ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
const markerPut = {
  TableName: TABLES.idempotency,
  Item: {
    id: 'release#ord-3',
    kind: 'release',
    orderId: 'ord-3',
    releasedAt: FIXED_NOW.toISOString(),
    expiration: FIXED_EXPIRATION,
  },
  ConditionExpression: 'attribute_not_exists(id)',
};

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(PutCommand).resolves({});
  process.env.CATALOG_TABLE_NAME = TABLES.catalog;
  process.env.IDEMPOTENCY_TABLE_NAME = TABLES.idempotency;
  fixDate();
});
afterEach(() => jest.useRealTimers());

describe('release-inventory', () => {
  it('gives back each reservation of the order with a conditional update', async () => {
    const lines = [
      { productId: 'p-b', name: 'B', quantity: 1, unitPriceCents: 5, lineTotalCents: 5, warehouse: 'w' },
      { productId: 'p-a', name: 'A', quantity: 2, unitPriceCents: 5, lineTotalCents: 10, warehouse: 'w' },
    ];

    await expect(handler({ orderId: 'ord-3', items: lines })).resolves.toEqual({
      released: ['p-a', 'p-b'],
      skipped: [],
    });
    expect(updates()).toEqual([release('p-a', 2), release('p-b', 1)]);
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'Inventory released', orderId: 'ord-3' }),
    );
  });

  it('skips items the order no longer holds (already released, shipped or never reserved)', async () => {
    ddbMock.on(UpdateCommand, { Key: { productId: 'p-b' } }).rejects(conditionFailed());

    const result = await handler({
      orderId: 'ord-3',
      items: [
        { productId: 'p-a', quantity: 2 },
        { productId: 'p-b', quantity: 1 },
      ],
    });

    expect(result).toEqual({ released: ['p-a'], skipped: ['p-b'] });
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', orderId: 'ord-3', skipped: ['p-b'] }));
  });

  it('is idempotent: a repeat releases nothing more', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());

    await expect(handler({ orderId: 'ord-3', items: [{ productId: 'p-a', quantity: 2 }] })).resolves.toEqual({
      released: [],
      skipped: ['p-a'],
    });
  });

  it('writes the release marker before it gives any stock back', async () => {
    await handler({ orderId: 'ord-3', items: [{ productId: 'p-a', quantity: 2 }] });

    expect(ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input)).toEqual([markerPut]);
    expect(ddbMock.calls().map((c) => c.args[0].constructor.name)).toEqual(['PutCommand', 'UpdateCommand']);
  });

  it('keeps the first marker on a repeat and still releases whatever stands', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());

    await expect(handler({ orderId: 'ord-3', items: [{ productId: 'p-a', quantity: 2 }] })).resolves.toEqual({
      released: ['p-a'],
      skipped: [],
    });
    expect(updates()).toEqual([release('p-a', 2)]);
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'WARN', orderId: 'ord-3', message: expect.stringMatching(/released before/) }),
    );
  });

  it('gives back nothing, and writes no marker, when the marker cannot be written (the workflow retries)', async () => {
    ddbMock.on(PutCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    await expect(handler({ orderId: 'ord-3', items: [{ productId: 'p-a', quantity: 2 }] })).rejects.toThrow(
      'throttled',
    );
    expect(updates()).toEqual([]);
  });

  it('propagates other DynamoDB errors so the workflow retries', async () => {
    ddbMock
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));

    await expect(handler({ orderId: 'ord-3', items: [{ productId: 'p-a', quantity: 2 }] })).rejects.toThrow(
      'throttled',
    );
  });

  it('rejects bad input before any write', async () => {
    const error = await rejectionOf(handler({ orderId: 'ord-3', items: [{ productId: '', quantity: 1 }] }));

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(/items\.0\.productId/);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
