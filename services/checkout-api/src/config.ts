/**
 * The service's whole configuration, read once from the environment. Every problem is reported
 * at once, by variable name, so a bad task definition fails at start-up with one clear message.
 */
import { HANDLER_ENV } from '@securecart/contracts/env';

/** Environment variables the Api stack sets (and local runs / tests may set). */
export const CHECKOUT_ENV = {
  port: 'PORT',
  host: 'HOST',
  logLevel: 'LOG_LEVEL',
  catalogTable: HANDLER_ENV.catalogTable,
  cartsTable: 'CARTS_TABLE_NAME',
  ordersQueueUrl: 'ORDERS_QUEUE_URL',
  orderStatusQueueUrl: 'ORDER_STATUS_QUEUE_URL',
  /** Local/dev: a plain connection string. Mutually exclusive with DB_HOST. */
  databaseUrl: 'DATABASE_URL',
  /** Production: the writer endpoint; IAM authentication over verified TLS. */
  dbHost: 'DB_HOST',
  dbReaderHost: 'DB_READER_HOST',
  dbPort: 'DB_PORT',
  dbName: 'DB_NAME',
  dbUser: 'DB_USER',
  /** PEM bundle the server certificate is verified against (default: the RDS bundle next to the server bundle). */
  dbCaFile: 'DB_SSL_CA_FILE',
  dbPoolMax: 'DB_POOL_MAX',
  /** Named (server-side) prepared statements; off for PGlite, whose connections share one session. */
  dbPreparedStatements: 'DB_PREPARED_STATEMENTS',
  runMigrations: 'DB_RUN_MIGRATIONS',
  migrationsDir: 'DB_MIGRATIONS_DIR',
  userPoolId: 'AUTH_USER_POOL_ID',
  clientId: 'AUTH_CLIENT_ID',
  /** Tests and local runs: another OIDC issuer (tokens are still verified, never bypassed). */
  issuer: 'AUTH_ISSUER',
  jwksUri: 'AUTH_JWKS_URI',
  catalogCacheTtlSeconds: 'CATALOG_CACHE_TTL_SECONDS',
  cartTtlDays: 'CART_TTL_DAYS',
  outboxRelayEnabled: 'OUTBOX_RELAY_ENABLED',
  outboxPollIntervalMs: 'OUTBOX_POLL_INTERVAL_MS',
  outboxBatchSize: 'OUTBOX_BATCH_SIZE',
  /** Sent outbox rows older than this many hours are deleted (0 keeps them). */
  outboxRetentionHours: 'OUTBOX_RETENTION_HOURS',
  outboxPruneIntervalMs: 'OUTBOX_PRUNE_INTERVAL_MS',
  outboxPruneBatchSize: 'OUTBOX_PRUNE_BATCH_SIZE',
  statusConsumerEnabled: 'STATUS_CONSUMER_ENABLED',
  /** Long-poll wait of each receive on the order-status queue (local runs shorten it). */
  statusConsumerWaitSeconds: 'STATUS_CONSUMER_WAIT_SECONDS',
  metricsNamespace: 'METRICS_NAMESPACE',
  metricsIntervalMs: 'METRICS_INTERVAL_MS',
  shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
  region: 'AWS_REGION',
} as const;

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

export interface CheckoutConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly catalogTable: string;
  readonly cartsTable: string;
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

export function loadConfig(env: Record<string, string | undefined> = process.env): CheckoutConfig {
  const problems: string[] = [];
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const required = (name: string) => {
    const value = get(name);
    if (value === undefined) problems.push(`${name} is required`);
    return value ?? '';
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean) => {
    const raw = get(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got '${raw}')`);
    return fallback;
  };
  const url = (name: string, value: string | undefined, protocols: string[]) => {
    if (value === undefined) return;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) problems.push(`${name} must be a ${protocols.join(' or ')} URL`);
    } catch {
      problems.push(`${name} must be a URL (got '${value}')`);
    }
  };
  const E = CHECKOUT_ENV;

  const logLevel = get(E.logLevel) ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`${E.logLevel} must be one of ${LOG_LEVELS.join(', ')}`);

  const ordersQueueUrl = required(E.ordersQueueUrl);
  const orderStatusQueueUrl = required(E.orderStatusQueueUrl);
  url(E.ordersQueueUrl, get(E.ordersQueueUrl), ['https:', 'http:']);
  url(E.orderStatusQueueUrl, get(E.orderStatusQueueUrl), ['https:', 'http:']);
  if (ordersQueueUrl && !ordersQueueUrl.endsWith('.fifo')) problems.push(`${E.ordersQueueUrl} must be a FIFO queue`);

  // --- database -------------------------------------------------------------------------------
  const poolMax = int(E.dbPoolMax, 10, 1, 200);
  const preparedStatements = bool(E.dbPreparedStatements, true);
  let database: DatabaseConfig;
  const databaseUrl = get(E.databaseUrl);
  const dbHost = get(E.dbHost);
  if (databaseUrl && dbHost) {
    problems.push(`set either ${E.databaseUrl} (local) or ${E.dbHost} (IAM authentication), not both`);
  }
  if (databaseUrl) {
    url(E.databaseUrl, databaseUrl, ['postgres:', 'postgresql:']);
    const readerHost = get(E.dbReaderHost);
    let readerUrl: string | undefined;
    if (readerHost) {
      try {
        const reader = new URL(databaseUrl);
        reader.host = readerHost;
        readerUrl = reader.toString();
      } catch {
        // reported above
      }
    }
    database = { kind: 'url', url: databaseUrl, readerUrl, poolMax, preparedStatements };
  } else {
    if (!dbHost) problems.push(`${E.dbHost} (with ${E.dbUser}) or ${E.databaseUrl} is required`);
    database = {
      kind: 'iam',
      host: dbHost ?? '',
      readerHost: get(E.dbReaderHost),
      port: int(E.dbPort, 5432, 1, 65535),
      database: get(E.dbName) ?? 'securecart',
      user: dbHost ? required(E.dbUser) : '',
      region: dbHost ? (get(E.region) ?? get('AWS_DEFAULT_REGION') ?? required(E.region)) : '',
      caFile: get(E.dbCaFile),
      poolMax,
      preparedStatements,
    };
  }

  // --- authentication ---------------------------------------------------------------------------
  const clientId = required(E.clientId);
  const issuer = get(E.issuer);
  let auth: AuthConfig;
  if (issuer) {
    url(E.issuer, issuer, ['https:', 'http:']);
    const jwksUri = get(E.jwksUri) ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
    url(E.jwksUri, jwksUri, ['https:', 'http:']);
    auth = { kind: 'issuer', issuer, jwksUri, clientId };
  } else {
    const userPoolId = get(E.userPoolId);
    if (!userPoolId) problems.push(`${E.userPoolId} (or ${E.issuer} for a local issuer) is required`);
    else if (!USER_POOL_ID.test(userPoolId)) problems.push(`${E.userPoolId} is not a Cognito user pool id`);
    if (get(E.jwksUri)) problems.push(`${E.jwksUri} is only valid together with ${E.issuer}`);
    auth = { kind: 'cognito', userPoolId: userPoolId ?? '', clientId };
  }

  const config: CheckoutConfig = {
    port: int(E.port, 8080, 0, 65535),
    host: get(E.host) ?? '0.0.0.0',
    logLevel,
    catalogTable: required(E.catalogTable),
    cartsTable: required(E.cartsTable),
    ordersQueueUrl,
    orderStatusQueueUrl,
    database,
    runMigrations: bool(E.runMigrations, true),
    migrationsDir: get(E.migrationsDir),
    auth,
    catalogCacheTtlSeconds: int(E.catalogCacheTtlSeconds, 30, 0, 3600),
    cartTtlDays: int(E.cartTtlDays, 30, 1, 365),
    outboxRelayEnabled: bool(E.outboxRelayEnabled, true),
    outboxPollIntervalMs: int(E.outboxPollIntervalMs, 500, 10, 60_000),
    outboxBatchSize: int(E.outboxBatchSize, 10, 1, 10),
    outboxRetentionHours: int(E.outboxRetentionHours, 168, 0, 87_600),
    outboxPruneIntervalMs: int(E.outboxPruneIntervalMs, 3_600_000, 1000, 86_400_000),
    outboxPruneBatchSize: int(E.outboxPruneBatchSize, 1000, 1, 10_000),
    statusConsumerEnabled: bool(E.statusConsumerEnabled, true),
    statusConsumerWaitSeconds: int(E.statusConsumerWaitSeconds, 20, 1, 20),
    metricsNamespace: get(E.metricsNamespace) ?? 'SecureCart',
    metricsIntervalMs: int(E.metricsIntervalMs, 60_000, 1000, 3_600_000),
    shutdownTimeoutMs: int(E.shutdownTimeoutMs, 25_000, 0, 120_000),
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}
