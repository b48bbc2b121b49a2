/**
 * The service against the HTTP API contract (contracts/http-api.ts): it registers exactly
 * HTTP_API's routes (those API Gateway answers with a Kinesis integration only as the local
 * forwarder, with CHECKOUT_ENV.clickstreamStreamName set), and what each route really answers
 * parses with the contract's response
 * schema (the service does not validate its responses at run time: that would cost a parse per
 * response; the handlers' return types are checked against the contract at compile time).
 */
import { mockClient } from 'aws-sdk-client-mock';
import { AFFINITY_KEYS, CLICKSTREAM_FIXTURES, utcDay } from '@securecart/contracts/clickstream';
import { CHECKOUT_ENV } from '@securecart/contracts/env';
import { ErrorBodySchema, fastifyPath, HTTP_API, routePath } from '@securecart/contracts/http-api';
import type { RouteName } from '@securecart/contracts/http-api';
import type { OrderStatusEvent } from '@securecart/contracts/status';
import { orderBody, postOrder, startService, TestIssuer, useService } from './helpers/harness';
import type { HttpResponse, TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;
/** The same service with the clickstream settings of a local run: the forwarder and the affinity table. */
let local: TestService;

useService({}, (started) => ({ database, issuer, service } = started));
beforeAll(async () => {
  local = await startService(database, issuer, {
    [CHECKOUT_ENV.clickstreamStreamName]: 'securecart-test-clickstream',
    [CHECKOUT_ENV.productAffinityTable]: 'securecart-test-product-affinity',
  });
});
afterAll(() => local?.close());

/** `METHOD /path` of every route in `app.printRoutes({ commonPrefix: false })`'s tree. */
function registeredRoutes(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    stack.push(match[2]);
    const path = stack.join('');
    for (const method of match[3]?.split(', ') ?? []) routes.push(`${method} ${path}`);
  }
  return routes;
}

/** The routes a service registers, HEAD routes left out (each must have its GET). */
function servedRoutes(served: TestService): string[] {
  const registered = registeredRoutes(served.handle.app.printRoutes({ commonPrefix: false }));
  // Fastify adds a HEAD route for every GET route (exposeHeadRoutes); each must have its GET.
  const heads = registered.filter((r) => r.startsWith('HEAD '));
  for (const head of heads) expect(registered).toContain(head.replace(/^HEAD /, 'GET '));
  return registered.filter((r) => !r.startsWith('HEAD ')).sort();
}

const contractRoutes = (include: (integration: 'service' | 'kinesis') => boolean) =>
  Object.values(HTTP_API)
    .filter((route) => include('integration' in route ? route.integration : 'service'))
    .map((route) => `${route.method} ${fastifyPath(route.path)}`)
    .sort();

test('the service registers exactly the routes of HTTP_API it answers in the cloud (method and path)', () => {
  expect(servedRoutes(service)).toEqual(contractRoutes((integration) => integration === 'service'));
  expect(contractRoutes((integration) => integration === 'kinesis')).toEqual(['POST /api/events']);
});

test('with the stream setting (a local run), it also registers the Kinesis-integrated routes: all of HTTP_API', () => {
  expect(servedRoutes(local)).toEqual(contractRoutes(() => true));
});

test('the route parser sees nested routes and every method of a path', () => {
  const tree = ['├── /api/a (GET, HEAD)', '│   └── /:id (PUT)', '└── /api/b (POST, GET)', '    └── /c (GET)'].join(
    '\n',
  );
  expect(registeredRoutes(tree).sort()).toEqual(
    ['GET /api/a', 'HEAD /api/a', 'PUT /api/a/:id', 'POST /api/b', 'GET /api/b', 'GET /api/b/c'].sort(),
  );
});

describe('each route answers what the contract says', () => {
  const checked = new Set<RouteName>();

  function expectContract(name: RouteName, response: HttpResponse): void {
    const route = HTTP_API[name];
    expect({ name, status: response.status }).toEqual({ name, status: route.status });
    const parsed = route.response.safeParse(response.body);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    checked.add(name);
  }

  afterAll(() => {
    // A route added to the contract without a check here fails.
    expect([...checked].sort()).toEqual(Object.keys(HTTP_API).sort());
  });

  test('health', async () => {
    expectContract('live', await service.client.get(HTTP_API.live.path));
    expectContract('ready', await service.client.get(HTTP_API.ready.path));
    const relay = await service.client.get(HTTP_API.relayHealth.path);
    expectContract('relayHealth', relay);
    // The relay's loop is not running in these tests (they call runOnce): the answer says so.
    expect(relay.body).toMatchObject({ status: 'disabled', rejected: expect.any(Number) });
  });

  test('catalog', async () => {
    service.ddb.reset();
    service.handle.catalog.invalidate();
    service.ddb.on(service.bundle.aws.ScanCommand).resolves({
      Items: [{ productId: 'p-100', name: 'Gadget', priceCents: 1249, stock: 12, active: true, warehouse: 'west' }],
    });
    expectContract('listProducts', await service.client.get(HTTP_API.listProducts.path));
    expectContract('getProduct', await service.client.get(routePath(HTTP_API.getProduct.path, { id: 'p-100' })));
  });

  test('recommendations: empty lists without the affinity table, ranked products with it', async () => {
    const recommendations = routePath(HTTP_API.getRecommendations.path, { id: 'p-100' });
    expectContract('getRecommendations', await service.client.get(recommendations));
    expectContract('getPopular', await service.client.get(HTTP_API.getPopular.path));
    expect((await service.client.get(HTTP_API.getPopular.path)).body).toEqual({ products: [] });

    local.ddb.reset();
    local.handle.catalog.invalidate();
    local.ddb.on(local.bundle.aws.ScanCommand).resolves({
      Items: ['p-100', 'p-200', 'p-300'].map((productId) => ({
        productId,
        name: productId,
        priceCents: 1,
        stock: 1,
        active: true,
      })),
    });
    const today = utcDay(new Date());
    local.ddb
      .on(local.bundle.aws.QueryCommand)
      .callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
        Items:
          input.ExpressionAttributeValues[':pk'] === AFFINITY_KEYS.coViewPk('p-100')
            ? [{ sk: AFFINITY_KEYS.coViewSk(today, 'p-200'), views: 2 }]
            : [{ sk: AFFINITY_KEYS.popularSk('p-300'), views: 5 }],
      }));
    const ranked = await local.client.get(recommendations);
    expectContract('getRecommendations', ranked);
    expect(ranked.body.products.map((p: { basis: string }) => p.basis)).toEqual(['co_viewed', 'popular']);
    const popular = await local.client.get(HTTP_API.getPopular.path);
    expectContract('getPopular', popular);
    expect(popular.body.products).toHaveLength(1);
  });

  test('events: not served without the stream setting (API Gateway answers it); the local forwarder answers 202', async () => {
    expect(
      (await service.client.request('POST', HTTP_API.recordEvents.path, { json: CLICKSTREAM_FIXTURES[0] })).status,
    ).toBe(404);
    const kinesis = mockClient(local.bundle.aws.KinesisClient);
    kinesis.on(local.bundle.aws.PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [] });
    try {
      const answer = await local.client.request('POST', HTTP_API.recordEvents.path, { json: CLICKSTREAM_FIXTURES[1] });
      expectContract('recordEvents', answer);
      expect(answer.body).toEqual({ received: CLICKSTREAM_FIXTURES[1].events.length });
    } finally {
      kinesis.restore();
    }
  });

  test('cart', async () => {
    const token = issuer.token({ sub: 'customer-contract-cart' });
    service.ddb.reset();
    service.ddb.on(service.bundle.aws.GetCommand).resolves({});
    service.ddb.on(service.bundle.aws.UpdateCommand).resolves({ Attributes: { version: 1 } });
    expectContract('getCart', await service.client.get(HTTP_API.getCart.path, token));
    const put = await service.client.request('PUT', HTTP_API.putCart.path, {
      token,
      json: { items: orderBody().items },
    });
    expectContract('putCart', put);
  });

  test('orders, with a terminal status and its reason in the history', async () => {
    const customerId = 'customer-contract-orders';
    const token = issuer.token({ sub: customerId });
    const created = await postOrder(service.client, token);
    expectContract('createOrder', created);
    const orderId: string = created.body.orderId;
    const event: OrderStatusEvent = {
      schemaVersion: 1,
      orderId,
      customerId,
      status: 'CANCELLED',
      reason: 'PAYMENT_DECLINED',
      occurredAt: new Date(Date.now() + 1000).toISOString(),
      executionId: `arn:aws:states:us-east-1:000000000000:execution:OrderFulfillment:${orderId}`,
    };
    const message = {
      MessageId: 'contract-1',
      ReceiptHandle: 'rh-contract-1',
      Attributes: { ApproximateReceiveCount: '1' },
      Body: JSON.stringify({ Type: 'Notification', Message: JSON.stringify(event) }),
    };
    expect(await service.handle.consumer.handle(message)).toEqual({ disposition: 'applied', delete: true });

    const one = await service.client.get(routePath(HTTP_API.getOrder.path, { id: orderId }), token);
    expectContract('getOrder', one);
    expect(one.body).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    const list = await service.client.get(HTTP_API.listOrders.path, token);
    expectContract('listOrders', list);
    expect(list.body.orders).toHaveLength(1);
  });

  test('error answers are the contract’s ErrorBody', async () => {
    const token = issuer.token({ sub: 'customer-contract-errors' });
    const answers = await Promise.all([
      service.client.get(HTTP_API.getCart.path),
      service.client.get(routePath(HTTP_API.getOrder.path, { id: 'no.such.order' }), token),
      postOrder(service.client, token, { ...orderBody(), extra: true }),
      service.client.get('/api/nowhere'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([401, 400, 400, 404]);
    for (const answer of answers) expect(ErrorBodySchema.safeParse(answer.body).success).toBe(true);
    expect(answers[2].body.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^body/)]));
  });
});
