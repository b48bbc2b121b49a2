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
const updates = () => ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);

beforeEach(() => {
  ddbMock.reset();
  ebMock.reset();
  ddbMock
    .on(UpdateCommand, { Key: { productId: 'p-a' } })
    .resolves({ Attributes: catalogItem('p-a', 40, { reservedOrders: new Set(['ord-3']) }) });
  ddbMock
    .on(UpdateCommand, { Key: { productId: 'p-b' } })
    .resolves({ Attributes: catalogItem('p-b', 20, { reservedOrders: new Set(['ord-3']) }) });
  ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  process.env.CATALOG_TABLE_NAME = TABLES.catalog;
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
    ddbMock.on(GetCommand).callsFake((input: { Key: { productId: string } }) => ({
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
    expect(ddbMock.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: TABLES.catalog,
      Key: { productId: 'p-a' },
      ConsistentRead: true,
    });
    expect(logs().filter((l) => l.level === 'WARN' && l.orderId === 'ord-3')).toHaveLength(2);
    // Low stock is re-announced in case the first attempt failed before its PutEvents (restock is idempotent per order).
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('throws OutOfStock naming the product and undoes only what this call reserved', async () => {
    ddbMock.on(UpdateCommand, { Key: { productId: 'p-b' }, UpdateExpression: RESERVE }).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: catalogItem('p-b', 1, { reservedOrders: new Set(['ord-1']) }) });

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
    expect(updates()).toEqual([
      reserveCall('p-a', 2),
      reserveCall('p-b', 3),
      {
        TableName: TABLES.catalog,
        Key: { productId: 'p-a' },
        UpdateExpression: RELEASE,
        ConditionExpression: 'contains(reservedOrders, :oid)',
        ExpressionAttributeValues: { ':q': 2, ':oid': 'ord-3', ':oidSet': new Set(['ord-3']) },
      },
    ]);
    expect(ebMock.calls()).toHaveLength(0);
  });

  it('throws OutOfStock for a product missing from the catalog', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({});

    await expect(handler({ orderId: 'ord-3', items: [{ productId: 'p-gone', quantity: 1 }] })).rejects.toMatchObject({
      name: 'OutOfStock',
      message: 'Product p-gone is not in the catalog',
    });
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
