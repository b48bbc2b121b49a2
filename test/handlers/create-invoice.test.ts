import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { PricedLine } from '@securecart/contracts/order';
import { handler, invoiceNumberFor } from '../../lambda/create-invoice';
import type { CreateInvoiceInput } from '@securecart/contracts/steps';
import { conditionFailed, FIXED_EXPIRATION, FIXED_NOW, fixDate, rejectionOf, TABLES } from './support/fixtures';
import { captureLogs } from './support/logs';

const ddbMock = mockClient(DynamoDBDocumentClient);
const logs = captureLogs();
const LINES: PricedLine[] = [
  { productId: 'p-mug', name: 'Mug', quantity: 2, unitPriceCents: 1_250, lineTotalCents: 2_500, warehouse: 'wh-east' },
  { productId: 'p-tee', name: 'Tee', quantity: 1, unitPriceCents: 2_000, lineTotalCents: 2_000, warehouse: 'wh-west' },
];
const input = (overrides: Partial<CreateInvoiceInput> = {}): CreateInvoiceInput => ({
  orderId: 'ord-8',
  customerId: 'cust-42',
  lines: LINES,
  totalCents: 4_500,
  ...overrides,
});
const INVOICE = invoiceNumberFor('ord-8');

beforeEach(() => {
  fixDate();
  ddbMock.reset();
  ddbMock.on(PutCommand).resolves({});
  process.env.IDEMPOTENCY_TABLE_NAME = TABLES.idempotency;
});
afterEach(() => jest.useRealTimers());

describe('create-invoice', () => {
  it('records the invoice once, under a deterministic number', async () => {
    await expect(handler(input())).resolves.toEqual({ invoiceNumber: INVOICE, totalCents: 4_500 });

    expect(INVOICE).toMatch(/^INV-[0-9A-F]{12}$/);
    expect(ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: TABLES.idempotency,
        Item: {
          id: 'invoice#ord-8',
          kind: 'invoice',
          orderId: 'ord-8',
          customerId: 'cust-42',
          invoiceNumber: INVOICE,
          lines: LINES,
          totalCents: 4_500,
          issuedAt: FIXED_NOW.toISOString(),
          expiration: FIXED_EXPIRATION,
        },
        ConditionExpression: 'attribute_not_exists(id)',
      },
    ]);
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'Invoice created', orderId: 'ord-8' }),
    );
  });

  it('returns the stored invoice on a repeat', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: { id: 'invoice#ord-8', invoiceNumber: INVOICE, totalCents: 4_500 } });

    await expect(handler(input())).resolves.toEqual({ invoiceNumber: INVOICE, totalCents: 4_500 });
    expect(ddbMock.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: TABLES.idempotency,
      Key: { id: 'invoice#ord-8' },
      ConsistentRead: true,
    });
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', orderId: 'ord-8' }));
  });

  it('refuses a repeat whose total differs from the stored invoice', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: { id: 'invoice#ord-8', invoiceNumber: INVOICE, totalCents: 9 } });

    await expect(handler(input())).rejects.toThrow(/already exists with total 9/);
  });

  it('refuses a total that is not the sum of the lines (plain Error, nothing written)', async () => {
    const error = await rejectionOf(handler(input({ totalCents: 4_499 })));

    expect(error.name).toBe('Error');
    expect(error.message).toBe('Invoice total 4499 does not equal the sum of its lines 4500');
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('refuses a line whose total is not quantity × unit price', async () => {
    const lines = [{ ...LINES[0], lineTotalCents: 2_400 }, LINES[1]];
    await expect(handler(input({ lines, totalCents: 4_400 }))).rejects.toThrow('Invoice line p-mug: 2 × 1250 ≠ 2400');
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('rejects malformed input before any write', async () => {
    const error = await rejectionOf(handler({ orderId: 'ord-8', customerId: 'cust-42', lines: [], totalCents: -1 }));

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(/lines: Too small: expected array to have >=1 items; totalCents: Too small/);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
