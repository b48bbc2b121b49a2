/**
 * Runs the outage matrix (scripts/chaos/matrix.ts) against the deployed localstack profile: for
 * every row, one order of the kind that reaches the row's state, and the row's dependency down
 * 100 % for `seconds` from the moment the order enters the state.
 *
 * Per row, in three phases:
 *   1. from placement: the state's own call fails for this order (the gate, a transient error its
 *      retries ride out), and the Task states the row must get past first fail permanently for
 *      this order (a non-retried error, e.g. a publish, so its catch leads to the redelivery record);
 *   2. from the moment the runner sees the order enter the state: the gate is lifted and the row's
 *      dependency fails for every call naming the order or its product (for a callback or an
 *      EventBridge target, which name no order: every call, and the row runs alone);
 *   3. `seconds` later: all the row's faults end.
 * The faults each row injected are counted: a row whose outage injected none did not test it.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import type { Clients } from '../../test/smoke/aws';
import { FaultBoard, FaultRule } from './faults';
import { MatrixRow, MatrixService } from './matrix';

/** A non-retried error per service: the call fails for good, and the state's catch runs. */
const PERMANENT: Record<MatrixService, Partial<FaultRule>> = {
  sns: { error: 'AuthorizationError', status: 403 },
  sqs: { error: 'AccessDenied', status: 403 },
  events: { error: 'AccessDeniedException', status: 400 },
  dynamodb: { error: 'AccessDeniedException', status: 400 },
  states: { error: 'AccessDeniedException', status: 400 },
  // (No current row fails a Lambda step first; a row whose order never enters its state fails the run.)
  lambda: { error: 'ResourceNotFoundException', status: 404 },
};

export interface MatrixOrder {
  readonly orderId: string;
  readonly productId: string;
}

export interface MatrixContext {
  readonly c: Clients;
  readonly board: FaultBoard;
  readonly stackName: string;
  readonly seconds: number;
  readonly executionArn: (orderId: string) => string;
  /** Places the row's order (screened: the high-value product; undeliverable: the failing address). */
  readonly place: (row: MatrixRow) => Promise<MatrixOrder>;
  readonly log: (s: string) => void;
}

export interface RowResult {
  readonly row: MatrixRow;
  readonly order?: MatrixOrder;
  /** When the order entered the state (the outage began), or why it never did. */
  readonly entered?: Date;
  readonly notReached?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Physical names of the stack's resources by logical id (function names, queue URLs). */
async function physicalNames(c: Clients, stackName: string): Promise<Record<string, string>> {
  const r = await c.cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return Object.fromEntries((r.StackResources ?? []).map((x) => [x.LogicalResourceId!, x.PhysicalResourceId!]));
}

/**
 * `rows` run; `all` (the whole derived matrix, default `rows`) is where the gates of the states a
 * row must get past first are looked up, so a row runs on its own (`--only`) as in the full matrix.
 */
export async function runMatrix(
  ctx: MatrixContext,
  rows: MatrixRow[],
  all: readonly MatrixRow[] = rows,
): Promise<RowResult[]> {
  const names = await physicalNames(ctx.c, ctx.stackName);
  const resolve = (s: string, terminal: string) =>
    s
      .replace(/\{function:([A-Za-z0-9]+)\}/, (_m, id: string) => lookup(id))
      .replace(/\{queue:([A-Za-z0-9]+)\}/, (_m, id: string) => lookup(id).split('/').pop()!)
      .replace('{terminal}', terminal);
  const lookup = (id: string) => {
    if (!names[id]) throw new Error(`${ctx.stackName} has no resource ${id}`);
    return names[id].split(':').pop()!; // a function ARN or name: the name
  };
  const gateOf = (state: string) => {
    const integration = all.find((r) => r.state === state && r.via === 'integration');
    if (!integration) throw new Error(`no matrix row for the integration of ${state}`);
    return integration.gate;
  };

  async function run(row: MatrixRow): Promise<RowResult> {
    const order = await ctx.place(row);
    const terminal = row.reach.undeliverable || row.reach.declined ? 'CANCELLED' : 'FULFILLED';
    const narrow = (
      g: { service: MatrixService; operation?: string; match: readonly string[] },
      extra: Partial<FaultRule> = {},
    ) =>
      ({
        service: g.service,
        // A Step Functions gate is the start of the order's ShipOrder child only: the runner's own
        // history reads name the order too.
        operation: g.operation ?? (g.service === 'lambda' ? 'Invoke' : g.service === 'states' ? 'StartExecution' : '*'),
        rate: 1,
        match: [order.orderId, ...g.match.map((m) => resolve(m, terminal))],
        message: `chaos ${row.id}`,
        ...extra,
      }) as FaultRule;
    const permanent = row.reach.failFirst.map((s) => narrow(gateOf(s), PERMANENT[gateOf(s).service]));
    // The package's child name taken (a restarted parent): its start refused as Step Functions does.
    if (row.reach.nameTaken)
      permanent.push(narrow(gateOf(row.reach.nameTaken), { error: 'ExecutionAlreadyExists', status: 400 }));
    await ctx.board.set(`${row.id}/first`, permanent);
    await ctx.board.set(`${row.id}/gate`, [narrow(row.gate)]);

    // Wait for the order to enter the state (10 minutes at most; an execution that ends first: not reached).
    let entered: Date | undefined;
    const history = (executionArn: string) =>
      ctx.c.sfn
        .send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))
        .then((h) => h.events ?? [])
        .catch(() => []);
    for (const deadline = Date.now() + 600_000; !entered && Date.now() < deadline;) {
      const events = await history(ctx.executionArn(order.orderId));
      // ShipOrder's states are in its first package's execution (docs/adr/0029): `<orderId>-pkg0`.
      const child = await history(
        `${ctx.executionArn(order.orderId).replace(/-OrderFulfillment:([^:]+)$/, '-ShipOrder:$1')}-pkg0`,
      );
      entered = [...events, ...child].find((e) => e.stateEnteredEventDetails?.name === row.state)?.timestamp;
      if (entered) break;
      if (events.some((e) => /^Execution(Succeeded|Failed|TimedOut|Aborted)$/.test(e.type ?? ''))) break;
      await sleep(2000);
    }
    if (!entered) {
      await ctx.board.set(`${row.id}/gate`, []);
      await ctx.board.set(`${row.id}/first`, []);
      ctx.log(`${row.id}: ${order.orderId} never entered ${row.state}; no outage`);
      return { row, order, notReached: `${order.orderId} ended without entering ${row.state}` };
    }
    const outage: FaultRule[] =
      row.scope === 'global'
        ? row.service === 'lambda'
          ? [
              {
                service: 'lambda',
                operation: 'Invoke',
                kind: 'function',
                rate: 1,
                error: 'ChaosOutage',
                match: lookup(row.function!),
              },
            ]
          : [
              {
                service: row.service,
                operation: row.service === 'states' ? 'SendTaskSuccess|SendTaskFailure' : '*',
                rate: 1,
              },
            ]
        : [order.orderId, order.productId].map((m) => ({
            service: row.service,
            operation: row.service === 'lambda' ? 'Invoke' : '*',
            rate: 1,
            match: m,
            message: `chaos ${row.id}`,
          }));
    await ctx.board.set(`${row.id}/outage`, outage);
    await ctx.board.set(`${row.id}/gate`, []);
    ctx.log(`${row.id}: ${row.service} down for ${order.orderId} from ${row.state}, ${ctx.seconds} s`);
    await sleep(ctx.seconds * 1000);
    await ctx.board.set(`${row.id}/outage`, []);
    await ctx.board.set(`${row.id}/first`, []);
    ctx.log(`${row.id}: over`);
    return { row, order, entered };
  }

  /** Waits (10 minutes at most) until no order placed so far has a running execution. */
  async function quiet(placed: RowResult[]) {
    for (const deadline = Date.now() + 600_000; Date.now() < deadline; await sleep(5000)) {
      const running = await Promise.all(
        placed.map((r) =>
          r.order
            ? ctx.c.sfn
                .send(new DescribeExecutionCommand({ executionArn: ctx.executionArn(r.order.orderId) }))
                .then((d) => d.status === 'RUNNING')
                .catch(() => false)
            : false,
        ),
      );
      if (!running.some(Boolean)) return;
    }
  }

  // Rows limited to their order run at once; the others one at a time, afterwards, once every
  // earlier order has ended (their outage fails the service for every order).
  const results = await Promise.all(rows.filter((r) => r.scope === 'order').map(run));
  for (const row of rows.filter((r) => r.scope === 'global')) {
    await quiet(results);
    results.push(await run(row));
  }
  await ctx.board.flush();
  return results;
}

/** Faults a row injected: its gate and its outage (the permanent failures that get it there not counted). */
export const rowFaults = (board: FaultBoard, row: MatrixRow) => ({
  gate: board.injected.get(`${row.id}/gate`) ?? 0,
  outage: board.injected.get(`${row.id}/outage`) ?? 0,
});
