/**
 * PostgreSQL access: a writer pool, a reader pool (the read replica when one is configured, else
 * the writer) and the start-up migrations (node-pg-migrate, SQL files, under its advisory lock).
 *
 * Production connects with short-lived IAM authentication tokens (`@aws-sdk/rds-signer`, one per
 * new connection, signed locally) over TLS verified against the Amazon RDS CA bundle. Local runs
 * and tests use a plain connection string.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Signer } from '@aws-sdk/rds-signer';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import type { DatabaseConfig } from './config';
import { MIGRATIONS_TABLE } from './startup/bootstrap-config';

export interface Database {
  readonly writer: pg.Pool;
  /** The read replica's pool when DB_READER_HOST is set; otherwise the writer. */
  readonly reader: pg.Pool;
  readonly hasReader: boolean;
  close(): Promise<void>;
}

/** Where the bundle keeps its companion files (dist/ next to server.js; migrations/ beside dist/). */
function bundleDir(): string {
  return __dirname;
}

const DEFAULT_CA_FILE = 'rds-ca-bundle.pem';

/** Connection settings for one role: IAM token + verified TLS in production, the URL locally. */
export function clientConfig(config: DatabaseConfig, role: 'writer' | 'reader'): pg.ClientConfig {
  if (config.kind === 'url') {
    return { connectionString: role === 'reader' && config.readerUrl ? config.readerUrl : config.url };
  }
  const host = role === 'reader' && config.readerHost ? config.readerHost : config.host;
  const signer = new Signer({ hostname: host, port: config.port, username: config.user, region: config.region });
  const ca = readFileSync(config.caFile ?? join(bundleDir(), DEFAULT_CA_FILE), 'utf8');
  return {
    host,
    port: config.port,
    database: config.database,
    user: config.user,
    // A fresh token (valid 15 minutes) for every new connection; existing connections stay open.
    password: () => signer.getAuthToken(),
    ssl: { ca, rejectUnauthorized: true, servername: host },
  };
}

export function openDatabase(config: DatabaseConfig, onError: (error: Error, role: string) => void): Database {
  const pool = (role: 'writer' | 'reader') => {
    const p = new pg.Pool({
      ...clientConfig(config, role),
      max: config.poolMax,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      application_name: `checkout-api-${role}`,
      // Never let one statement hold a connection (and a lock) for ever.
      statement_timeout: 15_000,
      idle_in_transaction_session_timeout: 30_000,
    } as pg.PoolConfig);
    // An idle client's connection dropping must not crash the process.
    p.on('error', (error) => onError(error, role));
    if (!config.preparedStatements) p.on('connect', unnamedStatementsOnly);
    return p;
  };
  const writer = pool('writer');
  const hasReader = config.kind === 'url' ? Boolean(config.readerUrl) : Boolean(config.readerHost);
  const reader = hasReader ? pool('reader') : writer;
  return {
    writer,
    reader,
    hasReader,
    async close() {
      await Promise.all([writer.end(), hasReader ? reader.end() : Promise.resolve()]);
    },
  };
}

/**
 * Drops the `name` of named queries on this client, so every statement is an unnamed one. For
 * PGlite (dev, tests): its socket server multiplexes every connection onto one backend session,
 * where two connections preparing the same name collide.
 */
function unnamedStatementsOnly(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, ...rest: unknown[]) =>
    query(config && typeof config === 'object' && 'name' in config ? { ...config, name: undefined } : config, ...rest);
}

export function migrationsDir(configured?: string): string {
  return configured ?? join(bundleDir(), '..', 'migrations');
}

/**
 * Applies pending migrations under node-pg-migrate's advisory lock, so several tasks starting at
 * once apply each migration exactly once. Returns the names applied.
 */
export async function migrate(config: DatabaseConfig, dir: string, log: (message: string) => void): Promise<string[]> {
  const client = new pg.Client({ ...clientConfig(config, 'writer'), application_name: 'checkout-api-migrate' });
  await client.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir,
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      count: Infinity,
      singleTransaction: true,
      checkOrder: true,
      logger: { info: log, warn: log, error: log, debug: () => undefined },
      verbose: false,
    });
    return applied.map((m) => m.name);
  } finally {
    await client.end();
  }
}

/** Names of the migration files that have been applied (the readiness check compares them). */
export async function appliedMigrations(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY run_on, id`);
  return rows.map((r) => r.name);
}
