/**
 * Runs the OrderFulfillment definition taken from the synthesized template with
 * aws-local-stepfunctions. Every Task state is overridden (nothing calls AWS):
 *
 * - Lambda tasks run the real handler of the function the template wires to that state. Functions
 *   are found by their `POWERTOOLS_SERVICE_NAME` variable, which names the handler folder
 *   (`validate-order` → `lambda/validate-order/index.ts`), not by construct path or logical id; the
 *   state machine is found by its type. DynamoDB is a real engine (dynalite).
 * - Each handler runs with ITS OWN function's environment from the template, and nothing else of
 *   the other functions': while a handler runs (from its call to the end of everything it awaits,
 *   concurrent branches included), `process.env` shows the test process's environment without any
 *   handler variable, plus the Lambda runtime's variables (region, credentials, the DynamoDB
 *   endpoint), plus that function's variables. Outside handlers `process.env` is untouched, and
 *   `restore()` puts the original object back. Module-level code runs under the environment of the
 *   function that first loads the module (in-process, handlers share one module registry).
 *   Local values replace template values only for variables the function declares: the local
 *   table names, `PAYMENT_PROVIDER_TIMEOUT_MS=50` (so provider time-outs are quick) and
 *   `POWERTOOLS_LOG_LEVEL=SILENT`.
 * - `sns:publish` tasks record the status event and its `status` attribute.
 * - `events:putEvents.waitForTaskToken` routes the event through the synthesized rule patterns
 *   (the TypeScript matcher, test/helpers/event-matchers.ts) to the real screen-fraud handler,
 *   whose SendTaskSuccess/SendTaskFailure (SDK client mock) completes the waiting task. No answer →
 *   the state's TimeoutSeconds fires.
 * - PutEvents from handlers (InventoryLow) is captured and routed the same way (to restock).
 * - SQS SendMessage from handlers is captured (`sentMessages`).
 * - Faults: `run(order, { faults: { RefundPayment: new Error('boom') } })` makes that Lambda task
 *   throw instead of running its handler (on every attempt, or on the attempts a function picks).
 *
 * aws-local-stepfunctions does not fill `$$.State.RetryCount`; the harness supplies it per state
 * as AWS does (0 on the first attempt, +1 per retry).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SendMessageCommand, SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { Template } from 'aws-cdk-lib/assertions';
import { CatalogItem, HANDLER_ENV, OrderStatusEvent } from '@securecart/contracts';
import { allStates } from './asl';
import { matchesEventPattern } from './event-matchers';

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

type Resources = Record<string, { Type: string; Properties: any; Metadata?: any }>;
type Handler = (event: any, context: any) => Promise<any>;
type Env = Record<string, string>;

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
const LAMBDA_DIR = join(__dirname, '../../lambda');

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
  /** Task states invoked, in order (retries repeat the name). */
  readonly tasks: string[];
  /** Errors raised by Lambda tasks, in order (caught or not). */
  readonly taskErrors: TaskError[];
}

/** Makes a Lambda task throw: always, or on the attempts for which the function returns an error. */
export type Fault = Error | ((attempt: number) => Error | undefined);

export interface RunOptions {
  /** Overrides TimeoutSeconds of the fraud screening task (the profile's is minutes). */
  readonly screeningTimeoutSeconds?: number;
  /** Simulates the screen-fraud target being unreachable: nothing answers the task token. */
  readonly screeningTargetDown?: boolean;
  /** Faults to inject, by Lambda task state name (test-only: the handler is not called when it throws). */
  readonly faults?: Readonly<Record<string, Fault>>;
}

/** Variables the Lambda runtime sets for every function (here: the local engines). */
function runtimeEnv(step: string, dynamodbEndpoint: string): Env {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_LAMBDA_FUNCTION_NAME: step,
  };
}

// --- per-invocation environment ---------------------------------------------------------------------

/** The environment of the handler invocation in progress (undefined outside handlers). */
const invocationEnv = new AsyncLocalStorage<Env>();
let envView: { readonly original: NodeJS.ProcessEnv; users: number } | undefined;

/**
 * Replaces `process.env` by a view that shows the current invocation's environment inside a
 * handler and the original environment everywhere else. Reference-counted; see `releaseEnvView`.
 */
function acquireEnvView(): NodeJS.ProcessEnv {
  if (envView) {
    envView.users += 1;
    return envView.original;
  }
  const original = process.env;
  const current = (): object => invocationEnv.getStore() ?? original;
  process.env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_t, key) => Reflect.get(current(), key),
    set: (_t, key, value) => Reflect.set(current(), key, String(value)),
    has: (_t, key) => Reflect.has(current(), key),
    deleteProperty: (_t, key) => Reflect.deleteProperty(current(), key),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_t, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(current(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_t, key, descriptor) => Reflect.defineProperty(current(), key, descriptor),
  });
  envView = { original, users: 1 };
  return original;
}

function releaseEnvView(): void {
  if (!envView) return;
  envView.users -= 1;
  if (envView.users === 0) {
    process.env = envView.original;
    envView = undefined;
  }
}

// --- template helpers ------------------------------------------------------------------------------

/** Resolves the CloudFormation tokens of a template value to plain strings for local runs. */
function resolveTokens(value: any, names: Record<string, string>): any {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null)
    return value;
  if (Array.isArray(value)) return value.map((v) => resolveTokens(v, names));
  if ('Fn::Join' in value)
    return value['Fn::Join'][1].map((p: any) => resolveTokens(p, names)).join(value['Fn::Join'][0]);
  if ('Ref' in value)
    return (
      names[value.Ref] ??
      (
        {
          'AWS::Partition': 'aws',
          'AWS::Region': REGION,
          'AWS::AccountId': ACCOUNT,
          'AWS::URLSuffix': 'amazonaws.com',
        } as Record<string, string>
      )[value.Ref] ??
      `ref-${value.Ref}`
    );
  if ('Fn::GetAtt' in value)
    return (
      names[`${value['Fn::GetAtt'][0]}.${value['Fn::GetAtt'][1]}`] ??
      `arn:aws:local:${REGION}:${ACCOUNT}:${value['Fn::GetAtt'][0]}`
    );
  if ('Fn::GetStackOutput' in value)
    return names[value['Fn::GetStackOutput'].OutputName] ?? `output-${value['Fn::GetStackOutput'].OutputName}`;
  if ('Fn::ImportValue' in value) return `import-${JSON.stringify(value['Fn::ImportValue'])}`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTokens(v, names)]));
}

const functionArn = (logicalId: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;

/** A Lambda task's function ARN: `lambda:invoke` names it in Parameters, the optimised form in Resource. */
function lambdaTaskTarget(state: any): { arn: string; invoke: boolean } | undefined {
  if (state.Type !== 'Task' || typeof state.Resource !== 'string') return undefined;
  if (/:states:::lambda:invoke$/.test(state.Resource))
    return { arn: String(state.Parameters?.FunctionName ?? '').replace(/:\$LATEST$/, ''), invoke: true };
  if (/^arn:aws:lambda:/.test(state.Resource)) return { arn: state.Resource, invoke: false };
  return undefined;
}

export class WorkflowHarness {
  readonly ddb: DynamoDBDocumentClient;
  readonly sfnMock = mockClient(SFNClient);
  readonly eventsMock = mockClient(EventBridgeClient);
  readonly sqsMock = mockClient(SQSClient);
  /** Every entry handlers sent with PutEvents. */
  readonly publishedEvents: PutEventsRequestEntry[] = [];
  /** Every message handlers sent with SQS SendMessage. */
  readonly sentMessages: SendMessageCommandInput[] = [];
  /** Restock results for InventoryLow events routed to the restock handler. */
  readonly restocks: any[] = [];
  readonly executions = new Map<string, Promise<ExecutionReport>>();

  private readonly resources: Resources;
  private readonly definition: any;
  /** Handler folder (step) of each Lambda task state, and whether it is a `lambda:invoke` task. */
  private readonly stepOfState = new Map<string, { step: string; invoke: boolean }>();
  private readonly handlers = new Map<string, Handler>();
  /** Each function's environment as the template sets it (tokens resolved, local values applied). */
  private readonly functionEnv = new Map<string, Env>();
  /** Every variable name any function declares: hidden from handlers that do not declare it. */
  private readonly handlerVariables = new Set<string>([
    ...Object.values(HANDLER_ENV),
    'POWERTOOLS_SERVICE_NAME',
    'POWERTOOLS_LOG_LEVEL',
  ]);
  private readonly originalEnv: NodeJS.ProcessEnv;
  private readonly rulePatterns: Array<{ rule: string; pattern: unknown; step: string }> = [];
  private readonly pendingTokens = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private restored = false;
  private envAcquired = false;

  constructor(
    pipeline: Template,
    readonly tables: { catalog: string; idempotency: string },
    private readonly endpoint: string,
  ) {
    try {
      this.resources = pipeline.toJSON().Resources;
      const names: Record<string, string> = {};
      for (const [id, r] of Object.entries(this.resources)) {
        if (r.Type === 'AWS::Events::EventBus') names[id] = r.Properties.Name;
        if (r.Type === 'AWS::StepFunctions::StateMachine')
          names[id] = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${r.Properties.StateMachineName}`;
        if (r.Type === 'AWS::Lambda::Function') names[`${id}.Arn`] = functionArn(id);
        if (r.Type === 'AWS::SQS::Queue') {
          names[id] = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${r.Properties.QueueName ?? id}`;
          names[`${id}.Arn`] = `arn:aws:sqs:${REGION}:${ACCOUNT}:${r.Properties.QueueName ?? id}`;
        }
      }

      // The state machine, by type.
      const machines = Object.values(this.resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
      if (machines.length !== 1)
        throw new Error(`expected one state machine in the template, found ${machines.length}`);
      this.definition = JSON.parse(resolveTokens(machines[0].Properties.DefinitionString, names));

      // The pipeline's functions, by POWERTOOLS_SERVICE_NAME (= the handler folder under lambda/).
      const stepOfArn = new Map<string, string>();
      const local: Env = {
        [HANDLER_ENV.catalogTable]: tables.catalog,
        [HANDLER_ENV.idempotencyTable]: tables.idempotency,
        [HANDLER_ENV.paymentProviderTimeoutMs]: '50',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      };
      for (const [id, fn] of Object.entries(this.resources)) {
        if (fn.Type !== 'AWS::Lambda::Function') continue;
        const variables = fn.Properties.Environment?.Variables ?? {};
        const step = variables.POWERTOOLS_SERVICE_NAME;
        if (typeof step !== 'string') continue; // not a pipeline handler (custom resources and the like)
        if (!existsSync(join(LAMBDA_DIR, step, 'index.ts')))
          throw new Error(`Function ${id} names service "${step}", but lambda/${step}/index.ts does not exist`);
        if (this.functionEnv.has(step)) throw new Error(`Two functions name service "${step}"`);
        const env: Env = {};
        for (const [name, value] of Object.entries<unknown>(resolveTokens(variables, names))) {
          this.handlerVariables.add(name);
          if (name === 'NODE_OPTIONS') continue; // source maps: not needed in-process
          env[name] = name in local ? local[name] : String(value);
        }
        this.functionEnv.set(step, env);
        stepOfArn.set(functionArn(id), step);
      }
      this.originalEnv = acquireEnvView();
      this.envAcquired = true;
      for (const step of this.functionEnv.keys()) {
        // Loading a module is part of the function's init phase: its environment applies.
        const handler = this.withEnvironment(step, () => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          return require(join(LAMBDA_DIR, step, 'index')).handler as Handler;
        });
        if (typeof handler !== 'function') throw new Error(`lambda/${step}/index.ts exports no handler`);
        this.handlers.set(step, handler);
      }

      // Bind every Lambda task to the handler of the function it invokes.
      for (const [name, state] of Object.entries(allStates(this.definition))) {
        const target = lambdaTaskTarget(state);
        if (!target) continue;
        const step = stepOfArn.get(target.arn);
        if (!step) throw new Error(`Task ${name} invokes ${target.arn}, which is not a pipeline handler`);
        this.stepOfState.set(name, { step, invoke: target.invoke });
      }

      // EventBridge rules and the handler each targets.
      for (const [id, r] of Object.entries(this.resources)) {
        if (r.Type !== 'AWS::Events::Rule') continue;
        for (const target of r.Properties.Targets ?? []) {
          const step = stepOfArn.get(resolveTokens(target.Arn, names));
          if (step) this.rulePatterns.push({ rule: id, pattern: r.Properties.EventPattern, step });
        }
      }

      this.ddb = DynamoDBDocumentClient.from(
        new DynamoDBClient({
          endpoint,
          region: REGION,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }),
      );
      this.installMocks();
    } catch (error) {
      this.restore(); // a harness that could not be built leaves no mocks and no environment view behind
      throw error;
    }
  }

  /** The Lambda task states of the definition (each bound to a handler). */
  get lambdaTaskSteps(): string[] {
    return [...this.stepOfState.keys()];
  }

  /** Names of Task states no override covers (must be empty: nothing may call AWS). */
  uncoveredTasks(): string[] {
    return Object.entries(allStates(this.definition))
      .filter(
        ([name, s]) =>
          s.Type === 'Task' &&
          !this.stepOfState.has(name) &&
          !/sns:publish$|events:putEvents\.waitForTaskToken$/.test(s.Resource),
      )
      .map(([name]) => name);
  }

  /** The environment a handler runs with: exactly what `process.env` shows it (a copy). */
  environmentOf(step: string): Env {
    return this.withEnvironment(step, () => ({ ...process.env }) as Env);
  }

  static async createTables(
    client: DynamoDBClient,
    template: Template,
    names: { catalog: string; idempotency: string },
  ) {
    const tables = Object.values<any>(template.toJSON().Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    for (const [tableName, key] of [
      [names.catalog, 'productId'],
      [names.idempotency, 'id'],
    ]) {
      const t = tables.find((x) => x.Properties.KeySchema[0].AttributeName === key);
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          KeySchema: t.Properties.KeySchema,
          AttributeDefinitions: t.Properties.AttributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
  }

  async seedCatalog(items: CatalogItem[]) {
    for (const item of items) await this.ddb.send(new PutCommand({ TableName: this.tables.catalog, Item: item }));
  }

  async catalogItem(productId: string): Promise<CatalogItem> {
    return (
      await this.ddb.send(new GetCommand({ TableName: this.tables.catalog, Key: { productId }, ConsistentRead: true }))
    ).Item as CatalogItem;
  }

  async record(id: string): Promise<any> {
    return (
      await this.ddb.send(new GetCommand({ TableName: this.tables.idempotency, Key: { id }, ConsistentRead: true }))
    ).Item;
  }

  /** Runs one execution named after the order id, as StartExecution would. */
  run(input: any, options: RunOptions = {}): Promise<ExecutionReport> {
    const orderId = String(input?.orderId ?? `anon-${this.executions.size}`);
    const unknown = Object.keys(options.faults ?? {}).filter((state) => !this.stepOfState.has(state));
    if (unknown.length > 0)
      throw new Error(`faults name ${unknown.join(', ')}, not Lambda tasks (${this.lambdaTaskSteps.join(', ')})`);
    const report = this.execute(orderId, input, options);
    this.executions.set(orderId, report);
    return report;
  }

  /** Runs `fn` with the function's environment in effect (see the file comment). */
  private withEnvironment<T>(step: string, fn: () => T): T {
    const own = this.functionEnv.get(step);
    if (!own) throw new Error(`no function with POWERTOOLS_SERVICE_NAME=${step}`);
    const env: Env = {};
    for (const [name, value] of Object.entries(this.originalEnv))
      if (value !== undefined && !this.handlerVariables.has(name)) env[name] = value;
    Object.assign(env, runtimeEnv(step, this.endpoint), own);
    return invocationEnv.run(env, fn);
  }

  /** Invokes a handler as Lambda would: its own environment, a fresh context. */
  private invoke(step: string, event: unknown, contextName = step): Promise<any> {
    const handler = this.handlers.get(step)!;
    return this.withEnvironment(step, () => handler(event, lambdaContext(contextName)));
  }

  private async execute(orderId: string, input: any, options: RunOptions): Promise<ExecutionReport> {
    // JSON round trip, not structuredClone: under jest, structuredClone returns objects of another
    // realm, which the engine does not recognise as plain objects.
    const definition = JSON.parse(JSON.stringify(this.definition));
    const states = allStates(definition);
    if (options.screeningTimeoutSeconds !== undefined)
      states.ScreenForFraud.TimeoutSeconds = options.screeningTimeoutSeconds;

    const statuses: StatusRecord[] = [];
    const tasks: string[] = [];
    const taskErrors: TaskError[] = [];
    const attempts = new Map<string, number>();
    const token = `token-${orderId}`;
    const overrides: Record<string, (input: any) => Promise<any>> = {};

    for (const [name, state] of Object.entries(states)) {
      if (state.Type !== 'Task') continue;
      const bound = this.stepOfState.get(name);
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
            const result = await this.invoke(bound.step, payload, name);
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
      } else if (/events:putEvents\.waitForTaskToken$/.test(state.Resource)) {
        overrides[name] = async (params: any) => {
          tasks.push(name);
          const answered = new Promise((resolve, reject) =>
            this.pendingTokens.set(params.Entries[0].Detail.taskToken, { resolve, reject }),
          );
          if (!options.screeningTargetDown) await this.deliverToRules(params.Entries.map(toEvent));
          return answered;
        };
      }
    }

    const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
    const execution = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: overrides,
        retryIntervalOverrides: Object.fromEntries(Object.keys(states).map((n) => [n, 0])),
      },
      context: {
        Execution: {
          Id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:OrderFulfillment:${orderId}`,
          Name: orderId,
          Input: input,
          StartTime: new Date().toISOString(),
        },
        State: { EnteredTime: '2026-11-21T10:00:00.000Z', RetryCount: 0 },
        Task: { Token: token },
      },
    } as any);
    try {
      return { orderId, output: await execution.result, statuses, tasks, taskErrors };
    } catch (e) {
      // aws-local-stepfunctions wraps the failure in an ExecutionError; its cause is the state's error.
      const failure = ((e as { cause?: unknown }).cause ?? e) as Error;
      return { orderId, error: { error: failure.name, cause: failure.message }, statuses, tasks, taskErrors };
    }
  }

  /** Delivers events to every rule whose synthesized pattern matches, like the bus does. */
  private async deliverToRules(events: any[]) {
    const deliveries: Promise<unknown>[] = [];
    for (const event of events) {
      for (const r of this.rulePatterns) {
        if (!matchesEventPattern(r.pattern, event)) continue;
        const result = this.invoke(r.step, event);
        deliveries.push(r.step === 'restock' ? result.then((x) => this.restocks.push(x)) : result);
      }
    }
    await Promise.all(deliveries);
  }

  private installMocks() {
    this.sfnMock.on(SendTaskSuccessCommand).callsFake(async (input) => {
      const pending = this.takeToken(input.taskToken);
      pending.resolve(JSON.parse(input.output));
      return {};
    });
    this.sfnMock.on(SendTaskFailureCommand).callsFake(async (input) => {
      const pending = this.takeToken(input.taskToken);
      pending.reject(Object.assign(new Error(input.cause ?? ''), { name: input.error ?? 'States.TaskFailed' }));
      return {};
    });
    // start-fulfillment: StartExecution runs the local workflow; a second start by name is refused as on AWS.
    this.sfnMock.on(StartExecutionCommand).callsFake(async (input) => {
      if (this.executions.has(input.name))
        throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${input.name}'`, $metadata: {} });
      // The execution is not part of the invocation that started it: leave its environment.
      const report = invocationEnv.exit(() => this.execute(input.name, JSON.parse(input.input), {}));
      this.executions.set(input.name, report);
      return {
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:OrderFulfillment:${input.name}`,
        startDate: new Date(),
      };
    });
    this.eventsMock.on(PutEventsCommand).callsFake(async (input) => {
      this.publishedEvents.push(...input.Entries);
      await invocationEnv.exit(() => this.deliverToRules(input.Entries.map(toEvent)));
      return { FailedEntryCount: 0, Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `e-${i}` })) };
    });
    this.sqsMock.on(SendMessageCommand).callsFake(async (input) => {
      this.sentMessages.push(input);
      return { MessageId: `sqs-${this.sentMessages.length}` };
    });
  }

  private takeToken(token: string) {
    const pending = this.pendingTokens.get(token);
    if (!pending) throw Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    this.pendingTokens.delete(token);
    return pending;
  }

  /** Removes the SDK mocks and gives `process.env` back. */
  restore() {
    if (this.restored) return;
    this.restored = true;
    this.sfnMock.restore();
    this.eventsMock.restore();
    this.sqsMock.restore();
    if (this.envAcquired) releaseEnvView();
  }

  /** A handler as Lambda runs it (its own environment), for driving start-fulfillment with SQS events. */
  handler(step: string): Handler {
    if (!this.handlers.has(step)) throw new Error(`no handler ${step}`);
    return (event, context) =>
      this.withEnvironment(step, () => this.handlers.get(step)!(event, context ?? lambdaContext(step)));
  }
}

function toEvent(entry: any) {
  return {
    version: '0',
    id: `evt-${Math.random().toString(16).slice(2)}`,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: entry.Resources ?? [],
    detail: typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : entry.Detail,
  };
}

function lambdaContext(name: string) {
  return {
    functionName: name,
    functionVersion: '$LATEST',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 10_000,
    callbackWaitsForEmptyEventLoop: true,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
  };
}
