/**
 * PostgreSQL for the tests. With CHECKOUT_TEST_PG_URL (npm run test:pg), every database is a new,
 * empty database on that real server (CREATE DATABASE; all dropped when the run ends).
 * Otherwise: PGlite instances served over the wire protocol (pglite-socket).
 * PGlite loads its WebAssembly with dynamic import(), which jest's module sandbox does not allow,
 * so the databases live in jest's parent process (started by globalSetup) and test files ask this
 * small broker for one: POST /databases → { id, url }; DELETE /databases/<id>. Each is a clone of
 * one freshly initialised template (a clone takes ~0.5 s, a new instance ~1.5-2.5 s).
 */
const http = require('node:http');

/** Databases on a real PostgreSQL server: `admin` is a superuser URL of its `postgres` database. */
function serverDatabases(admin) {
  const { Client } = require('pg');
  let next = 1;
  const run = async (sql) => {
    const client = new Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    async create() {
      const name = `checkout_test_${process.pid}_${next++}`;
      await run(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
      const url = new URL(admin);
      url.pathname = `/${name}`;
      return { name, url: url.toString() };
    },
    drop: (name) => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function startServerBroker(admin) {
  const server = serverDatabases(admin);
  const databases = new Map();
  let nextId = 1;
  return listen(
    async (req, reply) => {
      if (req.method === 'POST' && req.url === '/databases') {
        const { name, url } = await server.create();
        const id = String(nextId++);
        databases.set(id, name);
        return reply(201, { id, url });
      }
      const match = /^\/databases\/(\d+)$/.exec(req.url ?? '');
      if (req.method === 'DELETE' && match && databases.has(match[1])) {
        // Dropped when the run ends, not now: DROP ... WITH (FORCE) would terminate a connection
        // a test file still holds (an idle pool client), an error that test never asked for.
        return reply(200, {});
      }
      reply(404, {});
    },
    async () => {
      for (const name of databases.values()) await server.drop(name).catch(() => undefined);
    },
  );
}

/**
 * The broker's HTTP server around `handle`; `close` cleans up what is left at the end.
 * Every answer closes its connection (`connection: close`): a kept-alive connection idles out
 * after the server's keepAliveTimeout (5 s), and a client that sends its next request on it just as
 * the server closes it gets `socket hang up` (ECONNRESET). Jest's parent process, which runs this
 * server, is often busy running PGlite for the other workers, so on a loaded machine that race was
 * won often enough to fail a suite's beforeAll (hostile-requests, outbox-pruner, outbox-relay).
 */
async function listen(handle, close) {
  const server = http.createServer((req, res) => {
    const reply = (status, body) =>
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
    handle(req, reply).catch((error) => reply(500, { message: String(error) }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async stop() {
      server.close();
      await close();
    },
  };
}

async function startBroker() {
  const admin = process.env.CHECKOUT_TEST_PG_URL;
  if (admin) return startServerBroker(admin);
  return startPgliteBroker();
}

async function startPgliteBroker() {
  const { PGlite } = require('@electric-sql/pglite');
  const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
  const template = PGlite.create();
  const databases = new Map();
  let nextId = 1;
  return listen(
    async (req, reply) => {
      if (req.method === 'POST' && req.url === '/databases') {
        const db = await (await template).clone();
        const socket = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 500 });
        await socket.start();
        const id = String(nextId++);
        databases.set(id, { db, socket });
        return reply(201, { id, url: `postgres://postgres@${socket.getServerConn()}/postgres` });
      }
      const match = /^\/databases\/(\d+)$/.exec(req.url ?? '');
      if (req.method === 'DELETE' && match && databases.has(match[1])) {
        const { db, socket } = databases.get(match[1]);
        databases.delete(match[1]);
        await socket.stop();
        await db.close();
        return reply(200, {});
      }
      reply(404, {});
    },
    async () => {
      for (const { db, socket } of databases.values()) {
        await socket.stop().catch(() => undefined);
        await db.close().catch(() => undefined);
      }
      await (await template).close();
    },
  );
}

module.exports = { startBroker, listen };
