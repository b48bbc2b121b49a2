/**
 * Runs the OrderFulfillment definition taken from the synthesized template with
 * aws-local-stepfunctions. Every Task state is overridden (nothing calls AWS):
 *
 * - Lambda tasks run the real handler the template wires to that state (found through the
 *   function's construct path, `Pipeline/<Step>/Function` → `lambda/<step>/index.ts`), with the
 *   function's environment from the template, against a real DynamoDB engine (dynalite).
 * - `sns:publish` tasks record the status event and its `status` attribute.
 * - `events:putEvents.waitForTaskToken` routes the event through the synthesized rule patterns
 *   (moto's matcher) to the real screen-fraud handler, whose SendTaskSuccess/SendTaskFailure
 *   (SDK client mock) completes the waiting task. No answer → the state's TimeoutSeconds fires.
 * - PutEvents from handlers (InventoryLow) is captured and routed to the restock handler.
 *
 * aws-local-stepfunctions does not fill `$$.State.RetryCount`; the harness supplies it per state
 * as AWS does (0 on the first attempt, +1 per retry).
 */
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
import { mockClient } from 'aws-sdk-client-mock';
import type { Template } from 'aws-cdk-lib/assertions';
import { CatalogItem, OrderStatusEvent } from '../../lib/contracts';
import { allStates } from './asl';
import { matchAll } from './aws-matchers';

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

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

export interface StatusRecord {
  readonly state: string;
  readonly attribute: string;
  readonly event: OrderStatusEvent;
}

export interface ExecutionReport {
  readonly orderId: string;
  /** The execution's output, or its error when it failed (FAILED orders). */
  readonly output?: any;
  readonly error?: { name: string; message: string };
  readonly statuses: StatusRecord[];
  /** Task states invoked, in order (retries repeat the name). */
  readonly tasks: string[];
}

interface Options {
  /** Overrides TimeoutSeconds of the fraud screening task (the profile's is minutes). */
  readonly screeningTimeoutSeconds?: number;
  /** Simulates the screen-fraud target being unreachable: nothing answers the task token. */
  readonly screeningTargetDown?: boolean;
}

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
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTokens(v, names)]));
}

export class WorkflowHarness {
  readonly ddb: DynamoDBDocumentClient;
  readonly sfnMock = mockClient(SFNClient);
  readonly eventsMock = mockClient(EventBridgeClient);
  /** Every entry handlers sent with PutEvents. */
  readonly publishedEvents: PutEventsRequestEntry[] = [];
  /** Restock results for InventoryLow events routed to the restock handler. */
  readonly restocks: any[] = [];
  readonly executions = new Map<string, Promise<ExecutionReport>>();

  private readonly resources: Resources;
  private readonly definition: any;
  private readonly handlersByState = new Map<string, Handler>();
  private readonly handlersByStep = new Map<string, Handler>();
  private readonly rulePatterns: Array<{ rule: string; pattern: unknown; step: string }> = [];
  private readonly pendingTokens = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    pipeline: Template,
    readonly tables: { catalog: string; idempotency: string },
    endpoint: string,
  ) {
    this.resources = pipeline.toJSON().Resources;
    const names: Record<string, string> = {};
    for (const [id, r] of Object.entries(this.resources)) {
      if (r.Type === 'AWS::Events::EventBus') names[id] = r.Properties.Name;
      if (r.Type === 'AWS::StepFunctions::StateMachine')
        names[id] = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${r.Properties.StateMachineName}`;
      if (r.Type === 'AWS::Lambda::Function') names[`${id}.Arn`] = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
    }
    // Table names arrive from the Data stack as stack outputs.
    const outputNames = (fragment: string) =>
      Object.values(this.resources).flatMap(
        (r) => JSON.stringify(r).match(new RegExp(`"OutputName":"([^"]*${fragment}[^"]*)"`, 'g')) ?? [],
      );
    for (const m of outputNames('CatalogTable')) names[JSON.parse(`{${m}}`).OutputName] = tables.catalog;
    for (const m of outputNames('IdempotencyTable')) names[JSON.parse(`{${m}}`).OutputName] = tables.idempotency;

    // The definition, with tokens resolved.
    const [, sm] = Object.entries(this.resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')!;
    this.definition = JSON.parse(resolveTokens(sm.Properties.DefinitionString, names));

    // Environment of every function, as the template sets it.
    const functions = Object.entries(this.resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler',
    );
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    });
    const stepOf = new Map<string, string>();
    for (const [id, fn] of functions) {
      const vars = resolveTokens(fn.Properties.Environment?.Variables ?? {}, names) as Record<string, string>;
      const { POWERTOOLS_SERVICE_NAME: step, NODE_OPTIONS, ...rest } = vars; // source maps are not needed in-process
      Object.assign(process.env, rest, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
      stepOf.set(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`, step);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      this.handlersByStep.set(step, require(`../../lambda/${step}/index`).handler);
    }
    // A short provider timeout so the timeout scenario is quick.
    process.env.PAYMENT_PROVIDER_TIMEOUT_MS = '50';

    // Bind every Lambda task to its handler through the function it invokes.
    for (const [name, state] of Object.entries(allStates(this.definition))) {
      if (state.Type === 'Task' && /:states:::lambda:invoke$/.test(state.Resource)) {
        const step = stepOf.get(state.Parameters.FunctionName);
        if (!step)
          throw new Error(`Task ${name} invokes ${state.Parameters.FunctionName}, which is not a pipeline handler`);
        this.handlersByState.set(name, this.handlersByStep.get(step)!);
      }
    }

    // EventBridge rules and the handler each targets.
    for (const [id, r] of Object.entries(this.resources)) {
      if (r.Type !== 'AWS::Events::Rule') continue;
      for (const target of r.Properties.Targets) {
        const step = stepOf.get(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${target.Arn['Fn::GetAtt'][0]}`);
        if (step) this.rulePatterns.push({ rule: id, pattern: r.Properties.EventPattern, step });
      }
    }

    this.ddb = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    );
    this.installMocks();
  }

  /** The steps (handler folders) that the definition's Lambda tasks run. */
  get lambdaTaskSteps(): string[] {
    return [...this.handlersByState.keys()];
  }

  /** Names of Task states no override covers (must be empty: nothing may call AWS). */
  uncoveredTasks(): string[] {
    return Object.entries(allStates(this.definition))
      .filter(
        ([name, s]) =>
          s.Type === 'Task' &&
          !this.handlersByState.has(name) &&
          !/sns:publish$|events:putEvents\.waitForTaskToken$/.test(s.Resource),
      )
      .map(([name]) => name);
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
  run(input: any, options: Options = {}): Promise<ExecutionReport> {
    const orderId = String(input?.orderId ?? `anon-${this.executions.size}`);
    const report = this.execute(orderId, input, options);
    this.executions.set(orderId, report);
    return report;
  }

  private async execute(orderId: string, input: any, options: Options): Promise<ExecutionReport> {
    // JSON round trip, not structuredClone: under jest, structuredClone returns objects of another
    // realm, which the engine does not recognise as plain objects.
    const definition = JSON.parse(JSON.stringify(this.definition));
    const states = allStates(definition);
    if (options.screeningTimeoutSeconds !== undefined)
      states.ScreenForFraud.TimeoutSeconds = options.screeningTimeoutSeconds;

    const statuses: StatusRecord[] = [];
    const tasks: string[] = [];
    const attempts = new Map<string, number>();
    const token = `token-${orderId}`;
    const overrides: Record<string, (input: any) => Promise<any>> = {};

    for (const [name, state] of Object.entries(states)) {
      if (state.Type !== 'Task') continue;
      if (this.handlersByState.has(name)) {
        const handler = this.handlersByState.get(name)!;
        overrides[name] = async (params: any) => {
          tasks.push(name);
          const attempt = attempts.get(name) ?? 0;
          attempts.set(name, attempt + 1);
          const payload = { ...params.Payload };
          if ('attempt' in payload) payload.attempt = attempt; // $$.State.RetryCount
          const result = await handler(payload, lambdaContext(name));
          return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: result };
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
      return { orderId, output: await execution.result, statuses, tasks };
    } catch (e) {
      const err = e as Error & { cause?: string };
      return { orderId, error: { name: err.name, message: err.message }, statuses, tasks };
    }
  }

  /** Delivers events to every rule whose synthesized pattern matches, like the bus does. */
  private async deliverToRules(events: any[]) {
    const cases = events.flatMap((event) =>
      this.rulePatterns.map((r) => ({ kind: 'event' as const, pattern: r.pattern, event })),
    );
    const matches = cases.length ? matchAll(cases) : [];
    const deliveries: Promise<unknown>[] = [];
    events.forEach((event, i) =>
      this.rulePatterns.forEach((r, j) => {
        if (matches[i * this.rulePatterns.length + j]) {
          const result = this.handlersByStep.get(r.step)!(event, lambdaContext(r.step));
          deliveries.push(r.step === 'restock' ? result.then((x) => this.restocks.push(x)) : result);
        }
      }),
    );
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
      this.executions.set(input.name, this.execute(input.name, JSON.parse(input.input), {}));
      return {
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:OrderFulfillment:${input.name}`,
        startDate: new Date(),
      };
    });
    this.eventsMock.on(PutEventsCommand).callsFake(async (input) => {
      this.publishedEvents.push(...input.Entries);
      await this.deliverToRules(input.Entries.map(toEvent));
      return { FailedEntryCount: 0, Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `e-${i}` })) };
    });
  }

  private takeToken(token: string) {
    const pending = this.pendingTokens.get(token);
    if (!pending) throw Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    this.pendingTokens.delete(token);
    return pending;
  }

  restore() {
    this.sfnMock.restore();
    this.eventsMock.restore();
  }

  /** The handler of a step, for driving start-fulfillment with SQS events. */
  handler(step: string): Handler {
    const h = this.handlersByStep.get(step);
    if (!h) throw new Error(`no handler ${step}`);
    return h;
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
