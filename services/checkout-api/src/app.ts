/**
 * The HTTP API (Fastify 5, zod type provider: the contract's zod schemas validate requests).
 *
 *   GET  /api/products, /api/products/:id   public, cached (process + Cache-Control)
 *   GET  /api/cart, PUT /api/cart           the signed-in customer's cart (DynamoDB Carts)
 *   POST /api/orders                        Idempotency-Key; order + outbox row in one transaction
 *   GET  /api/orders, /api/orders/:id       the customer's own orders with their status history
 *   GET  /api/health/live, /api/health/ready
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ORDER_SCHEMA_VERSION, parseOrder } from '@securecart/contracts/order';
import type { Order } from '@securecart/contracts/order';
import { parseTraceHeader, renderTraceHeader } from '@securecart/contracts/tracing';
import type { TraceContext } from '@securecart/contracts/tracing';
import { AuthError, bearerToken } from './auth';
import type { TokenVerifier } from './auth';
import type { Carts } from './carts';
import type { Catalog } from './catalog';
import type { Database } from './db';
import { genReqId, loggerOptions } from './logging';
import type { LogDestination } from './logging';
import { newSegmentId, segment } from './metrics';
import type { SegmentSink } from './metrics';
import { createOrder, decodeCursor, getOrder, listOrders, requestHash } from './orders';
import type { OutboxRelay } from './outbox-relay';
import {
  CartBodySchema,
  CreateOrderBodySchema,
  IDEMPOTENCY_KEY_PATTERN,
  ListOrdersQuerySchema,
  OrderIdParamsSchema,
  ProductIdParamsSchema,
} from './schemas';

/** Request bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 256 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    customerId: string;
    /** What POST /api/orders did, for the request's access line (see QuietIncomingLogController). */
    orderOutcome: OrderOutcome | null;
    /** The X-Ray trace API Gateway sent (X-Amzn-Trace-Id), with this request's segment; null without one. */
    trace: RequestTrace | null;
  }
}

interface RequestTrace extends TraceContext {
  /** This request's segment: the parent of what the order does next when it is recorded. */
  readonly segmentId: string;
  /** Sampled, and there is somewhere to send the segment (the agent's X-Ray listener). */
  readonly recorded: boolean;
  readonly startTime: number;
}

/** Carried by the access line of an order request: which order, and whether it was created now. */
interface OrderOutcome {
  readonly orderId: string;
  readonly outcome: 'created' | 'replayed' | 'conflict';
  readonly items?: number;
}

export interface AppDependencies {
  readonly logLevel: string;
  readonly logStream?: LogDestination;
  readonly catalogCacheTtlSeconds: number;
}

export interface AppServices {
  readonly db: Database;
  readonly catalog: Catalog;
  readonly carts: Carts;
  readonly verifier: TokenVerifier;
  readonly relay?: OutboxRelay;
  readonly readiness: () => Promise<{ ok: boolean; reason?: string }>;
  /** Where the segments of traced requests go (the agent's X-Ray listener); none: not recorded. */
  readonly segmentSink?: SegmentSink;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function sendError(reply: FastifyReply, statusCode: number, message: string, extra: Record<string, unknown> = {}) {
  return reply.status(statusCode).send({ statusCode, error: STATUS_NAMES[statusCode] ?? 'Error', message, ...extra });
}

/**
 * One access line per request ("request completed": request id, route, status, time; for an order
 * request also the order id and what happened to it: created, replayed or conflict) instead of
 * two or three: the "incoming request" line adds nothing the completion line lacks, and a
 * separate "order accepted" line would only repeat it (each line costs serialization, redaction
 * and a write on the request path).
 */
class QuietIncomingLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const order = request.orderOutcome;
    const line = order
      ? { req: request, res: reply, responseTime: reply.elapsedTime, ...order }
      : { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/** Creates the Fastify instance (logger, parsers, error handling); routes come from `registerRoutes`. */
export function createApp(deps: AppDependencies): FastifyInstance {
  const app = Fastify({
    logger: loggerOptions(deps.logLevel, deps.logStream),
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId,
    logController: new QuietIncomingLogController({ requestIdLogLabel: 'requestId' }),
    trustProxy: true,
    return503OnClosing: true,
    // Do not echo request bodies or stack traces in responses; the handler below shapes errors.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('customerId', '');
  app.decorateRequest('orderOutcome', null);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const problems = error.validation.map(
        (v) => `${[where, ...v.instancePath.split('/').filter(Boolean)].join('.')}: ${v.message}`,
      );
      request.log.info({ problems }, 'Request rejected: validation failed');
      return sendError(reply, 400, problems.join('; '), { problems });
    }
    if (error instanceof HttpError) {
      request.log.info({ statusCode: error.statusCode }, error.message);
      return sendError(reply, error.statusCode, error.message);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, wrong content type, ...).
      request.log.info({ code: error.code, statusCode: status }, 'Request rejected');
      return sendError(reply, status, error.message);
    }
    request.log.error({ err: error }, 'Request failed');
    return sendError(reply, status >= 500 && status < 600 ? status : 500, 'Internal Server Error');
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `Route ${request.method} ${request.url.split('?')[0]} not found`),
  );

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    // Only responses that say so may be cached (by CloudFront or anyone else).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  return app;
}

/**
 * Continues the trace API Gateway started: a segment per traced request (sampled: recorded), and
 * `request.trace` for the order's outbox row. A malformed header is ignored, never echoed.
 */
function registerTracing(app: FastifyInstance, segmentSink: SegmentSink | undefined): void {
  app.decorateRequest('trace', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers['x-amzn-trace-id'];
    const trace = parseTraceHeader(typeof header === 'string' ? header : undefined);
    if (trace) {
      const recorded = trace.sampled && segmentSink !== undefined;
      request.trace = { ...trace, segmentId: newSegmentId(), recorded, startTime: Date.now() / 1000 };
    }
  });
  if (!segmentSink) return;
  app.addHook('onResponse', async (request, reply) => {
    const trace = request.trace;
    if (!trace?.recorded) return;
    const status = reply.statusCode;
    const order = request.orderOutcome;
    try {
      segmentSink(
        segment(trace, trace.segmentId, trace.startTime, {
          http: {
            request: { method: request.method, url: request.url.split('?')[0] },
            response: { status },
          },
          annotations: {
            operation: `${request.method} ${request.routeOptions.url ?? 'unmatched'}`,
            ...(order ? { orderId: order.orderId, outcome: order.outcome } : {}),
          },
          ...(status >= 500
            ? { fault: true }
            : status === 429
              ? { throttle: true }
              : status >= 400
                ? { error: true }
                : {}),
        }),
      );
    } catch (error) {
      request.log.warn({ err: error }, 'Could not send the trace segment');
    }
  });
}

/** The trace header the order carries on: this request's segment as parent when it is recorded. */
function orderTraceHeader(trace: RequestTrace | null): string | undefined {
  if (!trace) return undefined;
  return renderTraceHeader({
    traceId: trace.traceId,
    parentId: trace.recorded ? trace.segmentId : trace.parentId,
    sampled: trace.sampled,
  });
}

export function registerRoutes(app: FastifyInstance, services: AppServices, deps: AppDependencies): void {
  const { db, catalog, carts, verifier, relay } = services;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const publicCache = `public, max-age=${deps.catalogCacheTtlSeconds}`;
  registerTracing(app, services.segmentSink);

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(401, 'A bearer token is required');
    }
    try {
      request.customerId = (await verifier.verify(token)).customerId;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      request.log.info({ reason: error.message }, 'Token rejected');
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new HttpError(401, 'The bearer token is not valid');
    }
  };

  // --- health ---------------------------------------------------------------------------------
  r.get('/api/health/live', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  r.get('/api/health/ready', { logLevel: 'warn' }, async (_request, reply) => {
    const { ok, reason } = await services.readiness();
    if (!ok) return reply.status(503).send({ status: 'unavailable', reason });
    return { status: 'ready' };
  });

  // --- catalog (public) -------------------------------------------------------------------------
  r.get('/api/products', async (_request, reply) => {
    const products = await catalog.list();
    reply.header('cache-control', publicCache);
    return { products };
  });
  r.get('/api/products/:id', { schema: { params: ProductIdParamsSchema } }, async (request, reply) => {
    const product = await catalog.get(request.params.id);
    reply.header('cache-control', publicCache);
    if (!product) throw new HttpError(404, 'Product not found');
    return product;
  });

  // --- cart ---------------------------------------------------------------------------------------
  r.get('/api/cart', { onRequest: authenticate }, async (request) => carts.get(request.customerId));
  r.put('/api/cart', { onRequest: authenticate, schema: { body: CartBodySchema } }, async (request) =>
    carts.put(request.customerId, request.body.items),
  );

  // --- orders -------------------------------------------------------------------------------------
  r.post(
    '/api/orders',
    { onRequest: authenticate, schema: { body: CreateOrderBodySchema } },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
        throw new HttpError(
          400,
          'headers.idempotency-key: required, 8 to 128 characters from A-Z, a-z, 0-9, "_" and "-" (a UUID fits)',
        );
      }
      const body = request.body;
      const candidate: Order = {
        schemaVersion: ORDER_SCHEMA_VERSION,
        orderId: randomUUID(),
        customerId: request.customerId,
        createdAt: new Date().toISOString(),
        currency: 'USD',
        items: body.items,
        shippingAddress: body.shippingAddress,
        payment: { token: body.payment.token },
        ...(body.clientTotalCents === undefined ? {} : { clientTotalCents: body.clientTotalCents }),
      };
      // The full contract order, validated exactly as start-fulfillment will validate it.
      const parsed = parseOrder(candidate);
      if (!parsed.ok) {
        request.log.error({ problems: parsed.problems }, 'Built an order that fails the contract');
        throw new HttpError(500, 'Internal Server Error');
      }
      const result = await createOrder(
        db.writer,
        parsed.order,
        key,
        requestHash(body),
        orderTraceHeader(request.trace),
      );
      // Logged once, on the access line: { orderId, outcome: created | replayed | conflict }.
      request.orderOutcome =
        result.kind === 'created'
          ? { orderId: result.orderId, outcome: 'created', items: parsed.order.items.length }
          : { orderId: result.orderId, outcome: result.kind };
      if (result.kind === 'conflict') {
        throw new HttpError(409, 'This Idempotency-Key was already used with a different request body');
      }
      if (result.kind === 'created') {
        relay?.wake();
      } else {
        reply.header('idempotent-replayed', 'true');
      }
      reply.header('location', `/api/orders/${result.orderId}`);
      return reply.status(202).send({ orderId: result.orderId, status: 'PENDING' });
    },
  );

  r.get('/api/orders', { onRequest: authenticate, schema: { querystring: ListOrdersQuerySchema } }, async (request) => {
    const { limit = 20, cursor } = request.query;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !after) throw new HttpError(400, 'querystring.cursor: not a cursor this API issued');
    return listOrders(db.reader, request.customerId, limit, after);
  });

  r.get('/api/orders/:id', { onRequest: authenticate, schema: { params: OrderIdParamsSchema } }, async (request) => {
    const { id } = request.params;
    // The replica may lag a just-created order: a miss there is checked on the writer.
    const order =
      (await getOrder(db.reader, request.customerId, id)) ??
      (db.hasReader ? await getOrder(db.writer, request.customerId, id) : undefined);
    // Another customer's order is indistinguishable from one that does not exist.
    if (!order) throw new HttpError(404, 'Order not found');
    return order;
  });
}
