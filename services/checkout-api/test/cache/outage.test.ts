/**
 * The shared cache goes away mid-test (npm run test:cache): reads still answer from their source
 * within the request budget, orders are admitted (the rate limit fails open, ADR 26), and both
 * are counted. Then a server that hangs (SIGSTOP): the command timeout bounds every request.
 */
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { postOrder, startDatabase, startService, TestIssuer } from '../helpers/harness';
import type { TestDatabase, TestService } from '../helpers/harness';
import { cacheConnected, startValkey } from './valkey-server';
import type { ValkeyServer } from './valkey-server';

let database: TestDatabase;
let issuer: TestIssuer;

beforeAll(async () => {
  [database, issuer] = await Promise.all([startDatabase(), new TestIssuer().start()]);
});
afterAll(async () => {
  await Promise.all([database?.stop(), issuer?.stop()]);
});

/** Far above the 100 ms command timeout, far below any request budget: a cache failure must not wait. */
const BUDGET_MS = 1500;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

function counted(service: TestService): Record<string, number> {
  service.handle.cache.flushMetrics();
  const totals: Record<string, number> = {};
  for (const line of service.metrics) {
    const doc = JSON.parse(line) as Record<string, unknown>;
    for (const name of Object.values(METRIC_NAMES)) {
      if (typeof doc[name] === 'number') totals[name] = (totals[name] ?? 0) + (doc[name] as number);
    }
  }
  return totals;
}

async function withService(valkey: ValkeyServer, run: (service: TestService) => Promise<void>): Promise<void> {
  const service = await startService(database, issuer, {
    ...valkey.env,
    CACHE_COMMAND_TIMEOUT_MS: '100',
    ORDER_RATE_LIMIT_BURST: '2',
    ORDER_RATE_LIMIT_PER_MINUTE: '1',
  });
  try {
    await cacheConnected(service.handle);
    await run(service);
  } finally {
    await service.close();
  }
}

test('server stopped mid-test: reads answer from the database, orders are admitted, both are counted', async () => {
  const valkey = await startValkey();
  await withService(valkey, async (service) => {
    const token = issuer.token({ sub: 'customer-outage' });
    const { orderId } = (await postOrder(service.client, token)).body;
    expect((await service.client.get(`/api/orders/${orderId}`, token)).status).toBe(200); // cached now
    service.ddb.on(service.bundle.aws.ScanCommand).resolves({
      Items: [{ productId: 'p-1', name: 'One', priceCents: 100, stock: 1, active: true }],
    });

    const before = counted(service);
    await valkey.kill();

    const read = await timed(() => service.client.get(`/api/orders/${orderId}`, token));
    expect(read.value.status).toBe(200);
    expect(read.value.body.orderId).toBe(orderId);
    expect(read.ms).toBeLessThan(BUDGET_MS);
    const catalog = await timed(() => service.client.get('/api/products'));
    expect(catalog.value.status).toBe(200);
    expect(catalog.value.body.products).toHaveLength(1);
    // The bucket (2 tokens) would refuse the 3rd order; without the cache every order is admitted.
    for (let i = 0; i < 3; i++) {
      const created = await timed(() => postOrder(service.client, token));
      expect(created.value.status).toBe(202);
      expect(created.ms).toBeLessThan(BUDGET_MS);
    }
    const after = counted(service);
    const during = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
    expect(during(METRIC_NAMES.cacheFallbacks)).toBeGreaterThanOrEqual(2);
    expect(during(METRIC_NAMES.rateLimitFailOpen)).toBe(3);
    expect(service.logs.text()).toMatch(/Shared cache unreachable/);
  });
});

test('server that hangs: every request still answers within the budget (command timeout, no offline queue)', async () => {
  const valkey = await startValkey();
  try {
    await withService(valkey, async (service) => {
      const token = issuer.token({ sub: 'customer-hung' });
      const { orderId } = (await postOrder(service.client, token)).body;
      valkey.pause();
      const read = await timed(() => service.client.get(`/api/orders/${orderId}`, token));
      expect(read.value.status).toBe(200);
      expect(read.ms).toBeLessThan(BUDGET_MS);
      const created = await timed(() => postOrder(service.client, token));
      expect(created.value.status).toBe(202);
      expect(created.ms).toBeLessThan(BUDGET_MS);
      const metrics = counted(service);
      expect(metrics[METRIC_NAMES.cacheFallbacks]).toBeGreaterThanOrEqual(1);
      expect(metrics[METRIC_NAMES.rateLimitFailOpen]).toBeGreaterThanOrEqual(1);
      valkey.resume();
    });
  } finally {
    valkey.resume();
    await valkey.kill();
  }
});
