/**
 * `npm run bench:checkout`: POST /api/orders end to end (autocannon → the bundle as a separate
 * process → a real PostgreSQL server on this machine) against pgbench running the same SQL
 * statement (CREATE_ORDER_SQL, exported by the bundle) at the same concurrency.
 *
 * PostgreSQL: Debian's package (installed with apt-get when absent and running as root), a fresh
 * cluster in a temp dir owned by the postgres user, on a free port; stopped and removed after.
 *
 * The two sides run in turns, never at once: BENCH_ROUNDS rounds (default 3) of [the service:
 * warm-up, measured run; the service stopped; pgbench: warm-up, measured run]. Each round's ratio
 * compares two runs minutes apart at most, so a change in the machine's load between them (other
 * work on a shared machine) moves one round, not the result; the result is the median round.
 * autocannon runs in this process, the service in its own (the load generator never shares the
 * service's event loop); pgbench runs its client threads (-j) as usual.
 *
 * Options (env): BENCH_CONNECTIONS (16), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3),
 * BENCH_ROUNDS (3), BENCH_DB_POOL_MAX (the service's pool; default BENCH_CONNECTIONS),
 * BENCH_NODE_ARGS (e.g. --cpu-prof), BENCH_LOG_LEVEL (the service's; info, as deployed: warn
 * shows what the access line costs), BENCH_KEEP_DIR=1.
 * Each round also prints the CPU time per order of the service, PostgreSQL and autocannon (and
 * per transaction of PostgreSQL and pgbench), read from /proc, and the machine's CPU ceiling.
 * Last line: checkout: <N> orders/s, pgbench <M> tps, ratio <N/M>, p99 <a> ms vs <b> ms
 */
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const { createSign, generateKeyPairSync, randomUUID } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { build } = require('../scripts/build');

const { CONNECTIONS, num, ROUNDS, SECONDS, serviceEnv, WARMUP_SECONDS } = require('./options');

const DB_POOL_MAX = num('BENCH_DB_POOL_MAX', CONNECTIONS);
const log = (message) => console.log(`[bench] ${message}`);

function postgresBin() {
  const find = () => {
    const root = '/usr/lib/postgresql';
    if (!fs.existsSync(root)) return undefined;
    const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pgbench')));
    versions.sort((a, b) => Number(b) - Number(a));
    return versions.length ? path.join(root, versions[0], 'bin') : undefined;
  };
  let bin = find();
  if (!bin) {
    if (process.getuid?.() !== 0)
      throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (as root)');
    log('installing PostgreSQL (apt-get)');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'postgresql', 'postgresql-contrib'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    bin = find();
  }
  if (!bin) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
  return bin;
}

/** Runs a PostgreSQL tool as the postgres user (initdb and postgres refuse to run as root). */
function asPostgres(command, args, options = {}) {
  const root = process.getuid?.() === 0;
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...options }).toString();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A fresh cluster in `dir` on a free port; `extraOptions` are more `-c name=value` server settings. */
async function startPostgres(bin, dir, extraOptions = []) {
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  asPostgres(path.join(bin, 'initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--no-instructions',
  ]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=300',
    '-c shared_buffers=256MB',
    '-c fsync=on',
    '-c synchronous_commit=on',
    ...extraOptions,
  ].join(' ');
  asPostgres(path.join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(dir, 'postgres.log'),
    '-o',
    options,
    '-w',
    'start',
  ]);
  asPostgres(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'securecart']);
  return {
    port,
    pid: () => Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    url: `postgres://postgres@127.0.0.1:${port}/securecart`,
    version: asPostgres(path.join(bin, 'postgres'), ['--version']).trim(),
    stop: () => asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
  };
}

async function startIssuer() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = JSON.stringify({
    keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' }],
  });
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}/bench-pool`;
  const token = (sub) => {
    const now = Math.floor(Date.now() / 1000);
    const encode = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${encode({ alg: 'RS256', typ: 'JWT', kid: 'bench' })}.${encode({ sub, client_id: 'bench-client', token_use: 'access', iss: issuer, iat: now, exp: now + 3600 })}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
  };
  return { issuer, token, close: () => server.close() };
}

async function waitForReady(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/api/health/ready`)).status === 200) return;
    } catch {
      // not yet listening
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('checkout-api did not become ready');
}

// The same valid order body the tests send.
const ORDER_BODY = JSON.stringify(require('../test/fixtures/order-request.json'));

function runAutocannon(url, tokens, seconds) {
  let counter = 0;
  const run = autocannon({
    url: `${url}/api/orders`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const n = counter++;
          request.headers = {
            'content-type': 'application/json',
            authorization: `Bearer ${tokens[n % tokens.length]}`,
            'idempotency-key': `bench-${process.pid}-${n}`,
          };
          request.body = ORDER_BODY;
          return request;
        },
      },
    ],
  });
  return new Promise((resolve, reject) => run.then(resolve, reject));
}

/** The service's statement with its parameters replaced by pgbench expressions. */
function pgbenchScript(createOrderSql, orderJson) {
  const { payment: _payment, ...kept } = JSON.parse(orderJson);
  const literal = (s) => `'${s.replace(/'/g, "''")}'`;
  const sql = createOrderSql
    .replace(/\$1/g, "('pgb-' || :r)")
    .replace(/\$2/g, "('customer-' || :client_id)")
    .replace(/\$3/g, "('key-' || :r)")
    .replace(/\$4/g, literal('0123456789abcdef0123456789abcdef0123456789a'))
    .replace(/\$5/g, literal(orderJson))
    .replace(/\$6/g, 'now()')
    .replace(/\$7/g, 'NULL') // no trace header: the benchmark's requests carry none
    .replace(/\$8/g, literal(JSON.stringify(kept)));
  return `\\set r random(1, 9000000000000000000)\n${sql};\n`;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const USER_HZ = 100;
/** /proc/<pid>/stat fields after the command: [0] state, [1] ppid, ..., [11] utime, [12] stime, [13] cutime, [14] cstime. */
function procStat(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').map(Number);
  } catch {
    return undefined;
  }
}

/** CPU seconds (user, system) a process has used so far (Linux /proc; undefined elsewhere). */
function cpuSeconds(pid) {
  const fields = procStat(pid);
  return fields && { user: fields[11] / USER_HZ, system: fields[12] / USER_HZ };
}

/**
 * CPU seconds the whole PostgreSQL server has used so far: the postmaster, its live children (the
 * backends, the WAL writer, ...) and its exited, reaped children (cutime + cstime). Linux only.
 */
function postgresCpuSeconds(postmasterPid) {
  const main = procStat(postmasterPid);
  if (!main) return undefined;
  let total = (main[11] + main[12] + main[13] + main[14]) / USER_HZ;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStat(entry);
    if (fields && fields[1] === postmasterPid) total += (fields[11] + fields[12]) / USER_HZ;
  }
  return total;
}

/** CPU seconds this process and its reaped children (pgbench, through runuser) have used so far. */
function selfCpuSeconds() {
  const fields = procStat('self');
  return fields && { self: (fields[11] + fields[12]) / USER_HZ, children: (fields[13] + fields[14]) / USER_HZ };
}

const micros = (seconds, count) => Math.round((seconds / count) * 1e6);

const loadLine = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')} on ${os.cpus().length} CPUs`;

async function main() {
  const bin = postgresBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkout-bench-'));
  fs.chmodSync(dir, 0o755);
  let pg;
  let service;
  let issuer;
  try {
    pg = await startPostgres(bin, dir);
    log(`${pg.version} on port ${pg.port} (${dir}); ${loadLine()}`);
    const { outfile } = await build({ quiet: true });
    const bundle = require(outfile);
    issuer = await startIssuer();
    const tokens = Array.from({ length: 64 }, (_, i) => issuer.token(`bench-customer-${i}`));
    const serviceLog = fs.openSync(path.join(dir, 'checkout.log'), 'w');
    // BENCH_NODE_ARGS=--cpu-prof profiles the service (the profile lands in the kept temp dir).
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

    const startService = async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [...nodeArgs, outfile], {
        env: {
          // No relay and no consumer (they would only fail against the unreachable queue): this measures intake.
          ...serviceEnv(port),
          DATABASE_URL: pg.url,
          DB_POOL_MAX: String(DB_POOL_MAX),
          AUTH_ISSUER: issuer.issuer,
          LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        },
        cwd: dir,
        stdio: ['ignore', serviceLog, serviceLog],
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForReady(url);
      return { child, url };
    };
    const stopService = async () => {
      const { child } = service;
      service = undefined;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    };

    const sampleOrder = JSON.stringify({
      schemaVersion: 1,
      orderId: randomUUID(),
      customerId: 'bench-customer-0',
      createdAt: new Date().toISOString(),
      currency: 'USD',
      ...JSON.parse(ORDER_BODY),
    });
    const script = path.join(dir, 'create-order.sql');
    fs.writeFileSync(script, pgbenchScript(bundle.CREATE_ORDER_SQL, sampleOrder));
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    const pgbenchArgs = (seconds, logPrefix) => [
      '-h',
      '127.0.0.1',
      '-p',
      String(pg.port),
      '-U',
      'postgres',
      '-n',
      '-M',
      'prepared',
      '-c',
      String(CONNECTIONS),
      '-j',
      String(Math.min(CONNECTIONS, os.cpus().length)),
      '-T',
      String(seconds),
      '-f',
      script,
      ...(logPrefix ? ['-l', `--log-prefix=${logPrefix}`] : []),
      'securecart',
    ];

    log(
      `${ROUNDS} rounds of: autocannon ${CONNECTIONS} connections (service pool ${DB_POOL_MAX}), then pgbench ${CONNECTIONS} clients running the same statement; each warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s`,
    );
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      service = await startService();
      await runAutocannon(service.url, tokens, WARMUP_SECONDS);
      const before = {
        service: cpuSeconds(service.child.pid),
        pg: postgresCpuSeconds(pg.pid()),
        self: selfCpuSeconds(),
      };
      const result = await runAutocannon(service.url, tokens, SECONDS);
      const after = {
        service: cpuSeconds(service.child.pid),
        pg: postgresCpuSeconds(pg.pid()),
        self: selfCpuSeconds(),
      };
      await stopService();
      const non2xx = result.non2xx + result.errors + result.timeouts;
      if (non2xx > 0) throw new Error(`${non2xx} requests failed; see ${path.join(dir, 'checkout.log')}`);
      const orders = result.requests.total;
      // CPU per order of each process on the path (Linux /proc): where the machine's CPUs went.
      const cost =
        before.service && after.service && before.pg !== undefined && after.pg !== undefined && before.self
          ? {
              service: micros(
                after.service.user + after.service.system - before.service.user - before.service.system,
                orders,
              ),
              serviceUser: micros(after.service.user - before.service.user, orders),
              pg: micros(after.pg - before.pg, orders),
              autocannon: micros(after.self.self - before.self.self, orders),
            }
          : undefined;
      const cpu = cost
        ? `, CPU per order: service ${cost.service} µs (user ${cost.serviceUser}), PostgreSQL ${cost.pg} µs, autocannon ${cost.autocannon} µs`
        : '';

      const logDir = path.join(dir, `pgbench-${round}`);
      fs.mkdirSync(logDir);
      if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', logDir]);
      asPostgres(path.join(bin, 'pgbench'), pgbenchArgs(WARMUP_SECONDS), { cwd: dir });
      const pgBefore = { pg: postgresCpuSeconds(pg.pid()), self: selfCpuSeconds() };
      const output = asPostgres(path.join(bin, 'pgbench'), pgbenchArgs(SECONDS, path.join(logDir, 'tx')), {
        cwd: dir,
      });
      const pgAfter = { pg: postgresCpuSeconds(pg.pid()), self: selfCpuSeconds() };
      const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
      const transactions = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1]);
      const pgCost =
        pgBefore.pg !== undefined && pgAfter.pg !== undefined && pgBefore.self && transactions
          ? {
              pg: micros(pgAfter.pg - pgBefore.pg, transactions),
              pgbench: micros(pgAfter.self.children - pgBefore.self.children, transactions),
            }
          : undefined;
      const latencies = fs
        .readdirSync(logDir)
        .flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').trim().split('\n'))
        .map((line) => Number(line.split(' ')[2]) / 1000)
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      const r = {
        orders: result.requests.average,
        p99: result.latency.p99,
        tps,
        pgP99: percentile(latencies, 99),
        cost,
        pgCost,
      };
      rounds.push(r);
      log(
        `round ${round}: checkout ${orders} requests, ${r.orders.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${r.p99} ms${cpu}; pgbench ${latencies.length} transactions, ${tps.toFixed(0)} tps, p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${r.pgP99.toFixed(2)} ms${pgCost ? `, CPU per transaction: PostgreSQL ${pgCost.pg} µs, pgbench ${pgCost.pgbench} µs` : ''}; ratio ${(r.orders / tps).toFixed(2)}; ${loadLine()}`,
      );
    }

    // The median round by ratio (its own throughputs and latencies, measured minutes apart at most).
    const byRatio = [...rounds].sort((a, b) => a.orders / a.tps - b.orders / b.tps);
    const mid = byRatio[Math.floor((byRatio.length - 1) / 2)];
    const ratio = mid.orders / mid.tps;
    const p99Factor = median(rounds.map((r) => r.p99 / r.pgP99));
    if (mid.cost) {
      // What the CPUs allow: every order costs the service, PostgreSQL and the load generator CPU time on the same machine.
      const cpus = os.cpus().length;
      const { service: svc, pg: db, autocannon: load } = mid.cost;
      const ceiling = (cpus * 1e6) / (svc + db + load);
      const withoutService = (cpus * 1e6) / (db + load);
      log(
        `CPU ceiling on ${cpus} CPUs: ${ceiling.toFixed(0)} orders/s at ${svc + db + load} µs per order (service ${svc}, PostgreSQL ${db}, autocannon ${load}); a service costing no CPU at all would reach at most ${withoutService.toFixed(0)} orders/s, ratio ${(withoutService / mid.tps).toFixed(2)}`,
      );
    }
    log(
      `targets: ratio >= 0.7 (${ratio >= 0.7 ? 'met' : 'NOT met'}), p99 <= 3x pgbench (median ${p99Factor.toFixed(2)}x, ${p99Factor <= 3 ? 'met' : 'NOT met'}); ratios ${rounds.map((r) => (r.orders / r.tps).toFixed(2)).join(', ')}; ${loadLine()}`,
    );
    console.log(
      `checkout: ${mid.orders.toFixed(0)} orders/s, pgbench ${mid.tps.toFixed(0)} tps, ratio ${ratio.toFixed(2)}, p99 ${mid.p99.toFixed(2)} ms vs ${mid.pgP99.toFixed(2)} ms`,
    );
  } finally {
    service?.child.kill('SIGKILL');
    issuer?.close();
    try {
      pg?.stop();
    } catch (error) {
      console.error(`could not stop PostgreSQL: ${error.message}`);
    }
    if (process.env.BENCH_KEEP_DIR) log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

// bench/cache.js (npm run bench:cache) reuses the PostgreSQL, issuer and readiness helpers.
module.exports = {
  cpuSeconds,
  freePort,
  loadLine,
  postgresBin,
  postgresCpuSeconds,
  startIssuer,
  startPostgres,
  waitForReady,
};

if (require.main === module) {
  main().catch((error) => {
    console.error(error.stack ?? error);
    process.exit(1);
  });
}
