/**
 * The local Step Functions runner of the workflow harness (test/helpers/workflow-harness.ts): one
 * execution of the OrderFulfillment definition with aws-local-stepfunctions, every Task state
 * overridden (nothing calls AWS), and a report of what it did.
 *
 * - Lambda tasks call the harness's `invoke` with the state's payload; faults named in the options
 *   make a task throw instead (on every attempt, or on the attempts a function picks).
 * - `sns:publish` tasks record the status event and its `status` attribute.
 * - `sqs:sendMessage` tasks (a status event recorded for redelivery) record the event in `redelivery`.
 * - Faults can be injected into any Task state (Lambda, SNS, SQS, EventBridge): the task throws the
 *   fault instead of doing its work (on every attempt, or on the attempts a function picks).
 * - `events:putEvents` tasks (compliance events, ADR 28) record the entries they would put (`compliance`).
 * - `events:putEvents.waitForTaskToken` tasks wait for their token's answer (`awaitTaskToken`)
 *   and deliver the event to the rules unless the screening target is down; no answer → the
 *   state's TimeoutSeconds fires.
 *
 * - `states:startExecution.sync:2` tasks (ShipOrder, docs/adr/0029) run the child's definition as a
 *   local execution of that name and answer as
 *   the integration does: the child's DescribeExecution with its JSON `Output`, or, when the child
 *   failed, States.TaskFailed with that description as the cause. The child's Task states,
 *   statuses, errors and history are the parent's report's too (`children` lists the executions).
 *   A name is taken as on AWS: a second start with the same input while the child runs joins it;
 *   once it has closed, or with another input, the Task fails with
 *   StepFunctions.ExecutionAlreadyExistsException.
 * - `aws-sdk:sfn:describeExecution` tasks describe a child by ARN as the SDK does (Input and Output
 *   as JSON strings; RUNNING while it runs; Sfn.ExecutionDoesNotExistException for an unknown one).
 * - A waiting task with HeartbeatSeconds fails with States.HeartbeatTimeout when neither an answer
 *   nor a SendTaskHeartbeat comes within them (aws-local-stepfunctions has TimeoutSeconds only).
 *
 * aws-local-stepfunctions does not fill `$$.State.RetryCount`; the runner supplies it per state
 * as AWS does (0 on the first attempt, +1 per retry).
 */
import { EXECUTION_ALREADY_EXISTS_ERROR } from '@securecart/contracts';
import type { OrderStatusEvent } from '@securecart/contracts';
import { allStates } from './asl';
import { ACCOUNT, REGION } from './workflow-environment';

// aws-local-stepfunctions needs Promise.withResolvers (Node 22+).
if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    value: <T>() => {
      let resolve!: (v: T) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
      return { promise, resolve, reject };
    },
  });
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

export interface StatusRecord {
  readonly state: string;
  readonly attribute: string;
  readonly event: OrderStatusEvent;
}

/** An error a Lambda task raised (its handler threw, or an injected fault). */
export interface TaskError {
  readonly state: string;
  /** 0 on the first attempt, +1 per retry. */
  readonly attempt: number;
  readonly name: string;
  readonly message: string;
  readonly injected: boolean;
}

export interface ExecutionReport {
  readonly orderId: string;
  /** The execution's output when it succeeded. */
  readonly output?: any;
  /**
   * Set when the execution failed (a FAILED order; what the ExecutionsFailed alarm counts): the
   * error and cause as DescribeExecution reports them.
   */
  readonly error?: { readonly error: string; readonly cause: string };
  readonly statuses: StatusRecord[];
  /** Status events recorded for redelivery (the status-redelivery queue), in order. */
  readonly redelivery: Array<{ readonly state: string; readonly event: OrderStatusEvent }>;
  /** Compliance events the workflow put on the bus (detail-type, source and parsed detail), in order. */
  readonly compliance: Array<{
    readonly state: string;
    readonly detailType: string;
    readonly source: string;
    readonly detail: any;
  }>;
  /** Task states invoked, in order (retries repeat the name). */
  readonly tasks: string[];
  /** Errors raised by Lambda tasks, in order (caught or not). */
  readonly taskErrors: TaskError[];
  /**
   * What the execution history holds: the execution's input and output, every state's input and
   * output (entered, exited, caught, retried, failed events), and the parameters each Task state
   * sent (Lambda payloads, SNS messages, SQS bodies, EventBridge entries), in order.
   */
  readonly history: unknown[];
  /** ShipOrder executions this execution started, in start order (name, input, outcome). */
  readonly children: ChildExecution[];
}

export interface ChildExecution {
  readonly name: string;
  /** How the parent got its result: it started (or joined) it, or described it after ExecutionAlreadyExists. */
  readonly via: 'start' | 'describe';
  readonly stateMachineArn: string;
  readonly input: any;
  readonly output?: any;
  readonly error?: { readonly error: string; readonly cause: string };
}

/** Makes a Lambda task throw: always, or on the attempts for which the function returns an error. */
export type Fault = Error | ((attempt: number) => Error | undefined);

export interface RunOptions {
  /** Overrides TimeoutSeconds of the fraud screening task (the profile's is minutes). */
  readonly screeningTimeoutSeconds?: number;
  /** Simulates the screen-fraud target being unreachable: nothing answers the task token. */
  readonly screeningTargetDown?: boolean;
  /** Faults to inject, by Task state name (test-only: the task's work is not done when it throws). */
  readonly faults?: Readonly<Record<string, Fault>>;
  /**
   * Answers lost on the way back, by Task state: the task does its work, then throws the error the
   * function returns for that attempt (0 first) instead of answering (a time-out or a dropped
   * connection after the call succeeded). Only for non-Lambda tasks.
   */
  readonly lostAnswers?: Readonly<Record<string, (attempt: number) => Error | undefined>>;
  /**
   * ShipOrder's pickup wait: `carrierDown` (nothing answers the pickup request), and overrides of
   * WaitForPickup's HeartbeatSeconds and TimeoutSeconds (`null` removes the heartbeat).
   */
  readonly pickup?: {
    readonly carrierDown?: boolean;
    readonly heartbeatSeconds?: number | null;
    readonly timeoutSeconds?: number;
  };
}

/** What the runner needs from the harness: the bound handlers and the fake event bus. */
export interface RunnerBindings {
  /** Handler folder (step) of each Lambda task state, and whether it is a `lambda:invoke` task. */
  readonly stepOfState: ReadonlyMap<string, { step: string; invoke: boolean }>;
  /** Invokes a handler as Lambda would (`contextName` names its context). */
  invoke(step: string, event: unknown, contextName: string): Promise<any>;
  /** The answer to a task token (SendTaskSuccess or SendTaskFailure). */
  awaitTaskToken(token: string): Promise<unknown>;
  /** Delivers PutEvents entries to the rules that match them. */
  deliverEntries(entries: any[]): Promise<void>;
  /** Resolves when a SendTaskHeartbeat for the token arrives (a new promise per heartbeat). */
  nextHeartbeat(token: string): Promise<void>;
  /** The definition of the state machine of that ARN (a child), if the template has it. */
  definitionOf(stateMachineArn: string): any;
  /** Child executions by name, across the harness (a name is taken for good: see ChildRun). */
  readonly childExecutions: Map<string, ChildRun>;
}

/**
 * A child execution as Step Functions keeps it by name: a second StartExecution of the name joins
 * it while it runs with the same input, and fails with ExecutionAlreadyExists once it has closed
 * (whatever the input) or when the input differs.
 */
export interface ChildRun {
  readonly arn: string;
  readonly stateMachineArn: string;
  /** The input as StartExecution received it (a JSON string). */
  readonly input: string;
  readonly startDate: string;
  readonly run: Promise<ExecutionReport>;
  /** Set when it has closed. */
  result?: ExecutionReport;
}

/** Where a child execution's records go: its parent's report. */
interface ReportSink {
  readonly statuses: StatusRecord[];
  readonly redelivery: ExecutionReport['redelivery'][number][];
  readonly tasks: string[];
  readonly taskErrors: TaskError[];
  readonly history: unknown[];
  readonly children: ChildExecution[];
}

/** Runs one execution of `baseDefinition` (left unchanged) named `orderId`. */
export async function runExecution(
  baseDefinition: any,
  orderId: string,
  input: any,
  options: RunOptions,
  bindings: RunnerBindings,
  sink?: ReportSink,
  stateMachineName = 'OrderFulfillment',
): Promise<ExecutionReport> {
  // JSON round trip, not structuredClone: under jest, structuredClone returns objects of another
  // realm, which the engine does not recognise as plain objects.
  const definition = JSON.parse(JSON.stringify(baseDefinition));
  const states = allStates(definition);
  if (options.screeningTimeoutSeconds !== undefined && states.ScreenForFraud)
    states.ScreenForFraud.TimeoutSeconds = options.screeningTimeoutSeconds;
  const pickup = options.pickup ?? {};
  if (states.WaitForPickup) {
    if (pickup.timeoutSeconds !== undefined) states.WaitForPickup.TimeoutSeconds = pickup.timeoutSeconds;
    if (pickup.heartbeatSeconds === null) delete states.WaitForPickup.HeartbeatSeconds;
    else if (pickup.heartbeatSeconds !== undefined) states.WaitForPickup.HeartbeatSeconds = pickup.heartbeatSeconds;
  }

  const statuses: StatusRecord[] = sink?.statuses ?? [];
  const redelivery: ExecutionReport['redelivery'][number][] = sink?.redelivery ?? [];
  const compliance: ExecutionReport['compliance'][number][] = [];
  const tasks: string[] = sink?.tasks ?? [];
  const taskErrors: TaskError[] = sink?.taskErrors ?? [];
  const children: ChildExecution[] = sink?.children ?? [];
  const attempts = new Map<string, number>();
  const token = `token-${orderId}`;
  const overrides: Record<string, (input: any) => Promise<any>> = {};

  for (const [name, state] of Object.entries(states)) {
    if (state.Type !== 'Task') continue;
    const bound = bindings.stepOfState.get(name);
    if (bound) {
      const fault = options.faults?.[name];
      overrides[name] = async (params: any) => {
        tasks.push(name);
        const attempt = attempts.get(name) ?? 0;
        attempts.set(name, attempt + 1);
        const payload = { ...(bound.invoke ? params.Payload : params) };
        if ('attempt' in payload) payload.attempt = attempt; // $$.State.RetryCount
        const injected = typeof fault === 'function' ? fault(attempt) : fault;
        try {
          if (injected) throw injected;
          const result = await bindings.invoke(bound.step, payload, name);
          return bound.invoke ? { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: result } : result;
        } catch (e) {
          const error = e as Error;
          taskErrors.push({
            state: name,
            attempt,
            name: String(error?.name),
            message: String(error?.message),
            injected: error === injected,
          });
          throw e;
        }
      };
    } else if (/sns:publish$/.test(state.Resource)) {
      overrides[name] = async (params: any) => {
        tasks.push(name);
        statuses.push({
          state: name,
          attribute: params.MessageAttributes.status.StringValue,
          event: JSON.parse(params.Message),
        });
        return { MessageId: `m-${statuses.length}` };
      };
    } else if (/sqs:sendMessage$/.test(state.Resource)) {
      overrides[name] = async (params: any) => {
        tasks.push(name);
        redelivery.push({ state: name, event: JSON.parse(params.MessageBody) });
        return { MessageId: `q-${redelivery.length}` };
      };
    } else if (/events:putEvents$/.test(state.Resource)) {
      overrides[name] = async (params: any) => {
        tasks.push(name);
        for (const e of params.Entries)
          compliance.push({ state: name, detailType: e.DetailType, source: e.Source, detail: e.Detail });
        return {
          Entries: params.Entries.map((_: unknown, i: number) => ({ EventId: `e-${compliance.length}-${i}` })),
          FailedEntryCount: 0,
        };
      };
    } else if (/events:putEvents\.waitForTaskToken$/.test(state.Resource)) {
      const targetDown = name === 'WaitForPickup' ? pickup.carrierDown : options.screeningTargetDown;
      overrides[name] = async (params: any) => {
        tasks.push(name);
        const taskToken = params.Entries[0].Detail.taskToken;
        const answered = bindings.awaitTaskToken(taskToken);
        if (!targetDown) await bindings.deliverEntries(params.Entries);
        return state.HeartbeatSeconds ? withHeartbeat(answered, taskToken, state.HeartbeatSeconds, bindings) : answered;
      };
    } else if (/:states:::states:startExecution\.sync:2$/.test(state.Resource)) {
      overrides[name] = async (params: any) => {
        tasks.push(name);
        const childDefinition = bindings.definitionOf(params.StateMachineArn);
        if (!childDefinition) throw new Error(`${name}: no state machine ${params.StateMachineArn} in the template`);
        const childName = String(params.Name);
        const arn = executionArn(String(params.StateMachineArn).split(':').pop()!, childName);
        const input = JSON.stringify(params.Input);
        let child = bindings.childExecutions.get(childName);
        if (child && (child.result || child.input !== input))
          // Closed, or running with another input: AWS refuses the start (no second execution).
          throw Object.assign(new Error(`Execution Already Exists: '${arn}'`), {
            name: EXECUTION_ALREADY_EXISTS_ERROR,
          });
        if (!child) {
          const started: ChildRun = {
            arn,
            stateMachineArn: params.StateMachineArn,
            input,
            startDate: new Date().toISOString(),
            run: runExecution(
              childDefinition,
              childName,
              params.Input,
              options,
              bindings,
              { statuses, redelivery, tasks, taskErrors, history, children },
              String(params.StateMachineArn).split(':').pop(),
            ),
          };
          started.run.then((report) => (started.result = report));
          bindings.childExecutions.set(childName, started);
          child = started;
        }
        // Same name and input as a RUNNING execution: the start succeeds and follows that one.
        const report = await child.run;
        const description = describeChild(childName, child, report);
        children.push({
          name: childName,
          stateMachineArn: params.StateMachineArn,
          input: params.Input,
          via: 'start',
          ...(report.error ? { error: report.error } : { output: report.output }),
        });
        if (report.error) throw Object.assign(new Error(JSON.stringify(description)), { name: 'States.TaskFailed' });
        return { ...description, Input: params.Input, Output: report.output };
      };
    } else if (/:states:::aws-sdk:sfn:describeExecution$/.test(state.Resource)) {
      // The SDK's DescribeExecution: Input and Output as JSON strings, Error/Cause when it failed.
      overrides[name] = async (params: any) => {
        tasks.push(name);
        const childName = String(params.ExecutionArn).split(':').pop()!;
        const child = bindings.childExecutions.get(childName);
        if (!child || child.arn !== params.ExecutionArn)
          throw Object.assign(new Error(`Execution Does Not Exist: '${params.ExecutionArn}'`), {
            name: 'Sfn.ExecutionDoesNotExistException',
          });
        const report = child.result;
        if (report)
          children.push({
            name: childName,
            stateMachineArn: child.stateMachineArn,
            input: JSON.parse(child.input),
            via: 'describe',
            ...(report.error ? { error: report.error } : { output: report.output }),
          });
        return describeChild(childName, child, report);
      };
    }
  }

  // Faults on the other Task states (SNS, SQS, EventBridge): thrown instead of their work.
  for (const [name, fault] of Object.entries(options.faults ?? {})) {
    if (bindings.stepOfState.has(name) || !overrides[name]) continue;
    const work = overrides[name];
    overrides[name] = async (params: any) => {
      const attempt = attempts.get(name) ?? 0;
      attempts.set(name, attempt + 1);
      const injected = typeof fault === 'function' ? fault(attempt) : fault;
      if (!injected) return work(params);
      tasks.push(name);
      taskErrors.push({ state: name, attempt, name: injected.name, message: injected.message, injected: true });
      throw injected;
    };
  }

  // Answers lost after the work was done.
  for (const [name, lose] of Object.entries(options.lostAnswers ?? {})) {
    if (bindings.stepOfState.has(name)) throw new Error(`lostAnswers: ${name} is a Lambda task`);
    const work = overrides[name];
    if (!work) continue; // a state of another state machine (the options reach the children too)
    let attempt = 0;
    overrides[name] = async (params: any) => {
      const lost = lose(attempt++);
      const answer = await work(params).catch((e) => {
        if (lost) return undefined; // the failure is lost as well
        throw e;
      });
      if (lost) {
        taskErrors.push({ state: name, attempt: attempt - 1, name: lost.name, message: lost.message, injected: true });
        throw lost;
      }
      return answer;
    };
  }

  // Every Task state's parameters, as the history's TaskScheduled events record them.
  const history: unknown[] = sink?.history ?? [];
  for (const [name, handler] of Object.entries(overrides)) {
    overrides[name] = (params: any) => {
      history.push({ type: 'TaskScheduled', state: name, parameters: params });
      return handler(params);
    };
  }

  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: overrides,
      retryIntervalOverrides: Object.fromEntries(Object.keys(states).map((n) => [n, 0])),
    },
    context: {
      Execution: {
        Id: executionArn(stateMachineName, orderId),
        Name: orderId,
        Input: input,
        StartTime: new Date().toISOString(),
      },
      State: { EnteredTime: '2026-11-21T10:00:00.000Z', RetryCount: 0 },
      Task: { Token: token },
    },
  } as any);
  const events = (async () => {
    for await (const event of execution.eventLogs) history.push(event);
  })();
  try {
    const output = await execution.result;
    await events;
    return { orderId, output, statuses, redelivery, compliance, tasks, taskErrors, history, children };
  } catch (e) {
    await events.catch(() => undefined);
    // aws-local-stepfunctions wraps the failure in an ExecutionError; its cause is the state's error.
    const failure = ((e as { cause?: unknown }).cause ?? e) as Error;
    return {
      orderId,
      error: { error: failure.name, cause: failure.message },
      statuses,
      redelivery,
      compliance,
      tasks,
      taskErrors,
      history,
      children,
    };
  }
}

/** A child execution as DescribeExecution reports it (Input and Output as JSON strings). */
function describeChild(name: string, child: ChildRun, report: ExecutionReport | undefined) {
  return {
    ExecutionArn: child.arn,
    StateMachineArn: child.stateMachineArn,
    Name: name,
    Status: !report ? 'RUNNING' : report.error ? 'FAILED' : 'SUCCEEDED',
    StartDate: child.startDate,
    Input: child.input,
    ...(report?.error ? { Error: report.error.error, Cause: report.error.cause } : {}),
    ...(report && !report.error ? { Output: JSON.stringify(report.output) } : {}),
  };
}

const executionArn = (stateMachineName: string, name: string) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stateMachineName}:${name}`;

/** The answer, unless `seconds` pass without it or a heartbeat (then States.HeartbeatTimeout). */
function withHeartbeat(answer: Promise<unknown>, token: string, seconds: number, bindings: RunnerBindings) {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        done = true;
        reject(Object.assign(new Error('No heartbeat in time'), { name: 'States.HeartbeatTimeout' }));
      }, seconds * 1000);
      bindings.nextHeartbeat(token).then(() => {
        if (!done) arm();
      });
    };
    arm();
    answer.then(
      (v) => ((done = true), clearTimeout(timer), resolve(v)),
      (e) => ((done = true), clearTimeout(timer), reject(e)),
    );
  });
}
