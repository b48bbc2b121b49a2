import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { CatalogItem } from '@securecart/contracts/tables';
import { CATALOG_READ_ATTEMPTS, handler } from '../../lambda/validate-order';
import { priceItems, splitShipments } from '../../lambda/validate-order/pricing';
import { anOrder, aWorkflowOrder, rejectionOf, TABLES } from './support/fixtures';
import { captureLogs } from './support/logs';

const ddbMock = mockClient(DynamoDBDocumentClient);
const logs = captureLogs();

const product = (
  productId: string,
  priceCents: number,
  warehouse: string,
  extra: Partial<CatalogItem> = {},
): CatalogItem => ({
  productId,
  name: `Product ${productId}`,
  priceCents,
  stock: 100,
  reorderLevel: 10,
  reorderQuantity: 50,
  warehouse,
  active: true,
  ...extra,
});
const CATALOG = [
  product('p-mug', 1_250, 'wh-east'),
  product('p-tee', 2_000, 'wh-west'),
  product('p-cap', 999, 'wh-east'),
];

/** Answers BatchGet from `rows`, like DynamoDB (missing keys are simply absent). */
function serveCatalog(rows: readonly CatalogItem[]) {
  ddbMock
    .on(BatchGetCommand)
    .callsFake((input: { RequestItems: Record<string, { Keys: { productId: string }[] }> }) => ({
      Responses: {
        [TABLES.catalog]: input.RequestItems[TABLES.catalog].Keys.flatMap((k) =>
          rows.filter((r) => r.productId === k.productId),
        ),
      },
    }));
}

afterEach(() => jest.restoreAllMocks());
beforeEach(() => {
  ddbMock.reset();
  serveCatalog(CATALOG);
  process.env.CATALOG_TABLE_NAME = TABLES.catalog;
  process.env.HIGH_VALUE_THRESHOLD_CENTS = '50000';
  process.env.ALLOWED_SHIPPING_COUNTRIES = 'US,CA';
});

describe('validate-order', () => {
  it('prices every line from the catalog, merges duplicate products and splits shipments by warehouse', async () => {
    const order = aWorkflowOrder({
      orderId: 'ord-7',
      items: [
        { productId: 'p-tee', quantity: 1 },
        { productId: 'p-mug', quantity: 2 },
        { productId: 'p-mug', quantity: 1 },
        { productId: 'p-cap', quantity: 4 },
      ],
    });

    const result = await handler({ order });

    expect(result).toEqual({
      orderId: 'ord-7',
      customerId: 'cust-42',
      lines: [
        {
          productId: 'p-cap',
          name: 'Product p-cap',
          quantity: 4,
          unitPriceCents: 999,
          lineTotalCents: 3_996,
          warehouse: 'wh-east',
        },
        {
          productId: 'p-mug',
          name: 'Product p-mug',
          quantity: 3,
          unitPriceCents: 1_250,
          lineTotalCents: 3_750,
          warehouse: 'wh-east',
        },
        {
          productId: 'p-tee',
          name: 'Product p-tee',
          quantity: 1,
          unitPriceCents: 2_000,
          lineTotalCents: 2_000,
          warehouse: 'wh-west',
        },
      ],
      totalCents: 9_746,
      itemCount: 8,
      shipments: [
        {
          shipmentId: 'ord-7-wh-east',
          warehouse: 'wh-east',
          items: [
            { productId: 'p-cap', quantity: 4 },
            { productId: 'p-mug', quantity: 3 },
          ],
        },
        { shipmentId: 'ord-7-wh-west', warehouse: 'wh-west', items: [{ productId: 'p-tee', quantity: 1 }] },
      ],
      screeningRequired: false,
      screeningReasons: [],
    });
    const reads = ddbMock.commandCalls(BatchGetCommand);
    expect(reads).toHaveLength(1);
    expect(reads[0].args[0].input).toEqual({
      RequestItems: {
        [TABLES.catalog]: {
          Keys: [{ productId: 'p-cap' }, { productId: 'p-mug' }, { productId: 'p-tee' }],
          ConsistentRead: true,
        },
      },
    });
    expect(ddbMock.calls()).toHaveLength(1); // reads only, never writes
    expect(logs().every((l) => l.orderId === 'ord-7')).toBe(true);
  });

  it('is idempotent: validating the same order again gives the same result', async () => {
    const order = aWorkflowOrder();
    const first = await handler({ order });
    const second = await handler({ order });
    expect(second).toEqual(first);
  });

  it('never trusts the client total: a mismatch is logged and the catalog price wins', async () => {
    const result = await handler({ order: aWorkflowOrder({ clientTotalCents: 1 }) });

    expect(result.totalCents).toBe(2 * 1_250 + 2_000);
    expect(logs()).toContainEqual(
      expect.objectContaining({ level: 'WARN', orderId: 'ord-1001', clientTotalCents: 1, totalCents: 4_500 }),
    );
  });

  it.each([
    ['a high-value order', { items: [{ productId: 'p-tee', quantity: 25 }] }, ['HIGH_VALUE']],
    [
      'an unusual shipping country',
      { shippingAddress: { ...anOrder().shippingAddress, country: 'FR' } },
      ['UNUSUAL_SHIPPING_COUNTRY'],
    ],
  ])('flags %s for screening', async (_name, overrides, reasons) => {
    const result = await handler({ order: aWorkflowOrder(overrides) });
    expect(result.screeningRequired).toBe(true);
    expect(result.screeningReasons).toEqual(reasons);
  });

  it('retries UnprocessedKeys and reads only the missing keys again', async () => {
    ddbMock
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLES.catalog]: [CATALOG[0]] },
        UnprocessedKeys: { [TABLES.catalog]: { Keys: [{ productId: 'p-tee' }], ConsistentRead: true } },
      })
      .resolvesOnce({ Responses: { [TABLES.catalog]: [CATALOG[1]] } });

    const result = await handler({ order: aWorkflowOrder() });

    expect(result.totalCents).toBe(4_500);
    const reads = ddbMock.commandCalls(BatchGetCommand);
    expect(reads).toHaveLength(2);
    expect(reads[1].args[0].input.RequestItems![TABLES.catalog].Keys).toEqual([{ productId: 'p-tee' }]);
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', attempt: 2, unprocessed: 1 }));
  });

  it(`gives up after ${CATALOG_READ_ATTEMPTS} attempts when keys stay unprocessed`, async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0); // no backoff wait in the test
    ddbMock.on(BatchGetCommand).resolves({
      Responses: { [TABLES.catalog]: [] },
      UnprocessedKeys: { [TABLES.catalog]: { Keys: [{ productId: 'p-mug' }] } },
    });

    await expect(handler({ order: aWorkflowOrder() })).rejects.toThrow(/Catalog read incomplete/);
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(CATALOG_READ_ATTEMPTS);
  });

  it('rejects unknown and inactive products with InvalidOrder naming them', async () => {
    serveCatalog([product('p-mug', 1_250, 'wh-east', { active: false })]);

    const error = await rejectionOf(handler({ order: aWorkflowOrder() }));

    expect(error).toMatchObject({
      name: 'InvalidOrder',
      problems: ["items: product 'p-mug' is not available", "items: unknown product 'p-tee'"],
    });
  });

  it('rejects an order that breaks the schema with InvalidOrder listing the problems, before any read', async () => {
    const bad = { ...aWorkflowOrder(), currency: 'EUR', items: [] };

    const error = await rejectionOf(handler({ order: bad } as never));

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InvalidOrder');
    expect(error.message).toMatch(/^Invalid order: .*currency.*items/);
    expect(ddbMock.calls()).toHaveLength(0);
    expect(logs()).toContainEqual(expect.objectContaining({ orderId: 'ord-1001', message: 'Order rejected: invalid' }));
  });

  it('rejects an input without an order', async () => {
    await expect(handler({} as never)).rejects.toMatchObject({ name: 'InvalidOrder' });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('names a missing environment variable', async () => {
    delete process.env.HIGH_VALUE_THRESHOLD_CENTS;
    await expect(handler({ order: aWorkflowOrder() })).rejects.toThrow(
      'Missing required environment variable HIGH_VALUE_THRESHOLD_CENTS',
    );
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('pricing', () => {
  it("treats a malformed catalog item as our error, not the customer's", () => {
    const broken = new Map([['p-x', { productId: 'p-x', name: 'X', active: true, priceCents: 9.99, warehouse: 'wh' }]]);
    expect(() => priceItems([{ productId: 'p-x', quantity: 1 }], broken)).toThrow("Catalog item 'p-x' is malformed");
  });

  it('sorts shipments by warehouse and keeps the line order inside each', () => {
    const line = (productId: string, warehouse: string) => ({
      productId,
      name: productId,
      quantity: 1,
      unitPriceCents: 1,
      lineTotalCents: 1,
      warehouse,
    });
    const shipments = splitShipments('o', [line('a', 'wh-b'), line('b', 'wh-a'), line('c', 'wh-b')]);
    expect(shipments.map((s) => [s.shipmentId, s.items.map((i) => i.productId)])).toEqual([
      ['o-wh-a', ['b']],
      ['o-wh-b', ['a', 'c']],
    ]);
  });
});
