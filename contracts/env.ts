/**
 * The environment contract: the name of every environment variable a stack sets and the service
 * or a Lambda reads, and how the service parses each value. Constructs set variables from these
 * names; the service (services/checkout-api/src/config.ts) reads them through `EnvReader`, the
 * handlers (lambda/shared/env.ts) by the same names, so a name or a parsing rule exists once.
 */

/** Shared by HANDLER_ENV and CHECKOUT_ENV (a plain constant, so bundles drop what they do not use). */
const CATALOG_TABLE_NAME = 'CATALOG_TABLE_NAME';
const PRODUCT_AFFINITY_TABLE_NAME = 'PRODUCT_AFFINITY_TABLE_NAME';
const CARTS_TABLE_NAME = 'CARTS_TABLE_NAME';

/** Environment variables the Pipeline stack sets and the handlers read. */
export const HANDLER_ENV = {
  catalogTable: CATALOG_TABLE_NAME,
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  /** The claims of payment tokens and addresses (contracts/claims.ts). */
  orderClaimsTable: 'ORDER_CLAIMS_TABLE_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  eventBusName: 'EVENT_BUS_NAME',
  highValueThresholdCents: 'HIGH_VALUE_THRESHOLD_CENTS',
  /** Comma-separated ISO 3166-1 alpha-2 codes. */
  allowedShippingCountries: 'ALLOWED_SHIPPING_COUNTRIES',
  /** Client-side timeout for calls to the payment provider. */
  paymentProviderTimeoutMs: 'PAYMENT_PROVIDER_TIMEOUT_MS',
  /** `simulator` (default) or `stripe` (contracts/payment.ts PAYMENT_PROVIDER_NAMES; the profile's `payments.provider`). */
  paymentProvider: 'PAYMENT_PROVIDER',
  /** stripe: the ARN of the Secrets Manager secret that holds the Stripe secret API key. */
  paymentProviderSecretArn: 'PAYMENT_PROVIDER_SECRET_ARN',
  /** start-fulfillment sidelines messages that can never succeed into this queue (the orders DLQ). */
  ordersDlqUrl: 'ORDERS_DLQ_URL',
  /** redeliver-status publishes the status events the workflow could not publish to this topic. */
  orderEventsTopicArn: 'ORDER_EVENTS_TOPIC_ARN',
  /** rotate-origin-secret (ADR 21): the header CloudFront sends and the acceptors check. */
  originHeaderName: 'ORIGIN_HEADER_NAME',
  /** rotate-origin-secret: the internal ALB's listener rule that forwards requests carrying the header. */
  originListenerRuleArn: 'ORIGIN_LISTENER_RULE_ARN',
  /** rotate-origin-secret: the REGIONAL web ACL (`name|id`) and its rule that checks the header; unset without WAF. */
  originWebAcl: 'ORIGIN_WEB_ACL',
  originWebAclRule: 'ORIGIN_WEB_ACL_RULE',
  /** rotate-origin-secret: the CloudFront distribution that sends the header. */
  originDistributionId: 'ORIGIN_DISTRIBUTION_ID',
  /** The clickstream consumer's aggregates (contracts/clickstream.ts AFFINITY_KEYS). */
  productAffinityTable: PRODUCT_AFFINITY_TABLE_NAME,
  /** cart-reminder reads the customer's cart here (contracts/reminders.ts CART_ATTRIBUTES). */
  cartsTable: CARTS_TABLE_NAME,
} as const;
export type HandlerEnvName = (typeof HANDLER_ENV)[keyof typeof HANDLER_ENV];

/** Environment variables the Api stack sets on the checkout container (and local runs / tests may set). */
export const CHECKOUT_ENV = {
  port: 'PORT',
  host: 'HOST',
  /** `true`: serve HTTPS only, with a self-signed certificate created at start (the ALB's targets in prod; ADR 21). */
  tlsSelfSigned: 'TLS_SELF_SIGNED',
  logLevel: 'LOG_LEVEL',
  catalogTable: CATALOG_TABLE_NAME,
  cartsTable: CARTS_TABLE_NAME,
  /** GET .../recommendations reads the clickstream's aggregates here (contracts/clickstream.ts AFFINITY_KEYS). */
  productAffinityTable: PRODUCT_AFFINITY_TABLE_NAME,
  /**
   * Local runs only: the forwarder that stands in for API Gateway's Kinesis integration puts
   * POST /api/events batches into this stream. Unset in the cloud (API Gateway answers that route).
   */
  clickstreamStreamName: 'CLICKSTREAM_STREAM_NAME',
  ordersQueueUrl: 'ORDERS_QUEUE_URL',
  /**
   * The `cart-reminders` queue (contracts/reminders.ts): a cart change sends a delayed reminder
   * message here. Unset: no reminders (local runs without the queue).
   */
  cartRemindersQueueUrl: 'CART_REMINDERS_QUEUE_URL',
  /** The reminder message's DelaySeconds (0-900; default 900, SQS's maximum; the profile's `cartReminders.delay`). */
  cartReminderDelaySeconds: 'CART_REMINDER_DELAY_SECONDS',
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
  /**
   * The shared cache (ElastiCache Serverless for Valkey; services/checkout-api/src/cache/): its
   * endpoint's host. Unset: no shared cache (every read goes to its source, no shared rate limit).
   */
  cacheHost: 'CACHE_HOST',
  cachePort: 'CACHE_PORT',
  /** `true` (the cloud): TLS to the cache, certificate verified. Default: true when CACHE_USER_ID is set. */
  cacheTls: 'CACHE_TLS',
  /** The serverless cache's name: what the IAM authentication token is signed for. */
  cacheName: 'CACHE_NAME',
  /** The ElastiCache user (authentication mode iam) the service connects as; unset: no AUTH (local, tests). */
  cacheUserId: 'CACHE_USER_ID',
  /** Per-command and connect timeouts of the cache client (a dead cache must not hold a request). */
  cacheCommandTimeoutMs: 'CACHE_COMMAND_TIMEOUT_MS',
  /** Time to live of cached order views (GET /api/orders/{id}); the status consumer writes through. */
  orderCacheTtlSeconds: 'ORDER_CACHE_TTL_SECONDS',
  /** POST /api/orders per customer, shared by every task: bucket size and refill per minute (0 turns it off). */
  orderRateLimitBurst: 'ORDER_RATE_LIMIT_BURST',
  orderRateLimitPerMinute: 'ORDER_RATE_LIMIT_PER_MINUTE',
  /** The SecureCart bus: repeated authorisation failures are reported there as compliance events (ADR 28); unset: not reported. */
  eventBusName: 'EVENT_BUS_NAME',
  metricsNamespace: 'METRICS_NAMESPACE',
  metricsIntervalMs: 'METRICS_INTERVAL_MS',
  shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
  region: 'AWS_REGION',
} as const;
export type CheckoutEnvName = (typeof CHECKOUT_ENV)[keyof typeof CHECKOUT_ENV];

/**
 * The database bootstrap command (`node dist/server.js bootstrap-database`, a one-off task with the
 * admin credentials): it creates the migrator and runtime roles, migrates as the migrator and grants
 * the runtime user its DML (services/checkout-api/src/startup/database-bootstrap.ts).
 */
export const DATABASE_BOOTSTRAP_ENV = {
  /** Local/tests: the admin's connection string. Otherwise host, port, name, admin user and password. */
  adminUrl: 'DATABASE_URL',
  host: 'DB_HOST',
  port: 'DB_PORT',
  database: 'DB_NAME',
  /** From the rotated admin secret (ECS secrets), never in the task definition. */
  adminUser: 'DB_ADMIN_USER',
  adminPassword: 'DB_ADMIN_PASSWORD',
  caFile: 'DB_SSL_CA_FILE',
  /** The service's login role (CHECKOUT_ENV.dbUser): DML only. */
  runtimeUser: 'DB_USER',
  /** The NOLOGIN role that owns the schema's objects and applies the migrations. */
  migratorRole: 'DB_MIGRATOR_ROLE',
  /** Grant `rds_iam` to the runtime user (default: true unless DATABASE_URL is set). */
  iamAuthentication: 'DB_IAM_AUTHENTICATION',
  migrationsDir: 'DB_MIGRATIONS_DIR',
} as const;

/** The CloudWatch agent sidecar's embedded-metric-format listener, as the checkout container sees it. */
export const AGENT_ENV = {
  /** `tcp://127.0.0.1:25888`: the agent's EMF listener (the containers of a task share localhost). */
  endpoint: 'AWS_EMF_AGENT_ENDPOINT',
  /** The log group the agent writes the EMF documents to (created, encrypted, by the stack). */
  logGroupName: 'AWS_EMF_LOG_GROUP_NAME',
} as const;

/** Where the checkout service sends its X-Ray segments (the agent's X-Ray listener, UDP). */
export const XRAY_ENV = {
  /** `127.0.0.1:2000` (or the daemon's `udp:host:port tcp:host:port` form). */
  daemonAddress: 'AWS_XRAY_DAEMON_ADDRESS',
} as const;

export type EnvSource = Readonly<Record<string, string | undefined>>;

/**
 * Reads and parses environment variables, collecting every problem by variable name, so a bad
 * task or function definition fails at start-up with one message that lists them all.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: EnvSource) {}

  /** The trimmed value; undefined when unset or blank. */
  get(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** The value, or a problem `NAME is required` (and '' so parsing can go on). */
  required(name: string): string {
    const value = this.get(name);
    if (value === undefined) this.problems.push(`${name} is required`);
    return value ?? '';
  }

  /** An integer from `min` to `max`; `fallback` when unset (required when there is none). */
  int(name: string, fallback: number | undefined, min: number, max: number): number {
    const raw = this.get(name);
    if (raw === undefined) {
      if (fallback === undefined) this.problems.push(`${name} is required`);
      return fallback ?? min;
    }
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
      return fallback ?? min;
    }
    return value;
  }

  /** true/1/yes or false/0/no (any case); `fallback` when unset. */
  bool(name: string, fallback: boolean): boolean {
    const raw = this.get(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false (got '${raw}')`);
    return fallback;
  }

  /** Records a problem unless `value` (when set) is a URL with one of `protocols` (e.g. `https:`). */
  url(name: string, value: string | undefined, protocols: readonly string[]): void {
    if (value === undefined) return;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) this.problems.push(`${name} must be a ${protocols.join(' or ')} URL`);
    } catch {
      this.problems.push(`${name} must be a URL (got '${value}')`);
    }
  }
}
