import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/cancel-shipment';
import { conditionFailed, rejectionOf, TABLES } from './support/fixtures';

const ddbMock = mockClient(DynamoDBDocumentClient);
const input = {
  orderId: 'ord-7',
  shipmentId: 'ord-7-wh-east',
  carrier: 'SecureShip',
  trackingNumber: 'SS0123456789ABCDEF01',
  pickedUpAt: null,
};

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(PutCommand).resolves({});
  process.env.IDEMPOTENCY_TABLE_NAME = TABLES.idempotency;
});

describe("cancel-shipment (ShipOrder's compensation: docs/adr/0029)", () => {
  it('voids the label once, recorded as label-void#<orderId>#<shipmentId>', async () => {
    await expect(handler(input)).resolves.toEqual({ voided: true, alreadyVoided: false });
    const put = ddbMock.commandCalls(PutCommand)[0].args[0].input;
    expect(put).toMatchObject({
      TableName: TABLES.idempotency,
      Item: { id: 'label-void#ord-7#ord-7-wh-east', kind: 'label-void', trackingNumber: input.trackingNumber },
      ConditionExpression: 'attribute_not_exists(id)',
    });
  });

  it('a second cancel of the same shipment is fine: already voided, nothing written again', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());
    ddbMock
      .on(GetCommand)
      .resolves({ Item: { id: 'label-void#ord-7#ord-7-wh-east', voidedAt: '2026-12-07T20:00:00Z' } });
    await expect(handler(input)).resolves.toEqual({ voided: true, alreadyVoided: true });
  });

  it('after the pickup was confirmed the carrier refuses, as an answer (not an error), and records nothing', async () => {
    await expect(handler({ ...input, pickedUpAt: '2026-12-07T20:00:00Z' })).resolves.toEqual({
      voided: false,
      alreadyVoided: false,
      refused: 'PICKED_UP',
    });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses an input that is not a label of an order', async () => {
    const error = await rejectionOf(handler({ orderId: 'ord 7', shipmentId: '', carrier: 'x' } as any));
    expect(error.name).toBe('InvalidInput');
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });
});
