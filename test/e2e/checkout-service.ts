import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { StackOutputs } from '../smoke/outputs';
import { CheckFailure } from '../smoke/report';
import { pollUntil, truncate } from '../smoke/util';

/*
 * The checkout service for the browser journey: the same bundle, database and AWS wiring as the
 * smoke suite's starter (test/smoke/checkout.ts), but verifying the tokens of the journey's own
 * identity provider (AUTH_ISSUER / AUTH_JWKS_URI / AUTH_CLIENT_ID), which the smoke starter's
 * built-in issuer cannot stand in for: the browser signs in through a login form, and the tokens it
 * sends are the ones that provider issued.
 *
 * - the bundle the container runs (services/checkout-api/dist/server.js), built first when missing
 *   or stale (content-hash cached), started in this process with startCheckout({ port: 0, env });
 * - PostgreSQL: PGlite in memory, served over the wire protocol by pglite-socket;
 * - AWS: the deployed stacks' tables and queues, endpoint/region/credentials from the environment.
 */

const SERVICE_DIR = resolve(__dirname, '..', '..', 'services', 'checkout-api');
const load = createRequire(__filename);

interface BuildScript {
  build(options: { quiet?: boolean }): Promise<{ outfile: string; cached: boolean }>;
}

interface CheckoutBundle {
  startCheckout(options: {
    port?: number;
    host?: string;
    env?: Record<string, string | undefined>;
    logStream?: { write(line: string): void };
    metricsSink?: (line: string) => void;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

export interface TokenIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly clientId: string;
}

export interface CheckoutService {
  readonly url: string;
  readonly logFile: string;
  readonly description: string;
  /** The service's warn/error log lines so far. */
  problems(): string[];
  close(): Promise<void>;
}

class LogFile {
  readonly problems: string[] = [];
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  write(line: string): void {
    this.stream.write(line.endsWith('\n') ? line : `${line}\n`);
    if (/"level":"(warn|error|fatal)"/.test(line) && this.problems.length < 50) {
      const entry = safeParse(line);
      this.problems.push(
        truncate(
          entry
            ? `${entry.level}: ${entry.message ?? ''}${entry.err?.message ? ` — ${entry.err.message}` : ''}`
            : line.trim(),
          300,
        ),
      );
    }
  }

  close(): Promise<void> {
    return new Promise((done) => this.stream.end(done));
  }
}

function safeParse(line: string): { level?: string; message?: string; err?: { message?: string } } | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

export async function startCheckoutService(
  outputs: StackOutputs,
  auth: TokenIssuer,
  workDir: string,
): Promise<CheckoutService> {
  const started = Date.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    })());

  try {
    const { build } = load(join(SERVICE_DIR, 'scripts', 'build.js')) as BuildScript;
    const built = await build({ quiet: true });
    const buildNote = built.cached
      ? 'bundle up to date'
      : `bundle built in ${((Date.now() - started) / 1000).toFixed(1)} s`;

    const db = await PGlite.create();
    cleanups.push(() => db.close());
    const socket = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 100 });
    await socket.start();
    cleanups.push(() => socket.stop());

    const log = new LogFile(join(workDir, 'checkout-api.log'));
    cleanups.push(() => log.close());
    process.env.AWS_REGION ||= process.env.AWS_DEFAULT_REGION || '';
    if (!process.env.AWS_REGION) delete process.env.AWS_REGION;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { startCheckout } = load(built.outfile) as CheckoutBundle;
    const service = await startCheckout({
      port: 0,
      host: '127.0.0.1',
      env: {
        DATABASE_URL: `postgres://postgres@${socket.getServerConn()}/postgres`,
        // PGlite: one session for every connection (see test/smoke/checkout.ts).
        DB_PREPARED_STATEMENTS: 'false',
        DB_POOL_MAX: '1',
        CATALOG_TABLE_NAME: outputs.CatalogTableName,
        CARTS_TABLE_NAME: outputs.CartsTableName,
        ORDERS_QUEUE_URL: outputs.OrdersQueueUrl,
        ORDER_STATUS_QUEUE_URL: outputs.OrderStatusQueueUrl,
        AUTH_ISSUER: auth.issuer,
        AUTH_JWKS_URI: auth.jwksUri,
        AUTH_CLIENT_ID: auth.clientId,
        AUTH_USER_POOL_ID: undefined,
        DB_HOST: undefined,
        LOG_LEVEL: 'info',
      },
      logStream: log,
      metricsSink: (line) => log.write(line),
    });
    cleanups.push(() => service.close());

    const ready = await pollUntil(Date.now() + 15_000, 200, async () => {
      const r = await fetch(`${service.url}/api/health/ready`, { signal: AbortSignal.timeout(5000) }).catch(
        () => undefined,
      );
      return r?.status === 200 ? r : undefined;
    });
    if (!ready) throw new CheckFailure(`${service.url}/api/health/ready did not answer 200 within 15 s`);

    return {
      url: service.url,
      logFile: log.path,
      description: `${service.url} (${relative(process.cwd(), built.outfile)}, ${buildNote}), PGlite via pglite-socket, tokens of ${auth.issuer}; log ${log.path}`,
      problems: () => [...log.problems],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
