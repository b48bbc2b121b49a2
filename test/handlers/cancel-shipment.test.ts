import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
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

  it("one order's void never marks another's label voided: any order id, any shipment id over the whole Unicode range", async () => {
    // The idempotency table as DynamoDB keeps it: a conditional put per id.
    const table = new Map<string, Record<string, unknown>>();
    ddbMock.on(PutCommand).callsFake(({ Item, ConditionExpression }) => {
      expect(ConditionExpression).toBe('attribute_not_exists(id)');
      if (table.has(Item.id)) throw conditionFailed();
      table.set(Item.id, Item);
      return {};
    });
    ddbMock.on(GetCommand).callsFake(({ Key }) => ({ Item: table.get(Key.id) }));
    const orderId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const shipmentId = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 200 })
      .filter((id) => id.length >= 1 && id.length <= 200);
    // b shares a's order id, a's shipment id, both or neither: the near misses are the ones that matter.
    const pairs = fc
      .tuple(orderId, shipmentId, orderId, shipmentId, fc.boolean(), fc.boolean())
      .map(([o1, s1, o2, s2, sameOrder, sameShipment]) => [
        [o1, s1] as [string, string],
        [sameOrder ? o1 : o2, sameShipment ? s1 : s2] as [string, string],
      ]);
    await fc.assert(
      fc.asyncProperty(pairs, async ([a, b]) => {
        table.clear();
        const cancel = ([o, sId]: [string, string]) => handler({ ...input, orderId: o, shipmentId: sId });
        await expect(cancel(a)).resolves.toEqual({ voided: true, alreadyVoided: false });
        const same = a[0] === b[0] && a[1] === b[1];
        // Another order's (or shipment's) void is its own; only the same label is "already voided".
        await expect(cancel(b)).resolves.toEqual({ voided: true, alreadyVoided: same });
        expect(table.size).toBe(same ? 1 : 2);
      }),
      { numRuns: 300 },
    );
  });
});
