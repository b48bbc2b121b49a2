/**
 * The checkout service API, same origin under /api (services/checkout-api/src/app.ts). Every
 * failure becomes an ApiError whose message can be shown to the customer as it is.
 */
// zod/mini without the English messages (see config.ts): these checks are never shown as they are.
import * as z from 'zod/mini';
import type { Address, OrderItem } from './contracts';

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

const ProductSchema = z.object({
  productId: z.string(),
  name: z.string(),
  priceCents: z.number(),
  /** The service's public view says whether it is in stock ... */
  inStock: z.optional(z.boolean()),
  /** ... a raw CatalogItem (contracts/tables.ts) carries the count. */
  stock: z.optional(z.number()),
  active: z.optional(z.boolean()),
});
export type Product = z.infer<typeof ProductSchema>;

/** Whether a product can be ordered now. */
export const isAvailable = (p: Product): boolean =>
  p.active !== false && (p.inStock ?? (p.stock === undefined ? true : p.stock > 0));

const ItemSchema = z.object({ productId: z.string(), quantity: z.number() });

const CartSchema = z.object({ items: z.array(ItemSchema) });
export type Cart = z.infer<typeof CartSchema>;

const StatusEntrySchema = z.object({
  status: z.string(),
  reason: z.optional(z.nullable(z.string())),
  occurredAt: z.string(),
});
export type StatusEntry = z.infer<typeof StatusEntrySchema>;

const OrderViewSchema = z.object({
  orderId: z.string(),
  status: z.string(),
  reason: z.optional(z.nullable(z.string())),
  createdAt: z.string(),
  updatedAt: z.optional(z.string()),
  items: z.array(ItemSchema),
  shippingAddress: z.optional(
    z.object({
      name: z.string(),
      line1: z.string(),
      line2: z.optional(z.string()),
      city: z.string(),
      postalCode: z.string(),
      country: z.string(),
    }),
  ),
  clientTotalCents: z.optional(z.number()),
  statusHistory: z._default(z.array(StatusEntrySchema), () => []),
});
export type OrderView = z.infer<typeof OrderViewSchema>;

const OrderListSchema = z.object({
  orders: z.array(OrderViewSchema),
  nextCursor: z.optional(z.nullable(z.string())),
});
export type OrderList = z.infer<typeof OrderListSchema>;

const OrderAcceptedSchema = z.object({ orderId: z.string(), status: z.string() });

export interface CreateOrderBody {
  readonly items: readonly OrderItem[];
  readonly shippingAddress: Address;
  readonly payment: { readonly token: string };
  readonly clientTotalCents: number;
}

const ErrorBodySchema = z.object({
  message: z.optional(z.string()),
  problems: z.optional(z.array(z.string())),
});

export interface ApiOptions {
  readonly fetch: typeof fetch;
  /** The signed-in customer's access token, or null when signed out. */
  readonly getAccessToken: () => Promise<string | null>;
}

interface RequestOptions<T> {
  readonly schema: z.ZodMiniType<T>;
  readonly auth?: boolean;
  readonly body?: unknown;
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

export class Api {
  constructor(private readonly options: ApiOptions) {}

  listProducts(signal?: AbortSignal): Promise<Product[]> {
    return this.request('GET', '/api/products', {
      schema: z.object({ products: z.array(ProductSchema) }),
      signal,
    }).then((r) => r.data.products);
  }

  async getProduct(productId: string, signal?: AbortSignal): Promise<Product> {
    const path = `/api/products/${encodeURIComponent(productId)}`;
    return (await this.request('GET', path, { schema: ProductSchema, signal })).data;
  }

  async getCart(signal?: AbortSignal): Promise<Cart> {
    return (await this.request('GET', '/api/cart', { schema: CartSchema, auth: true, signal })).data;
  }

  async putCart(items: readonly OrderItem[]): Promise<Cart> {
    return (await this.request('PUT', '/api/cart', { schema: CartSchema, auth: true, body: { items } })).data;
  }

  /** POST /api/orders; the same idempotency key and body may be sent again safely. */
  async createOrder(body: CreateOrderBody, idempotencyKey: string): Promise<{ orderId: string; status: string }> {
    const { data } = await this.request('POST', '/api/orders', {
      schema: OrderAcceptedSchema,
      auth: true,
      body,
      headers: { 'idempotency-key': idempotencyKey },
    });
    return data;
  }

  async listOrders(cursor?: string, signal?: AbortSignal): Promise<OrderList> {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    return (await this.request('GET', `/api/orders${query}`, { schema: OrderListSchema, auth: true, signal })).data;
  }

  async getOrder(orderId: string, signal?: AbortSignal): Promise<OrderView> {
    const path = `/api/orders/${encodeURIComponent(orderId)}`;
    return (await this.request('GET', path, { schema: OrderViewSchema, auth: true, signal })).data;
  }

  private async request<T>(method: string, path: string, options: RequestOptions<T>): Promise<{ data: T }> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.auth) {
      const token = await this.options.getAccessToken();
      if (!token) throw new ApiError(401, 'Please sign in to continue.');
      headers.authorization = `Bearer ${token}`;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await this.options.fetch(path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
        credentials: 'same-origin',
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiError(0, 'We could not reach the store. Check your connection and try again.');
    }

    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }

    if (!response.ok) {
      const errorBody = ErrorBodySchema.safeParse(json);
      const serverMessage = errorBody.success ? errorBody.data.message : undefined;
      const problems = errorBody.success ? (errorBody.data.problems ?? []) : [];
      throw new ApiError(response.status, describeStatus(response.status, serverMessage), problems);
    }
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError(response.status, 'The store sent an answer we could not understand. Please try again.');
    }
    return { data: parsed.data };
  }
}
