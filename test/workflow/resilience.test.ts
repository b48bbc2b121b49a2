import {
  AWS_TRANSIENT_ERRORS,
  EXECUTION_ALREADY_EXISTS_ERROR,
  HANDLER_AWS_TRANSIENT_ERRORS,
  idempotencyKey,
  LAMBDA_FUNCTION_TIMEOUT,
  OrderStatus,
  TEST_PAYMENT_TOKENS,
} from '@securecart/contracts';
import { allStates, stateMachineOf } from '../helpers/asl';
import { localNames, resolveTokens } from '../helpers/workflow-template';
import { ExecutionReport, WorkflowHarness } from '../helpers/workflow-harness';
import { harnessOn, localEngines, order, PRODUCTS, seed, UNDELIVERABLE } from './fixtures';

/*
 * docs/adr/0017: no dependency outage strands an order. Both tables are driven by the synthesized
 * definition, so a new Task state without a retry, a catch or an expectation fails here.
 *
 * 1. Every Task state retries its service's transient errors (as Step Functions names them) with
 *    exponential backoff and full jitter, long enough to ride out a 5-minute outage.
 * 2. Every Task state after ProcessPayment has a States.ALL catch that leads to the saga (for a
 *    status publish: to recording the event for redelivery, whose own catch leads to the saga);
 *    the saga's tasks and the outcome publish end FAILED (alarmed) when they fail for good.
 * 3. Every Task state, failed permanently (with its service's transient error, so its retries are
 *    exhausted first), still ends the order in exactly one terminal status the customer sees, and
 *    leaves no money charged and no stock taken for an order that was not fulfilled.
 */

type Service = keyof typeof AWS_TRANSIENT_ERRORS;

/** The AWS service a Task state calls, from its Resource. */
function serviceOf(resource: string): Service | undefined {
  if (/^arn:aws:lambda:/.test(resource)) return 'lambda'; // the optimised Lambda form: the function itself
  const r = resource.replace(/^.*:states:::/, '');
  if (/^lambda:invoke/.test(r)) return 'lambda';
  if (/^sns:/.test(r)) return 'sns';
  if (/^sqs:/.test(r)) return 'sqs';
  if (/^events:/.test(r)) return 'eventBridge';
  if (/^dynamodb:/.test(r)) return 'dynamoDb';
  if (/^states:/.test(r)) return 'stepFunctions';
  const sdk = /^aws-sdk:([a-z0-9]+):/.exec(r)?.[1];
  return (
    {
      lambda: 'lambda',
      sns: 'sns',
      sqs: 'sqs',
      eventbridge: 'eventBridge',
      dynamodb: 'dynamoDb',
      sfn: 'stepFunctionsSdk',
    } as const
  )[sdk as 'lambda'];
}

/** What each service's Task must retry: its transient errors (Lambda steps also the handlers' AWS errors). */
const mustRetry = (service: Service): string[] => [
  ...AWS_TRANSIENT_ERRORS[service],
  ...(service === 'lambda' ? HANDLER_AWS_TRANSIENT_ERRORS : []),
];

/** Sum of the capped backoff delays of a retrier, in seconds (full jitter waits a uniform share of each). */
function cappedDelays(retrier: any): number {
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  const cap = retrier.MaxDelaySeconds ?? Infinity;
  let total = 0;
  for (let k = 0; k < (retrier.MaxAttempts ?? 3); k++) total += Math.min(cap, interval * rate ** k);
  return total;
}

/** The retrier Step Functions applies to an error: the first whose ErrorEquals names it or States.ALL. */
const retrierFor = (state: any, error: string) =>
  (state.Retry ?? []).find((r: any) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));

/** States reachable from `from` (Next, Default, Choices, Catch, and into Parallel branches / Map items). */
function reachable(states: Record<string, any>, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name) || !states[name]) continue;
    seen.add(name);
    const s = states[name];
    const next = [
      s.Next,
      s.Default,
      ...(s.Choices ?? []).map((c: any) => c.Next),
      ...(s.Catch ?? []).map((c: any) => c.Next),
      ...(s.Branches ?? []).map((b: any) => b.StartAt),
      s.ItemProcessor?.StartAt,
    ];
    stack.push(...next.filter((n): n is string => typeof n === 'string'));
  }
  return seen;
}

/** The Parallel or Map state each nested state runs in (its catch covers the nested task). */
function enclosing(definition: any): Map<string, string> {
  const parent = new Map<string, string>();
  const walk = (states: Record<string, any>, outer?: string) => {
    for (const [name, s] of Object.entries(states)) {
      if (outer) parent.set(name, outer);
      for (const b of s.Branches ?? []) walk(b.States, name);
      if (s.ItemProcessor) walk(s.ItemProcessor.States, name);
    }
  };
  walk(definition.States);
  return parent;
}

describe('OrderFulfillment rides out dependency outages (synthesized definition)', () => {
  const engines = localEngines();
  let definition: any;
  let states: Record<string, any>;
  let tasks: string[];
  beforeAll(() => {
    const resources = engines.pipelineTemplate().toJSON().Resources;
    const machine = stateMachineOf(resources);
    definition = JSON.parse(resolveTokens(machine.Properties.DefinitionString, localNames(resources)));
    // ShipOrder's states too (docs/adr/0029): the parent's graph does not reach them, its Task does.
    const child = JSON.parse(
      resolveTokens(stateMachineOf(resources, 'ShipOrder').Properties.DefinitionString, localNames(resources)),
    );
    states = { ...allStates(definition), ...allStates(child) };
    tasks = Object.keys(states).filter((n) => states[n].Type === 'Task');
  });

  /** The States.ALL catch of a task, or of the Parallel/Map it runs in (the nearest one). */
  function catchAll(name: string): string | undefined {
    const parents = enclosing(definition);
    for (let at: string | undefined = name; at; at = parents.get(at)) {
      const c = (states[at].Catch ?? []).find((x: any) => x.ErrorEquals.includes('States.ALL'));
      if (c) return c.Next;
    }
    return undefined;
  }
  /** Following Next edges only (outcome Pass states), does `from` reach RefundPayment? */
  function entersSaga(from: string | undefined): boolean {
    for (let at = from, hops = 0; at && hops < 5; at = states[at]?.Next, hops++)
      if (at === 'RefundPayment') return true;
    return false;
  }
  /** Following Next edges only, does `from` end the order FAILED (a Fail state, or a FAILED outcome)? */
  function endsFailed(from: string | undefined): boolean {
    const s = from ? states[from] : undefined;
    return s?.Type === 'Fail' || (s?.Type === 'Pass' && s.Result?.status === 'FAILED');
  }
  const isRedeliveryRecord = (name: string | undefined) =>
    !!name && states[name]?.Type === 'Task' && serviceOf(states[name].Resource) === 'sqs';

  test('every Task state retries its service’s transient errors with backoff and full jitter, for minutes', () => {
    const problems: string[] = [];
    for (const name of tasks) {
      const service = serviceOf(states[name].Resource);
      if (!service) {
        problems.push(`${name}: no list of transient errors for ${states[name].Resource}`);
        continue;
      }
      for (const error of mustRetry(service)) {
        const r = retrierFor(states[name], error);
        if (!r) problems.push(`${name}: ${error} is not retried`);
        else if (!(r.BackoffRate > 1) || r.JitterStrategy !== 'FULL')
          problems.push(`${name}: ${error} is retried without exponential backoff and full jitter`);
        // The profile's outage (5 minutes in sandbox): the average total wait (half the capped
        // delays, full jitter) must be at least twice it.
        else if (cappedDelays(r) / 2 < 2 * engines.profile.workflow.ridesOutOutage.toSeconds())
          problems.push(`${name}: ${error} is retried for ${cappedDelays(r) / 2} s on average, not minutes`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('every Lambda step retries its function running out of time (Sandbox.Timedout), with backoff and full jitter', () => {
    const lambdaTasks = tasks.filter((n) => serviceOf(states[n].Resource) === 'lambda');
    expect(lambdaTasks.length).toBeGreaterThan(0);
    const unretried = lambdaTasks.filter((n) => {
      const r = retrierFor(states[n], LAMBDA_FUNCTION_TIMEOUT);
      return !r || !(r.MaxAttempts > 0) || r.JitterStrategy !== 'FULL';
    });
    expect(unretried).toEqual([]);
  });

  test('every Task state after ProcessPayment has a States.ALL catch leading to the saga (or, after it, to FAILED)', () => {
    const afterPayment = [...reachable(states, 'ProcessPayment')].filter((n) => states[n].Type === 'Task');
    const saga = reachable(states, 'RefundPayment');
    expect(afterPayment).toEqual(expect.arrayContaining(['ProcessPayment', 'PublishPaid', 'ShipOrder']));
    const problems: string[] = [];
    for (const name of afterPayment) {
      const target = catchAll(name);
      if (!target) {
        problems.push(`${name}: no States.ALL catch`);
        continue;
      }
      // A status publish records the event for redelivery; that record's own catch is what must hold.
      const effective = isRedeliveryRecord(target) && target !== name ? catchAll(target) : target;
      const ok = saga.has(name) ? endsFailed(effective) : entersSaga(effective);
      if (!ok) problems.push(`${name}: its catch leads to ${effective}, not ${saga.has(name) ? 'FAILED' : 'the saga'}`);
    }
    expect(problems).toEqual([]);
  });

  describe('every Task state failing permanently', () => {
    let harness: WorkflowHarness;
    harnessOn(engines, (h) => (harness = h));

    /** A permanent fault with the service's first transient error name: retries exhausted, then caught. */
    const faultFor = (name: string) => {
      const service = serviceOf(states[name].Resource)!;
      const error = Object.assign(new Error(`${name} is down (test)`), { name: mustRetry(service)[0] });
      return { error, attempts: 1 + (retrierFor(states[name], error.name)?.MaxAttempts ?? 0) };
    };

    type Money = 'charged' | 'refunded' | 'none';
    interface Expected {
      /** What the customer sees last (published or recorded for redelivery); undefined: nothing terminal. */
      readonly terminal: `${'FULFILLED' | 'CANCELLED' | 'FAILED'}${'' | ` ${string}`}` | undefined;
      /** How the execution ends: SUCCEEDED, or the error of its Fail state. */
      readonly execution: 'SUCCEEDED' | 'OrderFailed' | 'OutcomeUndeliverable' | 'ComplianceEventUndeliverable';
      readonly money: Money;
      /** Stock of the ordered product: taken by the order, or back where it started. */
      readonly stock: 'taken' | 'restored';
      /** Statuses recorded for redelivery. */
      readonly redelivered?: OrderStatus[];
      /** Task states that must fail first for this one to run (their faults are injected too). */
      readonly also?: string[];
      /** Task states that must fail first with a given error (not a transient one) for this one to run. */
      readonly after?: Readonly<Record<string, string>>;
      /**
       * The order: high value (screened), undeliverable (shipment fails: the saga runs) or declined
       * (its payment declined: a compliance event).
       */
      readonly kind?: 'screened' | 'undeliverable' | 'declined';
    }
    /*
     * One row per Task state of the definition. A status publish that fails is recorded and the
     * order goes on; its record failing too ends the order through the saga (after payment) or
     * FAILED (before). A compensation that fails for good, or an outcome neither published nor
     * recorded, fails the execution for an operator (ExecutionsFailed alarm, runbooks).
     */
    const EXPECTED: Record<string, Expected> = {
      PublishAccepted: {
        terminal: 'FULFILLED',
        execution: 'SUCCEEDED',
        money: 'charged',
        stock: 'taken',
        redelivered: ['ACCEPTED'],
      },
      PublishAcceptedForRedelivery: {
        also: ['PublishAccepted'],
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'none',
        stock: 'restored',
      },
      ValidateOrder: {
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'none',
        stock: 'restored',
      },
      PublishValidated: {
        terminal: 'FULFILLED',
        execution: 'SUCCEEDED',
        money: 'charged',
        stock: 'taken',
        redelivered: ['VALIDATED'],
      },
      PublishValidatedForRedelivery: {
        also: ['PublishValidated'],
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'none',
        stock: 'restored',
      },
      PublishScreening: {
        kind: 'screened',
        terminal: 'FULFILLED',
        execution: 'SUCCEEDED',
        money: 'charged',
        stock: 'taken',
        redelivered: ['SCREENING'],
      },
      PublishScreeningForRedelivery: {
        kind: 'screened',
        also: ['PublishScreening'],
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'none',
        stock: 'restored',
      },
      ScreenForFraud: {
        kind: 'screened',
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'none',
        stock: 'restored',
      },
      ProcessPayment: {
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'none',
        stock: 'restored',
      },
      PublishPaid: {
        terminal: 'FULFILLED',
        execution: 'SUCCEEDED',
        money: 'charged',
        stock: 'taken',
        redelivered: ['PAID'],
      },
      PublishPaidForRedelivery: {
        also: ['PublishPaid'],
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'restored',
      },
      ReserveInventory: {
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'restored',
      },
      CreateInvoice: {
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'restored',
      },
      // A package that cannot start or be followed (Step Functions), or a ShipOrder step failing for
      // good: the child fails with the raw error, the parent runs the saga (docs/adr/0029).
      ShipOrder: {
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'restored',
      },
      // The package's child exists already (ExecutionAlreadyExists) and cannot be described.
      DescribeShipOrder: {
        after: { ShipOrder: EXECUTION_ALREADY_EXISTS_ERROR },
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'restored',
      },
      CreateShipment: {
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'restored',
      },
      WaitForPickup: {
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'restored',
      },
      // ShipOrder's compensation failing for good after CommitShipment did: the package's error stands.
      CancelShipment: {
        also: ['CommitShipment'],
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'restored',
      },
      CommitShipment: {
        terminal: 'FAILED UNEXPECTED_ERROR',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'restored',
      },
      // Compensations that fail for good: the operator's case (docs/runbooks/failed-orders.md).
      RefundPayment: {
        kind: 'undeliverable',
        terminal: 'FAILED COMPENSATION_FAILED',
        execution: 'OrderFailed',
        money: 'charged',
        stock: 'taken',
      },
      ReleaseInventory: {
        kind: 'undeliverable',
        terminal: 'FAILED COMPENSATION_FAILED',
        execution: 'OrderFailed',
        money: 'refunded',
        stock: 'taken',
      },
      PublishOutcome: {
        terminal: 'FULFILLED',
        execution: 'SUCCEEDED',
        money: 'charged',
        stock: 'taken',
        redelivered: ['FULFILLED'],
      },
      // SNS and SQS both down for good at the last status: the execution fails (alarmed), the
      // order itself is complete; the operator republishes it (docs/runbooks/status-redelivery.md).
      PublishOutcomeForRedelivery: {
        also: ['PublishOutcome'],
        terminal: undefined,
        execution: 'OutcomeUndeliverable',
        money: 'charged',
        stock: 'taken',
      },
      // EventBridge down for good at a compliance event (ADR 28): the order is complete and its
      // outcome published; the execution fails (alarmed) so an operator puts the event again.
      PutComplianceEvent: {
        kind: 'declined',
        terminal: 'CANCELLED PAYMENT_DECLINED',
        execution: 'ComplianceEventUndeliverable',
        money: 'none',
        stock: 'restored',
      },
    };

    const TERMINAL = ['FULFILLED', 'CANCELLED', 'FAILED'];
    /** What the customer sees: published statuses and those recorded for redelivery, in order. */
    const seen = (r: ExecutionReport) => [
      ...r.statuses.map((s) => ({ state: s.state, event: s.event })),
      ...r.redelivery.map((s) => ({ state: s.state.replace(/ForRedelivery$/, ''), event: s.event })),
    ];

    test('has an expectation for every Task state of the definition', () => {
      expect(Object.keys(EXPECTED).sort()).toEqual([...tasks].sort());
    });

    test('ends in one terminal status the customer sees, with money and stock exact, after retrying', async () => {
      const rows: Record<string, unknown> = {};
      const wanted: Record<string, unknown> = {};
      for (const name of tasks) {
        const e = EXPECTED[name];
        if (!e) continue; // the test above names it
        const product = e.kind === 'screened' ? 'premium' : 'gadget';
        const ids = await seed(harness, product);
        const o = order({
          items: [{ productId: ids[product], quantity: 2 }],
          ...(e.kind === 'undeliverable' ? { shippingAddress: UNDELIVERABLE } : {}),
          ...(e.kind === 'declined' ? { payment: { token: TEST_PAYMENT_TOKENS.decline } } : {}),
        });
        const { error, attempts } = faultFor(name);
        const faults = Object.fromEntries([
          ...[...(e.also ?? []), name].map((n) => [n, faultFor(n).error]),
          ...Object.entries(e.after ?? {}).map(([n, errorName]) => [
            n,
            Object.assign(new Error(`${n} failed (test)`), { name: errorName }),
          ]),
        ]);
        const r = await harness.run(o, { faults });

        const terminals = seen(r).filter((s) => TERMINAL.includes(s.event.status));
        const payment = await harness.record(idempotencyKey('payment', o.orderId));
        const stock = (await harness.catalogItem(ids[product])).stock;
        rows[name] = {
          attempts: r.taskErrors.filter((t) => t.state === name && t.name === error.name).length,
          terminal: terminals.map((t) => [t.event.status, t.event.reason].filter(Boolean).join(' ')),
          // The terminal status comes from PublishOutcome (published, or recorded for redelivery), the last status.
          terminalFrom: [...new Set(terminals.map((t) => t.state))],
          execution: r.error?.error ?? 'SUCCEEDED',
          money: (payment?.status === 'CHARGED'
            ? 'charged'
            : payment?.status === 'REFUNDED'
              ? 'refunded'
              : 'none') as Money,
          stock:
            stock === PRODUCTS[product].stock
              ? 'restored'
              : stock === PRODUCTS[product].stock - 2
                ? 'taken'
                : `wrong: ${stock}`,
          redelivered: r.redelivery.map((x) => x.event.status),
        };
        wanted[name] = {
          attempts,
          terminal: e.terminal ? [e.terminal] : [],
          terminalFrom: e.terminal ? ['PublishOutcome'] : [],
          execution: e.execution,
          money: e.money,
          stock: e.stock,
          redelivered: e.redelivered ?? [],
        };
      }
      expect(rows).toEqual(wanted);
      // The invariant behind every row but the compensations' own failures: nothing stays charged
      // or taken for an order that did not end FULFILLED.
      for (const [name, row] of Object.entries(rows) as Array<[string, any]>) {
        if (name === 'RefundPayment' || name === 'ReleaseInventory') continue;
        const fulfilled = row.terminal.includes('FULFILLED') || name === 'PublishOutcomeForRedelivery';
        expect({ name, money: row.money, stock: row.stock }).toEqual(
          fulfilled
            ? { name, money: 'charged', stock: 'taken' }
            : { name, money: expect.stringMatching(/^(refunded|none)$/), stock: 'restored' },
        );
      }
    });
  });
});
