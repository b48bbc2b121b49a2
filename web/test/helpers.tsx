/**
 * Test helpers: a fetch mock that routes `METHOD /path` to canned answers and records every call,
 * a fake sign-in service, and a renderer for the whole app at a given path.
 */
import { render } from '@testing-library/react';
import { MemoryRouter, useLocation } from 'react-router';
import { vi } from 'vitest';
import { HTTP_API } from '@securecart/contracts/http-api';
import type { CartBody, CartView, ErrorBody, ProductView, RouteName } from '@securecart/contracts/http-api';
import type * as z from 'zod/mini';
import { Api } from '../src/api';
import type { AuthService, SessionUser } from '../src/auth';
import { AppProviders } from '../src/providers';
import { AppRoutes } from '../src/routes';

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

type Answer = Response | { status?: number; body?: unknown } | 'network-error' | Promise<Response>;
type Handler = Answer | ((call: RecordedCall, index: number) => Answer);

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/**
 * `routes` maps "GET /api/products" to an answer, a function of the call, or a list of answers
 * given in turn (the last one repeats).
 */
export function mockFetch(routes: Record<string, Handler | Handler[]>) {
  const calls: RecordedCall[] = [];
  const counts = new Map<string, number>();
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://x');
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const call: RecordedCall = { method, path: `${url.pathname}${url.search}`, headers, body };
    calls.push(call);
    const key = `${method} ${url.pathname}`;
    const route = routes[key];
    if (route === undefined) return json({ statusCode: 404, message: `No mock for ${key}` }, 404);
    const index = counts.get(key) ?? 0;
    counts.set(key, index + 1);
    const handler = Array.isArray(route) ? route[Math.min(index, route.length - 1)] : route;
    const answer = typeof handler === 'function' ? handler(call, index) : handler;
    if (answer === 'network-error') throw new TypeError('Failed to fetch');
    if (answer instanceof Response || answer instanceof Promise) return answer;
    return json(answer.body ?? {}, answer.status ?? 200);
  });
  return {
    fetch: fetchMock as unknown as typeof fetch,
    calls,
    /** The calls to one route, e.g. "PUT /api/cart". */
    callsTo: (route: string) => calls.filter((c) => `${c.method} ${c.path.split('?')[0]}` === route),
  };
}

export const CUSTOMER: SessionUser = { subject: 'customer-1', displayName: 'ada@example.com' };

export function fakeAuth(user: SessionUser | null = CUSTOMER): AuthService & {
  signIn: ReturnType<typeof vi.fn>;
  signOut: ReturnType<typeof vi.fn>;
} {
  return {
    getUser: vi.fn(async () => user),
    getAccessToken: vi.fn(async () => (user ? 'access-token-1' : null)),
    signIn: vi.fn(async () => undefined),
    completeSignIn: vi.fn(async () => '/'),
    signOut: vi.fn(async () => undefined),
    subscribe: () => () => undefined,
  };
}

/**
 * A success answer of the contract's route `route` (contracts/http-api.ts) with its status: the
 * body is typed by the route's response schema, so a fixture that drifts from the contract does
 * not compile.
 */
export function answer<N extends RouteName>(route: N, body: z.infer<(typeof HTTP_API)[N]['response']>) {
  return { status: HTTP_API[route].status as number, body };
}

/** An error answer of the checkout service (the contract's ErrorBody). */
export function serviceError(statusCode: number, error: string, message: string, problems?: string[]) {
  const body: ErrorBody = { statusCode, error, message, ...(problems ? { problems } : {}) };
  return { status: statusCode, body };
}

const product = (
  productId: string,
  name: string,
  priceCents: number,
  inStock: boolean,
  category: string,
  imageKey: string | null,
): ProductView => ({
  productId,
  name,
  priceCents,
  currency: 'USD',
  inStock,
  description: `${name}: what the product page says about it.`,
  category,
  imageKey,
  imageAlt: imageKey ? `A picture of ${name.toLowerCase()}` : '',
});

export const PRODUCTS: ProductView[] = [
  product('SKU-1', 'Espresso beans', 1299, true, 'Coffee', 'beans.0a1b2c3d'),
  product('SKU-2', 'Ceramic mug', 850, true, 'Kitchen', 'mug.0a1b2c3d'),
  product('SKU-3', 'Hand grinder', 4500, false, 'Coffee', null),
];

/** GET /api/cart's answer with these items. */
export const cartAnswer = (items: CartView['items']) =>
  answer('getCart', { items, updatedAt: '2026-01-01T10:00:00.000Z', expiresAt: '2026-01-31T10:00:00.000Z' });

/** PUT /api/cart answered as the service does: the cart as sent. */
export const echoCart = (call: RecordedCall) =>
  answer('putCart', {
    items: (call.body as CartBody).items,
    updatedAt: '2026-01-01T10:05:00.000Z',
    expiresAt: '2026-01-31T10:05:00.000Z',
  });

/** Shows the router's current location, so tests can check redirects. */
function LocationProbe() {
  const location = useLocation();
  return (
    <output data-testid="location" hidden>
      {`${location.pathname}${location.search}`}
    </output>
  );
}

export function renderApp(
  path: string | { pathname: string; state: unknown },
  { fetch, auth = fakeAuth() }: { fetch: typeof globalThis.fetch; auth?: AuthService },
) {
  const api = new Api({ fetch, getAccessToken: () => auth.getAccessToken() });
  return render(
    <MemoryRouter initialEntries={[path]}>
      <AppProviders api={api} auth={auth}>
        <AppRoutes />
        <LocationProbe />
      </AppProviders>
    </MemoryRouter>,
  );
}
