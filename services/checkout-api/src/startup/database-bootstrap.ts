/**
 * `node dist/server.js bootstrap-database`: runs the database bootstrap (bootstrap-config.ts: the
 * roles, the migrations as the migrator, the runtime user's grants) over one admin connection.
 */
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { ConfigError } from '../config';
import { migrationsDir } from '../db';
import { grantsSql, loadBootstrapConfig, MIGRATIONS_TABLE, rolesSql } from './bootstrap-config';
import type { DatabaseBootstrapConfig } from './bootstrap-config';

const quote = (identifier: string) => `"${identifier}"`;

export interface BootstrapResult {
  /** The migrations this run applied. */
  readonly applied: string[];
}

/** Runs the three steps over one admin connection. */
export async function bootstrapDatabase(
  config: DatabaseBootstrapConfig,
  log: (message: string) => void,
): Promise<BootstrapResult> {
  const client = new pg.Client({ ...config.admin, application_name: 'checkout-api-bootstrap' });
  await client.connect();
  try {
    await client.query(rolesSql(config));
    log(`roles ${config.migratorRole} (owner) and ${config.runtimeUser} (DML only) are in place`);
    await client.query(`SET ROLE ${quote(config.migratorRole)}`);
    const applied = await runner({
      dbClient: client,
      dir: migrationsDir(config.migrationsDir),
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      count: Infinity,
      singleTransaction: true,
      checkOrder: true,
      logger: { info: log, warn: log, error: log, debug: () => undefined },
      verbose: false,
    });
    await client.query(grantsSql(config));
    await client.query('RESET ROLE');
    log(`${applied.length} migration(s) applied as ${config.migratorRole}; ${config.runtimeUser} may use the tables`);
    return { applied: applied.map((m) => m.name) };
  } finally {
    await client.end();
  }
}

/** The command's entry: exit 0 when the database is ready for the service, 1 otherwise. */
export function bootstrapMain(): void {
  const log = (message: string) =>
    process.stdout.write(`${JSON.stringify({ level: 'info', service: 'checkout-api-bootstrap', message })}\n`);
  Promise.resolve()
    .then(() => bootstrapDatabase(loadBootstrapConfig(), log))
    .then(
      () => process.exit(0),
      (error: unknown) => {
        const message = error instanceof ConfigError ? error.message : `database bootstrap failed: ${String(error)}`;
        process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'checkout-api-bootstrap', message })}\n`);
        process.exit(1);
      },
    );
}
