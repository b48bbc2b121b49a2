/**
 * `npm run dev:checkout [-- --port 8080] [--profile NAME] [--data-dir DIR]`: the checkout service on
 * this machine.
 *
 * - PostgreSQL: an embedded PGlite served over the wire protocol (pglite-socket), in memory
 *   (or in --data-dir DIR to keep it), unless DATABASE_URL is set.
 * - AWS: whatever AWS_ENDPOINT_URL points at (LocalStack, the emulator). Table and queue names are
 *   the deployed stacks' outputs: from the variables (CATALOG_TABLE_NAME, CARTS_TABLE_NAME,
 *   ORDERS_QUEUE_URL, ORDER_STATUS_QUEUE_URL) when set, else read with CloudFormation DescribeStacks
 *   from SecureCart-<profile>-Data and -Pipeline (--profile, default localstack). Never guessed: a
 *   missing stack or output fails at once, naming it.
 * - Tokens: with no AUTH_* variables, a local issuer (an RSA key and its JWKS on a loopback port)
 *   is started and a token for `dev-customer` printed. Tokens are verified all the same.
 *
 * Prints the service URL; Ctrl-C drains and stops everything.
 */
const { createSign, generateKeyPairSync } = require('node:crypto');
const http = require('node:http');
const { parseArgs } = require('node:util');
const { build } = require('./build');

async function startLocalIssuer(clientId) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'dev-key';
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
  const server = http.createServer((req, res) => {
    if (req.url.endsWith('/.well-known/jwks.json'))
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    else res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}/dev-pool`;
  const token = (sub) => {
    const now = Math.floor(Date.now() / 1000);
    const encode = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode({ sub, client_id: clientId, token_use: 'access', iss: issuer, iat: now, exp: now + 12 * 3600 })}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
  };
  return { issuer, token, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Service variable ← the stack output it comes from. */
const STACK_OUTPUTS = {
  CATALOG_TABLE_NAME: ['Data', 'CatalogTableName'],
  CARTS_TABLE_NAME: ['Data', 'CartsTableName'],
  ORDERS_QUEUE_URL: ['Pipeline', 'OrdersQueueUrl'],
  ORDER_STATUS_QUEUE_URL: ['Pipeline', 'OrderStatusQueueUrl'],
};

/**
 * The table and queue names: each from its variable when set, else from the stack's output.
 * Throws naming every stack or output that is missing.
 */
async function resourceNames(profile) {
  const names = {};
  const needed = Object.entries(STACK_OUTPUTS).filter(([variable]) => {
    if (process.env[variable]) names[variable] = process.env[variable];
    return !process.env[variable];
  });
  if (needed.length === 0) return { names, source: 'environment' };
  // The root package's SDK (the service's bundle does not need CloudFormation).
  const { CloudFormationClient, DescribeStacksCommand } = require('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient({ region: process.env.AWS_REGION });
  const problems = [];
  const outputs = {};
  for (const stack of new Set(needed.map(([, [suffix]]) => suffix))) {
    const name = `SecureCart-${profile}-${stack}`;
    try {
      const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: name }));
      outputs[stack] = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    } catch (error) {
      problems.push(`cannot read stack ${name} (${error.name}: ${error.message})`);
    }
  }
  for (const [variable, [stack, output]] of needed) {
    const value = outputs[stack]?.[output];
    if (value) names[variable] = value;
    else if (outputs[stack]) problems.push(`SecureCart-${profile}-${stack} has no output ${output} (for ${variable})`);
  }
  if (problems.length) {
    throw new Error(
      `dev:checkout: cannot find the deployed tables and queues:\n  ${problems.join('\n  ')}\n` +
        `Deploy first (npm run local:deploy, or npm run local), pass --profile NAME, or set ${needed.map(([v]) => v).join(', ')}.`,
    );
  }
  return { names, source: `outputs of SecureCart-${profile}-Data/-Pipeline` };
}

async function main() {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, profile: { type: 'string' } },
    allowPositionals: false,
  });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The service's SDK clients read endpoint, region and credentials from process.env itself.
  process.env.AWS_ENDPOINT_URL ??= 'http://localhost:4566';
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const { names, source } = await resourceNames(values.profile ?? 'localstack');
  const { outfile } = await build({ quiet: false });

  const cleanups = [];
  const env = {};
  if (!process.env.DATABASE_URL && !process.env.DB_HOST) {
    const { PGlite } = require('@electric-sql/pglite');
    const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
    const db = await PGlite.create(values['data-dir'] ? { dataDir: values['data-dir'] } : undefined);
    const socket = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 100 });
    await socket.start();
    env.DATABASE_URL = `postgres://postgres@${socket.getServerConn()}/postgres`;
    // PGlite multiplexes every connection onto one session: no named prepared statements, and one
    // connection (pglite-socket interleaves the Parse/Bind/Execute messages of concurrent
    // connections, which breaks their unnamed statements under concurrent requests).
    env.DB_PREPARED_STATEMENTS = 'false';
    env.DB_POOL_MAX = process.env.DB_POOL_MAX ?? '1';
    cleanups.push(async () => {
      await socket.stop();
      await db.close();
    });
    console.log(
      `PostgreSQL (PGlite${values['data-dir'] ? `, ${values['data-dir']}` : ', in memory'}): ${env.DATABASE_URL}`,
    );
  }

  const clientId = process.env.AUTH_CLIENT_ID ?? 'local-dev-client';
  env.AUTH_CLIENT_ID = clientId;
  let devToken;
  if (!process.env.AUTH_ISSUER && !process.env.AUTH_USER_POOL_ID) {
    const issuer = await startLocalIssuer(clientId);
    env.AUTH_ISSUER = issuer.issuer;
    devToken = issuer.token('dev-customer');
    cleanups.push(issuer.close);
  }

  const endpoint = process.env.AWS_ENDPOINT_URL;
  Object.assign(env, names);
  // Short long polls: on Ctrl-C the poll in flight is aborted, but the server may still hand it a
  // message (then invisible for the queue's visibility timeout); a short poll keeps that window short.
  env.STATUS_CONSUMER_WAIT_SECONDS = process.env.STATUS_CONSUMER_WAIT_SECONDS ?? '2';

  const { startCheckout } = require(outfile);
  const port = Number(values.port ?? process.env.PORT ?? 0);
  const service = await startCheckout({ port, host: process.env.HOST ?? '127.0.0.1', env });

  console.log(`\ncheckout-api: ${service.url}`);
  console.log(`  AWS endpoint ${endpoint}; names from ${source}`);
  console.log(`  tables ${env.CATALOG_TABLE_NAME}, ${env.CARTS_TABLE_NAME}`);
  console.log(`  queues ${env.ORDERS_QUEUE_URL}, ${env.ORDER_STATUS_QUEUE_URL}`);
  if (devToken) {
    console.log(`  dev token (sub dev-customer, 12 h):\n  export TOKEN=${devToken}`);
    console.log(`  curl -H "authorization: Bearer $TOKEN" ${service.url}/api/orders`);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await service.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
