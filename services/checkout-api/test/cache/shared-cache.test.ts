/**
 * The shared cache against a real server (npm run test:cache): two service instances share one
 * Valkey-compatible server, as the Fargate tasks share the ElastiCache Serverless cache.
 */
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import type { OrderStatusEvent } from '@securecart/contracts/status';
import { SNS_ATTRIBUTES } from '@securecart/contracts/status';
import { postOrder, startDatabase, startService, TestIssuer } from '../helpers/harness';
import type { TestDatabase, TestService } from '../helpers/harness';
import { cacheConnected, startValkey } from './valkey-server';
import type { ValkeyServer } from './valkey-server';

let valkey: ValkeyServer;
let database: TestDatabase;
let issuer: TestIssuer;
let a: TestService;
let b: TestService;

const ENV = {
  ORDER_RATE_LIMIT_BURST: '3',
  ORDER_RATE_LIMIT_PER_MINUTE: '1',
  CATALOG_CACHE_TTL_SECONDS: '30',
  // These tests are about what the cache holds: a loaded machine must not turn a hit into a timeout
  // (outage.test.ts keeps the deployed 100 ms).
  CACHE_COMMAND_TIMEOUT_MS: '2000',
};

beforeAll(async () => {
  [valkey, database, issuer] = await Promise.all([startValkey(), startDatabase(), new TestIssuer().start()]);
  a = await startService(database, issuer, { ...ENV, ...valkey.env });
  b = await startService(database, issuer, { ...ENV, ...valkey.env });
  await cacheConnected(a.handle, b.handle);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await Promise.all([database?.stop(), issuer?.stop(), valkey?.kill()]);
});

/** Counts the queries the service's database pools run from now on. */
function countQueries(service: TestService): () => number {
  const { reader, writer } = service.handle.db;
  const spies = [...new Set([reader, writer])].map((pool) => jest.spyOn(pool, 'query'));
  const start = spies.map((s) => s.mock.calls.length);
  return () => spies.reduce((n, s, i) => n + s.mock.calls.length - start[i], 0);
}

let seq = 0;
const statusMessage = (event: OrderStatusEvent) => ({
  MessageId: `m-${++seq}`,
  ReceiptHandle: `rh-${seq}`,
  Attributes: { ApproximateReceiveCount: '1' },
  Body: JSON.stringify({
    Type: 'Notification',
    MessageId: `sns-${seq}`,
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:securecart-test-order-events',
    Message: JSON.stringify(event),
    Timestamp: new Date().toISOString(),
    MessageAttributes: { [SNS_ATTRIBUTES.status]: { Type: 'String', Value: event.status } },
  }),
});

const statusEvent = (orderId: string, customerId: string, status: OrderStatusEvent['status']): OrderStatusEvent => ({
  schemaVersion: 1,
  orderId,
  customerId,
  status,
  reason: null,
  occurredAt: new Date(Date.now() + ++seq * 1000).toISOString(),
  executionId: `arn:aws:states:us-east-1:000000000000:execution:OrderFulfillment:${orderId}`,
});

/** The metrics the services flushed, summed by name. */
function cacheMetrics(...services: TestService[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const s of services) {
    s.handle.cache.flushMetrics();
    for (const line of s.metrics) {
      const doc = JSON.parse(line) as Record<string, unknown>;
      for (const name of Object.values(METRIC_NAMES)) {
        if (typeof doc[name] === 'number') totals[name] = (totals[name] ?? 0) + (doc[name] as number);
      }
    }
  }
  return totals;
}

describe('catalog reads, cache-aside with versioned keys', () => {
  const item = (productId: string, name: string) => ({ productId, name, priceCents: 500, stock: 3, active: true });

  test('the tasks share one Scan per TTL; a version bump makes the next read scan again', async () => {
    a.ddb.on(a.bundle.aws.ScanCommand).resolves({ Items: [item('p-1', 'First')] });
    const scans = () => a.ddb.commandCalls(a.bundle.aws.ScanCommand).length;
    const before = scans();

    const first = await a.client.get('/api/products');
    expect(first.status).toBe(200);
    expect(first.body.products.map((p: { name: string }) => p.name)).toEqual(['First']);
    // Another task: its own process has nothing yet; the shared cache has the list.
    const second = await b.client.get('/api/products/p-1');
    expect(second.status).toBe(200);
    expect(second.body.name).toBe('First');
    expect(scans() - before).toBe(1);

    // The catalog changes: the version bump (invalidate) sends the next refresh to the table.
    a.ddb.on(a.bundle.aws.ScanCommand).resolves({ Items: [item('p-1', 'Renamed')] });
    a.handle.catalog.invalidate();
    await new Promise((r) => setTimeout(r, 50)); // the bump is not awaited by invalidate()
    const third = await a.client.get('/api/products');
    expect(third.body.products[0].name).toBe('Renamed');
    expect(scans() - before).toBe(2);
  });
});

describe('order status reads (GET /api/orders/{id})', () => {
  test('polls are answered from the cache: one database read for many polls', async () => {
    const token = issuer.token({ sub: 'customer-polls' });
    const { orderId } = (await postOrder(a.client, token)).body;
    const queries = countQueries(a);
    for (let i = 0; i < 5; i++) {
      const response = await a.client.get(`/api/orders/${orderId}`, token);
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('PENDING');
    }
    expect(queries()).toBe(1);
    // Another task finds it in the shared cache too.
    const queriesB = countQueries(b);
    expect((await b.client.get(`/api/orders/${orderId}`, token)).body.orderId).toBe(orderId);
    expect(queriesB()).toBe(0);
  });

  test("a customer never gets another customer's cached order", async () => {
    const owner = issuer.token({ sub: 'customer-owner' });
    const { orderId } = (await postOrder(a.client, owner)).body;
    expect((await a.client.get(`/api/orders/${orderId}`, owner)).status).toBe(200); // now cached
    const other = await a.client.get(`/api/orders/${orderId}`, issuer.token({ sub: 'customer-other' }));
    expect(other.status).toBe(404);
  });

  test('the status consumer writes the new status through: the next poll shows it without a database read', async () => {
    const customerId = 'customer-write-through';
    const token = issuer.token({ sub: customerId });
    const { orderId } = (await postOrder(a.client, token)).body;
    expect((await b.client.get(`/api/orders/${orderId}`, token)).body.status).toBe('PENDING'); // cached

    a.sqs.on(a.bundle.aws.DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    for (const status of ['ACCEPTED', 'VALIDATED'] as const) {
      const message = statusMessage(statusEvent(orderId, customerId, status));
      expect(await a.handle.consumer.handle(message)).toEqual({ disposition: 'applied', delete: true });
    }
    const queries = countQueries(b);
    const polled = await b.client.get(`/api/orders/${orderId}`, token);
    expect(polled.body.status).toBe('VALIDATED');
    expect(polled.body.statusHistory.map((h: { status: string }) => h.status)).toEqual([
      'PENDING',
      'ACCEPTED',
      'VALIDATED',
    ]);
    expect(queries()).toBe(0);
  });

  test('a slow reader cannot put an older view back (compare-and-set on the version)', async () => {
    const customerId = 'customer-race';
    const token = issuer.token({ sub: customerId });
    const { orderId } = (await postOrder(a.client, token)).body;
    // The reader read PENDING from the database...
    const old = (await a.client.get(`/api/orders/${orderId}`, token)).body;
    // ...the status changes and is written through...
    a.sqs.on(a.bundle.aws.DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await a.handle.consumer.handle(statusMessage(statusEvent(orderId, customerId, 'ACCEPTED')));
    // ...and only then the reader fills the cache with what it read.
    const { cacheKey } = await import('../../src/cache/keys');
    const key = cacheKey('order', customerId, orderId);
    expect(await a.handle.cache.setIfNewer(key, old.statusHistory.length, old, 60)).toBe('kept');
    expect((await b.client.get(`/api/orders/${orderId}`, token)).body.status).toBe('ACCEPTED');
  });
});

describe('per-customer rate limit on POST /api/orders, shared by every task', () => {
  test('the bucket is shared by two service instances: the 4th order in a row is 429 with Retry-After', async () => {
    const token = issuer.token({ sub: 'customer-rate' });
    const answers = [];
    for (const service of [a, b, a, b]) answers.push(await postOrder(service.client, token));
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 429]);
    const limited = answers[3];
    // One token a minute: the next one is due in at most 60 s.
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.body.detail ?? limited.body.message ?? limited.text).toMatch(/Too many orders/);
    // Another customer has a bucket of their own.
    expect((await postOrder(b.client, issuer.token({ sub: 'customer-rate-2' }))).status).toBe(202);
    expect(cacheMetrics(a, b)[METRIC_NAMES.rateLimited]).toBe(1);
  });

  test('customer ids with separators or long and Unicode-free-form values still get their own bucket', async () => {
    // `sub` may hold ':', '.', '@' (the service's SUB_PATTERN): key parts like these are hashed.
    const tricky = ['a:b', 'a', 'a.b@c', `${'x'.repeat(128)}`];
    for (const sub of tricky) {
      expect((await postOrder(a.client, issuer.token({ sub }))).status).toBe(202);
    }
  });
});
