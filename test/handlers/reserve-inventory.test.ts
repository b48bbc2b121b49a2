import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/reserve-inventory';
import { inventoryLowBatches } from '../../lambda/reserve-inventory/low-stock';
import { conditionFailed, rejectionOf, TABLES } from './support/fixtures';
import { captureLogs } from './support/logs';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ebMock = mockClient(EventBridgeClient);
const logs = captureLogs();
const BUS = 'securecart-bus';
const RESERVE = 'SET stock = stock - :q ADD reservedOrders :oidSet';
const RELEASE = 'SET stock = stock + :q DELETE reservedOrders :oidSet';

const catalogItem = (productId: string, stock: number, extra: Record<string, unknown> = {}) => ({
  productId,
  name: productId,
  priceCents: 100,
  stock,
  reorderLevel: 5,
  reorderQuantity: 50,
  warehouse: 'wh-east',
  active: true,
  ...extra,
});
const reserveCall = (productId: string, quantity: number) => ({
  TableName: TABLES.catalog,
  Key: { productId },
  UpdateExpression: RESERVE,
  ConditionExpression: 'attribute_exists(productId) AND stock >= :q AND NOT contains(reservedOrders, :oid)',
  ExpressionAttributeValues: { ':q': quantity, ':oid': 'ord-3', ':oidSet': new Set(['ord-3']) },
  ReturnValues: 'ALL_NEW',
});
const releaseCall = (productId: string, quantity: number) => ({
  TableName: TABLES.catalog,
  Key: { productId },
  UpdateExpression: RELEASE,
  ConditionExpression: 'contains(reservedOrders, :oid)',
  ExpressionAttributeValues: { ':q': quantity, ':oid': 'ord-3', ':oidSet': new Set(['ord-3']) },
});
const updates = () => ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
/** The release-marker reads (GetItem on the Idempotency table). */
const markerReads = () =>
  ddbMock
    .commandCalls(GetCommand)
    .map((c) => c.args[0].input)
    .filter((i) => i.TableName === TABLES.idempotency);
const markerRead = {
  TableName: TABLES.idempotency,
  Key: { id: 'release#ord-3' },
  ConsistentRead: true,
  ProjectionExpression: 'id',
};
const MARKER = { Item: { id: 'release#ord-3' } };
const twoItems = [
  { productId: 'p-a', quantity: 2 },
  { productId: 'p-b', quantity: 1 },
];

beforeEach(() => {
  ddbMock.reset();
  ebMock.reset();
  ddbMock
    .on(UpdateCommand, { Key: { productId: 'p-a' } })
    .resolves({ Attributes: catalogItem('p-a', 40, { reservedOrders: new Set(['ord-3']) }) });
  ddbMock
    .on(UpdateCommand, { Key: { productId: 'p-b' } })
    .resolves({ Attributes: catalogItem('p-b', 20, { reservedOrders: new Set(['ord-3']) }) });
  ddbMock.on(GetCommand, { TableName: TABLES.idempotency }).resolves({}); // not released
  ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  process.env.CATALOG_TABLE_NAME = TABLES.catalog;
  process.env.IDEMPOTENCY_TABLE_NAME = TABLES.idempotency;
  process.env.EVENT_BUS_NAME = BUS;
});

describe('reserve-inventory', () => {
  it('reserves every item with a conditional update, in product order, merging duplicate lines', async () => {
    const result = await handler({
      orderId: 'ord-3',
      items: [
        { productId: 'p-b', quantity: 1 },
        { productId: 'p-a', quantity: 2 },
        { productId: 'p-b', quantity: 3 },
      ],
    });

    expect(result).toEqual({ reserved: ['p-a', 'p-b'], lowStock: [] });
    expect(updates()).toEqual([reserveCall('p-a', 2), reserveCall('p-b', 4)]);
    expect(ebMock.calls()).toHaveLength(0);
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'Inventory reserved', orderId: 'ord-3' }),
    );
  });

  it('accepts priced lines as items (extra fields ignored)', async () => {
    const line = {
      productId: 'p-a',
      name: 'A',
      quantity: 2,
      unitPriceCents: 100,
      lineTotalCents: 200,
      warehouse: 'wh-east',
    };
    await expect(handler({ orderId: 'ord-3', items: [line] })).resolves.toEqual({ reserved: ['p-a'], lowStock: [] });
  });

  it('emits one Inventory Low event per product that fell below its reorder level', async () => {
    ddbMock.on(UpdateCommand, { Key: { productId: 'p-a' } }).resolves({ Attributes: catalogItem('p-a', 3) });

    const result = await handler({
      orderId: 'ord-3',
      items: [
        { productId: 'p-a', quantity: 2 },
        { productId: 'p-b', quantity: 1 },
      ],
    });

    expect(result).toEqual({ reserved: ['p-a', 'p-b'], lowStock: ['p-a'] });
    const calls = ebMock.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      Entries: [
        {
          EventBusName: BUS,
          Source: 'securecart.inventory',
          DetailType: 'Inventory Low',
          Detail: JSON.stringify({
            productId: 'p-a',
            stock: 3,
            reorderLevel: 5,
            reorderQuantity: 50,
            orderId: 'ord-3',
          }),
        },
      ],
    });
  });

  it('throws when EventBridge rejects an entry (the step is retried; reservations are idempotent)', async () => {
    ddbMock.on(UpdateCommand, { Key: { productId: 'p-a' } }).resolves({ Attributes: catalogItem('p-a', 0) });
    ebMock
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });

    await expect(handler({ orderId: 'ord-3', items: [{ productId: 'p-a', quantity: 2 }] })).rejects.toThrow(
      'PutEvents failed for 1 Inventory Low events: InternalFailure',
    );
  });

  it('treats items this order already holds as reserved on a repeat (no double decrement)', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand, { TableName: TABLES.catalog }).callsFake((input: { Key: { productId: string } }) => ({
      Item: catalogItem(input.Key.productId, 4, { reservedOrders: new Set(['ord-1', 'ord-3']) }),
    }));

    const result = await handler({
      orderId: 'ord-3',
      items: [
        { productId: 'p-a', quantity: 2 },
        { productId: 'p-b', quantity: 1 },
      ],
    });

    expect(result).toEqual({ reserved: ['p-a', 'p-b'], lowStock: ['p-a', 'p-b'] });
    expect(updates().map((u) => u.UpdateExpression)).toEqual([RESERVE, RESERVE]); // nothing undone
    expect(ddbMock.commandCalls(GetCommand, { TableName: TABLES.catalog })[0].args[0].input).toEqual({
      TableName: TABLES.catalog,
      Key: { productId: 'p-a' },
      ConsistentRead: true,
    });
    expect(markerReads()).toEqual([markerRead, markerRead]); // not released, before and after
    expect(logs().filter((l) => l.level === 'WARN' && l.orderId === 'ord-3')).toHaveLength(2);
    // Low stock is re-announced in case the first attempt failed before its PutEvents (restock is idempotent per order).
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('throws OutOfStock naming the product and undoes only what this call reserved', async () => {
    ddbMock.on(UpdateCommand, { Key: { productId: 'p-b' }, UpdateExpression: RESERVE }).rejects(conditionFailed());
    ddbMock
      .on(GetCommand, { TableName: TABLES.catalog })
      .resolves({ Item: catalogItem('p-b', 1, { reservedOrders: new Set(['ord-1']) }) });

    const error = await rejectionOf(
      handler({
        orderId: 'ord-3',
        items: [
          { productId: 'p-a', quantity: 2 },
          { productId: 'p-b', quantity: 3 },
        ],
      }),
    );

    expect(error).toMatchObject({
      name: 'OutOfStock',
      productId: 'p-b',
      message: 'Out of stock: product p-b has 1 left, order needs 3',
    });
    expect(updates()).toEqual([reserveCall('p-a', 2), reserveCall('p-b', 3), releaseCall('p-a', 2)]);
    expect(ebMock.calls()).toHaveLength(0);
  });

  it('throws OutOfStock for a product missing from the catalog', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand, { TableName: TABLES.catalog }).resolves({});

    await expect(handler({ orderId: 'ord-3', items: [{ productId: 'p-gone', quantity: 1 }] })).rejects.toMatchObject({
      name: 'OutOfStock',
      message: 'Product p-gone is not in the catalog',
    });
  });

  it('checks the release marker before and after reserving (strongly consistent reads)', async () => {
    await handler({ orderId: 'ord-3', items: twoItems });

    expect(markerReads()).toEqual([markerRead, markerRead]);
    const order = ddbMock.calls().map((c) => c.args[0].constructor.name);
    expect(order).toEqual(['GetCommand', 'UpdateCommand', 'UpdateCommand', 'GetCommand']);
  });

  describe('an order already released (the saga ran; a stopped branch or a late retry)', () => {
    it('refuses before any write: stock untouched, nothing announced', async () => {
      ddbMock.on(GetCommand, { TableName: TABLES.idempotency }).resolves(MARKER);

      const error = await rejectionOf(handler({ orderId: 'ord-3', items: twoItems }));

      expect(error).toMatchObject({ name: 'OrderReleased', orderId: 'ord-3' });
      expect(error.message).toBe('Order ord-3 was released before its reservation could stand; nothing is reserved');
      expect(updates()).toEqual([]);
      expect(markerReads()).toEqual([markerRead]);
      expect(ebMock.calls()).toHaveLength(0);
      expect(logs()).toContainEqual(
        expect.objectContaining({
          level: 'WARN',
          orderId: 'ord-3',
          message: expect.stringMatching(/already released/),
        }),
      );
    });

    it('gives back every reservation of the order when the release came while it reserved', async () => {
      // Not released at the first check; released by the second (the release ran in between and
      // may have missed these reservations).
      ddbMock.on(GetCommand, { TableName: TABLES.idempotency }).resolvesOnce({}).resolves(MARKER);
      // p-a reserved by this call; p-b by an earlier attempt of the same order.
      ddbMock.on(UpdateCommand, { Key: { productId: 'p-b' }, UpdateExpression: RESERVE }).rejects(conditionFailed());
      ddbMock
        .on(GetCommand, { TableName: TABLES.catalog })
        .resolves({ Item: catalogItem('p-b', 1, { reservedOrders: new Set(['ord-3']) }) });
      ddbMock.on(UpdateCommand, { UpdateExpression: RELEASE }).resolves({});

      const error = await rejectionOf(handler({ orderId: 'ord-3', items: twoItems }));

      expect(error).toMatchObject({ name: 'OrderReleased', orderId: 'ord-3' });
      expect(updates()).toEqual([
        reserveCall('p-a', 2),
        reserveCall('p-b', 1),
        releaseCall('p-a', 2),
        releaseCall('p-b', 1),
      ]);
      expect(ebMock.calls()).toHaveLength(0); // p-b is low, but nothing was reserved: no event
      expect(logs()).toContainEqual(
        expect.objectContaining({ level: 'WARN', orderId: 'ord-3', givenBack: ['p-a', 'p-b'] }),
      );
    });

    it('gives back only what still stands when the release got there first', async () => {
      ddbMock.on(GetCommand, { TableName: TABLES.idempotency }).resolvesOnce({}).resolves(MARKER);
      // The release already gave p-a back: its conditional release no longer applies.
      ddbMock.on(UpdateCommand, { Key: { productId: 'p-a' }, UpdateExpression: RELEASE }).rejects(conditionFailed());
      ddbMock.on(UpdateCommand, { Key: { productId: 'p-b' }, UpdateExpression: RELEASE }).resolves({});

      await expect(handler({ orderId: 'ord-3', items: twoItems })).rejects.toMatchObject({ name: 'OrderReleased' });
      expect(updates().filter((u) => u.UpdateExpression === RELEASE)).toEqual([
        releaseCall('p-a', 2),
        releaseCall('p-b', 1),
      ]);
      expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', givenBack: ['p-b'] }));
    });
  });

  it('undoes its own reservations when a reservation fails unexpectedly, and propagates the error', async () => {
    const throttled = Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    ddbMock.on(UpdateCommand, { Key: { productId: 'p-b' }, UpdateExpression: RESERVE }).rejects(throttled);
    ddbMock.on(UpdateCommand, { UpdateExpression: RELEASE }).resolves({});

    await expect(handler({ orderId: 'ord-3', items: twoItems })).rejects.toThrow('throttled');
    expect(updates()).toEqual([reserveCall('p-a', 2), reserveCall('p-b', 1), releaseCall('p-a', 2)]);
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: expect.stringMatching(/undoing/) }),
    );
  });

  it('undoes its own reservations when the second check fails, and propagates the error', async () => {
    const throttled = Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    ddbMock.on(GetCommand, { TableName: TABLES.idempotency }).resolvesOnce({}).rejects(throttled);
    ddbMock.on(UpdateCommand, { UpdateExpression: RELEASE }).resolves({});

    await expect(handler({ orderId: 'ord-3', items: twoItems })).rejects.toThrow('throttled');
    expect(updates()).toEqual([
      reserveCall('p-a', 2),
      reserveCall('p-b', 1),
      releaseCall('p-a', 2),
      releaseCall('p-b', 1),
    ]);
    expect(ebMock.calls()).toHaveLength(0);
  });

  it.each([
    ['no items', { orderId: 'ord-3', items: [] }, /items: Too small: expected array to have >=1 items/],
    ['a zero quantity', { orderId: 'ord-3', items: [{ productId: 'p-a', quantity: 0 }] }, /items\.0\.quantity/],
    ['no order id', { items: [{ productId: 'p-a', quantity: 1 }] }, /orderId/],
  ])('rejects %s before any write', async (_name, input, problem) => {
    const error = await rejectionOf(handler(input as never));

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(problem);
    expect(ddbMock.calls()).toHaveLength(0);
    expect(ebMock.calls()).toHaveLength(0);
  });

  it('batches Inventory Low entries by 10, the PutEvents limit', () => {
    const details = Array.from({ length: 12 }, (_, i) => ({
      productId: `p-${i}`,
      stock: 0,
      reorderLevel: 1,
      reorderQuantity: 1,
      orderId: 'o',
    }));
    expect(inventoryLowBatches(details, BUS).map((b) => b.length)).toEqual([10, 2]);
  });
});
