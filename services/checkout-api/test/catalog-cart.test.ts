import { TABLE_KEYS } from '@securecart/contracts/tables';
import { TestIssuer, useService } from './helpers/harness';
import type { TestService } from './helpers/harness';

let issuer: TestIssuer;
let service: TestService;

const catalogItems = [
  {
    productId: 'p-200',
    name: 'Widget',
    priceCents: 1999,
    stock: 0,
    reorderLevel: 5,
    reorderQuantity: 50,
    warehouse: 'east',
    active: true,
    reservedOrders: new Set(['o-1']),
    // Not a well-formed image key: no picture rather than a path the storefront would request.
    imageKey: '../../evil',
    imageAlt: 'ignored without a picture',
  },
  {
    productId: 'p-100',
    name: 'Gadget',
    priceCents: 1249,
    stock: 12,
    reorderLevel: 5,
    reorderQuantity: 50,
    warehouse: 'west',
    active: true,
    description: '  A gadget for every desk.  ',
    imageKey: 'gadget.0123abcd',
    imageAlt: 'A small brass gadget',
    category: 'Desk',
  },
  {
    productId: 'p-300',
    name: 'Retired',
    priceCents: 500,
    stock: 3,
    reorderLevel: 1,
    reorderQuantity: 10,
    warehouse: 'west',
    active: false,
  },
];

/** p-100 as the storefront sees it: words trimmed, its picture and category. */
const GADGET = {
  productId: 'p-100',
  name: 'Gadget',
  priceCents: 1249,
  currency: 'USD',
  inStock: true,
  description: 'A gadget for every desk.',
  category: 'Desk',
  imageKey: 'gadget.0123abcd',
  imageAlt: 'A small brass gadget',
};

useService({ CATALOG_CACHE_TTL_SECONDS: '30' }, (started) => ({ issuer, service } = started));

describe('catalog', () => {
  beforeEach(() => {
    service.ddb.reset();
    service.handle.catalog.invalidate();
  });

  test('lists active products (public fields only), cached in the process and by CloudFront', async () => {
    // Two pages, to prove pagination.
    service.ddb
      .on(service.bundle.aws.ScanCommand)
      .resolvesOnce({ Items: catalogItems.slice(0, 2), LastEvaluatedKey: { productId: 'p-100' } })
      .resolvesOnce({ Items: catalogItems.slice(2) });
    const first = await service.client.get('/api/products');
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('public, max-age=30');
    expect(first.body).toEqual({
      products: [
        GADGET,
        {
          productId: 'p-200',
          name: 'Widget',
          priceCents: 1999,
          currency: 'USD',
          inStock: false,
          description: '',
          category: 'Other',
          imageKey: null,
          imageAlt: '',
        },
      ],
    });
    expect(first.text).not.toMatch(/reservedOrders|reorder|warehouse|stock"/);
    const scans = service.ddb.commandCalls(service.bundle.aws.ScanCommand);
    expect(scans).toHaveLength(2);
    expect(scans[0].args[0].input).toMatchObject({ TableName: 'securecart-test-catalog' });
    expect(scans[1].args[0].input.ExclusiveStartKey).toEqual({ productId: 'p-100' });

    // Served from the process cache: no further Scan, concurrent requests included.
    const again = await Promise.all([service.client.get('/api/products'), service.client.get('/api/products/p-100')]);
    expect(again.map((r) => r.status)).toEqual([200, 200]);
    expect(again[1].body).toEqual(GADGET);
    expect(service.ddb.commandCalls(service.bundle.aws.ScanCommand)).toHaveLength(2);
  });

  test('an unknown or inactive product is 404', async () => {
    service.ddb.on(service.bundle.aws.ScanCommand).resolves({ Items: catalogItems });
    expect((await service.client.get('/api/products/p-300')).status).toBe(404);
    expect((await service.client.get('/api/products/nope')).status).toBe(404);
  });

  test('a failing DynamoDB is a 500 without details when nothing is cached', async () => {
    service.ddb.on(service.bundle.aws.ScanCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    const response = await service.client.get('/api/products');
    expect(response.status).toBe(500);
    expect(response.text).not.toContain('Provisioned');
  });
});

describe('cart', () => {
  const token = () => issuer.token({ sub: 'customer-cart' });
  const { partitionKey, ttlAttribute } = TABLE_KEYS.carts;

  beforeEach(() => service.ddb.reset());

  test('requires a token', async () => {
    expect((await service.client.get('/api/cart')).status).toBe(401);
    expect((await service.client.request('PUT', '/api/cart', { json: { items: [] } })).status).toBe(401);
  });

  test('PUT stores the cart under the customer id with a TTL and moves its version on; GET reads it back', async () => {
    service.ddb.on(service.bundle.aws.UpdateCommand).resolves({ Attributes: { version: 4 } });
    const items = [{ productId: 'p-100', quantity: 3 }];
    const put = await service.client.request('PUT', '/api/cart', { token: token(), json: { items } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ items, updatedAt: expect.any(String), expiresAt: expect.any(String) });
    const [call] = service.ddb.commandCalls(service.bundle.aws.UpdateCommand);
    const input = call.args[0].input;
    expect(input.TableName).toBe('securecart-test-carts');
    expect(input.Key).toEqual({ [partitionKey]: 'customer-cart' });
    // The version is an atomic ADD (every write its own number); orderedVersion is left alone.
    expect(input.UpdateExpression).toBe('SET #items = :items, #updatedAt = :updatedAt, #ttl = :ttl ADD #version :one');
    expect(input.ExpressionAttributeNames).toMatchObject({ '#ttl': ttlAttribute, '#version': 'version' });
    const values = input.ExpressionAttributeValues!;
    expect(values[':items']).toEqual(items);
    expect(values[':one']).toBe(1);
    const ttl = values[':ttl'] as number;
    expect(Number.isInteger(ttl)).toBe(true);
    expect(ttl - Date.now() / 1000).toBeGreaterThan(29 * 86_400);

    const item = {
      [partitionKey]: 'customer-cart',
      items,
      updatedAt: values[':updatedAt'],
      [ttlAttribute]: ttl,
      version: 4,
    };
    service.ddb.on(service.bundle.aws.GetCommand).resolves({ Item: item });
    const get = await service.client.get('/api/cart', token());
    expect(get.status).toBe(200);
    expect(get.body).toEqual(put.body);
    expect(get.headers['cache-control']).toBe('no-store');
    expect(service.ddb.commandCalls(service.bundle.aws.GetCommand)[0].args[0].input.Key).toEqual({
      [partitionKey]: 'customer-cart',
    });
  });

  test('a missing or expired cart reads as empty', async () => {
    service.ddb
      .on(service.bundle.aws.GetCommand)
      .resolvesOnce({})
      .resolvesOnce({
        Item: { [partitionKey]: 'customer-cart', items: [{ productId: 'x', quantity: 1 }], [ttlAttribute]: 1000 },
      });
    const empty = { items: [], updatedAt: null, expiresAt: null };
    expect((await service.client.get('/api/cart', token())).body).toEqual(empty);
    expect((await service.client.get('/api/cart', token())).body).toEqual(empty);
  });

  test.each([
    ['not a list', { items: 'p-100' }, /body\.items/],
    ['quantity 0', { items: [{ productId: 'p', quantity: 0 }] }, /body\.items\.0\.quantity/],
    ['unknown field', { items: [], coupon: 'FREE' }, /coupon/],
    [
      'duplicate product',
      {
        items: [
          { productId: 'p', quantity: 1 },
          { productId: 'p', quantity: 1 },
        ],
      },
      /productId/,
    ],
    [
      'too many lines',
      { items: Array.from({ length: 51 }, (_, i) => ({ productId: `p${i}`, quantity: 1 })) },
      /body\.items/,
    ],
  ])('rejects %s with a 400 and writes nothing', async (_name, body, message) => {
    const response = await service.client.request('PUT', '/api/cart', { token: token(), json: body });
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(message);
    expect(service.ddb.commandCalls(service.bundle.aws.UpdateCommand)).toHaveLength(0);
  });
});
