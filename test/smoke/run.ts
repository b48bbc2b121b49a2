/**
 * SecureCart smoke suite: drives real orders through a deployed Pipeline stack using only the
 * standard AWS APIs, so it runs unchanged against LocalStack, the local emulator or an account.
 *
 *   npx tsx test/smoke/run.ts [--outputs FILE] [--profile NAME | --stack NAME]
 *                             [--order-timeout SECONDS]
 *
 * Without --outputs, the stack outputs are read with CloudFormation DescribeStacks
 * (stack SecureCart-<profile>-Pipeline, profile `localstack` by default). Endpoint, region and
 * credentials come from the environment (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...).
 * Prints one line per check and `smoke: N passed, M failed`; exits 1 on any failure.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClients, describeTarget } from './aws';
import { checkPaymentsAndStock, checkRestock } from './effects';
import { evaluateFanOut, settle } from './fanout';
import { awaitOrder, planRun, removeCatalogItems, seedCatalog, sendOrder } from './orders';
import type { RunPlan } from './orders';
import { outputsFromFile, outputsFromStack, pipelineStackName } from './outputs';
import type { FoundOutputs } from './outputs';
import { checkSidelined, sendPoison } from './poison';
import { Report } from './report';
import {
  checkIntake,
  checkQueues,
  checkRules,
  checkStateMachine,
  checkSubscriptions,
  checkTables,
  SUBSCRIPTION_QUEUES,
} from './resources';
import type { Discovered, SubscriptionName, Wiring } from './resources';
import { StatusCollector } from './status-collector';

/** The sandbox and localstack profiles' threshold, used only when the deployed rule cannot be read. */
const FALLBACK_THRESHOLD_CENTS = 50_000;

const USAGE = `usage: tsx test/smoke/run.ts [--outputs FILE] [--profile NAME | --stack NAME] [--order-timeout S]`;

const OPTIONS = {
  outputs: { type: 'string' },
  profile: { type: 'string', default: process.env.SMOKE_PROFILE || 'localstack' },
  stack: { type: 'string' },
  'order-timeout': { type: 'string', default: '90' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ options: OPTIONS });
  } catch (error) {
    console.error(`smoke: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const orderTimeoutMs = positive(values['order-timeout'], '--order-timeout') * 1000;
  const stackName = values.stack ?? pipelineStackName(values.profile!);
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const started = Date.now();

  const clients = createClients();
  await new Promise((resolve) => setImmediate(resolve)); // SDK start-up warnings before the report, not inside it
  console.log(`smoke: run ${runId} against ${stackName} (${describeTarget()})`);
  const report = new Report();
  const cleanups = new Set<() => Promise<void>>();
  installInterruptHandler(cleanups);

  // 1. outputs and the resources behind them ------------------------------------------------------
  let found: FoundOutputs | undefined;
  await report.check('stack outputs', async () => {
    found = values.outputs ? outputsFromFile(values.outputs, stackName) : await outputsFromStack(clients, stackName);
    return `${Object.keys(found.outputs).length} outputs of ${found.stackName} from ${found.source}`;
  });
  if (!found) {
    for (const name of [
      'resources',
      'orders',
      'fan-out',
      'side effects',
      'poison message sidelined to the DLQ at once',
    ])
      report.skip(name, 'no stack outputs');
    return finish(report, started);
  }
  const o = found.outputs;
  const discovered: Discovered = { queueArns: {} };
  const wiring: Wiring = { functions: [] };
  await report.check('resources: queues', () => checkQueues(clients, o, discovered));
  await report.check('resources: OrderEvents subscriptions', () => checkSubscriptions(clients, o, discovered));
  await report.check('resources: event bus rules', () => checkRules(clients, o, discovered));
  await report.check('resources: state machine', () => checkStateMachine(clients, o, wiring));
  await report.check('resources: intake mapping + handler wiring', () => checkIntake(clients, o, discovered, wiring));
  await report.check('resources: tables', () => checkTables(clients, o));

  // 2. orders, as the checkout service sends them ---------------------------------------------------
  const threshold = discovered.highValueThresholdCents ?? FALLBACK_THRESHOLD_CENTS;
  const plan: RunPlan = planRun(runId, threshold, discovered.allowedShippingCountries ?? []);
  const removeProducts = () => removeCatalogItems(clients, o, plan);
  cleanups.add(removeProducts);
  const thresholdSource = discovered.highValueThresholdCents ? 'HighValueOrder rule' : 'fallback: rule unreadable';
  const seeded = await report.check(
    'seed catalog',
    async () => `${await seedCatalog(clients, o, plan)} (threshold ${threshold}¢, ${thresholdSource})`,
  );
  const collectors = Object.fromEntries(
    (Object.entries(SUBSCRIPTION_QUEUES) as [SubscriptionName, { output: keyof typeof o; raw: boolean }][]).map(
      ([name, q]) => [name, new StatusCollector(clients, name, o[q.output], q.raw, `${plan.prefix}-`)],
    ),
  ) as Record<SubscriptionName, StatusCollector>;
  Object.values(collectors).forEach((c) => c.start());

  const finished = new Set<string>();
  let poisonBody: string | undefined;
  try {
    if (!seeded) {
      for (const s of plan.scenarios) report.skip(s.title, 'catalog not seeded');
    } else {
      // All orders at once (different customers = different message groups), each with its own deadline.
      const results = await Promise.all(
        plan.scenarios.map(async (s) => {
          const sentAt = Date.now();
          try {
            if (s.afterPoison) poisonBody = await sendPoison(clients, o, s.order.customerId, runId);
            await sendOrder(clients, o, s.order);
          } catch (error) {
            return {
              s,
              ok: false,
              seconds: 0,
              detail: `SendMessage failed: ${(error as Error).name}: ${(error as Error).message}`,
            };
          }
          return { s, ...(await awaitOrder(clients, o, s, collectors.orderStatus, sentAt, orderTimeoutMs)) };
        }),
      );
      for (const r of results) {
        report.record(r.s.title, r.ok, r.seconds, `${r.s.order.orderId}: ${r.detail}`);
        if (r.ok) finished.add(r.s.key);
      }
    }

    // 3. fan-out: what each subscription queue received for this run's orders -----------------------
    const fanOutStarted = Date.now();
    await settle(collectors, plan.scenarios, 20_000, 3_000);
    const settleSeconds = (Date.now() - fanOutStarted) / 1000;
    for (const name of ['orderStatus', 'analytics', 'notifications'] as SubscriptionName[]) {
      const { ok, detail } = evaluateFanOut(name, collectors[name], plan.scenarios);
      report.record(`fan-out ${name}`, ok, settleSeconds, detail);
    }
  } finally {
    await Promise.all(Object.values(collectors).map((c) => c.stop()));
  }

  // 4. what the orders left behind ------------------------------------------------------------------
  if (seeded) {
    await report.check('side effects: payments, invoices, stock', () =>
      checkPaymentsAndStock(clients, o, plan, finished),
    );
    await report.check('restock via EventBridge (InventoryLow)', () =>
      checkRestock(clients, o, plan, finished, 30_000),
    );
  }

  // 5. the poison message sent before the after-poison order ----------------------------------------
  if (poisonBody) {
    const body = poisonBody;
    await report.check('poison message sidelined to the DLQ at once', () => checkSidelined(clients, o, body, 30_000));
  } else {
    report.skip('poison message sidelined to the DLQ at once', 'not sent');
  }

  cleanups.clear();
  await removeProducts().catch((e) =>
    console.log(`smoke: could not remove the seeded products: ${(e as Error).message}`),
  );
  return finish(report, started);
}

function finish(report: Report, started: number): number {
  console.log(`smoke: finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(report.summary());
  return report.failed > 0 ? 1 : 0;
}

function positive(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number of seconds (got ${text})`);
  return n;
}

/** Ctrl-C or SIGTERM mid-run: remove the seeded products, then exit. */
function installInterruptHandler(cleanups: Set<() => Promise<void>>) {
  const handler = (signal: NodeJS.Signals) => {
    console.log(`smoke: ${signal}, cleaning up`);
    Promise.allSettled([...cleanups].map((c) => c())).finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`smoke: ${(error as Error).stack ?? String(error)}`);
    console.log('smoke: 0 passed, 1 failed');
    process.exit(2);
  },
);
