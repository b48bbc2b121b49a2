import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/commit-shipment';
import { conditionFailed, rejectionOf, TABLES } from './support/fixtures';

const ddbMock = mockClient(DynamoDBDocumentClient);
const commit = (productId: string) => ({
  TableName: TABLES.catalog,
  Key: { productId },
  UpdateExpression: 'DELETE reservedOrders :oidSet',
  ConditionExpression: 'contains(reservedOrders, :oid)',
  ExpressionAttributeValues: { ':oid': 'ord-4', ':oidSet': new Set(['ord-4']) },
});
const input = {
  orderId: 'ord-4',
  shipment: {
    shipmentId: 'ord-4-wh-east',
    warehouse: 'wh-east',
    items: [
      { productId: 'p-mug', quantity: 2 },
      { productId: 'p-cap', quantity: 1 },
      { productId: 'p-mug', quantity: 1 },
    ],
  },
};

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(UpdateCommand).resolves({});
  process.env.CATALOG_TABLE_NAME = TABLES.catalog;
});

describe('commit-shipment (ShipOrder, after the pickup: docs/adr/0029)', () => {
  it("makes the package's reservations final, once per product", async () => {
    await expect(handler(input)).resolves.toEqual({ committed: ['p-cap', 'p-mug'], skipped: [] });
    expect(ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([commit('p-cap'), commit('p-mug')]);
  });

  it('a repeat (or a product released before) finds nothing to commit and succeeds', async () => {
    ddbMock.on(UpdateCommand, { Key: { productId: 'p-cap' } }).rejects(conditionFailed());
    await expect(handler(input)).resolves.toEqual({ committed: ['p-mug'], skipped: ['p-cap'] });
  });

  it('refuses an input that is not a package of an order', async () => {
    const error = await rejectionOf(handler({ orderId: 'ord 4', shipment: { shipmentId: '', items: [] } } as any));
    expect(error.name).toBe('InvalidInput');
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});
