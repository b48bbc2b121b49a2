/**
 * The HTTP API (Fastify 5, zod type provider): the routes of contracts/http-api.ts (HTTP_API),
 * one plugin per route group.
 *
 *   routes/catalog.ts  GET  /api/products, /api/products/{id}   public, cached
 *   routes/recommendations.ts  GET /api/products/{id}/recommendations, /api/recommendations/popular
 *   routes/events.ts   POST /api/events   local runs only (the stand-in for API Gateway's Kinesis integration)
 *   routes/cart.ts     GET, PUT /api/cart                       the signed-in customer's cart
 *   routes/orders.ts   POST /api/orders, GET /api/orders, /api/orders/{id}
 *   routes/health.ts   GET  /api/health/live, /api/health/ready, /api/health/relay (internal)
 *
 * and the app-wide plugins: plugins/logging-and-errors.ts (access line, error answers, response
 * headers), plugins/json-body.ts (strict JSON bodies), plugins/tracing.ts (X-Ray),
 * plugins/authentication.ts (bearer tokens).
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { API_LIMITS, withoutStagePrefix } from '@securecart/contracts/http-api';
import type { TokenVerifier } from './auth';
import type { CartReminderSender } from './cart-reminders';
import type { Cache } from './cache/cache';
import type { OrderCache } from './cache/order-cache';
import type { OrderRateLimit } from './cache/rate-limit';
import type { AuthFailureMonitor } from './auth-failures';
import type { Carts } from './carts';
import type { Catalog } from './catalog';
import type { Database } from './db';
import { genReqId, loggerOptions } from './logging';
import type { LogDestination } from './logging';
import type { MetricsSink } from './metrics';
import type { OutboxRelay } from './outbox-relay';
import { authFailures } from './plugins/auth-failures';
import { authentication } from './plugins/authentication';
import { jsonBody } from './plugins/json-body';
import { AccessLogController, loggingAndErrors } from './plugins/logging-and-errors';
import { tracing } from './plugins/tracing';
import { cartRoutes } from './routes/cart';
import { catalogRoutes } from './routes/catalog';
import { eventRoutes } from './routes/events';
import type { Readiness } from './routes/health';
import { healthRoutes } from './routes/health';
import { orderRoutes } from './routes/orders';
import { recommendationRoutes } from './routes/recommendations';
import type { Recommender } from './recommendations';
import type { ServerCertificate } from './tls';
import type { SegmentSink } from './tracing';

/** Request bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = API_LIMITS.maxBodyBytes;

export interface AppDependencies {
  readonly logLevel: string;
  readonly logStream?: LogDestination;
  readonly catalogCacheTtlSeconds: number;
  /** Serve HTTPS with this key and certificate (TLS 1.2 or later) instead of plain HTTP. */
  readonly tls?: ServerCertificate;
}

export interface AppServices {
  readonly db: Database;
  readonly catalog: Catalog;
  readonly carts: Carts;
  /** The delayed abandoned-cart reminders (none without a queue). */
  readonly reminders?: CartReminderSender;
  /** Where the request path's own metrics go (a cart not marked as ordered). */
  readonly metrics?: { readonly namespace: string; readonly sink: MetricsSink };
  readonly recommender: Recommender;
  /**
   * Local runs: POST /api/events puts batches into this stream (CHECKOUT_ENV.clickstreamStreamName).
   * Absent in the cloud, where API Gateway's Kinesis integration answers that route.
   */
  readonly clickstream?: { readonly kinesis: KinesisClient; readonly streamName: string };
  readonly verifier: TokenVerifier;
  readonly relay?: OutboxRelay;
  /** The shared cache (ADR 26): `cacheAside` for any read (disabled without CACHE_HOST). */
  readonly cache: Cache;
  readonly orderCache: OrderCache;
  readonly rateLimit: OrderRateLimit;
  readonly readiness: () => Promise<Readiness>;
  /** Where the segments of traced requests go (the agent's X-Ray listener); none: not recorded. */
  readonly segmentSink?: SegmentSink;
  /** Counts 401s and 403s and reports repeated ones to the audit account (ADR 28); none: not counted. */
  readonly authFailures?: AuthFailureMonitor;
}

/** Creates the Fastify instance (logger, parsers, error handling); routes come from `registerRoutes`. */
export function createApp(deps: AppDependencies): FastifyInstance {
  // Fastify types an HTTPS instance apart; the routes and plugins are the same for both.
  const https = deps.tls ? { https: { key: deps.tls.key, cert: deps.tls.cert, minVersion: 'TLSv1.2' as const } } : {};
  const app = Fastify({
    ...https,
    logger: loggerOptions(deps.logLevel, deps.logStream),
    bodyLimit: API_LIMITS.maxBodyBytes,
    genReqId,
    logController: new AccessLogController({ requestIdLogLabel: 'requestId' }),
    trustProxy: true,
    return503OnClosing: true,
    // Do not echo request bodies or stack traces in responses; the error handler shapes errors.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { maxParamLength: API_LIMITS.maxParamLength },
    // API Gateway may send the stage in a private integration's path (`/live/api/...`): routed,
    // logged and traced as `/api/...`; only that one segment is accepted (ADR 23).
    rewriteUrl: (req) => withoutStagePrefix(req.url ?? '/'),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.register(loggingAndErrors);
  app.register(jsonBody);
  return app;
}

/** The app-wide plugins and every route of HTTP_API. */
export function registerRoutes(app: FastifyInstance, services: AppServices, deps: AppDependencies): void {
  const { db, catalog, carts, recommender, clickstream, verifier, relay, readiness } = services;
  app.register(tracing, { segmentSink: services.segmentSink });
  app.register(authentication, { verifier });
  if (services.authFailures) app.register(authFailures, { monitor: services.authFailures });
  app.register(healthRoutes, { readiness, relay });
  app.register(catalogRoutes, { catalog, catalogCacheTtlSeconds: deps.catalogCacheTtlSeconds });
  app.register(recommendationRoutes, { recommender, catalogCacheTtlSeconds: deps.catalogCacheTtlSeconds });
  if (clickstream) app.register(eventRoutes, clickstream);
  app.register(cartRoutes, { carts, reminders: services.reminders });
  app.register(orderRoutes, {
    db,
    relay,
    orderCache: services.orderCache,
    rateLimit: services.rateLimit,
    carts,
    metrics: services.metrics,
  });
}
