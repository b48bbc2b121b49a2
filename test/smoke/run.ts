/**
 * SecureCart smoke suite: drives real orders through a deployed Pipeline stack the way the
 * storefront does — through the checkout service's HTTP API — using only the standard AWS APIs
 * besides, so it runs unchanged against LocalStack, the local emulator or an account.
 *
 *   npx tsx test/smoke/run.ts [--outputs FILE] [--profile NAME | --stack NAME [--data-stack NAME]]
 *                             [--order-timeout SECONDS]
 *
 * The checkout service (services/checkout-api, its bundle built first when missing or stale) runs
 * in this process against the deployed queues and tables, with an embedded PostgreSQL (PGlite) and
 * a local OIDC issuer whose tokens it verifies. Orders are placed with POST /api/orders and followed
 * with GET /api/orders/{id} until the service's status consumer has applied their terminal status.
 *
 * Without --outputs, the stack outputs are read with CloudFormation DescribeStacks (stacks
 * SecureCart-<profile>-Pipeline and -Data, profile `localstack` by default). Endpoint, region and
 * credentials come from the environment (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...), for
 * the suite and the service alike. Prints one line per check and `smoke: N passed, M failed`;
 * exits 1 on any failure.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { checkCatalogAndCart, checkListsAndOwnership, removeCart } from './api-checks';
import { createClients, describeTarget } from './aws';
import { startLocalCheckout } from './checkout';
import type { LocalCheckout } from './checkout';
import { checkPaymentsAndStock, checkRestock } from './effects';
import { evaluateFanOut, ServiceStatusHistory, settle } from './fanout';
import type { StatusSource } from './fanout';
import { awaitOrder, placeOrder, planRun, removeCatalogItems, seedCatalog } from './orders';
import type { OrderResult, PlacedOrder, RunPlan, Scenario } from './orders';
import { dataStackName, outputsFromFile, outputsFromStack, pipelineStackName } from './outputs';
import type { FoundOutputs } from './outputs';
import { checkRefusedByApi, checkSidelined, poisonFor, sendPoison } from './poison';
import { describeError, elapsedSince, Report } from './report';
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

const USAGE = `usage: tsx test/smoke/run.ts [--outputs FILE] [--profile NAME | --stack NAME [--data-stack NAME]] [--order-timeout S]`;

const OPTIONS = {
  outputs: { type: 'string' },
  profile: { type: 'string', default: process.env.SMOKE_PROFILE || 'localstack' },
  stack: { type: 'string' },
  'data-stack': { type: 'string' },
  'order-timeout': { type: 'string', default: '90' },
  help: { type: 'boolean', short: 'h' },
} as const;

const POISON_REFUSED = 'HTTP: malformed order refused (400), nothing written';
const AFTER_ORDERS = [
  'fan-out orderStatus',
  'fan-out analytics',
  'fan-out notifications',
  'HTTP: order lists and ownership',
  'side effects: payments, invoices, stock',
  'restock via EventBridge (InventoryLow)',
  'poison message sidelined to the DLQ at once',
];

/** Things to undo at the end, also on failure or Ctrl-C: each runs once, in the order added. */
class Cleanups {
  private readonly steps = new Map<string, () => Promise<void>>();

  add(name: string, step: () => Promise<void>): void {
    this.steps.set(name, step);
  }

  async run(): Promise<void> {
    for (const [name, step] of [...this.steps]) {
      this.steps.delete(name);
      await step().catch((error) => console.log(`smoke: could not ${name}: ${describeError(error)}`));
    }
  }
}

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
  const dataStack = values['data-stack'] ?? dataStackName(stackName, values.profile!);
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const started = Date.now();

  const clients = createClients();
  await new Promise((resolve) => setImmediate(resolve)); // SDK start-up warnings before the report, not inside it
  console.log(`smoke: run ${runId} against ${stackName} + ${dataStack} (${describeTarget()})`);
  const report = new Report();
  const cleanups = new Cleanups();
  installInterruptHandler(cleanups);
  let service: LocalCheckout | undefined;
  try {
    await run();
  } finally {
    await cleanups.run();
  }
  if (report.failed > 0 && service) {
    const problems = service.problems();
    console.log(`smoke: the checkout service's log is kept: ${service.logFile}`);
    if (problems.length > 0) {
      console.log(`smoke: it logged ${problems.length} warning(s)/error(s):`);
      for (const line of problems.slice(0, 15)) console.log(`  | ${line}`);
    }
  } else if (service) {
    rmSync(dirname(service.logFile), { recursive: true, force: true });
  }
  return finish(report, started);

  async function run(): Promise<void> {
    // 1. outputs and the resources behind them ----------------------------------------------------
    let found: FoundOutputs | undefined;
    await report.check('stack outputs', async () => {
      found = values.outputs
        ? outputsFromFile(values.outputs, stackName, dataStack)
        : await outputsFromStack(clients, stackName, dataStack);
      return `${found.count} outputs of ${found.stackNames.join(' and ')} from ${found.source}`;
    });
    if (!found) {
      for (const name of ['resources', 'checkout service', 'orders', ...AFTER_ORDERS])
        report.skip(name, 'no stack outputs');
      return;
    }
    const o = found.outputs;

    // The checkout service starts while the resources are checked (its database takes a moment).
    const serviceStarted = Date.now();
    const starting = startLocalCheckout(o, runId);
    starting.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    cleanups.add('stop the checkout service', async () => (await starting.catch(() => undefined))?.close());

    const discovered: Discovered = { queueArns: {} };
    const wiring: Wiring = { functions: [] };
    await report.check('resources: queues', () => checkQueues(clients, o, discovered));
    await report.check('resources: OrderEvents subscriptions', () => checkSubscriptions(clients, o, discovered));
    await report.check('resources: event bus rules', () => checkRules(clients, o, discovered));
    await report.check('resources: state machine', () => checkStateMachine(clients, o, wiring));
    await report.check('resources: intake mapping + handler wiring', () => checkIntake(clients, o, discovered, wiring));
    await report.check('resources: tables', () => checkTables(clients, o));

    // 2. the catalog the orders use, and the service in front of the pipeline --------------------------
    const threshold = discovered.highValueThresholdCents ?? FALLBACK_THRESHOLD_CENTS;
    const plan: RunPlan = planRun(runId, threshold, discovered.allowedShippingCountries ?? []);
    cleanups.add('remove the seeded products', () => removeCatalogItems(clients, o, plan));
    const thresholdSource = discovered.highValueThresholdCents ? 'HighValueOrder rule' : 'fallback: rule unreadable';
    const seeded = await report.check(
      'seed catalog',
      async () => `${await seedCatalog(clients, o, plan)} (threshold ${threshold}¢, ${thresholdSource})`,
    );
    try {
      service = await starting;
      report.record('checkout service started locally', true, service.startSeconds, service.description);
    } catch (error) {
      report.record('checkout service started locally', false, elapsedSince(serviceStarted), describeError(error));
    }
    if (!service || !seeded) {
      const why = service ? 'catalog not seeded' : 'the checkout service did not start';
      for (const name of ['HTTP: catalog + cart', ...plan.scenarios.map((s) => s.title), ...AFTER_ORDERS])
        report.skip(name, why);
      return;
    }
    const { api, issuer } = service;
    cleanups.add('remove the cart', () => removeCart(clients, o, plan));
    await report.check('HTTP: catalog + cart', () => checkCatalogAndCart(api, issuer, plan));

    // 3. orders, placed through the API and followed through it ----------------------------------------
    const collectors = {
      analytics: collector('analytics'),
      notifications: collector('notifications'),
    };
    Object.values(collectors).forEach((c) => c.start());
    function collector(name: Exclude<SubscriptionName, 'orderStatus'>) {
      const q = SUBSCRIPTION_QUEUES[name];
      return new StatusCollector(clients, name, o[q.output], q.raw, plan.customerPrefix);
    }

    const placed: PlacedOrder[] = [];
    const finished = new Set<string>();
    let poisonBody: string | undefined;
    try {
      // All orders at once (different customers = different message groups), each with its own deadline.
      const results = await Promise.all(
        plan.scenarios.map(async (s): Promise<OrderResult & { s: Scenario; orderId?: string }> => {
          const token = issuer.token(s.customerId);
          const key = `smoke-${runId}-${s.key}`;
          let order: PlacedOrder;
          try {
            if (s.afterPoison) {
              const poison = poisonFor(runId, s.customerId);
              await report.check(POISON_REFUSED, () => checkRefusedByApi(api, token, poison, key));
              // A misbehaving producer: straight onto orders.fifo, in the customer's message group.
              await sendPoison(clients, o, s.customerId, runId, poison.body);
              poisonBody = poison.body;
            }
            order = await placeOrder(api, token, s, key);
          } catch (error) {
            return { s, ok: false, seconds: 0, detail: `placing the order failed: ${describeError(error)}` };
          }
          placed.push(order);
          return { s, orderId: order.orderId, ...(await awaitOrder(clients, o, api, token, order, orderTimeoutMs)) };
        }),
      );
      for (const r of results) {
        report.record(r.s.title, r.ok, r.seconds, `${r.orderId ?? r.s.customerId}: ${r.detail}`);
        if (r.ok) finished.add(r.s.key);
      }
      placed.sort((a, b) => plan.scenarios.indexOf(scenarioOf(a)) - plan.scenarios.indexOf(scenarioOf(b)));

      // 4. fan-out: what each subscription received for this run's orders -------------------------------
      // order-status: as the service's consumer applied it (the order histories); the others: their queues.
      const history = new ServiceStatusHistory(api, (customerId) => issuer.token(customerId), placed);
      const sources: Record<SubscriptionName, StatusSource> = { orderStatus: history, ...collectors };
      const fanOutStarted = Date.now();
      await settle(sources, history, placed, 20_000, 3_000);
      const settleSeconds = (Date.now() - fanOutStarted) / 1000;
      for (const name of ['orderStatus', 'analytics', 'notifications'] as SubscriptionName[]) {
        const { ok, detail } = evaluateFanOut(name, sources[name], placed);
        report.record(`fan-out ${name}`, ok, settleSeconds, detail);
      }
    } finally {
      await Promise.all(Object.values(collectors).map((c) => c.stop()));
    }
    await report.check('HTTP: order lists and ownership', () => checkListsAndOwnership(api, issuer, placed));

    // 5. what the orders left behind ------------------------------------------------------------------
    await report.check('side effects: payments, invoices, stock', () =>
      checkPaymentsAndStock(clients, o, plan, placed, finished),
    );
    await report.check('restock via EventBridge (InventoryLow)', () =>
      checkRestock(clients, o, plan, placed, finished, 30_000),
    );

    // 6. the poison message sent before the after-poison order ----------------------------------------
    if (poisonBody) {
      const body = poisonBody;
      await report.check('poison message sidelined to the DLQ at once', () => checkSidelined(clients, o, body, 30_000));
    } else {
      report.skip('poison message sidelined to the DLQ at once', 'not sent');
    }

    function scenarioOf(order: PlacedOrder): Scenario {
      return plan.scenarios.find((s) => s.key === order.key)!;
    }
  }
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

/** Ctrl-C or SIGTERM mid-run: stop the checkout service, remove the seeded products and the cart, then exit. */
function installInterruptHandler(cleanups: Cleanups) {
  const handler = (signal: NodeJS.Signals) => {
    console.log(`smoke: ${signal}, cleaning up`);
    cleanups.run().finally(() => process.exit(130));
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
