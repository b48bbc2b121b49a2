/**
 * SecureCart smoke suite: drives real orders through a deployed Pipeline stack the way the
 * storefront does — through the checkout service's HTTP API — using only the standard AWS APIs
 * besides, so it runs unchanged against LocalStack, the local emulator or an account.
 *
 *   npm run smoke -- [--outputs FILE] [--profile NAME | --stack NAME [--data-stack NAME]] [--order-timeout SECONDS]
 *
 * (`node --import tsx test/smoke/run.ts`: one process, so Ctrl-C reaches the clean-up; see runner.ts.)
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
 * exits 1 on any failure. Stack-output discovery, options, clean-up and exit: runner.ts, shared
 * with the browser journey (test/e2e/journey.ts).
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkCatalogAndCart, checkListsAndOwnership } from './api-checks';
import { checkComplianceInAuditLog } from './audit';
import { removeCart, removeCatalogItems } from './catalog';
import { startLocalCheckout } from './checkout';
import { checkCoViewRecommendation } from './recommendations';
import type { LocalCheckout } from './checkout';
import { checkClaims, checkPaymentsAndStock, checkRestock } from './effects';
import { checkClickstream, planClickstream, removeClickstreamItems } from './clickstream';
import { evaluateFanOut, ServiceStatusHistory, settle } from './fanout';
import type { StatusSource } from './fanout';
import { awaitOrder, placeOrder, planRun, seedCatalog } from './orders';
import type { OrderResult, PlacedOrder, RunPlan, Scenario } from './orders';
import { checkRefusedByApi, checkSidelined, poisonFor, sendPoison } from './poison';
import { checkRefusedRows, plantRefusedRows } from './refusals';
import { checkCartReminders, REMINDER_CUSTOMERS } from './reminders';
import type { PlantedRows } from './refusals';
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
import { checkStackOutputs, Cleanups, onInterrupt, runMain, startRun } from './runner';
import { StatusCollector } from './status-collector';

/** The sandbox and localstack profiles' threshold, used only when the deployed rule cannot be read. */
const FALLBACK_THRESHOLD_CENTS = 50_000;

const COMPLIANCE_CHECK = "compliance: the fraud-rejected order's event in the audit log";
const POISON_REFUSED = 'HTTP: malformed order refused (400), nothing written';
const AFTER_ORDERS = [
  'fan-out orderStatus',
  'fan-out analytics',
  'fan-out notifications',
  'HTTP: order lists and ownership',
  'side effects: payments, invoices, stock',
  'claim check: no token or address in executions',
  'restock via EventBridge (InventoryLow)',
  COMPLIANCE_CHECK,
  'poison message sidelined to the DLQ at once',
];
const REMINDER_CHECK = 'cart reminders: CartAbandoned after the delay, only for an untouched cart';
const REFUSED_ROWS_CHECK = 'relay: rows SQS refuses cancelled at once, holding up no order';
const CLICKSTREAM_CHECK = 'clickstream: two views of one session → one co-view each way in ProductAffinity';
const CLICKSTREAM_TIMEOUT_MS = 90_000;
const RECOMMENDATION_CHECK = 'recommendations: two products viewed in one session';

async function main(): Promise<number> {
  const start = await startRun('smoke', 90);
  if (typeof start === 'number') return start; // --help, or a bad option
  const { options, runId, started, clients } = start;
  const { orderTimeoutMs } = options;
  const report = new Report('smoke');
  const cleanups = new Cleanups('smoke', 'in order added');
  // Ctrl-C or SIGTERM mid-run: stop the checkout service, remove the seeded products and the cart, then exit.
  onInterrupt('smoke', () => void cleanups.run().finally(() => process.exit(130)));
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
  return report.finish(started);

  async function run(): Promise<void> {
    // 1. outputs and the resources behind them ----------------------------------------------------
    const found = await checkStackOutputs(report, clients, options);
    if (!found) {
      for (const name of [
        'resources',
        'checkout service',
        RECOMMENDATION_CHECK,
        'orders',
        CLICKSTREAM_CHECK,
        ...AFTER_ORDERS,
      ])
        report.skip(name, 'no stack outputs');
      return;
    }
    const o = found;

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

    // The clickstream runs beside the orders: two views of one session → a co-view (ADR 25).
    // Its result is awaited by the clean-ups (in order added), before its items are removed.
    const clickstream = planClickstream();
    const clickstreamDone = report.check(CLICKSTREAM_CHECK, () =>
      checkClickstream(clients, o, clickstream, CLICKSTREAM_TIMEOUT_MS),
    );
    cleanups.add('finish the clickstream check', async () => void (await clickstreamDone));
    cleanups.add('remove the clickstream counts', () => removeClickstreamItems(clients, o, clickstream));

    // 2. the catalog the orders use, and the service in front of the pipeline --------------------------
    const threshold = discovered.highValueThresholdCents ?? FALLBACK_THRESHOLD_CENTS;
    const plan: RunPlan = planRun(runId, threshold, discovered.allowedShippingCountries ?? []);
    cleanups.add('remove the seeded products', () => removeCatalogItems(clients, o, Object.values(plan.products)));
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
      for (const name of [
        'HTTP: catalog + cart',
        REMINDER_CHECK,
        RECOMMENDATION_CHECK,
        ...plan.scenarios.map((s) => s.title),
        ...AFTER_ORDERS,
        REFUSED_ROWS_CHECK,
      ])
        report.skip(name, why);
      return;
    }
    const { api, issuer } = service;
    // The cart checkCatalogAndCart writes: the first scenario's customer's.
    cleanups.add('remove the cart', () => removeCart(clients, o, plan.scenarios[0].customerId));
    await report.check('HTTP: catalog + cart', () => checkCatalogAndCart(api, issuer, plan));
    // Before the status collectors read the notifications queue, where CartAbandoned arrives too.
    for (const k of REMINDER_CUSTOMERS)
      cleanups.add(`remove the ${k} cart`, () => removeCart(clients, o, `${plan.customerPrefix}${k}`));
    await report.check(REMINDER_CHECK, () => checkCartReminders(clients, o, api, issuer, plan, orderTimeoutMs));
    await report.check(RECOMMENDATION_CHECK, () =>
      checkCoViewRecommendation(
        api,
        [plan.products.std.productId, plan.products.pin.productId],
        `smoke-session-${runId}`,
        60_000,
      ),
    );

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

    // Ahead of the run's orders in the outbox: rows SQS will refuse (the relay must not be held up).
    let planted: PlantedRows | undefined;
    try {
      planted = await plantRefusedRows(service.sql, plan);
    } catch (error) {
      report.record(REFUSED_ROWS_CHECK, false, 0, `planting the rows failed: ${describeError(error)}`);
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
    await report.check('claim check: no token or address in executions', () =>
      checkClaims(clients, o, placed, finished),
    );
    await report.check('restock via EventBridge (InventoryLow)', () =>
      checkRestock(clients, o, plan, placed, finished, 30_000),
    );

    await report.check(COMPLIANCE_CHECK, () =>
      checkComplianceInAuditLog(clients, options.stackName, placed, finished, 30_000),
    );

    // 6. the poison message sent before the after-poison order ----------------------------------------
    if (poisonBody) {
      const body = poisonBody;
      await report.check('poison message sidelined to the DLQ at once', () => checkSidelined(clients, o, body, 30_000));
    } else {
      report.skip('poison message sidelined to the DLQ at once', 'not sent');
    }

    // 7. the rows SQS refused ------------------------------------------------------------------------
    if (planted) {
      const rows = planted;
      await report.check(REFUSED_ROWS_CHECK, () => checkRefusedRows(api, service!.issuer, rows, 30_000));
    }

    function scenarioOf(order: PlacedOrder): Scenario {
      return plan.scenarios.find((s) => s.key === order.key)!;
    }
  }
}

runMain('smoke', main);
