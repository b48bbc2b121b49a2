/**
 * Entry point of the bundle (dist/server.js). `node dist/server.js` (the container) starts the
 * service from the environment and drains on SIGTERM; `require('dist/server.js').startCheckout()`
 * (tests, dev runner, smoke suite) starts the same code in-process.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { BODY_LIMIT_BYTES, createApp, registerRoutes } from './app';
import { disabledCache } from './cache/shared-cache';
import type { Cache } from './cache/shared-cache';
import { createTokenVerifier } from './auth';
import { Catalog } from './catalog';
import { ConfigError, loadConfig } from './config';
import type { CheckoutConfig } from './config';
import { migrate, migrationsDir, openDatabase } from './db';
import type { Database } from './db';
import type { LogDestination } from './logging';
import { defaultSink } from './metrics';
import type { MetricsSink } from './metrics';
import type { OutboxPruner } from './outbox-pruner';
import type { OutboxRelay } from './outbox-relay';
import type { Recommender } from './recommendations';
import { bootstrapMain } from './startup/database-bootstrap';
import { migrationNames, readinessCheck, resourceProbes } from './startup/readiness';
import { drainer, exitOnSignals, logOutput } from './startup/shutdown';
import { openCache, requestServices } from './startup/services';
import { createWorkers, documentClient, sqsClientConfig, startWorkers } from './startup/workers';
import type { StatusConsumer } from './status-consumer';
import { selfSignedCertificate } from './tls';
import { segmentSinkFromEnv } from './tracing';
import type { SegmentSink } from './tracing';

export { BODY_LIMIT_BYTES, ConfigError, loadConfig };
export { CHECKOUT_ENV } from './config';
export { CREATE_ORDER_SQL, requestHash } from './orders';
export { clientConfig as databaseClientConfig } from './db';
export { sqsClientConfig } from './startup/workers';
export { bootstrapDatabase } from './startup/database-bootstrap';
export { grantsSql, loadBootstrapConfig, rolesSql } from './startup/bootstrap-config';

/**
 * The SDK classes this bundle uses (its own copies). Tests mock them with aws-sdk-client-mock:
 * `mockClient(aws.SQSClient).on(aws.SendMessageBatchCommand)...`.
 */
export const aws = {
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  DynamoDBClient,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  KinesisClient,
  PutRecordsCommand,
};

export interface StartOptions {
  /** Variables laid over process.env (the same names the Api stack sets; see CHECKOUT_ENV). */
  readonly env?: Record<string, string | undefined>;
  /** Overrides PORT (0 = a free port). */
  readonly port?: number;
  readonly host?: string;
  /** Where log lines go (default stdout). */
  readonly logStream?: LogDestination;
  /** Where EMF metric lines go. @default defaultSink: the CloudWatch agent (AWS_EMF_AGENT_ENDPOINT), else stdout */
  readonly metricsSink?: MetricsSink;
  /** Where X-Ray segments go (null: nowhere). @default the listener in AWS_XRAY_DAEMON_ADDRESS, else nowhere */
  readonly segmentSink?: SegmentSink | null;
  /** A JWKS to trust without fetching it (still verified against, never a bypass). */
  readonly jwks?: Jwks;
  /** Install SIGTERM/SIGINT handlers that drain and exit (the container entry point does). */
  readonly handleSignals?: boolean;
}

export interface CheckoutHandle {
  /** e.g. http://127.0.0.1:43121 (https:// with TLS_SELF_SIGNED) */
  readonly url: string;
  /** With TLS_SELF_SIGNED: the PEM certificate the service created at start and serves. */
  readonly certificate?: string;
  readonly port: number;
  readonly config: CheckoutConfig;
  readonly app: FastifyInstance;
  readonly db: Database;
  readonly relay: OutboxRelay;
  /** Deletes sent outbox rows past OUTBOX_RETENTION_HOURS (runs every OUTBOX_PRUNE_INTERVAL_MS). */
  readonly pruner: OutboxPruner;
  readonly consumer: StatusConsumer;
  readonly catalog: Catalog;
  /** The shared cache (disabled without CACHE_HOST). */
  readonly cache: Cache;
  readonly recommender: Recommender;
  /** Drains: stops accepting, finishes in-flight requests, stops relay, pruner and consumer, closes pools. */
  close(): Promise<void>;
}

async function applyMigrations(config: CheckoutConfig, dir: string, log: FastifyBaseLogger): Promise<void> {
  if (!config.runMigrations) return;
  const applied = await migrate(config.database, dir, (message) => log.info({ migrations: true }, message));
  log.info({ applied }, applied.length ? 'Migrations applied' : 'Database schema is up to date');
}

/** Listens; returns the bound port and the URL to reach it (loopback for a wildcard host). */
async function listen(
  app: FastifyInstance,
  port: number,
  host: string,
  tls: boolean,
): Promise<{ url: string; port: number }> {
  await app.listen({ port, host });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `${tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${boundPort}`;
  return { url, port: boundPort };
}

/** Where X-Ray segments go: the given sink, none (null), or the listener in the environment. */
function segmentSinkFor(options: StartOptions): SegmentSink | undefined {
  if (options.segmentSink === null) return undefined;
  return options.segmentSink ?? segmentSinkFromEnv({ ...process.env, ...options.env });
}

export async function startCheckout(options: StartOptions = {}): Promise<CheckoutHandle> {
  const config = loadConfig({ ...process.env, ...options.env });
  const logs = logOutput(options.logStream);
  const { logLevel, catalogCacheTtlSeconds } = config;
  const tls = config.tlsSelfSigned ? await selfSignedCertificate() : undefined;
  const app = createApp({ logLevel, logStream: logs.stream, catalogCacheTtlSeconds, tls });
  const log = app.log;
  const db = openDatabase(config.database, (error, role) =>
    log.error({ err: error, role }, 'Idle database client failed'),
  );
  const dir = migrationsDir(config.migrationsDir);
  const expectedMigrations = migrationNames(dir);
  let cache: Cache = disabledCache();
  try {
    await applyMigrations(config, dir, log);
    const metricsSink = options.metricsSink ?? defaultSink;
    cache = await openCache(config, log, metricsSink);
    const ddb = documentClient();
    const services = requestServices(config, ddb, cache, log, metricsSink);
    const { catalog, orderCache, recommender, clickstream } = services;
    const verifier = createTokenVerifier(config.auth, options.jwks);
    const segmentSink = segmentSinkFor(options);
    const workers = createWorkers({ config, db, log, metricsSink, segmentSink, orderCache });
    let draining = false;
    const readiness = readinessCheck(
      db,
      expectedMigrations,
      () => draining,
      log,
      resourceProbes(ddb, new SQSClient(sqsClientConfig()), config),
    );
    const relay = config.outboxRelayEnabled ? workers.relay : undefined;
    registerRoutes(
      app,
      { ...services, db, verifier, relay, readiness, segmentSink, cache },
      { logLevel, catalogCacheTtlSeconds },
    );
    await verifier.warm().catch((error) => log.warn({ err: error }, 'Could not preload the JWKS; will retry on use'));

    const { url, port } = await listen(app, options.port ?? config.port, options.host ?? config.host, !!tls);
    startWorkers(config, workers);
    const { outboxRelayEnabled: relayOn, statusConsumerEnabled: consumer, outboxRetentionHours } = config;
    const flags = { sharedCache: cache.enabled, forwarder: !!clickstream };
    log.info({ url, tls: !!tls, relay: relayOn, consumer, outboxRetentionHours, ...flags }, 'checkout-api listening');

    const close = drainer({ app, db, workers, logs, cache }, () => (draining = true));
    if (options.handleSignals) exitOnSignals(close, log, logs, config.shutdownTimeoutMs);
    return { url, certificate: tls?.cert, port, config, app, db, ...workers, catalog, cache, recommender, close };
  } catch (error) {
    await app.close().catch(() => undefined);
    await cache.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    logs.flush();
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

/** `node dist/server.js bootstrap-database`: the one-off database bootstrap (roles, migrations, grants). */
export const BOOTSTRAP_COMMAND = 'bootstrap-database';

if (require.main === module) {
  if (process.argv[2] === BOOTSTRAP_COMMAND) bootstrapMain();
  else main();
}
