/**
 * The HTTP API contract: every route of the checkout service with its method, path, who may call
 * it, its request and response schemas, and the API's limits. The service registers its routes
 * from `HTTP_API` (Fastify, zod type provider), the Api stack builds API Gateway's resources,
 * methods and request models from it, and the storefront's API client is typed and validated by
 * it. test/http-api.test.ts fails when a route exists in one tier and not the others.
 *
 * Request objects are strict: an unknown field is a 400 that names it, not something silently
 * dropped. Response objects are not: a client ignores fields it does not know, so the service
 * may add one without breaking a storefront that is already loaded.
 */
import { ORDER_ID_PATTERN, ORDER_LIMITS, AddressSchema, OrderItemSchema, OrderSchema } from './order';
import { ORDER_STATUSES, OUTCOME_REASONS } from './status';
import { ClickBatchSchema } from './clickstream';
import type { OutcomeReason } from './status';
import * as z from './zod';

/** The API's own limits (the order's are ORDER_LIMITS). */
export const API_LIMITS = {
  /** Request bodies above this are refused with 413 before they are parsed. */
  maxBodyBytes: 256 * 1024,
  /** Orders per page of GET /api/orders: the default and the most a client may ask for. */
  defaultPageSize: 20,
  maxPageSize: 100,
  /** Longest list cursor a client may send back. */
  maxCursorLength: 200,
  /** Longest path parameter (the service's router refuses longer ones with 404). */
  maxParamLength: 200,
  /** GET /api/health/relay says `stuck` when the oldest order still to send is this old (seconds). */
  relayStuckAfterSeconds: 180,
} as const;

/**
 * The REST API's stage (CloudFront's origin path points at it). API Gateway's guide says a private
 * integration may send the stage in the backend path (`/live/api/...`); the service therefore
 * accepts exactly one optional leading `/live` segment and routes, logs and traces the path without
 * it (ADR 23). Nothing else is stripped: `/LIVE/api/...`, `/test/api/...` or `/live/live/api/...`
 * answer 404.
 */
export const API_STAGE_NAME = 'live';

/**
 * `url` (a request target: path and query) without one leading `/<stage>` segment equal to
 * `stage`; any other target unchanged. `/live` alone becomes `/`.
 */
export function withoutStagePrefix(url: string, stage: string = API_STAGE_NAME): string {
  const prefix = `/${stage}`;
  if (!url.startsWith(prefix)) return url;
  const rest = url.slice(prefix.length);
  if (rest === '') return '/';
  if (rest.startsWith('/')) return rest;
  if (rest.startsWith('?')) return `/${rest}`;
  return url; // `/lively/...`: a different first segment
}

/**
 * The request id the service logs and answers with: API Gateway sets it to its own request id on
 * every integration request (replacing a client's); local runs may send one.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

/** `Idempotency-Key` on POST /api/orders: a client-chosen id (a UUID fits), scoped to the customer. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

// --- requests --------------------------------------------------------------------------------------

const strictItem = z.strictObject(OrderItemSchema.shape);

const noDuplicateProducts = z.refine<{ productId: string }[]>(
  (items) => new Set(items.map((i) => i.productId)).size === items.length,
  { message: 'each productId may appear only once' },
);

/**
 * The body of POST /api/orders without the refinement JSON Schema cannot express ("each
 * productId once"): API Gateway's request model is generated from this one.
 */
export const CreateOrderModelSchema = z.strictObject({
  items: z.array(strictItem).check(z.minLength(1), z.maxLength(ORDER_LIMITS.maxItems)),
  shippingAddress: z.strictObject(AddressSchema.shape),
  payment: z.strictObject(OrderSchema.shape.payment.shape),
  clientTotalCents: OrderSchema.shape.clientTotalCents,
});

/**
 * POST /api/orders: the order minus what the server assigns (orderId, customerId = the token's
 * sub, createdAt, schemaVersion, currency).
 */
export const CreateOrderBodySchema = z.strictObject({
  ...CreateOrderModelSchema.shape,
  items: z.array(strictItem).check(z.minLength(1), z.maxLength(ORDER_LIMITS.maxItems), noDuplicateProducts),
});
export type CreateOrderBody = z.infer<typeof CreateOrderBodySchema>;

/** PUT /api/cart: the whole cart (an empty list empties it). */
export const CartBodySchema = z.strictObject({
  items: z.array(strictItem).check(z.maxLength(ORDER_LIMITS.maxItems), noDuplicateProducts),
});
export type CartBody = z.infer<typeof CartBodySchema>;

export const OrderIdParamsSchema = z.strictObject({
  id: z.string().check(z.regex(ORDER_ID_PATTERN)),
});

export const ProductIdParamsSchema = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(ORDER_LIMITS.maxProductIdLength)),
});

export const ListOrdersQuerySchema = z.strictObject({
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(API_LIMITS.maxPageSize))),
  cursor: z.optional(z.string().check(z.maxLength(API_LIMITS.maxCursorLength))),
});

// --- responses -------------------------------------------------------------------------------------

/** What the storefront sees of a product: no stock counts, reservations or reorder settings. */
export const ProductViewSchema = z.object({
  productId: z.string(),
  name: z.string(),
  priceCents: z.number(),
  currency: z.literal('USD'),
  inStock: z.boolean(),
  /** Plain text; empty when the catalog has none. */
  description: z.string(),
  /** The catalog's filter groups products by it. */
  category: z.string(),
  /** contracts/catalog.ts productImagePath(imageKey); null: no picture. */
  imageKey: z.nullable(z.string()),
  /** The picture's text alternative (empty when there is no picture). */
  imageAlt: z.string(),
});
export type ProductView = z.infer<typeof ProductViewSchema>;

export const ProductListSchema = z.object({ products: z.array(ProductViewSchema) });
export type ProductList = z.infer<typeof ProductListSchema>;

export const CartViewSchema = z.object({
  items: z.array(OrderItemSchema),
  updatedAt: z.nullable(z.string()),
  expiresAt: z.nullable(z.string()),
});
export type CartView = z.infer<typeof CartViewSchema>;

const reasonSchema = z.nullable(z.enum(Object.values(OUTCOME_REASONS) as [OutcomeReason, ...OutcomeReason[]]));

export const StatusEntrySchema = z.object({
  status: z.enum(ORDER_STATUSES),
  reason: reasonSchema,
  occurredAt: z.string(),
});
export type StatusEntry = z.infer<typeof StatusEntrySchema>;

/** The customer's view of one of their orders: never the payment token. */
export const OrderViewSchema = z.object({
  orderId: z.string(),
  status: z.enum(ORDER_STATUSES),
  reason: reasonSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  currency: z.literal('USD'),
  items: z.array(OrderItemSchema),
  shippingAddress: AddressSchema,
  clientTotalCents: z.optional(z.number()),
  statusHistory: z.array(StatusEntrySchema),
});
export type OrderView = z.infer<typeof OrderViewSchema>;

export const OrderListSchema = z.object({
  orders: z.array(OrderViewSchema),
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor: z.optional(z.string()),
});
export type OrderList = z.infer<typeof OrderListSchema>;

export const OrderAcceptedSchema = z.object({ orderId: z.string(), status: z.literal('PENDING') });
export type OrderAccepted = z.infer<typeof OrderAcceptedSchema>;

export const LiveSchema = z.object({ status: z.literal('ok') });

/** POST /api/events: how many events of the batch were handed to the stream. */
export const ClickBatchAcceptedSchema = z.object({ received: z.number() });
export type ClickBatchAccepted = z.infer<typeof ClickBatchAcceptedSchema>;

/**
 * Why a product is recommended: viewed in the same sessions as the one asked about (co-views over
 * the last days), or among the most viewed products when there are too few co-views.
 */
export const RECOMMENDATION_BASES = ['co_viewed', 'popular'] as const;
export const RecommendedProductSchema = z.object({
  ...ProductViewSchema.shape,
  basis: z.enum(RECOMMENDATION_BASES),
});
export type RecommendedProduct = z.infer<typeof RecommendedProductSchema>;

/** GET /api/products/{id}/recommendations and GET /api/recommendations/popular: best first, at most CLICKSTREAM_LIMITS.maxRecommendations, never the product asked about, only active products. */
export const RecommendationsSchema = z.object({ products: z.array(RecommendedProductSchema) });
export type Recommendations = z.infer<typeof RecommendationsSchema>;

/** The outbox relay's state (GET /api/health/relay, internal): what an operator needs when orders wait. */
export const RelayHealthSchema = z.object({
  /** `stuck`: rows wait longer than API_LIMITS' relay threshold, or the relay is not running. */
  status: z.enum(['ok', 'stuck', 'disabled']),
  /** Age in seconds of the oldest order still to send (0 when none). */
  lagSeconds: z.number(),
  /** Orders still to send, backing-off ones included. */
  unsent: z.number(),
  /** Of those, orders waiting for their next attempt after a failure. */
  backingOff: z.number(),
  /** Orders SQS refused for good (cancelled, INVALID_ORDER). */
  rejected: z.number(),
  /** When this task last sent an order (null: not since it started). */
  lastSentAt: z.nullable(z.string()),
});
export type RelayHealth = z.infer<typeof RelayHealthSchema>;
export const ReadySchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  reason: z.optional(z.string()),
});

/** Every error answer: `problems` lists each `path: message` of a 400. */
export const ErrorBodySchema = z.object({
  statusCode: z.number(),
  error: z.string(),
  message: z.string(),
  problems: z.optional(z.array(z.string())),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

// --- routes ----------------------------------------------------------------------------------------

/**
 * `customer`: a Cognito access token (API Gateway's authorizer, then the service verifies it);
 * `public`: none; `internal`: served by the service to callers inside the VPC only (operators,
 * the load balancer) — API Gateway never routes it, so it cannot be reached from the internet.
 */
export type RouteAccess = 'public' | 'customer' | 'internal';

export interface RouteContract {
  readonly method: 'GET' | 'PUT' | 'POST';
  /** API Gateway's form: `{name}` for a path parameter. */
  readonly path: string;
  readonly access: RouteAccess;
  readonly params?: z.ZodMiniType;
  readonly querystring?: z.ZodMiniType;
  readonly body?: z.ZodMiniType;
  /** The JSON Schema API Gateway validates the body with (when the body schema has parts JSON Schema lacks). */
  readonly bodyModel?: { readonly name: string; readonly schema: z.ZodMiniType };
  /** Headers the route requires (lower case). */
  readonly requiredHeaders?: readonly string[];
  /** The success answer's body. */
  readonly response: z.ZodMiniType;
  /** The success status code. */
  readonly status: 200 | 202;
  /**
   * Who answers it in the cloud: `service` (default) — API Gateway proxies to the checkout service;
   * `kinesis` — API Gateway's AWS service integration puts the body's records into the clickstream
   * (contracts/clickstream.ts clickstreamRecords); the service answers it only in local runs, as the
   * forwarder that stands in for that integration (when CHECKOUT_ENV.clickstreamStreamName is set).
   */
  readonly integration?: 'service' | 'kinesis';
}

/** Every route of the API. Add a route here: the service, API Gateway and the client follow. */
export const HTTP_API = {
  live: { method: 'GET', path: '/api/health/live', access: 'public', response: LiveSchema, status: 200 },
  // The load balancer's check: it runs a query on the writer, so it is not for the internet.
  ready: { method: 'GET', path: '/api/health/ready', access: 'internal', response: ReadySchema, status: 200 },
  relayHealth: {
    method: 'GET',
    path: '/api/health/relay',
    access: 'internal',
    response: RelayHealthSchema,
    status: 200,
  },
  listProducts: { method: 'GET', path: '/api/products', access: 'public', response: ProductListSchema, status: 200 },
  getProduct: {
    method: 'GET',
    path: '/api/products/{id}',
    access: 'public',
    params: ProductIdParamsSchema,
    response: ProductViewSchema,
    status: 200,
  },
  getRecommendations: {
    method: 'GET',
    path: '/api/products/{id}/recommendations',
    access: 'public',
    params: ProductIdParamsSchema,
    response: RecommendationsSchema,
    status: 200,
  },
  getPopular: {
    method: 'GET',
    path: '/api/recommendations/popular',
    access: 'public',
    response: RecommendationsSchema,
    status: 200,
  },
  recordEvents: {
    method: 'POST',
    path: '/api/events',
    access: 'public',
    body: ClickBatchSchema,
    // API Gateway validates the batch itself: nothing else stands between the body and the stream.
    bodyModel: { name: 'ClickBatch', schema: ClickBatchSchema },
    response: ClickBatchAcceptedSchema,
    status: 202,
    integration: 'kinesis',
  },
  getCart: { method: 'GET', path: '/api/cart', access: 'customer', response: CartViewSchema, status: 200 },
  putCart: {
    method: 'PUT',
    path: '/api/cart',
    access: 'customer',
    body: CartBodySchema,
    response: CartViewSchema,
    status: 200,
  },
  listOrders: {
    method: 'GET',
    path: '/api/orders',
    access: 'customer',
    querystring: ListOrdersQuerySchema,
    response: OrderListSchema,
    status: 200,
  },
  createOrder: {
    method: 'POST',
    path: '/api/orders',
    access: 'customer',
    body: CreateOrderBodySchema,
    bodyModel: { name: 'CreateOrderRequest', schema: CreateOrderModelSchema },
    requiredHeaders: [IDEMPOTENCY_KEY_HEADER],
    response: OrderAcceptedSchema,
    status: 202,
  },
  getOrder: {
    method: 'GET',
    path: '/api/orders/{id}',
    access: 'customer',
    params: OrderIdParamsSchema,
    response: OrderViewSchema,
    status: 200,
  },
} as const satisfies Record<string, RouteContract>;

export type RouteName = keyof typeof HTTP_API;

/** The route's path in Fastify's form (`:name` for a path parameter). */
export const fastifyPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

/** The route's path with its parameters filled in (each URI-encoded), for a client. */
export function routePath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`routePath: no value for {${name}} in ${path}`);
    return encodeURIComponent(value);
  });
}

/** The names of a route's path parameters, in order. */
export const pathParameters = (path: string): string[] => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
