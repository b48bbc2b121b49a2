/**
 * The service's whole configuration, read once from the environment. Every problem is reported
 * at once, by variable name, so a bad task definition fails at start-up with one clear message.
 */
import { DELIVERY } from '@securecart/contracts/delivery';
import { CHECKOUT_ENV, EnvReader } from '@securecart/contracts/env';
import type { EnvSource } from '@securecart/contracts/env';
import { METRICS_NAMESPACE } from '@securecart/contracts/metrics';
import { cartReminderConfig, type CartReminderConfig } from './cart-reminder-config';
import { sharedCacheConfig, type CacheConfig, type SharedCacheSettings } from './cache/config';

export type { CacheConfig };

export { CHECKOUT_ENV };

export type DatabaseConfig =
  | {
      readonly kind: 'url';
      readonly url: string;
      readonly readerUrl?: string;
      readonly poolMax: number;
      readonly preparedStatements: boolean;
    }
  | {
      readonly kind: 'iam';
      readonly host: string;
      readonly readerHost?: string;
      readonly port: number;
      readonly database: string;
      readonly user: string;
      readonly region: string;
      readonly caFile?: string;
      readonly poolMax: number;
      readonly preparedStatements: boolean;
    };

export type AuthConfig =
  | { readonly kind: 'cognito'; readonly userPoolId: string; readonly clientId: string }
  | { readonly kind: 'issuer'; readonly issuer: string; readonly jwksUri: string; readonly clientId: string };

export interface CheckoutConfig extends CartReminderConfig, SharedCacheSettings {
  readonly port: number;
  readonly host: string;
  /** Serve HTTPS with a certificate created at start (TLS_SELF_SIGNED; tls.ts). */
  readonly tlsSelfSigned: boolean;
  readonly logLevel: string;
  readonly catalogTable: string;
  readonly cartsTable: string;
  /** The clickstream's aggregates (recommendations.ts); unset: no counts, empty recommendation lists. */
  readonly productAffinityTable?: string;
  /** Local runs: POST /api/events forwards batches into this Kinesis stream (routes/events.ts). */
  readonly clickstreamStreamName?: string;
  readonly ordersQueueUrl: string;
  readonly orderStatusQueueUrl: string;
  readonly database: DatabaseConfig;
  readonly runMigrations: boolean;
  readonly migrationsDir?: string;
  readonly auth: AuthConfig;
  readonly catalogCacheTtlSeconds: number;
  readonly cartTtlDays: number;
  readonly outboxRelayEnabled: boolean;
  readonly outboxPollIntervalMs: number;
  readonly outboxBatchSize: number;
  readonly outboxRetentionHours: number;
  readonly outboxPruneIntervalMs: number;
  readonly outboxPruneBatchSize: number;
  readonly statusConsumerEnabled: boolean;
  /** Where repeated 401s/403s are reported (ADR 28); undefined: they are not. */
  readonly eventBusName?: string;
  readonly statusConsumerWaitSeconds: number;
  readonly metricsNamespace: string;
  readonly metricsIntervalMs: number;
  readonly shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid checkout-api configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const USER_POOL_ID = /^([a-z]{2}-[a-z]+-\d)_[A-Za-z0-9]+$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const E = CHECKOUT_ENV;
const HTTP_PROTOCOLS = ['https:', 'http:'];

function logLevel(env: EnvReader): string {
  const level = env.get(E.logLevel) ?? 'info';
  if (!LOG_LEVELS.includes(level)) env.problems.push(`${E.logLevel} must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

function queues(env: EnvReader): Pick<CheckoutConfig, 'ordersQueueUrl' | 'orderStatusQueueUrl'> {
  const ordersQueueUrl = env.required(E.ordersQueueUrl);
  const orderStatusQueueUrl = env.required(E.orderStatusQueueUrl);
  env.url(E.ordersQueueUrl, env.get(E.ordersQueueUrl), HTTP_PROTOCOLS);
  env.url(E.orderStatusQueueUrl, env.get(E.orderStatusQueueUrl), HTTP_PROTOCOLS);
  if (ordersQueueUrl && !ordersQueueUrl.endsWith('.fifo'))
    env.problems.push(`${E.ordersQueueUrl} must be a FIFO queue`);
  return { ordersQueueUrl, orderStatusQueueUrl };
}

/** DATABASE_URL with its host replaced by DB_READER_HOST, when both are set and the URL parses. */
function readerUrl(databaseUrl: string, readerHost: string | undefined): string | undefined {
  if (!readerHost) return undefined;
  try {
    const reader = new URL(databaseUrl);
    reader.host = readerHost;
    return reader.toString();
  } catch {
    return undefined; // reported by the URL check
  }
}

function database(env: EnvReader): DatabaseConfig {
  const poolMax = env.int(E.dbPoolMax, 10, 1, 200);
  const preparedStatements = env.bool(E.dbPreparedStatements, true);
  const databaseUrl = env.get(E.databaseUrl);
  const dbHost = env.get(E.dbHost);
  if (databaseUrl && dbHost) {
    env.problems.push(`set either ${E.databaseUrl} (local) or ${E.dbHost} (IAM authentication), not both`);
  }
  if (databaseUrl) {
    env.url(E.databaseUrl, databaseUrl, ['postgres:', 'postgresql:']);
    const reader = readerUrl(databaseUrl, env.get(E.dbReaderHost));
    return { kind: 'url', url: databaseUrl, readerUrl: reader, poolMax, preparedStatements };
  }
  if (!dbHost) env.problems.push(`${E.dbHost} (with ${E.dbUser}) or ${E.databaseUrl} is required`);
  return {
    kind: 'iam',
    host: dbHost ?? '',
    readerHost: env.get(E.dbReaderHost),
    port: env.int(E.dbPort, 5432, 1, 65535),
    database: env.get(E.dbName) ?? 'securecart',
    user: dbHost ? env.required(E.dbUser) : '',
    region: dbHost ? (env.get(E.region) ?? env.get('AWS_DEFAULT_REGION') ?? env.required(E.region)) : '',
    caFile: env.get(E.dbCaFile),
    poolMax,
    preparedStatements,
  };
}

function auth(env: EnvReader): AuthConfig {
  const clientId = env.required(E.clientId);
  const issuer = env.get(E.issuer);
  if (issuer) {
    env.url(E.issuer, issuer, HTTP_PROTOCOLS);
    const jwksUri = env.get(E.jwksUri) ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
    env.url(E.jwksUri, jwksUri, HTTP_PROTOCOLS);
    return { kind: 'issuer', issuer, jwksUri, clientId };
  }
  const userPoolId = env.get(E.userPoolId);
  if (!userPoolId) env.problems.push(`${E.userPoolId} (or ${E.issuer} for a local issuer) is required`);
  else if (!USER_POOL_ID.test(userPoolId)) env.problems.push(`${E.userPoolId} is not a Cognito user pool id`);
  if (env.get(E.jwksUri)) env.problems.push(`${E.jwksUri} is only valid together with ${E.issuer}`);
  return { kind: 'cognito', userPoolId: userPoolId ?? '', clientId };
}

type BackgroundConfig = Pick<
  CheckoutConfig,
  | 'outboxRelayEnabled'
  | 'outboxPollIntervalMs'
  | 'outboxBatchSize'
  | 'outboxRetentionHours'
  | 'outboxPruneIntervalMs'
  | 'outboxPruneBatchSize'
  | 'statusConsumerEnabled'
  | 'statusConsumerWaitSeconds'
>;

/** The outbox relay, the outbox pruner and the status consumer. */
function background(env: EnvReader): BackgroundConfig {
  const { sendBatchSize } = DELIVERY.outbox;
  const { longPollSeconds } = DELIVERY.statusEvents;
  return {
    outboxRelayEnabled: env.bool(E.outboxRelayEnabled, true),
    outboxPollIntervalMs: env.int(E.outboxPollIntervalMs, 500, 10, 60_000),
    outboxBatchSize: env.int(E.outboxBatchSize, sendBatchSize, 1, sendBatchSize),
    outboxRetentionHours: env.int(E.outboxRetentionHours, 168, 0, 87_600),
    outboxPruneIntervalMs: env.int(E.outboxPruneIntervalMs, 3_600_000, 1000, 86_400_000),
    outboxPruneBatchSize: env.int(E.outboxPruneBatchSize, 1000, 1, 10_000),
    statusConsumerEnabled: env.bool(E.statusConsumerEnabled, true),
    statusConsumerWaitSeconds: env.int(E.statusConsumerWaitSeconds, longPollSeconds, 1, longPollSeconds),
  };
}

/** The whole configuration, or a ConfigError listing every problem by variable name. */
export function loadConfig(source: EnvSource = process.env): CheckoutConfig {
  const env = new EnvReader(source);
  const level = logLevel(env);
  const queueUrls = { ...queues(env), ...cartReminderConfig(env) };
  const db = database(env);
  const authConfig = auth(env);
  const config: CheckoutConfig = {
    port: env.int(E.port, 8080, 0, 65535),
    host: env.get(E.host) ?? '0.0.0.0',
    tlsSelfSigned: env.bool(E.tlsSelfSigned, false),
    logLevel: level,
    catalogTable: env.required(E.catalogTable),
    cartsTable: env.required(E.cartsTable),
    productAffinityTable: env.get(E.productAffinityTable),
    clickstreamStreamName: env.get(E.clickstreamStreamName),
    ...queueUrls,
    database: db,
    // Only local runs migrate at start-up by default: on AWS the bootstrap task migrates as the
    // migrator role (startup/database-bootstrap.ts) and the runtime user may not change the schema.
    runMigrations: env.bool(E.runMigrations, db.kind === 'url'),
    migrationsDir: env.get(E.migrationsDir),
    auth: authConfig,
    catalogCacheTtlSeconds: env.int(E.catalogCacheTtlSeconds, 30, 0, 3600),
    ...sharedCacheConfig(env),
    eventBusName: env.get(E.eventBusName),
    cartTtlDays: env.int(E.cartTtlDays, 30, 1, 365),
    ...background(env),
    metricsNamespace: env.get(E.metricsNamespace) ?? METRICS_NAMESPACE,
    metricsIntervalMs: env.int(E.metricsIntervalMs, 60_000, 1000, 3_600_000),
    shutdownTimeoutMs: env.int(E.shutdownTimeoutMs, 25_000, 0, 120_000),
  };
  if (env.problems.length) throw new ConfigError(env.problems);
  return config;
}
