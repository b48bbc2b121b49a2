/**
 * What both benches (bench.js: `npm run bench:checkout`; cache.js: `npm run bench:cache`) read from
 * the environment, and the environment both start the checkout service with.
 */

/** The environment variable `name` as a number, `fallback` when unset. */
const num = (name, fallback) => Number(process.env[name] ?? fallback);

/** BENCH_CONNECTIONS (16): autocannon's connections (and pgbench's clients). */
const CONNECTIONS = num('BENCH_CONNECTIONS', 16);
/** BENCH_SECONDS (10): each measured run. */
const SECONDS = num('BENCH_SECONDS', 10);
/** BENCH_WARMUP_SECONDS (3): each warm-up run. */
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 3);
/** BENCH_ROUNDS (3, at least 1): the result is the median round. */
const ROUNDS = Math.max(1, num('BENCH_ROUNDS', 3));

/**
 * The service's environment on `port` (127.0.0.1), with no AWS behind it: the queues are
 * unreachable, so the outbox relay and the status consumer (which would only fail against them)
 * are off; the caller adds the database, the issuer, the pool and the log level.
 */
const serviceEnv = (port) => ({
  PATH: process.env.PATH,
  PORT: String(port),
  HOST: '127.0.0.1',
  CATALOG_TABLE_NAME: 'bench-catalog',
  CARTS_TABLE_NAME: 'bench-carts',
  ORDERS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/bench-orders.fifo',
  ORDER_STATUS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/bench-order-status',
  OUTBOX_RELAY_ENABLED: 'false',
  STATUS_CONSUMER_ENABLED: 'false',
  AUTH_CLIENT_ID: 'bench-client',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

module.exports = { CONNECTIONS, num, ROUNDS, SECONDS, serviceEnv, WARMUP_SECONDS };
