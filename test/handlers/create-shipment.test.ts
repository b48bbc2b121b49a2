import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/create-shipment';
import type { CreateShipmentInput } from '@securecart/contracts/steps';
import { bookShipment, trackingNumberFor } from '../../lambda/create-shipment/carrier';
import {
  anOrder,
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
const SHIPMENT = {
  shipmentId: 'ord-4-wh-east',
  warehouse: 'wh-east',
  items: [
    { productId: 'p-mug', quantity: 2 },
    { productId: 'p-cap', quantity: 1 },
  ],
};
const CLAIMS = { TableName: TABLES.claims };
/** The order's shipping claim, where create-shipment reads the address (docs/adr/0019). */
const shippingClaim = (address = anOrder().shippingAddress, extra: Record<string, unknown> = {}) => ({
  claimId: `shipping#${CLAIM_REF}`,
  kind: 'shipping',
  orderId: 'ord-4',
  shippingAddress: address,
  expiresAt: Math.floor(FIXED_NOW.getTime() / 1000) + 3600,
  ...extra,
});
const input = (overrides: Partial<CreateShipmentInput> = {}): CreateShipmentInput => ({
  orderId: 'ord-4',
  shipment: SHIPMENT,
  claim: CLAIM_REF,
  ...overrides,
});
const TRACKING = trackingNumberFor('ord-4', 'ord-4-wh-east');

beforeEach(() => {
  fixDate();
  ddbMock.reset();
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(GetCommand, CLAIMS).resolves({ Item: shippingClaim() });
  process.env.IDEMPOTENCY_TABLE_NAME = TABLES.idempotency;
  process.env.ORDER_CLAIMS_TABLE_NAME = TABLES.claims;
  process.env.CATALOG_TABLE_NAME = TABLES.catalog;
});
afterEach(() => jest.useRealTimers());

describe('create-shipment', () => {
  it('books the shipment and records it once; the reservations stay until the pickup (commit-shipment)', async () => {
    await expect(handler(input())).resolves.toEqual({
      shipmentId: 'ord-4-wh-east',
      trackingNumber: TRACKING,
      carrier: 'SecureShip',
    });

    expect(ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: TABLES.idempotency,
        Item: {
          id: 'shipment#ord-4#ord-4-wh-east',
          kind: 'shipment',
          orderId: 'ord-4',
          shipmentId: 'ord-4-wh-east',
          warehouse: 'wh-east',
          items: SHIPMENT.items,
          carrier: 'SecureShip',
          trackingNumber: TRACKING,
          createdAt: FIXED_NOW.toISOString(),
          expiration: FIXED_EXPIRATION,
        },
        ConditionExpression: 'attribute_not_exists(id)',
      },
    ]);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'Shipment created', orderId: 'ord-4' }),
    );
  });

  it('returns the recorded shipment on a repeat', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());
    ddbMock
      .on(GetCommand, { TableName: TABLES.idempotency })
      .resolves({ Item: { carrier: 'SecureShip', trackingNumber: 'SS-STORED' } });

    await expect(handler(input())).resolves.toEqual({
      shipmentId: 'ord-4-wh-east',
      trackingNumber: 'SS-STORED',
      carrier: 'SecureShip',
    });
    expect(ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLES.claims, Key: { claimId: `shipping#${CLAIM_REF}` }, ConsistentRead: true },
      { TableName: TABLES.idempotency, Key: { id: 'shipment#ord-4#ord-4-wh-east' }, ConsistentRead: true },
    ]);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(logs().filter((l) => l.level === 'WARN' && l.orderId === 'ord-4')).toHaveLength(1);
  });

  it('throws ShipmentFailed for an undeliverable address, before any write', async () => {
    const address = { ...anOrder().shippingAddress, postalCode: '00000' };
    ddbMock.on(GetCommand, CLAIMS).resolves({ Item: shippingClaim(address) });

    const error = await rejectionOf(handler(input()));

    expect(error.name).toBe('ShipmentFailed');
    expect(error.message).toMatch(/undeliverable address/);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it.each([
    ['missing', {}],
    ['expired', { Item: shippingClaim(undefined, { expiresAt: 1 }) }],
    ["another order's", { Item: shippingClaim(undefined, { orderId: 'ord-5' }) }],
    ['a payment claim', { Item: { ...shippingClaim(), kind: 'payment' } }],
  ])('throws ShipmentFailed when the shipping claim is %s, before any write (docs/adr/0019)', async (_name, answer) => {
    ddbMock.on(GetCommand, CLAIMS).resolves(answer);

    const error = await rejectionOf(handler(input()));

    expect(error.name).toBe('ShipmentFailed');
    expect(error.message).toMatch(/shipping claim of order ord-4 is missing or expired/);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('rejects malformed input before any write', async () => {
    const error = await rejectionOf(
      handler({ orderId: 'ord-4', shipment: { ...SHIPMENT, items: [] } } as unknown as CreateShipmentInput),
    );

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(/shipment\.items/);
    expect(error.message).toMatch(/claim: Invalid input: expected string, received undefined/);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('books the same label for the same shipment every time', () => {
    const address = anOrder().shippingAddress;
    expect(bookShipment('o', 's', address)).toEqual(bookShipment('o', 's', address));
    expect(bookShipment('o', 's', address).trackingNumber).not.toBe(bookShipment('o', 's2', address).trackingNumber);
  });
});
