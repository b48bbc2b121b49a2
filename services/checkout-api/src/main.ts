/**
 * Entry point of the bundle (dist/server.js). `node dist/server.js` (the container) starts the
 * service from the environment and drains on SIGTERM; `require('dist/server.js').startCheckout()`
 * (tests, dev runner, smoke suite) starts the same code in-process.
 */
import { readdirSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { BODY_LIMIT_BYTES, createApp, registerRoutes } from './app';
import { createTokenVerifier } from './auth';
import { Carts } from './carts';
import { Catalog } from './catalog';
import { ConfigError, loadConfig } from './config';
import type { CheckoutConfig } from './config';
import { appliedMigrations, migrate, migrationsDir, openDatabase } from './db';
import type { Database } from './db';
import type { LogDestination } from './logging';
import { defaultSink, segmentSinkFromEnv } from './metrics';
import type { MetricsSink, SegmentSink } from './metrics';
import { OutboxPruner } from './outbox-pruner';
import { OutboxRelay } from './outbox-relay';
import { StatusConsumer } from './status-consumer';

export { BODY_LIMIT_BYTES, ConfigError, loadConfig };
export { CHECKOUT_ENV } from './config';
export { CREATE_ORDER_SQL, requestHash } from './orders';
export { clientConfig as databaseClientConfig } from './db';

/**
 * The SDK classes this bundle uses (its own copies). Tests mock them with aws-sdk-client-mock:
 * `mockClient(aws.SQSClient).on(aws.SendMessageBatchCommand)...`.
 */
export const aws = {
  SQSClient,
  SendMessageBatchCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  DynamoDBClient,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
};

/**
 * SQS client settings. By default the SDK sends each request to the host named in its queue URL;
 * with an endpoint configured (AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_SQS: LocalStack, an emulator)
 * requests go to that endpoint instead, whatever host the queue URLs name (an emulator's outputs
 * may name sqs.<region>.amazonaws.com). On AWS neither variable is set and nothing changes.
 */
export function sqsClientConfig(env: Record<string, string | undefined> = process.env): SQSClientConfig {
  return { useQueueUrlAsEndpoint: !(env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL) };
}

export interface StartOptions {
  /** Variables laid over process.env (the same names the Api stack sets; see CHECKOUT_ENV). */
  readonly env?: Record<string, string | undefined>;
  /** Overrides PORT (0 = a free port). */
  readonly port?: number;
  readonly host?: string;
  /** Where log lines go (default stdout). */
  readonly logStream?: LogDestination;
  /** Where EMF metric lines go (default stdout). */
  readonly metricsSink?: MetricsSink;
  /** Where X-Ray segments go (null: nowhere). @default the listener in AWS_XRAY_DAEMON_ADDRESS, else nowhere */
  readonly segmentSink?: SegmentSink | null;
  /** A JWKS to trust without fetching it (still verified against, never a bypass). */
  readonly jwks?: Jwks;
  /** Install SIGTERM/SIGINT handlers that drain and exit (the container entry point does). */
  readonly handleSignals?: boolean;
}

export interface CheckoutHandle {
  /** e.g. http://127.0.0.1:43121 */
  readonly url: string;
  readonly port: number;
  readonly config: CheckoutConfig;
  readonly app: FastifyInstance;
  readonly db: Database;
  readonly relay: OutboxRelay;
  /** Deletes sent outbox rows past OUTBOX_RETENTION_HOURS (runs every OUTBOX_PRUNE_INTERVAL_MS). */
  readonly pruner: OutboxPruner;
  readonly consumer: StatusConsumer;
  readonly catalog: Catalog;
  /** Drains: stops accepting, finishes in-flight requests, stops relay, pruner and consumer, closes pools. */
  close(): Promise<void>;
}

function migrationNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''))
    .sort();
}

export async function startCheckout(options: StartOptions = {}): Promise<CheckoutHandle> {
  const config = loadConfig({ ...process.env, ...options.env });
  // stdout, written asynchronously (concurrent lines coalesce into one write): a synchronous
  // write per line costs a syscall per line on the request path. Flushed when draining.
  const stdout = options.logStream ? undefined : pino.destination({ dest: 1, sync: false });
  const flushLogs = () => {
    try {
      stdout?.flushSync();
    } catch {
      // not open yet: nothing buffered
    }
  };
  const app = createApp({
    logLevel: config.logLevel,
    logStream: options.logStream ?? stdout,
    catalogCacheTtlSeconds: config.catalogCacheTtlSeconds,
  });
  const log = app.log;
  const db = openDatabase(config.database, (error, role) =>
    log.error({ err: error, role }, 'Idle database client failed'),
  );
  const dir = migrationsDir(config.migrationsDir);
  const expectedMigrations = migrationNames(dir);

  try {
    if (config.runMigrations) {
      const applied = await migrate(config.database, dir, (message) => log.info({ migrations: true }, message));
      log.info({ applied }, applied.length ? 'Migrations applied' : 'Database schema is up to date');
    }

    const sqs = new SQSClient(sqsClientConfig());
    const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const catalog = new Catalog(ddb, config.catalogTable, config.catalogCacheTtlSeconds * 1000, (error) =>
      log.warn({ err: error }, 'Catalog refresh failed; serving the cached copy'),
    );
    const carts = new Carts(ddb, config.cartsTable, config.cartTtlDays);
    const verifier = createTokenVerifier(config.auth, options.jwks);
    // What every background worker gets: the writer pool, the metrics destination, its own logger.
    const metricsSink = options.metricsSink ?? defaultSink;
    const segmentSink =
      options.segmentSink === null
        ? undefined
        : (options.segmentSink ?? segmentSinkFromEnv({ ...process.env, ...options.env }));
    const worker = (component: string) => ({
      pool: db.writer,
      metricsNamespace: config.metricsNamespace,
      metricsSink,
      log: log.child({ component }),
    });
    const relay = new OutboxRelay({
      ...worker('outbox-relay'),
      segmentSink,
      sqs,
      queueUrl: config.ordersQueueUrl,
      batchSize: config.outboxBatchSize,
      pollIntervalMs: config.outboxPollIntervalMs,
      metricsIntervalMs: config.metricsIntervalMs,
    });
    const pruner = new OutboxPruner({
      ...worker('outbox-pruner'),
      retentionHours: config.outboxRetentionHours,
      batchSize: config.outboxPruneBatchSize,
      intervalMs: config.outboxPruneIntervalMs,
    });
    const consumer = new StatusConsumer({
      ...worker('status-consumer'),
      segmentSink,
      sqs,
      queueUrl: config.orderStatusQueueUrl,
      waitTimeSeconds: config.statusConsumerWaitSeconds,
    });

    let draining = false;
    let migrationsVerified = false;
    const readiness = async (): Promise<{ ok: boolean; reason?: string }> => {
      if (draining) return { ok: false, reason: 'draining' };
      try {
        const check = async () => {
          await db.writer.query('SELECT 1');
          if (!migrationsVerified) {
            const applied = new Set(
              await appliedMigrations(db.writer).catch((error: { code?: string }) => {
                if (error.code === '42P01') return []; // no migrations table yet
                throw error;
              }),
            );
            const missing = expectedMigrations.filter((m) => !applied.has(m));
            if (missing.length) return { ok: false, reason: `migrations not applied: ${missing.join(', ')}` };
            migrationsVerified = true;
          }
          return { ok: true };
        };
        return await Promise.race([
          check(),
          new Promise<{ ok: false; reason: string }>((resolve) =>
            setTimeout(() => resolve({ ok: false, reason: 'database timeout' }), 2000).unref(),
          ),
        ]);
      } catch (error) {
        log.warn({ err: error }, 'Readiness check failed');
        return { ok: false, reason: 'database unreachable' };
      }
    };

    registerRoutes(
      app,
      { db, catalog, carts, verifier, relay: config.outboxRelayEnabled ? relay : undefined, readiness, segmentSink },
      { logLevel: config.logLevel, catalogCacheTtlSeconds: config.catalogCacheTtlSeconds },
    );
    await verifier.warm().catch((error) => log.warn({ err: error }, 'Could not preload the JWKS; will retry on use'));

    const port = options.port ?? config.port;
    const host = options.host ?? config.host;
    await app.listen({ port, host });
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${boundPort}`;
    if (config.outboxRelayEnabled) relay.start();
    pruner.start();
    if (config.statusConsumerEnabled) consumer.start();
    log.info(
      {
        url,
        relay: config.outboxRelayEnabled,
        consumer: config.statusConsumerEnabled,
        outboxRetentionHours: config.outboxRetentionHours,
      },
      'checkout-api listening',
    );

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        draining = true;
        log.info('Draining: no new connections, finishing in-flight requests');
        // Keep-alive connections that finish a request while closing are closed as soon as they
        // are idle (otherwise app.close() waits for their keep-alive timeout).
        const idleSweep = setInterval(() => app.server.closeIdleConnections(), 50);
        try {
          await Promise.all([app.close(), relay.stop(), pruner.stop(), consumer.stop()]);
        } finally {
          clearInterval(idleSweep);
        }
        await db.close();
        log.info('Drained');
        flushLogs();
      })());

    if (options.handleSignals) {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          log.info({ signal }, 'Shutting down');
          const timer = setTimeout(() => {
            log.error('Drain timed out; exiting');
            flushLogs();
            process.exit(1);
          }, config.shutdownTimeoutMs);
          timer.unref();
          close().then(
            () => process.exit(0),
            (error) => {
              log.error({ err: error }, 'Drain failed');
              flushLogs();
              process.exit(1);
            },
          );
        });
      }
    }
    return { url, port: boundPort, config, app, db, relay, pruner, consumer, catalog, close };
  } catch (error) {
    await app.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    flushLogs();
    throw error;
  }
}

/** The container's entry: start from the environment; a bad configuration exits 1 with every problem listed. */
export function main(): void {
  startCheckout({ handleSignals: true }).catch((error: unknown) => {
    const message = error instanceof ConfigError ? error.message : `checkout-api failed to start: ${String(error)}`;
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', service: 'checkout-api', time: new Date().toISOString(), message, ...(error instanceof Error && !(error instanceof ConfigError) ? { stack: error.stack } : {}) })}\n`,
    );
    process.exit(1);
  });
}

if (require.main === module) main();
