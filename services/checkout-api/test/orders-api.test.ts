import { parseOrder } from '@securecart/contracts/order';
import { newKey, orderBody, postOrder, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;
let token: string;

useService({}, (started) => {
  ({ database, issuer, service } = started);
  token = issuer.token({ sub: 'customer-orders' });
});

describe('POST /api/orders', () => {
  test('accepts an order: 202, Location, one order + one outbox row + PENDING history, in the contract shape', async () => {
    const before = await database.count('outbox');
    const response = await postOrder(service.client, token);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ orderId: expect.any(String), status: 'PENDING' });
    const { orderId } = response.body;
    expect(response.headers.location).toBe(`/api/orders/${orderId}`);
    expect(response.headers['cache-control']).toBe('no-store');

    const { rows } = await database.pool.query('SELECT * FROM outbox WHERE order_id = $1', [orderId]);
    expect(rows).toHaveLength(1);
    expect(await database.count('outbox')).toBe(before + 1);
    expect(rows[0]).toMatchObject({
      message_group_id: 'customer-orders',
      message_deduplication_id: orderId,
      sent_at: null,
    });
    const sent = JSON.parse(rows[0].body);
    expect(parseOrder(sent)).toEqual({ ok: true, order: sent });
    expect(sent).toEqual({
      schemaVersion: 1,
      orderId,
      customerId: 'customer-orders',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      currency: 'USD',
      ...orderBody(),
    });
    const history = await database.pool.query('SELECT status FROM order_status_history WHERE order_id = $1', [orderId]);
    expect(history.rows).toEqual([{ status: 'PENDING' }]);
  });

  test('the same key with the same body answers the same order (also with keys reordered)', async () => {
    const key = newKey();
    const first = await postOrder(service.client, token, orderBody(), key);
    const reordered = Object.fromEntries(Object.entries(orderBody()).reverse());
    const second = await postOrder(service.client, token, reordered, key);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1', [
      key,
    ]);
    expect(rows[0].n).toBe(1);
  });

  test('the same key with another body is a 409 and writes nothing', async () => {
    const key = newKey();
    expect((await postOrder(service.client, token, orderBody(), key)).status).toBe(202);
    const [orders, outbox] = [await database.count('orders'), await database.count('outbox')];
    const conflict = await postOrder(service.client, token, orderBody({ clientTotalCents: 1 }), key);
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toMatch(/Idempotency-Key/);
    expect(await database.count('orders')).toBe(orders);
    expect(await database.count('outbox')).toBe(outbox);
  });

  test('concurrent requests with one key create one order', async () => {
    const key = newKey();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => postOrder(service.client, token, orderBody(), key)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(new Set(responses.map((r) => r.body.orderId)).size).toBe(1);
    const { rows } = await database.pool.query(
      'SELECT count(*)::int AS n, (SELECT count(*)::int FROM outbox WHERE order_id = min(o.order_id)) AS outbox FROM orders o WHERE idempotency_key = $1',
      [key],
    );
    expect(rows[0]).toEqual({ n: 1, outbox: 1 });
  });

  test('idempotency keys are scoped per customer', async () => {
    const key = newKey();
    const a = await postOrder(service.client, issuer.token({ sub: 'customer-a' }), orderBody(), key);
    const b = await postOrder(service.client, issuer.token({ sub: 'customer-b' }), orderBody(), key);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.orderId).not.toBe(b.body.orderId);
  });

  describe('rejects bad requests with a 4xx naming the problem, writing nothing', () => {
    const cases: [string, () => Promise<{ status: number; body: { message: string } }>, number, RegExp][] = [
      [
        'missing Idempotency-Key',
        () => service.client.request('POST', '/api/orders', { token, json: orderBody() }),
        400,
        /idempotency-key/,
      ],
      [
        'malformed Idempotency-Key',
        () => postOrder(service.client, token, orderBody(), 'bad key!'),
        400,
        /idempotency-key/,
      ],
      [
        'malformed JSON',
        () =>
          service.client.request('POST', '/api/orders', {
            token,
            body: '{"items": [',
            headers: { 'content-type': 'application/json', 'idempotency-key': newKey() },
          }),
        400,
        /JSON/,
      ],
      [
        'empty body',
        () =>
          service.client.request('POST', '/api/orders', {
            token,
            body: '',
            headers: { 'content-type': 'application/json', 'idempotency-key': newKey() },
          }),
        400,
        /empty/i,
      ],
      [
        'not JSON',
        () =>
          service.client.request('POST', '/api/orders', {
            token,
            body: 'items=1',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': newKey() },
          }),
        415,
        /Unsupported Media Type/i,
      ],
      [
        'quantity too big',
        () => postOrder(service.client, token, orderBody({ items: [{ productId: 'p-1', quantity: 101 }] })),
        400,
        /body\.items\.0\.quantity/,
      ],
      ['no items', () => postOrder(service.client, token, orderBody({ items: [] })), 400, /body\.items/],
      [
        'duplicate product',
        () =>
          postOrder(
            service.client,
            token,
            orderBody({
              items: [
                { productId: 'p', quantity: 1 },
                { productId: 'p', quantity: 2 },
              ],
            }),
          ),
        400,
        /body\.items: each productId/,
      ],
      [
        'bad country',
        () =>
          postOrder(
            service.client,
            token,
            orderBody({ shippingAddress: { ...orderBody().shippingAddress, country: 'gb' } }),
          ),
        400,
        /body\.shippingAddress\.country/,
      ],
      [
        'bad payment token',
        () => postOrder(service.client, token, orderBody({ payment: { token: '4111111111111111' } })),
        400,
        /body\.payment\.token/,
      ],
      [
        'negative client total',
        () => postOrder(service.client, token, orderBody({ clientTotalCents: -1 })),
        400,
        /body\.clientTotalCents/,
      ],
      [
        'a server-assigned field',
        () => postOrder(service.client, token, orderBody({ orderId: 'mine' })),
        400,
        /orderId/,
      ],
      [
        'prototype pollution',
        () =>
          service.client.request('POST', '/api/orders', {
            token,
            body: `{"__proto__":{"x":1},${JSON.stringify(orderBody()).slice(1)}`,
            headers: { 'content-type': 'application/json', 'idempotency-key': newKey() },
          }),
        400,
        /./,
      ],
      [
        'a body over 256 KiB',
        () => postOrder(service.client, token, orderBody({ pad: 'x'.repeat(300 * 1024) })),
        413,
        /too large/i,
      ],
    ];
    test.each(cases)('%s', async (_name, send, status, message) => {
      const [orders, outbox] = [await database.count('orders'), await database.count('outbox')];
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.body.message).toMatch(message);
      expect(await database.count('orders')).toBe(orders);
      expect(await database.count('outbox')).toBe(outbox);
    });
  });
});

describe('GET /api/orders', () => {
  let mine: string[];
  const customerToken = () => issuer.token({ sub: 'customer-reader' });

  beforeAll(async () => {
    mine = [];
    for (let i = 0; i < 3; i++) mine.push((await postOrder(service.client, customerToken())).body.orderId);
    await postOrder(service.client, issuer.token({ sub: 'someone-else' }));
  });

  test('lists only the customer’s orders, newest first, with their status history and no payment token', async () => {
    const response = await service.client.get('/api/orders', customerToken());
    expect(response.status).toBe(200);
    expect(response.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([...mine].reverse());
    const [latest] = response.body.orders;
    expect(latest).toMatchObject({
      status: 'PENDING',
      currency: 'USD',
      items: orderBody().items,
      statusHistory: [{ status: 'PENDING', reason: null, occurredAt: expect.any(String) }],
    });
    expect(latest.payment).toBeUndefined();
    expect(response.text).not.toContain('tok_approve');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  test('pages with a cursor', async () => {
    const first = await service.client.get('/api/orders?limit=2', customerToken());
    expect(first.body.orders).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await service.client.get(`/api/orders?limit=2&cursor=${first.body.nextCursor}`, customerToken());
    expect(second.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([mine[0]]);
    expect(second.body.nextCursor).toBeUndefined();
    expect((await service.client.get('/api/orders?cursor=nonsense', customerToken())).status).toBe(400);
    expect((await service.client.get('/api/orders?limit=1000', customerToken())).status).toBe(400);
  });

  test('GET /api/orders/:id answers the order; another customer’s order or an unknown id is 404', async () => {
    const own = await service.client.get(`/api/orders/${mine[1]}`, customerToken());
    expect(own.status).toBe(200);
    expect(own.body.orderId).toBe(mine[1]);
    const theirs = await service.client.get(`/api/orders/${mine[1]}`, issuer.token({ sub: 'someone-else' }));
    expect(theirs.status).toBe(404);
    expect(theirs.text).not.toContain(mine[1]);
    expect((await service.client.get('/api/orders/does-not-exist', customerToken())).status).toBe(404);
    expect((await service.client.get('/api/orders/not%20an%20id', customerToken())).status).toBe(400);
  });
});

describe('health', () => {
  test('live and ready are public', async () => {
    expect(await service.client.get('/api/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await service.client.get('/api/health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  test('unknown routes are a JSON 404', async () => {
    const response = await service.client.get('/api/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('Not Found');
  });
});
