/**
 * What the routes use besides the database and the verifier, built from the configuration: the
 * catalog and the order views through the shared cache, the order rate limit, the carts and their
 * delayed reminders, the recommendations (and, locally, the clickstream forwarder's client), and
 * the repeated-authorisation-failure reports.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { FastifyBaseLogger } from 'fastify';
import type { AppServices } from '../app';
import { AuthFailureMonitor, eventBridgeReporter } from '../auth-failures';
import { CachedAffinityCounts } from '../cache/affinity-cache';
import type { OrderCache } from '../cache/order-cache';
import { OrderRateLimit } from '../cache/rate-limit';
import { disabledCache, SharedCache } from '../cache/shared-cache';
import type { Cache } from '../cache/shared-cache';
import { CartReminders } from '../cart-reminders';
import { Carts } from '../carts';
import { Catalog } from '../catalog';
import type { CheckoutConfig } from '../config';
import type { MetricsSink } from '../metrics';
import { DynamoAffinityCounts, Recommender } from '../recommendations';
import { sqsClientConfig } from './workers';

/**
 * The delayed abandoned-cart reminders (docs/adr/0030), when the configuration names their queue,
 * and where the request path counts its own failures (a cart not marked as ordered).
 */
function cartReminders(config: CheckoutConfig, sink: MetricsSink): Pick<AppServices, 'reminders' | 'metrics'> {
  const metrics = { namespace: config.metricsNamespace, sink };
  if (!config.cartRemindersQueueUrl) return { metrics };
  const reminders = new CartReminders({
    sqs: new SQSClient(sqsClientConfig()),
    queueUrl: config.cartRemindersQueueUrl,
    delaySeconds: config.cartReminderDelaySeconds,
    metricsNamespace: config.metricsNamespace,
    metricsSink: sink,
  });
  return { reminders, metrics };
}

/** The shared cache of CACHE_HOST (connecting in the background), else the disabled one. */
export async function openCache(config: CheckoutConfig, log: FastifyBaseLogger, sink: MetricsSink): Promise<Cache> {
  if (!config.cache) return disabledCache();
  const metrics = { sink, namespace: config.metricsNamespace, intervalMs: config.metricsIntervalMs };
  return SharedCache.connect(config.cache, log.child({ component: 'shared-cache' }), metrics);
}

/** The catalog (its refreshes go through the shared cache) and the cache's order uses. */
function cachedReads(config: CheckoutConfig, ddb: DynamoDBDocumentClient, cache: Cache, log: FastifyBaseLogger) {
  const onStale = (error: unknown) => log.warn({ err: error }, 'Catalog refresh failed; serving the cached copy');
  return {
    catalog: new Catalog(ddb, config.catalogTable, config.catalogCacheTtlSeconds * 1000, onStale, cache),
    orderCache: { cache, ttlSeconds: config.orderCacheTtlSeconds } satisfies OrderCache,
    rateLimit: new OrderRateLimit(cache, config.orderRateLimit),
  };
}

/**
 * The recommendations (ProductAffinity when configured, read through the shared cache, else empty
 * lists) and, in local runs with CLICKSTREAM_STREAM_NAME, the forwarder's Kinesis client.
 */
function clickstreamServices(config: CheckoutConfig, ddb: DynamoDBDocumentClient, catalog: Catalog, cache: Cache) {
  const affinity = config.productAffinityTable
    ? new CachedAffinityCounts(
        new DynamoAffinityCounts(ddb, config.productAffinityTable),
        cache,
        Math.max(1, config.catalogCacheTtlSeconds),
      )
    : null;
  const recommender = new Recommender(affinity, catalog);
  // HTTP/1.1: the Kinesis client's default handler speaks HTTP/2, which a local endpoint over plain HTTP refuses.
  const clickstream = config.clickstreamStreamName
    ? {
        kinesis: new KinesisClient({ requestHandler: new NodeHttpHandler() }),
        streamName: config.clickstreamStreamName,
      }
    : undefined;
  return { recommender, clickstream };
}

/** Repeated 401s/403s reported to the audit account (ADR 28), where the bus is configured. */
function authFailureMonitor(config: CheckoutConfig, log: FastifyBaseLogger): AuthFailureMonitor | undefined {
  if (!config.eventBusName) return undefined;
  return new AuthFailureMonitor(
    eventBridgeReporter(new EventBridgeClient({}), config.eventBusName, (error) =>
      log.error({ err: error }, 'Compliance event not sent (repeated authorisation failures)'),
    ),
  );
}

/** Everything above, for registerRoutes. */
export function requestServices(
  config: CheckoutConfig,
  ddb: DynamoDBDocumentClient,
  cache: Cache,
  log: FastifyBaseLogger,
  metricsSink: MetricsSink,
) {
  const { catalog, orderCache, rateLimit } = cachedReads(config, ddb, cache, log);
  const carts = new Carts(ddb, config.cartsTable, config.cartTtlDays);
  const { recommender, clickstream } = clickstreamServices(config, ddb, catalog, cache);
  const authFailures = authFailureMonitor(config, log);
  return {
    catalog,
    orderCache,
    rateLimit,
    carts,
    recommender,
    clickstream,
    authFailures,
    ...cartReminders(config, metricsSink),
  };
}
