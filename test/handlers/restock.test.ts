import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { InventoryLowDetail } from '@securecart/contracts/events';
import { handler } from '../../lambda/restock';
import type { InventoryLowEvent } from '../../lambda/restock';
import { conditionFailed, rejectionOf, TABLES } from './support/fixtures';
import { captureLogs } from './support/logs';

const ddbMock = mockClient(DynamoDBDocumentClient);
const logs = captureLogs();

function lowEvent(detail: Partial<InventoryLowDetail> = {}): InventoryLowEvent {
  return {
    version: '0',
    id: 'evt-2',
    'detail-type': 'Inventory Low',
    source: 'securecart.inventory',
    account: '123456789012',
    time: '2025-01-15T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { productId: 'p-mug', stock: 3, reorderLevel: 5, reorderQuantity: 50, orderId: 'ord-3', ...detail },
  };
}

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(UpdateCommand).resolves({ Attributes: { stock: 53, lastRestockTrigger: 'ord-3' } });
  process.env.CATALOG_TABLE_NAME = TABLES.catalog;
});

describe('restock', () => {
  it('adds the reorder quantity once per triggering order, while stock is low', async () => {
    await expect(handler(lowEvent())).resolves.toEqual({ restocked: true, stock: 53 });

    expect(ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: TABLES.catalog,
        Key: { productId: 'p-mug' },
        UpdateExpression: 'SET stock = stock + :reorderQuantity, lastRestockTrigger = :orderId',
        ConditionExpression:
          'attribute_exists(productId) AND stock < reorderLevel AND (attribute_not_exists(lastRestockTrigger) OR lastRestockTrigger <> :orderId)',
        ExpressionAttributeValues: { ':reorderQuantity': 50, ':orderId': 'ord-3' },
        ReturnValues: 'UPDATED_NEW',
      },
    ]);
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'Product restocked', orderId: 'ord-3', stock: 53 }),
    );
  });

  it('does nothing on a repeat or once stock is no longer low', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());

    await expect(handler(lowEvent())).resolves.toEqual({ restocked: false });
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', orderId: 'ord-3', productId: 'p-mug' }));
  });

  it('propagates other DynamoDB errors so EventBridge retries', async () => {
    ddbMock.on(UpdateCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await expect(handler(lowEvent())).rejects.toThrow('throttled');
  });

  it('rejects a bad detail before any write', async () => {
    const error = await rejectionOf(handler(lowEvent({ reorderQuantity: 0, orderId: 'bad id!' })));

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(/detail\.reorderQuantity/);
    expect(error.message).toMatch(/detail\.orderId/);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('rejects an event of another detail-type', async () => {
    const event = { ...lowEvent(), 'detail-type': 'Order Screening Requested' } as unknown as InventoryLowEvent;
    await expect(handler(event)).rejects.toThrow(/detail-type/);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
