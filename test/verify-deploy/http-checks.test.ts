import type http from 'node:http';
import {
  checkApiClosedWithoutOriginHeader,
  checkLoadBalancerNotPublic,
  checkProductsThroughCloudFront,
  isPrivateAddress,
} from '../../scripts/verify-deploy/checks/api-edge';
import { awaitOutcome, checkOrderIsolation, placeOrder } from '../../scripts/verify-deploy/checks/orders';
import {
  checkRuntimeConfig,
  checkSpaFallback,
  checkStorefrontPage,
} from '../../scripts/verify-deploy/checks/storefront';
import { LoopbackServer } from '../smoke/loopback';

/*
 * verify:deploy's HTTP checks against a local server on a free port, standing in for CloudFront,
 * the REST API and the service: each passes on a good answer and fails, saying what is wrong, on a bad one.
 */

const INDEX = '<!doctype html><html><body><div id="root"></div></body></html>';
const POOL = 'eu-west-1_ABCdef123';
const CLIENT = 'storefrontclient123';
const GOOD_HEADERS = {
  'content-type': 'text/html',
  'content-security-policy': "default-src 'self'",
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
};

type Route = (
  req: http.IncomingMessage,
  body: string,
) => { status: number; headers?: Record<string, string>; body?: string };
let routes: Record<string, Route> = {};
let fallback: Route = () => ({ status: 404 });
const server = new LoopbackServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const route = routes[`${req.method} ${req.url}`] ?? fallback;
    const answer = route(req, body);
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? '');
  });
});
let origin = '';
beforeAll(async () => {
  origin = await server.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  routes = {};
  fallback = () => ({ status: 404 });
});
const json = (status: number, value: unknown) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

describe('storefront page', () => {
  test('passes with 200, a CSP and a year of HSTS, and returns the page', async () => {
    routes['GET /'] = () => ({ status: 200, headers: GOOD_HEADERS, body: INDEX });
    const result = await checkStorefrontPage(`${origin}/`);
    expect(result.page).toBe(INDEX);
    expect(result.detail).toMatch(/^200, CSP .* HSTS max-age=63072000/);
  });

  test('fails naming each missing header', async () => {
    routes['GET /'] = () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: INDEX });
    await expect(checkStorefrontPage(origin)).rejects.toThrow(
      'no Content-Security-Policy header; no Strict-Transport-Security header',
    );
  });

  test('fails on a short HSTS and a non-200 answer', async () => {
    routes['GET /'] = () => ({
      status: 403,
      headers: { ...GOOD_HEADERS, 'strict-transport-security': 'max-age=300' },
      body: 'AccessDenied',
    });
    await expect(checkStorefrontPage(origin)).rejects.toThrow(
      /→ 403 \(expected 200\).*max-age below a year: max-age=300/,
    );
  });
});

describe('storefront config.json', () => {
  test("passes when it names this deployment's pool and client", async () => {
    routes['GET /config.json'] = () =>
      json(200, { authority: `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`, clientId: CLIENT });
    await expect(checkRuntimeConfig(origin, { userPoolId: POOL, clientId: CLIENT })).resolves.toBe(
      `authority …/${POOL}, clientId ${CLIENT}`,
    );
  });

  test('fails when it names another deployment', async () => {
    routes['GET /config.json'] = () =>
      json(200, { authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other', clientId: 'other' });
    await expect(checkRuntimeConfig(origin, { userPoolId: POOL, clientId: CLIENT })).rejects.toThrow(
      `authority https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other is not the issuer of user pool ${POOL}; clientId other is not the storefront client ${CLIENT}`,
    );
  });

  test('fails when it is missing', async () => {
    await expect(checkRuntimeConfig(origin, { userPoolId: POOL, clientId: CLIENT })).rejects.toThrow(
      /config\.json → 404 \(expected 200\)/,
    );
  });
});

describe('storefront SPA fallback', () => {
  test("passes when an unknown path serves the storefront's page", async () => {
    fallback = () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: INDEX });
    await expect(checkSpaFallback(origin, INDEX, '/verify-deploy-x/no-such-page')).resolves.toMatch(/→ 200/);
  });

  test("fails on S3's 403 and on another document", async () => {
    fallback = () => ({
      status: 403,
      headers: { 'content-type': 'application/xml' },
      body: '<Error>AccessDenied</Error>',
    });
    await expect(checkSpaFallback(origin, INDEX, '/x')).rejects.toThrow(
      /→ 403 \(expected 200 with the SPA's index\.html\)/,
    );
    fallback = () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>other</html>' });
    await expect(checkSpaFallback(origin, INDEX, '/x')).rejects.toThrow(
      /not the storefront's page: <html>other<\/html>/,
    );
  });
});

describe('the API through CloudFront, and closed without it', () => {
  const product = {
    productId: 'p1',
    name: 'P',
    priceCents: 100,
    currency: 'USD',
    inStock: true,
    description: '',
    category: 'Home',
    imageKey: null,
    imageAlt: '',
  };

  test('/api/products passes with products and fails with none or a 404 (the stage in the path)', async () => {
    routes['GET /api/products'] = () => json(200, { products: [product] });
    await expect(checkProductsThroughCloudFront(origin)).resolves.toEqual({ detail: '200, 1 products', ids: ['p1'] });
    routes['GET /api/products'] = () => json(200, { products: [] });
    await expect(checkProductsThroughCloudFront(origin)).rejects.toThrow('→ 200 with no products');
    routes['GET /api/products'] = () =>
      json(404, { statusCode: 404, error: 'Not Found', message: 'Route GET:/live/api/products not found' });
    await expect(checkProductsThroughCloudFront(origin)).rejects.toThrow(
      /→ 404 \(expected 200\).*\/live\/api\/products/,
    );
  });

  test('the REST API URL passes with 403 and fails when it serves without the origin header', async () => {
    routes['GET /live/api/products'] = () => json(403, { message: 'Forbidden' });
    await expect(checkApiClosedWithoutOriginHeader(`${origin}/live/`)).resolves.toMatch(/\/live\/api\/products → 403$/);
    routes['GET /live/api/products'] = () => json(200, { products: [product] });
    await expect(checkApiClosedWithoutOriginHeader(`${origin}/live/`)).rejects.toThrow(
      /without the origin header → 200 \(expected 403\)/,
    );
  });
});

describe('ALB not public', () => {
  test.each(['10.40.1.5', '172.16.0.1', '172.31.255.1', '192.168.1.1', 'fd00::1'])('%s is private', (a) =>
    expect(isPrivateAddress(a)).toBe(true),
  );
  test.each(['52.1.2.3', '172.32.0.1', '8.8.8.8', '2600:1f18::1'])('%s is public', (a) =>
    expect(isPrivateAddress(a)).toBe(false),
  );

  test('passes on private addresses only, fails on any public one or none', async () => {
    const alb = 'internal-securecart-sandbox-123.eu-west-1.elb.amazonaws.com';
    await expect(checkLoadBalancerNotPublic(alb, async () => ['10.40.3.7', '10.40.4.9'])).resolves.toMatch(
      /10\.40\.3\.7, 10\.40\.4\.9 \(private only\)/,
    );
    await expect(checkLoadBalancerNotPublic(alb, async () => ['10.40.3.7', '52.1.2.3'])).rejects.toThrow(
      `${alb} resolves to public addresses: 52.1.2.3`,
    );
    await expect(
      checkLoadBalancerNotPublic(alb, async () => {
        throw new Error('getaddrinfo ENOTFOUND');
      }),
    ).rejects.toThrow(/does not resolve \(getaddrinfo ENOTFOUND\)/);
  });
});

describe('orders through CloudFront', () => {
  const order = (status: string, reason: string | null, history: string[]) => ({
    orderId: 'o-1',
    status,
    reason,
    createdAt: '2026-12-07T14:00:00.000Z',
    updatedAt: '2026-12-07T14:00:05.000Z',
    currency: 'USD',
    items: [{ productId: 'p1', quantity: 1 }],
    shippingAddress: { name: 'V', line1: '1', city: 'C', postalCode: '1', country: 'US' },
    statusHistory: history.map((s) => ({ status: s, reason: null, occurredAt: '2026-12-07T14:00:00.000Z' })),
  });
  const body = {
    items: [{ productId: 'p1', quantity: 1 }],
    shippingAddress: { name: 'V', line1: '1', city: 'C', postalCode: '1', country: 'US' },
    payment: { token: 'tok_approve' },
  };

  test('placing sends the bearer token and an idempotency key; 202 PENDING gives the order id', async () => {
    let seen: http.IncomingHttpHeaders = {};
    routes['POST /api/orders'] = (req) => {
      seen = req.headers;
      return json(202, { orderId: 'o-1', status: 'PENDING' });
    };
    await expect(placeOrder(origin, 'T1', body)).resolves.toBe('o-1');
    expect(seen.authorization).toBe('Bearer T1');
    expect(seen['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    routes['POST /api/orders'] = () => json(401, { message: 'Unauthorized' });
    await expect(placeOrder(origin, 'T1', body)).rejects.toThrow(/→ 401 \(expected 202 PENDING\): .*Unauthorized/);
  });

  test('waiting passes on the expected outcome, fails on another one or none in time', async () => {
    const answers = [
      order('PENDING', null, ['PENDING']),
      order('FULFILLED', null, ['PENDING', 'ACCEPTED', 'PAID', 'FULFILLED']),
    ];
    routes['GET /api/orders/o-1'] = () => json(200, answers.length > 1 ? answers.shift() : answers[0]);
    await expect(
      awaitOutcome(origin, 'T', 'o-1', { status: 'FULFILLED', reason: null }, Date.now() + 5000, 1),
    ).resolves.toMatch(/^order o-1 PENDING → ACCEPTED → PAID → FULFILLED in/);

    routes['GET /api/orders/o-1'] = () => json(200, order('CANCELLED', 'OUT_OF_STOCK', ['PENDING', 'CANCELLED']));
    await expect(
      awaitOutcome(origin, 'T', 'o-1', { status: 'FULFILLED', reason: null }, Date.now() + 5000, 1),
    ).rejects.toThrow('order o-1 ended CANCELLED OUT_OF_STOCK, expected FULFILLED (PENDING → CANCELLED)');

    routes['GET /api/orders/o-1'] = () => json(200, order('ACCEPTED', null, ['PENDING', 'ACCEPTED']));
    await expect(
      awaitOutcome(origin, 'T', 'o-1', { status: 'FULFILLED', reason: null }, Date.now() + 20, 5),
    ).rejects.toThrow('order o-1 did not end in time: still ACCEPTED (PENDING → ACCEPTED)');
  });

  test('isolation passes on 404 and fails when another customer can read the order', async () => {
    routes['GET /api/orders/o-1'] = () => json(404, { message: 'Order not found' });
    await expect(checkOrderIsolation(origin, 'T2', 'o-1')).resolves.toMatch(/→ 404$/);
    routes['GET /api/orders/o-1'] = () => json(200, order('FULFILLED', null, ['FULFILLED']));
    await expect(checkOrderIsolation(origin, 'T2', 'o-1')).rejects.toThrow(
      /another customer's GET .*\/api\/orders\/o-1 → 200 \(expected 404\)/,
    );
  });
});
