/**
 * `npm run bench:cache`: GET /api/orders/{id} (what the storefront polls) at a fixed concurrency,
 * end to end (autocannon → the bundle as a separate process → a real PostgreSQL server), once
 * with the shared cache (a local redis-server/valkey-server) and once without, in the same run.
 *
 * Two services run on the same database: one with CACHE_HOST, one without. The orders are made
 * first (BENCH_CUSTOMERS customers × BENCH_ORDERS_PER_CUSTOMER orders), then BENCH_ROUNDS rounds
 * (default 3) of [with the cache: warm-up, measured run; without: warm-up, measured run], one
 * side at a time; the result is the median round. Every request reads one of the orders with its
 * owner's token, in turn. Database reads are counted by PostgreSQL itself (pg_stat_statements:
 * the calls of the order read), so "database queries per read" is the cache's miss rate at steady
 * state (after the warm-up).
 *
 * Options (env): BENCH_CONNECTIONS (16), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3),
 * BENCH_ROUNDS (3), BENCH_CUSTOMERS (50), BENCH_ORDERS_PER_CUSTOMER (4), BENCH_KEEP_DIR=1.
 * Last line: cache: <a> reads/s vs <b> without, ratio <a/b>, database queries per read <q>
 * Targets (issue 21): ratio >= 2, at most 0.05 database queries per read.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const pg = require('pg');
const { build } = require('../scripts/build');
const {
  cpuSeconds,
  freePort,
  loadLine,
  postgresBin,
  postgresCpuSeconds,
  startIssuer,
  startPostgres,
  waitForReady,
} = require('./bench');
const { CONNECTIONS, num, ROUNDS, SECONDS, serviceEnv, WARMUP_SECONDS } = require('./options');

const CUSTOMERS = num('BENCH_CUSTOMERS', 50);
const ORDERS_PER_CUSTOMER = num('BENCH_ORDERS_PER_CUSTOMER', 4);
const log = (message) => console.log(`[bench:cache] ${message}`);
const ORDER_BODY = JSON.stringify(require('../test/fixtures/order-request.json'));
/** The order read's statement (orders.ts getOrder), as pg_stat_statements normalises it. */
const ORDER_READ = '%FROM orders o WHERE o.order_id = $1 AND o.customer_id = $2%';

function valkeyBin() {
  const find = () => {
    for (const name of ['valkey-server', 'redis-server']) {
      try {
        return execFileSync('sh', ['-c', `command -v ${name}`])
          .toString()
          .trim();
      } catch {
        // not installed
      }
    }
    return undefined;
  };
  let bin = process.env.VALKEY_BIN ?? find();
  if (!bin) {
    if (process.getuid?.() !== 0) throw new Error('redis-server is not installed: apt-get install -y redis-server');
    log('installing redis-server (apt-get)');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    bin = find();
  }
  if (!bin) throw new Error('no valkey-server or redis-server found');
  return bin;
}

async function startValkey(bin) {
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const client = new (require('iovalkey'))({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      break;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const version = (await client.info('server')).match(/(?:valkey|redis)_version:(\S+)/)?.[0];
  client.disconnect();
  return { port, version, pid: child.pid, stop: () => child.kill('SIGKILL') };
}

function startService(outfile, env, logFile) {
  return freePort().then(async (port) => {
    const child = spawn(process.execPath, [outfile], {
      env: {
        ...serviceEnv(port),
        DB_POOL_MAX: String(CONNECTIONS),
        // Reads only: the per-customer order limit would refuse the set-up orders.
        ORDER_RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', logFile, logFile],
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForReady(url);
    return {
      url,
      pid: child.pid,
      stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))),
    };
  });
}

async function createOrders(url, issuer) {
  const reads = [];
  for (let c = 0; c < CUSTOMERS; c++) {
    const token = issuer.token(`bench-reader-${c}`);
    for (let o = 0; o < ORDERS_PER_CUSTOMER; o++) {
      const response = await fetch(`${url}/api/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'idempotency-key': `bench-${c}-${o}-${process.pid}`,
        },
        body: ORDER_BODY,
      });
      if (response.status !== 202)
        throw new Error(`POST /api/orders answered ${response.status}: ${await response.text()}`);
      reads.push({ path: `/api/orders/${(await response.json()).orderId}`, token });
    }
  }
  return reads;
}

function readLoad(url, reads, seconds) {
  let n = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const read = reads[n++ % reads.length];
          request.path = read.path;
          request.headers = { authorization: `Bearer ${read.token}` };
          return request;
        },
      },
    ],
  });
}

async function orderReads(db) {
  const { rows } = await db.query(
    'SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements WHERE query LIKE $1',
    [ORDER_READ],
  );
  return Number(rows[0].n);
}

/** CPU seconds used so far by the service, the whole PostgreSQL server and the cache server (Linux /proc). */
function cpuNow(service, servers) {
  const total = (pid) => {
    const used = cpuSeconds(pid);
    return used ? used.user + used.system : NaN;
  };
  return {
    service: total(service.pid),
    postgres: postgresCpuSeconds(servers.postgres.pid()) ?? NaN,
    cache: total(servers.valkey.pid),
  };
}

/**
 * One side: warm-up, then a measured run: requests/s, p99, database reads per request, and CPU
 * per request (µs) of the service and of PostgreSQL during the measured run.
 */
async function measure(service, reads, db, servers) {
  await readLoad(service.url, reads, WARMUP_SECONDS);
  const before = await orderReads(db);
  const cpuBefore = cpuNow(service, servers);
  const result = await readLoad(service.url, reads, SECONDS);
  const cpuAfter = cpuNow(service, servers);
  const queries = (await orderReads(db)) - before;
  const ok = result['2xx'];
  if (result.non2xx || result.errors) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  const micros = (k) => Math.round(((cpuAfter[k] - cpuBefore[k]) / ok) * 1e6);
  return {
    rps: ok / SECONDS,
    p99: result.latency.p99,
    perRead: queries / ok,
    cpu: { service: micros('service'), postgres: micros('postgres'), cache: micros('cache') },
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-bench-'));
  fs.chmodSync(dir, 0o755);
  const stops = [];
  try {
    const postgres = await startPostgres(postgresBin(), dir, ['-c shared_preload_libraries=pg_stat_statements']);
    stops.push(() => postgres.stop());
    const valkey = await startValkey(valkeyBin());
    stops.push(valkey.stop);
    log(`${postgres.version} on port ${postgres.port}; ${valkey.version} on port ${valkey.port} (${dir})`);
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    stops.push(() => db.end());
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { outfile } = await build({ quiet: true });
    const issuer = await startIssuer();
    stops.push(() => issuer.close());
    const logFile = fs.openSync(path.join(dir, 'checkout.log'), 'w');
    const common = { DATABASE_URL: postgres.url, AUTH_ISSUER: issuer.issuer };
    const plain = await startService(outfile, common, logFile);
    stops.push(plain.stop);
    const cached = await startService(
      outfile,
      { ...common, CACHE_HOST: '127.0.0.1', CACHE_PORT: String(valkey.port) },
      logFile,
    );
    stops.push(cached.stop);
    const reads = await createOrders(plain.url, issuer);
    log(
      `${reads.length} orders of ${CUSTOMERS} customers; ${ROUNDS} rounds of: with the cache, then without, each ${CONNECTIONS} connections, warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s`,
    );
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const withCache = await measure(cached, reads, db, { postgres, valkey });
      const without = await measure(plain, reads, db, { postgres, valkey });
      rounds.push({ withCache, without, ratio: withCache.rps / without.rps });
      const side = (r) =>
        `${r.rps.toFixed(0)} reads/s (p99 ${r.p99} ms, ${r.perRead.toFixed(4)} queries per read, CPU per read: service ${r.cpu.service} µs, PostgreSQL ${r.cpu.postgres} µs, cache server ${r.cpu.cache} µs)`;
      log(
        `round ${round}: with cache ${side(withCache)}; without ${side(without)}; ratio ${(withCache.rps / without.rps).toFixed(2)}; ${loadLine()}`,
      );
    }
    const mid = rounds.find((r) => r.ratio === median(rounds.map((x) => x.ratio)));
    const q = mid.withCache.perRead;
    const cpuPerRead = (r) => r.cpu.service + r.cpu.postgres + r.cpu.cache;
    log(
      `CPU per read (median round), service + PostgreSQL + cache server: ${cpuPerRead(mid.withCache)} µs with the cache, ${cpuPerRead(mid.without)} µs without (ratio ${(cpuPerRead(mid.without) / cpuPerRead(mid.withCache)).toFixed(2)}); the database's share: ${mid.without.cpu.postgres} µs per read without, ${mid.withCache.cpu.postgres} µs with`,
    );
    log(
      `targets: ratio >= 2 (${mid.ratio >= 2 ? 'met' : 'NOT met'}), at most 0.05 database queries per read (${q <= 0.05 ? 'met' : 'NOT met'}); ratios ${rounds.map((r) => r.ratio.toFixed(2)).join(', ')}`,
    );
    console.log(
      `cache: ${mid.withCache.rps.toFixed(0)} reads/s vs ${mid.without.rps.toFixed(0)} without, ratio ${mid.ratio.toFixed(2)}, database queries per read ${q.toFixed(4)}`,
    );
  } finally {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        console.error(`cleanup: ${error.message}`);
      }
    }
    if (process.env.BENCH_KEEP_DIR) log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exit(1);
});
