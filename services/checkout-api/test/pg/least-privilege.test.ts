/**
 * Least privilege in the database, on a real PostgreSQL server (npm run test:pg; PGlite has one
 * user and no privileges to check). The bootstrap command (src/startup/database-bootstrap.ts) runs
 * as an admin like RDS's master user (CREATEROLE, owner of the database, not a superuser), migrates
 * as the migrator role, and leaves the service's runtime user with DML only: CREATE, DROP, ALTER
 * and TRUNCATE are refused, while the service itself works on that user with migrations off.
 */
import pg from 'pg';
import { loadBundle, postOrder, startDatabase, startService, TestIssuer } from '../helpers/harness';
import type { TestDatabase } from '../helpers/harness';

const bundle = loadBundle();
const prefix = `lp${process.pid}`;
const INSUFFICIENT_PRIVILEGE = '42501';

let database: TestDatabase;
let issuer: TestIssuer;

/** A role like RDS's master user: it may create roles and owns the database, but is no superuser. */
async function adminFor(db: TestDatabase, name: string): Promise<string> {
  await db.pool.query(`CREATE ROLE ${name} LOGIN CREATEROLE`);
  const { rows } = await db.pool.query<{ name: string }>('SELECT current_database() AS name');
  await db.pool.query(`ALTER DATABASE ${rows[0].name} OWNER TO ${name}`);
  return urlAs(db, name);
}

/** The database's URL as another user (the test server trusts local connections). */
function urlAs(db: TestDatabase, user: string): string {
  const url = new URL(db.url);
  url.username = user;
  return url.toString();
}

async function asUser<T>(db: TestDatabase, user: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlAs(db, user) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'allowed',
    (error: { code?: string }) => error.code,
  );

const bootstrapEnv = (adminUrl: string, runtime: string, migrator: string) => ({
  DATABASE_URL: adminUrl,
  DB_USER: runtime,
  DB_MIGRATOR_ROLE: migrator,
});

beforeAll(async () => {
  if (!process.env.CHECKOUT_TEST_PG_URL) throw new Error('test/pg needs a PostgreSQL server: npm run test:pg');
  [database, issuer] = await Promise.all([startDatabase(), new TestIssuer().start()]);
});
afterAll(async () => {
  await Promise.all([database?.stop(), issuer?.stop()]);
});

describe('after the bootstrap', () => {
  const runtime = `${prefix}_runtime`;
  const migrator = `${prefix}_migrator`;
  let applied: string[];

  beforeAll(async () => {
    const adminUrl = await adminFor(database, `${prefix}_admin`);
    const config = bundle.loadBootstrapConfig(bootstrapEnv(adminUrl, runtime, migrator));
    ({ applied } = await bundle.bootstrapDatabase(config, () => undefined));
  });

  test('the migrator owns every table and the schema takes no objects from the runtime user', async () => {
    expect(applied.length).toBeGreaterThan(0);
    const { rows } = await database.pool.query<{ owner: string; n: number }>(
      `SELECT tableowner AS owner, count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' GROUP BY 1`,
    );
    expect(rows).toEqual([{ owner: migrator, n: 4 }]); // orders, order_status_history, outbox, pgmigrations
    const { rows: privileges } = await database.pool.query(
      `SELECT has_schema_privilege($1, 'public', 'CREATE') AS create, has_schema_privilege($1, 'public', 'USAGE') AS usage,
              has_database_privilege($1, current_database(), 'CREATE') AS create_in_database`,
      [runtime],
    );
    expect(privileges[0]).toEqual({ create: false, usage: true, create_in_database: false });
  });

  test('the runtime user may not CREATE, DROP, ALTER or TRUNCATE, nor rewrite the migration history', async () => {
    const results = await asUser(database, runtime, async (client) => ({
      create: await refusal(client.query('CREATE TABLE intruder (id int)')),
      createView: await refusal(client.query('CREATE VIEW intruder AS SELECT 1')),
      drop: await refusal(client.query('DROP TABLE outbox')),
      dropOrders: await refusal(client.query('DROP TABLE orders CASCADE')),
      alter: await refusal(client.query('ALTER TABLE orders ADD COLUMN extra text')),
      truncate: await refusal(client.query('TRUNCATE order_status_history')),
      index: await refusal(client.query('CREATE INDEX intruder ON orders (status)')),
      history: await refusal(client.query(`DELETE FROM pgmigrations`)),
      createSchema: await refusal(client.query('CREATE SCHEMA intruder')),
    }));
    expect(results).toEqual({
      create: INSUFFICIENT_PRIVILEGE,
      createView: INSUFFICIENT_PRIVILEGE,
      drop: INSUFFICIENT_PRIVILEGE,
      dropOrders: INSUFFICIENT_PRIVILEGE,
      alter: INSUFFICIENT_PRIVILEGE,
      truncate: INSUFFICIENT_PRIVILEGE,
      index: INSUFFICIENT_PRIVILEGE,
      history: INSUFFICIENT_PRIVILEGE,
      createSchema: INSUFFICIENT_PRIVILEGE,
    });
    const { rows } = await database.pool.query(`SELECT to_regclass('public.intruder') AS table`);
    expect(rows[0].table).toBeNull();
  });

  test('the service works as the runtime user: ready, takes an order, relays it, deletes what it prunes', async () => {
    const service = await startService(database, issuer, {
      DATABASE_URL: urlAs(database, runtime),
      DB_RUN_MIGRATIONS: 'false',
    });
    try {
      service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
        Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
      }));
      const ready = await service.client.get('/api/health/ready');
      expect(ready.status).toBe(200);
      const token = issuer.token({ sub: 'customer-least-privilege' });
      const created = await postOrder(service.client, token);
      expect(created.status).toBe(202);
      await service.handle.relay.runOnce();
      const listed = await service.client.get('/api/orders', token);
      expect(listed.status).toBe(200);
      expect(listed.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([created.body.orderId]);
      // UPDATE and DELETE, as the runtime user, outside the service.
      const counts = await asUser(database, runtime, async (client) => ({
        updated: (
          await client.query(`UPDATE outbox SET attempts = attempts WHERE order_id = $1`, [created.body.orderId])
        ).rowCount,
        deleted: (await client.query(`DELETE FROM outbox WHERE order_id = $1`, [created.body.orderId])).rowCount,
      }));
      expect(counts).toEqual({ updated: 1, deleted: 1 });
    } finally {
      await service.close();
    }
  });

  test('a second run changes nothing and applies no migration', async () => {
    const adminUrl = urlAs(database, `${prefix}_admin`);
    const again = await bundle.bootstrapDatabase(
      bundle.loadBootstrapConfig(bootstrapEnv(adminUrl, runtime, migrator)),
      () => undefined,
    );
    expect(again.applied).toEqual([]);
    const { rows } = await database.pool.query(`SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`);
    expect(rows).toEqual([{ tableowner: migrator }]);
  });
});

test('a database the runtime user migrated itself (before the bootstrap did) is handed to the migrator', async () => {
  const legacy = await startDatabase();
  try {
    const runtime = `${prefix}_old_runtime`;
    const migrator = `${prefix}_old_migrator`;
    const adminUrl = await adminFor(legacy, `${prefix}_old_admin`);
    // What the previous bootstrap did: the runtime user could create in public, and the service
    // applied its migrations at start-up as that user.
    await legacy.pool.query(`CREATE ROLE ${runtime} LOGIN`);
    await legacy.pool.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${runtime}`);
    const old = await startService(legacy, issuer, { DATABASE_URL: urlAs(legacy, runtime) });
    await old.close();
    const before = await legacy.pool.query(`SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`);
    expect(before.rows).toEqual([{ tableowner: runtime }]);
    const result = await bundle.bootstrapDatabase(
      bundle.loadBootstrapConfig(bootstrapEnv(adminUrl, runtime, migrator)),
      () => undefined,
    );
    expect(result.applied).toEqual([]);
    const { rows } = await legacy.pool.query(`SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`);
    expect(rows).toEqual([{ tableowner: migrator }]);
    const refused = await asUser(legacy, runtime, async (client) => ({
      drop: await refusal(client.query('DROP TABLE orders CASCADE')),
      create: await refusal(client.query('CREATE TABLE intruder (id int)')),
      select: (await client.query('SELECT count(*)::int AS n FROM orders')).rows[0].n,
    }));
    expect(refused).toEqual({ drop: INSUFFICIENT_PRIVILEGE, create: INSUFFICIENT_PRIVILEGE, select: 0 });
  } finally {
    await legacy.stop();
  }
});

test('the configuration names every problem and refuses identifiers that are not plain', () => {
  expect(() =>
    bundle.loadBootstrapConfig({ DB_USER: 'Robert"; DROP TABLE orders; --', DB_MIGRATOR_ROLE: 'm' }),
  ).toThrow(/DB_USER must be a plain PostgreSQL identifier[\s\S]*DB_HOST is required/);
  expect(bundle.rolesSql({ runtimeUser: 'svc', migratorRole: 'owner', iamAuthentication: true })).toContain(
    'GRANT rds_iam TO "svc"',
  );
});
