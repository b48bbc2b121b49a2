import { createWriteStream, mkdtempSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { CheckoutApi } from './http';
import { clickstreamEnv } from './recommendations';
import { LocalIssuer } from './issuer';
import type { StackOutputs } from './outputs';
import { CheckFailure, elapsedSince } from './report';
import type { Sql } from './refusals';
import { pollUntil, truncate } from './util';

/*
 * The checkout service, run on this machine against the deployed pipeline: the smoke suite's way
 * in (orders are placed with POST /api/orders and followed with GET /api/orders/{id}), and the
 * browser journey's API origin (test/e2e/journey.ts).
 *
 * - the bundle the container runs (services/checkout-api/dist/server.js), built first when it is
 *   missing or stale (the build script is content-hash cached: a no-op when nothing changed), and
 *   started in this process with startCheckout({ port: 0, env });
 * - PostgreSQL: an embedded PGlite served over the wire protocol by pglite-socket, in memory, as
 *   `npm run dev:checkout` does;
 * - AWS: the deployed stacks' queues and tables; endpoint, region and credentials from this
 *   process's environment (the SDK reads them), exactly as for the suites' own clients;
 * - tokens: those of the issuer it is given (AUTH_ISSUER / AUTH_JWKS_URI / AUTH_CLIENT_ID): the
 *   smoke suite's LocalIssuer (startLocalCheckout), the journey's managed login.
 */

const SERVICE_DIR = resolve(__dirname, '..', '..', 'services', 'checkout-api');
const CLIENT_ID = 'smoke-storefront';
const load = createRequire(__filename);

interface BuildScript {
  build(options: { quiet?: boolean }): Promise<{ outfile: string; cached: boolean }>;
}

/** What the suites use of the bundle's exports (services/checkout-api/src/main.ts). */
interface CheckoutBundle {
  startCheckout(options: {
    port?: number;
    host?: string;
    env?: Record<string, string | undefined>;
    logStream?: { write(line: string): void };
    metricsSink?: (line: string) => void;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

/** The issuer whose tokens the service accepts (Cognito's user pool and app client in the cloud). */
export interface TokenIssuerConfig {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly clientId: string;
}

export interface CheckoutService {
  /** http://127.0.0.1:<port>. */
  readonly url: string;
  readonly api: CheckoutApi;
  /** The service's JSON log (and EMF metric lines). */
  readonly logFile: string;
  /** One line for the report: bundle, database, issuer, log. */
  readonly description: string;
  /** From the call to the service answering ready (bundle check or build included). */
  readonly startSeconds: number;
  /** The service's warn/error log lines so far (message and order id), for a failure message. */
  problems(): string[];
  /** A query on the service's own (embedded) database. */
  readonly sql: Sql;
  /** Drains the service, then stops PGlite (and the smoke suite's issuer). Safe to call more than once. */
  close(): Promise<void>;
}

/** The smoke suite's service: with its own token issuer, whose tokens the suite mints. */
export interface LocalCheckout extends CheckoutService {
  readonly issuer: LocalIssuer;
}

/** Collects the service's log lines in a file, and its warnings and errors in memory. */
class LogFile {
  readonly problems: string[] = [];
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  write(line: string): void {
    this.stream.write(line.endsWith('\n') ? line : `${line}\n`);
    if (!/"level":"(warn|error|fatal)"/.test(line) || this.problems.length >= 50) return;
    try {
      const entry = JSON.parse(line) as {
        level?: string;
        message?: string;
        orderId?: string;
        err?: { message?: string };
      };
      this.problems.push(
        truncate(
          `${entry.level}: ${entry.message ?? ''}${entry.orderId ? ` (order ${entry.orderId})` : ''}${entry.err?.message ? ` — ${entry.err.message}` : ''}`,
          300,
        ),
      );
    } catch {
      this.problems.push(truncate(line.trim(), 300));
    }
  }

  close(): Promise<void> {
    return new Promise((done) => this.stream.end(done));
  }
}

/**
 * The smoke suite's service: a LocalIssuer (stopped after the service), the log in a temporary
 * directory of its own (`securecart-smoke-<runId>-*`, which the suite removes when every check passed).
 */
export async function startLocalCheckout(outputs: StackOutputs, runId: string): Promise<LocalCheckout> {
  const started = Date.now();
  const issuer = await new LocalIssuer(CLIENT_ID).start();
  try {
    const logDir = mkdtempSync(join(tmpdir(), `securecart-smoke-${runId}-`));
    const service = await startCheckoutService(outputs, issuer, logDir);
    const close = async () => {
      await service.close();
      await issuer.stop();
    };
    return { ...service, issuer, startSeconds: elapsedSince(started), close };
  } catch (error) {
    await issuer.stop();
    throw error;
  }
}

/**
 * Starts the service in this process, verifying `auth`'s tokens, its log in `logDir`; resolves once
 * it answers GET /api/health/ready with 200 (database reachable, migrations applied).
 */
export async function startCheckoutService(
  outputs: StackOutputs,
  auth: TokenIssuerConfig,
  logDir: string,
): Promise<CheckoutService> {
  const started = Date.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    })());

  try {
    // 1. The bundle: built only when its inputs changed since the last build.
    const { build } = load(join(SERVICE_DIR, 'scripts', 'build.js')) as BuildScript;
    const built = await build({ quiet: true });
    const buildNote = built.cached
      ? 'bundle up to date'
      : `bundle built in ${((Date.now() - started) / 1000).toFixed(1)} s`;

    // 2. PostgreSQL: PGlite in memory, over the wire protocol.
    const db = await PGlite.create();
    cleanups.push(() => db.close());
    const socket = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 100 });
    await socket.start();
    cleanups.push(() => socket.stop());
    const databaseUrl = `postgres://postgres@${socket.getServerConn()}/postgres`;

    // 3. The service.
    const log = new LogFile(join(logDir, 'checkout-api.log'));
    cleanups.push(() => log.close());
    // The bundle's SDK clients read endpoint, region and credentials from the environment, as the
    // suite's own clients do (which also accept AWS_DEFAULT_REGION).
    process.env.AWS_REGION ||= process.env.AWS_DEFAULT_REGION || '';
    if (!process.env.AWS_REGION) delete process.env.AWS_REGION;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { startCheckout } = load(built.outfile) as CheckoutBundle;
    const service = await startCheckout({
      port: 0,
      host: '127.0.0.1',
      env: {
        DATABASE_URL: databaseUrl,
        // PGlite multiplexes every connection onto one session: no named prepared statements, and
        // one connection, since pglite-socket interleaves the extended-protocol messages (Parse,
        // Bind, Execute) of concurrent connections, which breaks their unnamed statements.
        DB_PREPARED_STATEMENTS: 'false',
        DB_POOL_MAX: '1',
        // Short long polls on the order-status queue. Stopping the service aborts the poll in
        // flight, but the server may still hand that poll a message, which then stays invisible
        // for the queue's visibility timeout: the next run (the browser journey right after the
        // smoke suite, say) would wait that long for one of its statuses. A 1 s poll keeps the
        // window to a second after close.
        STATUS_CONSUMER_WAIT_SECONDS: '1',
        CATALOG_TABLE_NAME: outputs.CatalogTableName,
        CARTS_TABLE_NAME: outputs.CartsTableName,
        ORDERS_QUEUE_URL: outputs.OrdersQueueUrl,
        ORDER_STATUS_QUEUE_URL: outputs.OrderStatusQueueUrl,
        CART_REMINDERS_QUEUE_URL: outputs.CartRemindersQueueUrl,
        CART_REMINDER_DELAY_SECONDS: outputs.CartReminderDelaySeconds,
        AUTH_ISSUER: auth.issuer,
        AUTH_JWKS_URI: auth.jwksUri,
        AUTH_CLIENT_ID: auth.clientId,
        AUTH_USER_POOL_ID: undefined,
        DB_HOST: undefined,
        LOG_LEVEL: 'info',
        // The clickstream: the local forwarder for POST /api/events, and the recommendations' table.
        ...clickstreamEnv(outputs),
      },
      logStream: log,
      metricsSink: (line) => log.write(line),
    });
    // Drained before the database goes (cleanups run in reverse).
    cleanups.push(() => service.close());

    const api = new CheckoutApi(service.url);
    const ready = await pollUntil(Date.now() + 15_000, 200, async () => {
      const r = await api.get('/api/health/ready').catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    });
    if (!ready) throw new CheckFailure(`${service.url}/api/health/ready did not answer 200 within 15 s`);

    return {
      url: service.url,
      api,
      logFile: log.path,
      description: `${service.url} (${relative(process.cwd(), built.outfile)}, ${buildNote}) ready; PostgreSQL: PGlite via pglite-socket ${socket.getServerConn()}; tokens from ${auth.issuer}; log ${log.path}`,
      startSeconds: elapsedSince(started),
      problems: () => [...log.problems],
      sql: (text, values) => db.query(text, values),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
