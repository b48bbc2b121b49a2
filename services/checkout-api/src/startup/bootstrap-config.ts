/**
 * The configuration and the SQL of `bootstrap-database` (database-bootstrap.ts runs them). The one-off task that prepares PostgreSQL for the
 * service, run with the database's admin credentials (never the service's):
 *
 * 1. roles: the migrator (NOLOGIN, owns the schema's objects: nobody signs in as it) and the
 *    runtime user (LOGIN, IAM authentication on RDS), which may use the schema but not create in
 *    it; the admin becomes a member of the migrator so it may `SET ROLE` to it;
 * 2. the migrations, applied as the migrator (`SET ROLE`), under node-pg-migrate's advisory lock;
 * 3. the runtime user's grants: SELECT, INSERT, UPDATE, DELETE on the tables (SELECT only on the
 *    migrations table), USAGE and SELECT on the sequences; the same by default for what later
 *    migrations create.
 *
 * Idempotent: it runs again after every deployment of a new image. A database the service migrated
 * as its runtime user (before this command existed) has its objects handed to the migrator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { DATABASE_BOOTSTRAP_ENV, EnvReader } from '@securecart/contracts/env';
import type { EnvSource } from '@securecart/contracts/env';
import { ConfigError } from '../config';

/** The migrations table node-pg-migrate keeps its history in (db.ts uses the same). */
export const MIGRATIONS_TABLE = 'pgmigrations';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface DatabaseBootstrapConfig {
  /** How to connect as the admin (a superuser, or RDS's master user: CREATEROLE, owns the database). */
  readonly admin: pg.ClientConfig;
  /** The service's login role: DML only. */
  readonly runtimeUser: string;
  /** The role that owns the schema's objects and applies the migrations. */
  readonly migratorRole: string;
  /** Whether to grant `rds_iam` to the runtime user (RDS; a plain server has no such role). */
  readonly iamAuthentication: boolean;
  /** Where the migrations are (default: the bundle's migrations/). */
  readonly migrationsDir?: string;
}

const B = DATABASE_BOOTSTRAP_ENV;

/** The bootstrap's configuration from the environment, or a ConfigError listing every problem. */
export function loadBootstrapConfig(source: EnvSource = process.env, caDir = __dirname): DatabaseBootstrapConfig {
  const env = new EnvReader(source);
  const runtimeUser = env.required(B.runtimeUser);
  const migratorRole = env.required(B.migratorRole);
  for (const [name, value] of [
    [B.runtimeUser, runtimeUser],
    [B.migratorRole, migratorRole],
  ]) {
    if (value && !IDENTIFIER.test(value)) env.problems.push(`${name} must be a plain PostgreSQL identifier`);
  }
  if (runtimeUser && runtimeUser === migratorRole) env.problems.push(`${B.runtimeUser} and ${B.migratorRole} differ`);
  const url = env.get(B.adminUrl);
  let admin: pg.ClientConfig;
  if (url) {
    env.url(B.adminUrl, url, ['postgres:', 'postgresql:']);
    admin = { connectionString: url };
  } else {
    const host = env.required(B.host);
    const caFile = env.get(B.caFile) ?? join(caDir, 'rds-ca-bundle.pem');
    admin = {
      host,
      port: env.int(B.port, 5432, 1, 65535),
      database: env.required(B.database),
      user: env.required(B.adminUser),
      password: env.required(B.adminPassword),
      // Verified TLS against the RDS CA bundle shipped in the image (never downloaded at run time).
      ssl: host ? { ca: readFileSync(caFile, 'utf8'), rejectUnauthorized: true, servername: host } : undefined,
      connectionTimeoutMillis: 10_000,
    };
  }
  const iamAuthentication = env.bool(B.iamAuthentication, !url);
  if (env.problems.length) throw new ConfigError(env.problems);
  return { admin, runtimeUser, migratorRole, iamAuthentication, migrationsDir: env.get(B.migrationsDir) };
}

/** Step 1, as the admin: the two roles and who may do what in schema public. */
export function rolesSql(c: Pick<DatabaseBootstrapConfig, 'runtimeUser' | 'migratorRole' | 'iamAuthentication'>) {
  const run = quote(c.runtimeUser);
  const mig = quote(c.migratorRole);
  return [
    `DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${c.migratorRole}') THEN CREATE ROLE ${mig} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${c.runtimeUser}') THEN CREATE ROLE ${run} LOGIN; END IF;
END $$;`,
    `ALTER ROLE ${run} NOCREATEDB NOCREATEROLE;`,
    ...(c.iamAuthentication ? [`GRANT rds_iam TO ${run};`] : []),
    // The admin may act as both: SET ROLE to the migrator, REASSIGN OWNED from the runtime user.
    `GRANT ${mig} TO CURRENT_USER;`,
    `GRANT ${run} TO CURRENT_USER;`,
    `DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${run}', current_database()); END $$;`,
    `REVOKE CREATE ON SCHEMA public FROM PUBLIC;`,
    `REVOKE CREATE ON SCHEMA public FROM ${run};`,
    `GRANT USAGE ON SCHEMA public TO ${run};`,
    `GRANT USAGE, CREATE ON SCHEMA public TO ${mig};`,
    // Earlier deployments migrated as the runtime user, which so owns the tables: hand them over.
    `REASSIGN OWNED BY ${run} TO ${mig};`,
  ].join('\n');
}

/** Step 3, as the migrator (the owner): the runtime user's DML, now and for later migrations. */
export function grantsSql(c: Pick<DatabaseBootstrapConfig, 'runtimeUser' | 'migratorRole'>) {
  const run = quote(c.runtimeUser);
  const mig = quote(c.migratorRole);
  return [
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${run};`,
    `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${MIGRATIONS_TABLE} FROM ${run};`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${run};`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${mig} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${run};`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${mig} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${run};`,
  ].join('\n');
}

const quote = (identifier: string) => {
  if (!IDENTIFIER.test(identifier)) throw new Error(`Not a plain PostgreSQL identifier: ${identifier}`);
  return `"${identifier}"`;
};
