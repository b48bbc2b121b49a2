/**
 * The API client against the HTTP API contract (contracts/http-api.ts): every request the client
 * makes is a route of HTTP_API with the same method, and every route of HTTP_API but the health
 * checks is called by a client method. A route added to the contract without a client method, or a
 * client method calling something that is not in the contract, fails here.
 */
import { HTTP_API } from '@securecart/contracts/http-api';
import type { CreateOrderBody, OrderView } from '@securecart/contracts/http-api';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { Api, ApiError } from '../src/api';
import type { ClientRouteName } from '../src/api';
import { PRODUCTS, json } from './helpers';

type RouteEntry = [ClientRouteName, (typeof HTTP_API)[ClientRouteName]];

/**
 * Every route of the contract the client must call: all but the health checks and the routes API
 * Gateway answers with its Kinesis integration (POST /api/events: clickstream.ts sends it as a
 * beacon; test/clickstream.test.ts checks that against the contract).
 */
const CLIENT_ROUTES = (Object.entries(HTTP_API) as RouteEntry[]).filter(
  ([, route]) => !route.path.startsWith('/api/health/') && !('integration' in route && route.integration === 'kinesis'),
);

const BODY: CreateOrderBody = {
  items: [{ productId: 'SKU-1', quantity: 1 }],
  shippingAddress: { name: 'Ada', line1: '1 Road', city: 'London', postalCode: 'N1', country: 'GB' },
  payment: { token: 'tok_approve' },
  clientTotalCents: 1299,
};

const ORDER: OrderView = {
  orderId: 'order-9',
  status: 'PENDING',
  reason: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  currency: 'USD',
  items: BODY.items,
  shippingAddress: BODY.shippingAddress,
  clientTotalCents: 1299,
  statusHistory: [{ status: 'PENDING', reason: null, occurredAt: '2026-01-01T10:00:00.000Z' }],
};

/** A valid answer for every route the client calls (typed by each route's response schema). */
const ANSWERS: { [N in ClientRouteName]: z.infer<(typeof HTTP_API)[N]['response']> } = {
  listProducts: { products: PRODUCTS },
  getProduct: PRODUCTS[0],
  getRecommendations: { products: [{ ...PRODUCTS[1], basis: 'co_viewed' }] },
  getPopular: { products: [{ ...PRODUCTS[0], basis: 'popular' }] },
  getCart: { items: BODY.items, updatedAt: null, expiresAt: null },
  putCart: { items: BODY.items, updatedAt: '2026-01-01T10:00:00.000Z', expiresAt: '2026-01-31T10:00:00.000Z' },
  listOrders: { orders: [ORDER], nextCursor: 'c2' },
  createOrder: { orderId: 'order-9', status: 'PENDING' },
  getOrder: ORDER,
};

/** One call of each of the client's methods: a public method missing here does not compile. */
const CALLS: Record<keyof Api, (api: Api) => Promise<unknown>> = {
  listProducts: (api) => api.listProducts(),
  getProduct: (api) => api.getProduct('SKU 1/α'),
  getRecommendations: (api) => api.getRecommendations('SKU 2/β'),
  getPopular: (api) => api.getPopular(),
  getCart: (api) => api.getCart(),
  putCart: (api) => api.putCart(BODY.items),
  createOrder: (api) => api.createOrder(BODY, 'attempt-key-1'),
  listOrders: (api) => api.listOrders('c1'),
  getOrder: (api) => api.getOrder('order-9'),
};

/** The contract's route for a request: same method, path matching its `{param}` template. */
function routeOf(method: string, path: string): ClientRouteName[] {
  const pathname = path.split('?')[0];
  return CLIENT_ROUTES.filter(([, route]) => {
    const template = new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}$`);
    return route.method === method && template.test(pathname);
  }).map(([name]) => name);
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly authorized: boolean;
}

/** A client whose fetch answers each contract route with its valid answer (or `override`). */
function contractClient(override?: (name: ClientRouteName) => Response) {
  const requests: Request[] = [];
  const fetchFn = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    const path = String(input);
    requests.push({ method, path, authorized: new Headers(init.headers).has('authorization') });
    const [name] = routeOf(method, path);
    if (!name) return json({ statusCode: 404, error: 'Not Found', message: `Route ${method} ${path} not found` }, 404);
    return override?.(name) ?? json(ANSWERS[name], HTTP_API[name].status);
  };
  const api = new Api({ fetch: fetchFn as typeof fetch, getAccessToken: async () => 'access-token-1' });
  return { api, requests };
}

describe('the API client and the HTTP API contract', () => {
  it('has a call for each public method of Api', () => {
    const methods = Object.getOwnPropertyNames(Api.prototype).filter((name) => name !== 'constructor');
    expect(methods.sort()).toEqual(Object.keys(CALLS).sort());
  });

  it('calls only routes of HTTP_API, with their method, and every route but the health checks', async () => {
    const { api, requests } = contractClient();
    for (const call of Object.values(CALLS)) await call(api);

    const matched = requests.map((r) => ({ request: `${r.method} ${r.path}`, routes: routeOf(r.method, r.path) }));
    for (const { request, routes } of matched)
      expect({ request, routes: routes.length }).toEqual({ request, routes: 1 });
    const called = new Set(matched.flatMap((m) => m.routes));
    expect([...called].sort()).toEqual(CLIENT_ROUTES.map(([name]) => name).sort());
  });

  it('fills path parameters with routePath (URI-encoded) and sends the token to customer routes only', async () => {
    const { api, requests } = contractClient();
    for (const call of Object.values(CALLS)) await call(api);

    expect(requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/products/SKU%201%2F%CE%B1');
    expect(requests.map((r) => `${r.method} ${r.path}`)).toContain(
      'GET /api/products/SKU%202%2F%CE%B2/recommendations',
    );
    expect(requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/orders?cursor=c1');
    for (const request of requests) {
      const [name] = routeOf(request.method, request.path);
      expect({ name, authorized: request.authorized }).toEqual({
        name,
        authorized: HTTP_API[name].access === 'customer',
      });
    }
  });

  it.each(CLIENT_ROUTES.map(([name]) => name))(
    '%s: an answer that is not the route’s response schema is refused in words',
    async (name) => {
      const { api } = contractClient((route) =>
        route === name ? json({ unexpected: true }, HTTP_API[route].status) : json(ANSWERS[route]),
      );
      const results = await Promise.allSettled(Object.values(CALLS).map((call) => call(api)));
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(refused).toHaveLength(1);
      expect(refused[0]).toBeInstanceOf(ApiError);
      expect((refused[0] as ApiError).message).toBe(
        'The store sent an answer we could not understand. Please try again.',
      );
    },
  );

  it('reads API Gateway’s own error answers (a message only) as well as the service’s ErrorBody', async () => {
    const gateway = contractClient(() => json({ message: 'Forbidden' }, 403));
    await expect(gateway.api.getCart()).rejects.toThrow('The store refused this request (HTTP 403) (Forbidden).');

    const problem = 'body.shippingAddress.postalCode: Too big: expected string to have <=20 characters';
    const service = contractClient(() =>
      json({ statusCode: 400, error: 'Bad Request', message: problem, problems: [problem] }, 400),
    );
    const error = await service.api.createOrder(BODY, 'attempt-key-1').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, problems: [problem], message: `${problem}.` });
  });
});
