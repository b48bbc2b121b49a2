import { randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TEST_PAYMENT_TOKENS } from '@securecart/contracts/payment';
import { OUTCOME_REASONS } from '@securecart/contracts/status';
import type { CatalogItem } from '@securecart/contracts/tables';
import { TABLE_KEYS } from '@securecart/contracts/tables';
import type { Profile } from '../../lib/config/profile-types';
import { CheckFailure, describeError } from '../../test/smoke/report';
import { Cleanups } from '../../test/smoke/runner';
import {
  checkApiClosedWithoutOriginHeader,
  checkLoadBalancerNotPublic,
  checkProductsThroughCloudFront,
  dnsResolver,
} from './checks/api-edge';
import type { Resolver } from './checks/api-edge';
import { createTestCustomer, deleteTestCustomer } from './checks/customers';
import type { TestCustomer } from './checks/customers';
import {
  checkHistoryHasNoToken,
  checkLogsHaveNoToken,
  executionArn,
  stateMachineLogGroup,
} from './checks/data-protection';
import { checkAlarmMetrics, checkAlarms, checkDashboard, checkOrderTrace } from './checks/observability';
import { checkServiceRunning } from './checks/service';
import { awaitOutcome, checkOrderIsolation, placeOrder } from './checks/orders';
import {
  awaitExecution,
  buildOrder,
  checkQueues,
  checkStatuses,
  checkTables,
  collectStatuses,
  sendOrder,
} from './checks/pipeline';
import { checkRuntimeConfig, checkSpaFallback, checkStorefrontPage } from './checks/storefront';
import { CHECKS } from './checks';
import type { VerifyClients } from './clients';
import { checkDeployment, EDGE_STACKS, output, readDeployment, stackName } from './deployment';
import type { Deployment, StackKey } from './deployment';
import { signInWithManagedLogin } from './managed-login';
import type { SignInRequest, Tokens } from './managed-login';
import type { VerifyReport } from './report';

export interface VerifyOptions {
  readonly profile: Profile;
  /** --endpoint: the local AWS endpoint; only what it can host runs, the rest is SKIP with the reason. */
  readonly endpoint?: string;
  /** How long an order may take to end, in ms. */
  readonly orderTimeoutMs: number;
  /** How long X-Ray may take to show the order's trace, in ms. */
  readonly traceTimeoutMs: number;
  /** Unique to the run: in product ids, customer e-mails and ids. */
  readonly runId: string;
}

/** What the run reaches outside the SDK clients (replaced by tests). */
export interface VerifyEnvironment {
  readonly resolve: Resolver;
  readonly signIn: (request: SignInRequest) => Promise<Tokens>;
  readonly pollIntervalMs: number;
}

export const defaultEnvironment: VerifyEnvironment = {
  resolve: dnsResolver,
  signIn: signInWithManagedLogin,
  pollIntervalMs: 3000,
};

export const newRunId = () => `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

/** The stacks the profile deploys (lib/app.ts). */
export function expectedStacks(profile: Profile): StackKey[] {
  const t = profile.tiers;
  const keys: (StackKey | false)[] = [
    t.network && 'Network',
    'Data',
    'Pipeline',
    t.api && 'Api',
    t.frontend && t.api && profile.frontend.waf && 'EdgeSecurity',
    t.frontend && t.api && 'Frontend',
    t.monitoring && 'Monitoring',
    t.monitoring && t.frontend && t.api && 'EdgeMonitoring',
  ];
  return keys.filter((k): k is StackKey => k !== false);
}

const LOCAL_SKIP = {
  http: 'the local endpoint hosts no CloudFront distribution, API Gateway stage or ECS service to call',
  signIn: 'the local endpoint has no Cognito managed login',
  trace: 'the local endpoint records no X-Ray traces',
  service: 'the local endpoint runs no ECS tasks',
  metrics: 'the local endpoint publishes no AWS service metrics',
} as const;

/**
 * Runs every check against the deployment and cleans up what it created (the temporary product,
 * customers and carts), also when a check fails or throws. Orders and executions stay: the
 * database keeps the orders of the deleted customers, Step Functions its execution history.
 * `cleanups`: pass one to run the clean-up early (Ctrl-C); what is added after that runs at once.
 */
export async function verifyDeployment(
  report: VerifyReport,
  clients: VerifyClients,
  options: VerifyOptions,
  env: VerifyEnvironment = defaultEnvironment,
  cleanups = new Cleanups('verify:deploy', 'last added first'),
): Promise<void> {
  try {
    await runChecks(report, clients, options, env, cleanups);
  } finally {
    await cleanups.run();
  }
}

async function runChecks(
  report: VerifyReport,
  clients: VerifyClients,
  options: VerifyOptions,
  env: VerifyEnvironment,
  cleanups: Cleanups,
): Promise<void> {
  const { profile, runId } = options;
  const local = options.endpoint !== undefined;
  const expected = expectedStacks(profile);
  let d: Deployment | undefined;
  const outputsOk = await report.check(CHECKS.outputs, async () => {
    d = await readDeployment(clients, profile.name);
    return checkDeployment(d, expected);
  });
  const rest = Object.values(CHECKS).filter((c) => c !== CHECKS.outputs);
  if (!outputsOk || !d) {
    for (const c of rest) report.skip(c, 'needs the stack outputs');
    return;
  }
  const deployment = d;
  const has = (key: StackKey) => expected.includes(key);

  await report.check(CHECKS.tables, () =>
    checkTables(
      clients.ddb,
      ['CatalogTableName', 'CartsTableName', 'IdempotencyTableName'].map((o) => output(deployment, 'Data', o)),
    ),
  );
  await report.check(CHECKS.queues, () => {
    const urls = Object.fromEntries(
      Object.entries(deployment.stacks.Pipeline!.outputs).filter(([k]) => /(Queue|Dlq)Url$/.test(k)),
    );
    return checkQueues(clients.sqs, urls);
  });

  // A product of the run's own, so the orders do not depend on the catalog's content.
  const threshold = profile.screening.highValueThresholdCents;
  const product: CatalogItem = {
    productId: `verify-${runId}`,
    name: `verify:deploy ${runId}`,
    priceCents: Math.max(1, Math.floor(threshold * 0.05)),
    stock: 100,
    reorderLevel: 5,
    reorderQuantity: 50,
    warehouse: 'verify-deploy',
    active: true,
  };
  const catalogTable = output(deployment, 'Data', 'CatalogTableName');
  cleanups.add(`remove product ${product.productId}`, async () =>
    clients.doc.send(new DeleteCommand({ TableName: catalogTable, Key: { productId: product.productId } })),
  );
  await clients.doc.send(new PutCommand({ TableName: catalogTable, Item: product }));

  const stateMachineArn = output(deployment, 'Pipeline', 'StateMachineArn');
  const orders: { orderId: string; token: string; placedAt: number }[] = [];
  if (local || !has('Api') || !has('Frontend')) {
    const why = local ? undefined : `profile ${profile.name} has no api or frontend tier`;
    for (const c of [
      CHECKS.page,
      CHECKS.config,
      CHECKS.spa,
      CHECKS.products,
      CHECKS.direct,
      CHECKS.alb,
      CHECKS.isolation,
    ])
      report.skip(c, why ?? LOCAL_SKIP.http);
    report.skip(CHECKS.signIn, why ?? LOCAL_SKIP.signIn);
    report.skip(CHECKS.trace, why ?? LOCAL_SKIP.trace);
    report.skip(CHECKS.service, why ?? LOCAL_SKIP.service);
    await pipelineOrders(report, clients, options, deployment, product, orders);
  } else {
    await edgeChecks(report, clients.ecs, deployment, runId, env);
    await customerJourney(report, clients, options, env, cleanups, deployment, product, orders);
  }

  if (has('Monitoring'))
    await report.check(CHECKS.dashboard, () => checkDashboard(clients.cloudwatch, `securecart-${profile.name}-orders`));
  else report.skip(CHECKS.dashboard, `profile ${profile.name} has no monitoring tier`);
  const alarmStacks = expected.map((key) => {
    const edge = EDGE_STACKS.includes(key);
    return {
      name: stackName(profile.name, key),
      cfn: edge ? clients.cfnEdge : clients.cfn,
      cloudwatch: edge ? clients.cloudwatchEdge : clients.cloudwatch,
    };
  });
  await report.check(CHECKS.alarms, () => checkAlarms(alarmStacks));
  if (local) report.skip(CHECKS.alarmMetrics, LOCAL_SKIP.metrics);
  else await report.check(CHECKS.alarmMetrics, () => checkAlarmMetrics(alarmStacks));

  if (orders.length === 0) {
    report.skip(CHECKS.history, 'no order reached the workflow');
    report.skip(CHECKS.logs, 'no order reached the workflow');
    return;
  }
  await report.check(CHECKS.history, () =>
    eachOrder(orders, (o) => checkHistoryHasNoToken(clients.sfn, executionArn(stateMachineArn, o.orderId), o.token)),
  );
  let group: string | undefined;
  let groupError: unknown;
  try {
    group = await stateMachineLogGroup(clients.sfn, stateMachineArn);
  } catch (error) {
    groupError = error;
  }
  if (!group && local) {
    report.skip(CHECKS.logs, 'the local endpoint reports no logging destination for the state machine');
    return;
  }
  await report.check(CHECKS.logs, async () => {
    if (groupError) throw groupError;
    if (!group) throw new CheckFailure(`${stateMachineArn} has no CloudWatch Logs destination (DescribeStateMachine)`);
    const logGroup = group;
    return eachOrder(orders, (o) =>
      checkLogsHaveNoToken(
        clients.logs,
        logGroup,
        executionArn(stateMachineArn, o.orderId),
        o.token,
        o.placedAt - 60_000,
      ),
    );
  });
}

/** Runs a check for each order: `<order id>: <detail>` of each, or the first failure with its order id. */
async function eachOrder(
  orders: readonly { orderId: string; token: string; placedAt: number }[],
  check: (o: { orderId: string; token: string; placedAt: number }) => Promise<string>,
): Promise<string> {
  const details: string[] = [];
  for (const o of orders) {
    try {
      details.push(`${o.orderId}: ${await check(o)}`);
    } catch (error) {
      throw new CheckFailure(`${o.orderId} (${o.token}): ${describeError(error)}`);
    }
  }
  return details.join('; ');
}

/** The storefront and the API's doors. */
async function edgeChecks(
  report: VerifyReport,
  ecs: VerifyClients['ecs'],
  d: Deployment,
  runId: string,
  env: VerifyEnvironment,
) {
  const storefront = output(d, 'Frontend', 'StorefrontUrl');
  let page: string | undefined;
  await report.check(CHECKS.page, async () => {
    const result = await checkStorefrontPage(storefront);
    page = result.page;
    return result.detail;
  });
  await report.check(CHECKS.config, () =>
    checkRuntimeConfig(storefront, {
      userPoolId: output(d, 'Api', 'UserPoolId'),
      clientId: output(d, 'Api', 'UserPoolClientId'),
    }),
  );
  if (page === undefined) report.skip(CHECKS.spa, 'needs the storefront page (failed)');
  else
    await report.check(CHECKS.spa, () => checkSpaFallback(storefront, page!, `/verify-deploy-${runId}/no-such-page`));
  await report.check(CHECKS.products, async () => (await checkProductsThroughCloudFront(storefront)).detail);
  await report.check(CHECKS.direct, () => checkApiClosedWithoutOriginHeader(output(d, 'Api', 'ApiUrl')));
  await report.check(CHECKS.alb, () =>
    checkLoadBalancerNotPublic(output(d, 'Api', 'LoadBalancerDnsName'), env.resolve),
  );
  await report.check(CHECKS.service, () =>
    checkServiceRunning(ecs, output(d, 'Api', 'CheckoutClusterName'), output(d, 'Api', 'CheckoutServiceName')),
  );
}

/** Two temporary customers: one orders (approved and declined), the other tries to read the order. */
async function customerJourney(
  report: VerifyReport,
  clients: VerifyClients,
  options: VerifyOptions,
  env: VerifyEnvironment,
  cleanups: Cleanups,
  d: Deployment,
  product: CatalogItem,
  orders: { orderId: string; token: string; placedAt: number }[],
) {
  const storefront = output(d, 'Frontend', 'StorefrontUrl');
  const userPoolId = output(d, 'Api', 'UserPoolId');
  const cartsTable = output(d, 'Data', 'CartsTableName');
  const customers: TestCustomer[] = [];
  const tokens: string[] = [];
  const signedIn = await report.check(CHECKS.signIn, async () => {
    for (const who of ['a', 'b']) {
      const email = `verify-deploy+${options.runId}-${who}@example.com`;
      cleanups.add(`delete test customer ${email}`, async () => deleteTestCustomer(clients.cognito, userPoolId, email));
      const customer = await createTestCustomer(clients.cognito, userPoolId, email);
      cleanups.add(`remove the cart of ${email}`, async () =>
        clients.doc.send(
          new DeleteCommand({ TableName: cartsTable, Key: { [TABLE_KEYS.carts.partitionKey]: customer.sub } }),
        ),
      );
      customers.push(customer);
      const signIn = await env.signIn({
        domain: output(d, 'Api', 'UserPoolDomain'),
        clientId: output(d, 'Api', 'UserPoolClientId'),
        redirectUri: `${storefront.replace(/\/+$/, '')}/auth/callback`,
        email,
        password: customer.password,
      });
      tokens.push(signIn.accessToken);
    }
    return `2 temporary customers (${customers.map((c) => c.sub).join(', ')}) signed in through managed login (authorization code + PKCE, the storefront client)`;
  });
  if (!signedIn) {
    for (const c of [CHECKS.approved, CHECKS.declined, CHECKS.isolation, CHECKS.trace])
      report.skip(c, 'needs a signed-in customer (failed)');
    return;
  }
  const body = (token: string) => ({
    items: [{ productId: product.productId, quantity: 1 }],
    shippingAddress: {
      name: 'Verify Deploy',
      line1: '1 Test Street',
      city: 'Testville',
      postalCode: '12345',
      country: 'US',
    },
    payment: { token },
    clientTotalCents: product.priceCents,
  });
  const deadline = () => Date.now() + options.orderTimeoutMs;
  let approvedId: string | undefined;
  let approvedAt = 0;
  const approved = await report.check(CHECKS.approved, async () => {
    approvedAt = Date.now();
    approvedId = await placeOrder(storefront, tokens[0], body(TEST_PAYMENT_TOKENS.approve));
    orders.push({ orderId: approvedId, token: TEST_PAYMENT_TOKENS.approve, placedAt: approvedAt });
    return awaitOutcome(
      storefront,
      tokens[0],
      approvedId,
      { status: 'FULFILLED', reason: null },
      deadline(),
      env.pollIntervalMs,
    );
  });
  await report.check(CHECKS.declined, async () => {
    const placedAt = Date.now();
    const orderId = await placeOrder(storefront, tokens[0], body(TEST_PAYMENT_TOKENS.decline));
    orders.push({ orderId, token: TEST_PAYMENT_TOKENS.decline, placedAt });
    return awaitOutcome(
      storefront,
      tokens[0],
      orderId,
      { status: 'CANCELLED', reason: OUTCOME_REASONS.paymentDeclined },
      deadline(),
      env.pollIntervalMs,
    );
  });
  if (!approvedId) {
    report.skip(CHECKS.isolation, 'needs a placed order (failed)');
    report.skip(CHECKS.trace, 'needs a placed order (failed)');
    return;
  }
  const orderId = approvedId;
  await report.check(CHECKS.isolation, () => checkOrderIsolation(storefront, tokens[1], orderId));
  if (!approved) report.skip(CHECKS.trace, 'needs a FULFILLED order (failed)');
  else
    await report.check(CHECKS.trace, () =>
      checkOrderTrace(
        clients.xray,
        orderId,
        new Date(approvedAt - 60_000),
        Date.now() + options.traceTimeoutMs,
        env.pollIntervalMs,
      ),
    );
}

/** Local mode: orders sent straight to orders.fifo, their outcome read from the order-status queue. */
async function pipelineOrders(
  report: VerifyReport,
  clients: VerifyClients,
  options: VerifyOptions,
  d: Deployment,
  product: CatalogItem,
  orders: { orderId: string; token: string; placedAt: number }[],
) {
  const stateMachineArn = output(d, 'Pipeline', 'StateMachineArn');
  const customerId = `verify-${options.runId}-customer`;
  const placed = [
    { check: CHECKS.approved, token: TEST_PAYMENT_TOKENS.approve, expected: { status: 'FULFILLED', reason: null } },
    {
      check: CHECKS.declined,
      token: TEST_PAYMENT_TOKENS.decline,
      expected: { status: 'CANCELLED', reason: OUTCOME_REASONS.paymentDeclined },
    },
  ].map((p, i) => ({ ...p, orderId: `verify-${options.runId}-${i === 0 ? 'approve' : 'decline'}` }));
  const placedAt = Date.now();
  for (const p of placed) {
    await sendOrder(
      clients.sqs,
      output(d, 'Pipeline', 'OrdersQueueUrl'),
      buildOrder(p.orderId, customerId, product.productId, product.priceCents, p.token),
    );
    orders.push({ orderId: p.orderId, token: p.token, placedAt });
  }
  const deadline = placedAt + options.orderTimeoutMs;
  // Both orders' statuses are read from the queue at once; each check waits for its own.
  const statuses = collectStatuses(
    clients.sqs,
    output(d, 'Pipeline', 'OrderStatusQueueUrl'),
    placed.map((p) => p.orderId),
    deadline,
  );
  statuses.catch(() => undefined); // reported by the checks below
  for (const p of placed)
    await report.check(p.check, async () => {
      const execution = await awaitExecution(clients.sfn, executionArn(stateMachineArn, p.orderId), deadline);
      const events = (await statuses).get(p.orderId) ?? [];
      return `${checkStatuses(p.orderId, events, p.expected)} (orders.fifo → execution ${execution} → order-status queue)`;
    });
}
