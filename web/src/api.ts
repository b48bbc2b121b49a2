/**
 * The checkout service API, same origin under /api (services/checkout-api/src/app.ts), typed and
 * validated by the HTTP API contract (contracts/http-api.ts): each method takes its route's method,
 * path and access from HTTP_API and checks the answer with the route's `response` schema. Every
 * failure becomes an ApiError whose message can be shown to the customer as it is.
 */
import * as z from 'zod/mini';
import { ErrorBodySchema, HTTP_API, IDEMPOTENCY_KEY_HEADER, routePath } from '@securecart/contracts/http-api';
import type {
  CartView,
  CreateOrderBody,
  OrderAccepted,
  OrderList,
  OrderView,
  ProductView,
  RecommendedProduct,
  RouteContract,
  RouteName,
} from '@securecart/contracts/http-api';
import type { OrderItem } from './contracts';

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the API could not be reached at all. */
    readonly status: number,
    message: string,
    /** `path: message` problems of a 400, e.g. `body.shippingAddress.postalCode: Too big: ...`. */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A readable message for anything thrown by the API client (or by a bug). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return `Something went wrong: ${error.message}`;
  return 'Something went wrong. Please try again.';
}

/**
 * The routes this client calls: every route of the contract but the health checks and POST
 * /api/events (`integration: 'kinesis'`), which clickstream.ts sends as a beacon.
 */
export type ClientRouteName = {
  [N in RouteName]: (typeof HTTP_API)[N]['path'] extends `/api/health/${string}`
    ? never
    : (typeof HTTP_API)[N] extends { integration: 'kinesis' }
      ? never
      : N;
}[RouteName];
type RouteOf<N extends ClientRouteName> = (typeof HTTP_API)[N];
type ResponseOf<N extends ClientRouteName> = z.infer<RouteOf<N>['response']>;
type ParamsOf<N extends ClientRouteName> = RouteOf<N> extends { params: z.ZodMiniType<infer P> } ? P : never;
type QueryOf<N extends ClientRouteName> = RouteOf<N> extends { querystring: z.ZodMiniType<infer Q> } ? Q : never;
type BodyOf<N extends ClientRouteName> = RouteOf<N> extends { body: z.ZodMiniType<infer B> } ? B : never;

/**
 * An error answer, read leniently: the service sends the contract's ErrorBody, but API Gateway's
 * own answers (the authorizer's 401/403, throttling's 429) carry only a `message`.
 */
const ErrorAnswerSchema = z.partial(z.pick(ErrorBodySchema, { message: true, problems: true }));

export interface ApiOptions {
  readonly fetch: typeof fetch;
  /** The signed-in customer's access token, or null when signed out. */
  readonly getAccessToken: () => Promise<string | null>;
}

interface CallOptions<N extends ClientRouteName> {
  readonly params?: ParamsOf<N>;
  readonly query?: QueryOf<N>;
  readonly body?: BodyOf<N>;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

function describeStatus(status: number, serverMessage: string | undefined): string {
  const detail = serverMessage ? ` (${serverMessage})` : '';
  if (status === 401) return 'Your session has expired. Please sign in again.';
  if (status === 403) return `The store refused this request (HTTP 403)${detail}.`;
  if (status === 404) return serverMessage ? `${serverMessage}.` : 'We could not find that.';
  if (status === 413) return 'This request is too large for the store. Remove some items and try again.';
  if (status === 429) return 'The store is very busy right now. Please wait a moment and try again.';
  if (status >= 500) return `The store could not answer right now (HTTP ${status}). Please try again in a moment.`;
  return serverMessage ? `${serverMessage}.`.replace(/\.\.$/, '.') : `The store rejected the request (HTTP ${status}).`;
}

/** `?name=value&…` for the values that are set (each URI-encoded), or nothing. */
function queryString(query: Readonly<Record<string, unknown>> | undefined): string {
  const pairs = Object.entries(query ?? {})
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`);
  return pairs.length ? `?${pairs.join('&')}` : '';
}

/** The answer's JSON, or undefined when it has none (or is not JSON). */
async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function errorFromAnswer(status: number, json: unknown): ApiError {
  const errorBody = ErrorAnswerSchema.safeParse(json);
  const serverMessage = errorBody.success ? errorBody.data.message : undefined;
  const problems = errorBody.success ? (errorBody.data.problems ?? []) : [];
  return new ApiError(status, describeStatus(status, serverMessage), problems);
}

export class Api {
  readonly #options: ApiOptions;

  constructor(options: ApiOptions) {
    this.#options = options;
  }

  async listProducts(signal?: AbortSignal): Promise<ProductView[]> {
    return (await this.#call('listProducts', { signal })).products;
  }

  getProduct(productId: string, signal?: AbortSignal): Promise<ProductView> {
    return this.#call('getProduct', { params: { id: productId }, signal });
  }

  /** "Customers also viewed": best first; empty when there is nothing to recommend. */
  async getRecommendations(productId: string, signal?: AbortSignal): Promise<RecommendedProduct[]> {
    return (await this.#call('getRecommendations', { params: { id: productId }, signal })).products;
  }

  /** "Popular now": the most viewed products of the last days. */
  async getPopular(signal?: AbortSignal): Promise<RecommendedProduct[]> {
    return (await this.#call('getPopular', { signal })).products;
  }

  getCart(signal?: AbortSignal): Promise<CartView> {
    return this.#call('getCart', { signal });
  }

  putCart(items: readonly OrderItem[]): Promise<CartView> {
    return this.#call('putCart', { body: { items: [...items] } });
  }

  /** POST /api/orders; the same idempotency key and body may be sent again safely. */
  createOrder(body: CreateOrderBody, idempotencyKey: string): Promise<OrderAccepted> {
    return this.#call('createOrder', { body, headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } });
  }

  listOrders(cursor?: string, signal?: AbortSignal): Promise<OrderList> {
    return this.#call('listOrders', { query: { cursor }, signal });
  }

  getOrder(orderId: string, signal?: AbortSignal): Promise<OrderView> {
    return this.#call('getOrder', { params: { id: orderId }, signal });
  }

  /** Calls the route `name` of HTTP_API and returns its answer, checked with the route's response schema. */
  async #call<N extends ClientRouteName>(name: N, options: CallOptions<N>): Promise<ResponseOf<N>> {
    const route: RouteContract = HTTP_API[name];
    const params = options.params as Record<string, string> | undefined;
    const path = `${routePath(route.path, params)}${queryString(options.query as Record<string, unknown> | undefined)}`;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (route.access === 'customer') {
      const token = await this.#options.getAccessToken();
      if (!token) throw new ApiError(401, 'Please sign in to continue.');
      headers.authorization = `Bearer ${token}`;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    const response = await this.#send(path, {
      method: route.method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      credentials: 'same-origin',
    });
    const json = await readJson(response);
    if (!response.ok) throw errorFromAnswer(response.status, json);
    const parsed = (route.response as z.ZodMiniType<ResponseOf<N>>).safeParse(json);
    if (!parsed.success) {
      throw new ApiError(response.status, 'The store sent an answer we could not understand. Please try again.');
    }
    return parsed.data;
  }

  async #send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.#options.fetch(path, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError(0, 'We could not reach the store. Check your connection and try again.');
    }
  }
}
