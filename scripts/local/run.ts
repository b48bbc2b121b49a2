/**
 * npm run local — the shop on this machine, in one command:
 *
 *   1. checks that a local AWS endpoint answers (AWS_ENDPOINT_URL, default http://localhost:4566);
 *      if none does, says how to start LocalStack and exits 1;
 *   2. deploys the `localstack` profile (npm run local:deploy), unless the deployed stacks are the
 *      ones the current sources make: the hash of the CDK app's inputs is recorded in
 *      .local/deployment.json with the stacks' last update times, and compared with both;
 *   3. seeds the catalog with the demo products (products already there are kept as they are);
 *   4. starts the checkout service (npm run dev:checkout) bound to the stacks' outputs, read with
 *      CloudFormation, with its PostgreSQL (PGlite) data in .local/postgres: orders survive a restart;
 *      it also forwards the storefront's POST /api/events into the clickstream's stream (standing
 *      in for API Gateway's Kinesis integration) and reads recommendations from ProductAffinity;
 *   5. starts the local development sign-in (test/e2e's managed login, labelled as such on every
 *      page, never deployed) with the test customers of customers.ts and a sign-up form (kept in
 *      memory: accounts made there last until npm run local stops), issuing Cognito-shaped tokens;
 *   6. starts the storefront in Vite's dev server, /api proxied to the service and /config.json
 *      pointing at the local sign-in;
 *   7. prints the URL to open and the test customers; every part's lines are prefixed with its name.
 *
 * Ctrl-C (or SIGTERM) stops every process it started, and only those; so does a failure.
 * Settings: AWS_ENDPOINT_URL, AWS_REGION; SECURECART_LOCAL_DIR (default <repo>/.local).
 * Run as `node --import tsx scripts/local/run.ts` (one process, so the signal reaches the clean-up).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DEMO_PRODUCTS, describeSeed, seedCatalog } from '../seed-catalog';
import { LocalManagedLogin } from '../../test/e2e/provider';
import { createClients } from '../../test/smoke/aws';
import type { Clients } from '../../test/smoke/aws';
import { clickstreamEnv } from '../../test/smoke/recommendations';
import { outputsFromStack } from '../../test/smoke/outputs';
import { LOCAL_CLIENT_ID, SIGN_IN_LABEL, TEST_CUSTOMERS } from './customers';
import { AsyncLines, Processes, say } from './processes';

const ROOT = resolve(__dirname, '..', '..');
const LOCAL_DIR = resolve(process.env.SECURECART_LOCAL_DIR || join(ROOT, '.local'));
const PROFILE = 'localstack';
const DATA_STACK = `SecureCart-${PROFILE}-Data`;
const PIPELINE_STACK = `SecureCart-${PROFILE}-Pipeline`;
/** What the localstack profile's templates and assets are made from. */
const DEPLOY_INPUTS = ['bin', 'lib', 'lambda', 'contracts', 'cdk.json', 'package-lock.json', 'tsconfig.json'];
/** Printed by `npm run local` once everything answers; `npm run local:check` waits for it. */
export const READY_LINE = 'Open the shop:';

const log = (text: string) => say('local', text);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

class Failure extends Error {}

interface DeploymentState {
  readonly endpoint: string;
  readonly inputs: string;
  readonly stacks: Record<string, string>;
}

/** sha256 over the paths and contents of the CDK app's inputs (tracked and untracked, not ignored). */
export function deployInputsHash(root = ROOT): string {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z', '--', ...DEPLOY_INPUTS], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter((f) => f && existsSync(join(root, f)))
    .sort();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(root, file)))
      .update('\0');
  return hash.digest('hex');
}

/** Each stack's status and last change, or undefined when it does not exist. */
async function stackVersions(clients: Clients): Promise<Record<string, string> | undefined> {
  const versions: Record<string, string> = {};
  for (const name of [DATA_STACK, PIPELINE_STACK]) {
    try {
      const stack = (await clients.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
      const status = stack?.StackStatus ?? '';
      if (!/_COMPLETE$/.test(status) || /ROLLBACK|DELETE/.test(status)) return undefined;
      versions[name] = `${status} ${(stack!.LastUpdatedTime ?? stack!.CreationTime)?.toISOString()}`;
    } catch {
      return undefined;
    }
  }
  return versions;
}

function readState(path: string): DeploymentState | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DeploymentState;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function waitForHttp(url: string, timeoutMs: number, ok: (status: number) => boolean): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (ok(response.status)) return response.status;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Failure(`${url} did not answer within ${timeoutMs / 1000} s (last: ${last})`);
}

async function main(): Promise<number> {
  const started = Date.now();
  const processes = new Processes();
  let provider: LocalManagedLogin | undefined;
  let finished: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finished = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log(`${why}: stopping what it started`);
      await processes.stopAll();
      await provider?.stop();
      log('stopped');
    })());

  let signalled = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled++ > 0) return; // the terminal signals the whole group; npm may relay it again
    const code = signal === 'SIGINT' ? 130 : 143;
    void stop(signal).then(() => finished(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  processes.onUnexpectedExit = (name, how) => {
    log(`${name} exited (${how}) unexpectedly`);
    void stop(`${name} exited`).then(() => finished(1));
  };

  const startUp = async (): Promise<void> => {
    // 1. The AWS endpoint ----------------------------------------------------------------------
    const endpoint = (process.env.AWS_ENDPOINT_URL ||= 'http://localhost:4566');
    process.env.AWS_REGION ||= process.env.AWS_DEFAULT_REGION || 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    process.env.NO_PROXY = `127.0.0.1,localhost${process.env.NO_PROXY ? `,${process.env.NO_PROXY}` : ''}`;
    process.env.no_proxy = process.env.NO_PROXY;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    try {
      const response = await fetch(endpoint, { signal: AbortSignal.timeout(3000) });
      await response.arrayBuffer();
    } catch (error) {
      const { cause } = error as { cause?: { code?: string; message?: string } };
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new Failure(
        [
          `no AWS endpoint answers at ${endpoint} (${why}).`,
          'Start LocalStack with the repository’s compose file (Docker and a LocalStack auth token; README, "Run it locally"):',
          '  export LOCALSTACK_AUTH_TOKEN=<your token>',
          '  docker compose up -d --wait',
          'then run npm run local again (or set AWS_ENDPOINT_URL to the local endpoint you use).',
        ].join('\n'),
      );
    }
    log(`AWS endpoint ${endpoint} answers (region ${process.env.AWS_REGION})`);
    mkdirSync(LOCAL_DIR, { recursive: true });

    // 2. The deployment ------------------------------------------------------------------------
    const clients = createClients();
    const statePath = join(LOCAL_DIR, 'deployment.json');
    const inputs = deployInputsHash();
    const state = readState(statePath);
    const deployed = await stackVersions(clients);
    const upToDate =
      !!state &&
      !!deployed &&
      state.endpoint === endpoint &&
      state.inputs === inputs &&
      JSON.stringify(state.stacks) === JSON.stringify(deployed);
    if (upToDate) {
      log(`deployment up to date (${DATA_STACK}, ${PIPELINE_STACK}; sources unchanged since it): not deployed again`);
    } else {
      const why = !deployed
        ? 'the stacks are not deployed here'
        : state?.inputs !== inputs
          ? 'the sources changed since the last deployment (or it was not made by npm run local)'
          : 'the stacks changed since npm run local deployed them';
      log(`deploying the ${PROFILE} profile (npm run local:deploy): ${why}`);
      const deployStarted = Date.now();
      const code = await processes.run('deploy', 'bash', [join(ROOT, 'scripts', 'localstack.sh'), 'deploy'], {
        cwd: ROOT,
        env: process.env,
      });
      if (code !== 0) throw new Failure(`npm run local:deploy failed (exit ${code}); see the [deploy] lines above`);
      const now = await stackVersions(clients);
      if (!now) throw new Failure(`deployed, but ${DATA_STACK} or ${PIPELINE_STACK} is not complete`);
      writeFileSync(statePath, `${JSON.stringify({ endpoint, inputs, stacks: now }, null, 2)}\n`);
      log(`deployed in ${seconds(deployStarted)}; recorded in ${statePath}`);
    }
    const { outputs } = await outputsFromStack(clients, PIPELINE_STACK, DATA_STACK);

    // 3. The catalog ---------------------------------------------------------------------------
    const seeded = await seedCatalog(outputs.CatalogTableName, DEMO_PRODUCTS, { keepExisting: true, ddb: clients.doc });
    log(describeSeed(outputs.CatalogTableName, seeded));

    // 4. The sign-in ---------------------------------------------------------------------------
    provider = await new LocalManagedLogin({
      clientId: LOCAL_CLIENT_ID,
      users: TEST_CUSTOMERS,
      label: SIGN_IN_LABEL,
      tokenLifetimeSeconds: 3600,
      selfSignUp: true,
    }).start();
    say('sign-in', `local development sign-in at ${provider.domain} (issuer ${provider.issuer})`);

    // 5. The checkout service ------------------------------------------------------------------
    const dataDir = join(LOCAL_DIR, 'postgres');
    const checkoutLines = new AsyncLines();
    const checkout = processes.start(
      'checkout',
      process.execPath,
      [join(ROOT, 'services', 'checkout-api', 'scripts', 'dev.js'), '--data-dir', dataDir, '--profile', PROFILE],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          CATALOG_TABLE_NAME: outputs.CatalogTableName,
          CARTS_TABLE_NAME: outputs.CartsTableName,
          ORDERS_QUEUE_URL: outputs.OrdersQueueUrl,
          ORDER_STATUS_QUEUE_URL: outputs.OrderStatusQueueUrl,
          AUTH_ISSUER: provider.issuer,
          AUTH_JWKS_URI: provider.jwksUri,
          AUTH_CLIENT_ID: LOCAL_CLIENT_ID,
          ...clickstreamEnv(outputs),
        },
      },
      checkoutLines.push,
    );
    const [, checkoutUrl] = await Processes.waitForLine(checkout, /^checkout-api: (http:\S+)/, 120_000, checkoutLines);
    await waitForHttp(`${checkoutUrl}/api/health/ready`, 30_000, (s) => s === 200);
    say('checkout', `${checkoutUrl} ready (PostgreSQL data in ${dataDir})`);

    // 6. The storefront ------------------------------------------------------------------------
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    provider.registerClient(origin);
    const viteLines = new AsyncLines();
    const vite = processes.start(
      'storefront',
      process.execPath,
      [
        join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--strictPort',
        '--clearScreen',
        'false',
      ],
      {
        cwd: join(ROOT, 'web'),
        env: {
          ...process.env,
          CHECKOUT_URL: checkoutUrl,
          OIDC_AUTHORITY: provider.issuer,
          OIDC_CLIENT_ID: LOCAL_CLIENT_ID,
          OIDC_COGNITO_DOMAIN: provider.domain,
        },
      },
      viteLines.push,
    );
    await Processes.waitForLine(vite, /ready in/i, 60_000, viteLines);
    await waitForHttp(`${origin}/config.json`, 30_000, (s) => s === 200);

    // 7. Ready ---------------------------------------------------------------------------------
    log(`ready in ${seconds(started)}`);
    console.log(
      [
        '',
        `${READY_LINE} ${origin}/`,
        '',
        'Test customers (local development sign-in only):',
        ...TEST_CUSTOMERS.map((c) => `  ${c.email.padEnd(20)} password ${c.password}`),
        'Or "Create an account" on the sign-in page (the pool\'s password policy; kept until npm run local stops).',
        'Test cards at checkout: "Test card — approves" (tok_approve), "Test card — declines" (tok_decline).',
        'Ctrl-C stops everything npm run local started.',
        '',
      ].join('\n'),
    );
  };

  startUp().catch((error: unknown) => {
    if (stopping) return; // interrupted during start-up: the signal's clean-up runs
    log(error instanceof Failure ? error.message : `failed: ${(error as Error).stack ?? String(error)}`);
    void stop('start-up failed').then(() => finished(1));
  });
  return done;
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
