/**
 * Orders: POST /api/orders (Idempotency-Key; the order and its outbox row in one transaction) and
 * GET /api/orders, /api/orders/{id} (the customer's own orders with their status history).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { API_LIMITS, IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_PATTERN } from '@securecart/contracts/http-api';
import type { CreateOrderBody } from '@securecart/contracts/http-api';
import { ORDER_SCHEMA_VERSION, parseOrder } from '@securecart/contracts/order';
import type { Order } from '@securecart/contracts/order';
import { markCartOrdered } from '../cart-reminders';
import type { Carts } from '../carts';
import { cachedOrder } from '../cache/order-cache';
import type { OrderCache } from '../cache/order-cache';
import type { OrderRateLimit } from '../cache/rate-limit';
import type { Database } from '../db';
import type { MetricsSink } from '../metrics';
import { HttpError } from '../http-error';
import { createOrder, decodeCursor, getOrder, listOrders, requestHash } from '../orders';
import type { CreateResult } from '../orders';
import type { OrderRequestResult } from '../plugins/logging-and-errors';
import { orderTraceHeader } from '../plugins/tracing';
import { contractRoute } from './contract-route';
import type { ContractRequest } from './contract-route';

export interface OrderRoutesOptions {
  readonly db: Database;
  /** Woken after an order commits (when the relay runs in this process). */
  readonly relay?: { wake(): void };
  /** GET /api/orders/{id} through the shared cache (cache/order-cache.ts). */
  readonly orderCache: OrderCache;
  /** The per-customer limit of POST /api/orders (cache/rate-limit.ts). */
  readonly rateLimit: OrderRateLimit;
  /** A created order marks the customer's cart as ordered (its pending reminder is dropped; docs/adr/0030). */
  readonly carts?: Pick<Carts, 'markOrdered'>;
  /** Where the failure to mark the cart is counted. */
  readonly metrics?: { readonly namespace: string; readonly sink: MetricsSink };
}

function idempotencyKey(request: ContractRequest<'createOrder'>): string {
  const key = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new HttpError(
      400,
      `headers.${IDEMPOTENCY_KEY_HEADER}: required, 8 to 128 characters from A-Z, a-z, 0-9, "_" and "-" (a UUID fits)`,
    );
  }
  return key;
}

/** The full contract order, validated exactly as start-fulfillment will validate it. */
function buildOrder(customerId: string, body: CreateOrderBody, log: FastifyBaseLogger): Order {
  const candidate: Order = {
    schemaVersion: ORDER_SCHEMA_VERSION,
    orderId: randomUUID(),
    customerId,
    createdAt: new Date().toISOString(),
    currency: 'USD',
    items: body.items,
    shippingAddress: body.shippingAddress,
    payment: { token: body.payment.token },
    ...(body.clientTotalCents === undefined ? {} : { clientTotalCents: body.clientTotalCents }),
  };
  const parsed = parseOrder(candidate);
  if (!parsed.ok) {
    log.error({ problems: parsed.problems }, 'Built an order that fails the contract');
    throw new HttpError(500, 'Internal Server Error');
  }
  return parsed.order;
}

/** Logged once, on the access line: { orderId, result: created | replayed | conflict }. */
function requestResult(created: CreateResult, order: Order): OrderRequestResult {
  return created.kind === 'created'
    ? { orderId: created.orderId, result: 'created', items: order.items.length }
    : { orderId: created.orderId, result: created.kind };
}

export const orderRoutes: FastifyPluginAsync<OrderRoutesOptions> = async (app, options) => {
  const { db, relay, orderCache, rateLimit, carts, metrics } = options;
  contractRoute(app, 'createOrder', async (request, reply) => {
    const key = idempotencyKey(request);
    const decision = await rateLimit.admit(request.customerId);
    if (!decision.allowed) {
      reply.header('retry-after', String(decision.retryAfterSeconds));
      throw new HttpError(429, 'Too many orders: try again later');
    }
    const body = request.body;
    const order = buildOrder(request.customerId, body, request.log);
    const result = await createOrder(db.writer, order, key, requestHash(body), orderTraceHeader(request.trace));
    request.orderRequest = requestResult(result, order);
    if (result.kind === 'conflict') {
      throw new HttpError(409, 'This Idempotency-Key was already used with a different request body');
    }
    if (result.kind === 'created') {
      relay?.wake();
      if (carts && metrics) await markCartOrdered(carts, request.customerId, request.log, metrics);
    } else reply.header('idempotent-replayed', 'true');
    reply.header('location', `/api/orders/${result.orderId}`);
    return { orderId: result.orderId, status: 'PENDING' };
  });

  contractRoute(app, 'listOrders', async (request) => {
    const { limit = API_LIMITS.defaultPageSize, cursor } = request.query;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !after) throw new HttpError(400, 'querystring.cursor: not a cursor this API issued');
    return listOrders(db.reader, request.customerId, limit, after);
  });

  contractRoute(app, 'getOrder', async (request) => {
    const { id } = request.params;
    // The replica may lag a just-created order: a miss there is checked on the writer.
    const order = await cachedOrder(
      orderCache,
      request.customerId,
      id,
      async () =>
        (await getOrder(db.reader, request.customerId, id)) ??
        (db.hasReader ? await getOrder(db.writer, request.customerId, id) : undefined),
    );
    // Another customer's order is indistinguishable from one that does not exist.
    if (!order) throw new HttpError(404, 'Order not found');
    return order;
  });
};
