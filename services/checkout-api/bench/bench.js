/**
 * `npm run bench:checkout`: POST /api/orders end to end (autocannon → the bundle as a separate
 * process → a real PostgreSQL server on this machine) against pgbench running the same SQL
 * statement (CREATE_ORDER_SQL, exported by the bundle) at the same concurrency.
 *
 * PostgreSQL: Debian's package (installed with apt-get when absent and running as root), a fresh
 * cluster in a temp dir owned by the postgres user, on a free port; stopped and removed after.
 *
 * Options (env): BENCH_CONNECTIONS (16), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3).
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

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
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

async function startPostgres(bin, dir) {
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

const ORDER_BODY = JSON.stringify({
  items: [
    { productId: 'p-100', quantity: 2 },
    { productId: 'p-200', quantity: 1 },
  ],
  shippingAddress: {
    name: 'Ada Lovelace',
    line1: '12 Analytical Engine Row',
    city: 'London',
    postalCode: 'NW1 6XE',
    country: 'GB',
  },
  payment: { token: 'tok_approve' },
  clientTotalCents: 4497,
});

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
  const literal = (s) => `'${s.replace(/'/g, "''")}'`;
  const sql = createOrderSql
    .replace(/\$1/g, "('pgb-' || :r)")
    .replace(/\$2/g, "('customer-' || :client_id)")
    .replace(/\$3/g, "('key-' || :r)")
    .replace(/\$4/g, literal('0123456789abcdef0123456789abcdef0123456789a'))
    .replace(/\$5/g, literal(orderJson))
    .replace(/\$6/g, 'now()');
  return `\\set r random(1, 9000000000000000000)\n${sql};\n`;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const bin = postgresBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkout-bench-'));
  fs.chmodSync(dir, 0o755);
  let pg;
  let service;
  let issuer;
  try {
    pg = await startPostgres(bin, dir);
    log(`${pg.version} on port ${pg.port} (${dir})`);
    const { outfile } = await build({ quiet: true });
    const bundle = require(outfile);
    issuer = await startIssuer();
    const port = await freePort();
    const serviceLog = fs.openSync(path.join(dir, 'checkout.log'), 'w');
    // BENCH_NODE_ARGS=--cpu-prof profiles the service (the profile lands in the kept temp dir).
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    service = spawn(process.execPath, [...nodeArgs, outfile], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: pg.url,
        DB_POOL_MAX: String(CONNECTIONS),
        CATALOG_TABLE_NAME: 'bench-catalog',
        CARTS_TABLE_NAME: 'bench-carts',
        ORDERS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/bench-orders.fifo',
        ORDER_STATUS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/bench-order-status',
        // The relay and consumer would only fail against the unreachable queue: this measures intake.
        OUTBOX_RELAY_ENABLED: 'false',
        STATUS_CONSUMER_ENABLED: 'false',
        AUTH_ISSUER: issuer.issuer,
        AUTH_CLIENT_ID: 'bench-client',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LOG_LEVEL: 'info',
      },
      cwd: dir,
      stdio: ['ignore', serviceLog, serviceLog],
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForReady(url);
    const tokens = Array.from({ length: 64 }, (_, i) => issuer.token(`bench-customer-${i}`));

    log(`autocannon: ${CONNECTIONS} connections, warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s`);
    await runAutocannon(url, tokens, WARMUP_SECONDS);
    const result = await runAutocannon(url, tokens, SECONDS);
    const non2xx = result.non2xx + result.errors + result.timeouts;
    const ordersPerSecond = result.requests.average;
    log(
      `checkout: ${result.requests.total} requests, ${non2xx} not 2xx/errors, ${ordersPerSecond.toFixed(0)} req/s, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
    );
    if (non2xx > 0) throw new Error(`${non2xx} requests failed; see ${path.join(dir, 'checkout.log')}`);

    // Stop the service before pgbench so the two runs do not share the machine.
    service.kill('SIGTERM');
    await new Promise((resolve) => service.once('exit', resolve));
    service = undefined;

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
    const logDir = path.join(dir, 'pgbench');
    fs.mkdirSync(logDir);
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    const pgbenchArgs = (seconds, logs) => [
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
      ...(logs ? ['-l', `--log-prefix=${path.join(logDir, 'tx')}`] : []),
      'securecart',
    ];
    log(`pgbench: ${CONNECTIONS} clients, the same statement, warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s`);
    asPostgres(path.join(bin, 'pgbench'), pgbenchArgs(WARMUP_SECONDS, false), { cwd: dir });
    const output = asPostgres(path.join(bin, 'pgbench'), pgbenchArgs(SECONDS, true), { cwd: dir });
    const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
    const latencies = fs
      .readdirSync(logDir)
      .flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').trim().split('\n'))
      .map((line) => Number(line.split(' ')[2]) / 1000)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const pgP99 = percentile(latencies, 99);
    log(
      `pgbench: ${latencies.length} transactions, ${tps.toFixed(0)} tps, latency p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${pgP99.toFixed(2)} ms`,
    );

    const ratio = ordersPerSecond / tps;
    const p99Factor = result.latency.p99 / pgP99;
    log(
      `targets: ratio >= 0.7 (${ratio >= 0.7 ? 'met' : 'NOT met'}), p99 <= 3x pgbench (${p99Factor.toFixed(2)}x, ${p99Factor <= 3 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `checkout: ${ordersPerSecond.toFixed(0)} orders/s, pgbench ${tps.toFixed(0)} tps, ratio ${ratio.toFixed(2)}, p99 ${result.latency.p99.toFixed(2)} ms vs ${pgP99.toFixed(2)} ms`,
    );
  } finally {
    service?.kill('SIGKILL');
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

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exit(1);
});
