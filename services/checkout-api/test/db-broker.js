/**
 * PostgreSQL for the tests: PGlite instances served over the wire protocol (pglite-socket).
 * PGlite loads its WebAssembly with dynamic import(), which jest's module sandbox does not allow,
 * so the databases live in jest's parent process (started by globalSetup) and test files ask this
 * small broker for one: POST /databases → { id, url }; DELETE /databases/<id>. Each is a clone of
 * one freshly initialised template (a clone takes ~0.5 s, a new instance ~1.5-2.5 s).
 */
const http = require('node:http');

async function startBroker() {
  const { PGlite } = require('@electric-sql/pglite');
  const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
  const template = PGlite.create();
  const databases = new Map();
  let nextId = 1;

  const server = http.createServer((req, res) => {
    const reply = (status, body) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    (async () => {
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
    })().catch((error) => reply(500, { message: String(error) }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async stop() {
      server.close();
      for (const { db, socket } of databases.values()) {
        await socket.stop().catch(() => undefined);
        await db.close().catch(() => undefined);
      }
      await (await template).close();
    },
  };
}

module.exports = { startBroker };
