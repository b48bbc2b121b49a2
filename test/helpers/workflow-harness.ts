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
 * - `events:putEvents` tasks (compliance events) record their entries (`compliance` in the report).
 * - `events:putEvents.waitForTaskToken` routes the event through the synthesized rule patterns
 *   (the TypeScript matcher, test/helpers/event-matchers.ts) to the real screen-fraud handler,
 *   whose SendTaskSuccess/SendTaskFailure (SDK client mock) completes the waiting task. No answer →
 *   the state's TimeoutSeconds fires.
 * - PutEvents from handlers (InventoryLow) is captured and routed the same way (to restock).
 * - SQS SendMessage from handlers is captured (`sentMessages`).
 * - `sqs:sendMessage` tasks (status events recorded for redelivery) record the event.
 * - `states:startExecution.sync:2` (ShipOrder, the shipping sub-workflow) runs the child's
 *   definition from the same template as a local execution, its Task states bound the same way
 *   (workflow-runner.ts); `pickup` options stand in for a carrier that never answers. Names are
 *   taken as on AWS (ExecutionAlreadyExists once closed or with another input), and
 *   `aws-sdk:sfn:describeExecution` describes a child.
 * - Faults: `run(order, { faults: { RefundPayment: new Error('boom') } })` makes that Task state
 *   throw instead of doing its work (on every attempt, or on the attempts a function picks).
 *
 * aws-local-stepfunctions does not fill `$$.State.RetryCount`; the harness supplies it per state
 * as AWS does (0 on the first attempt, +1 per retry).
 *
 * The parts: workflow-runner.ts (one execution with aws-local-stepfunctions, and its report),
 * workflow-fakes.ts (the SDK mocks standing in for Step Functions, EventBridge and SQS),
 * workflow-environment.ts (the Lambda runtime: variables, context, the per-invocation
 * `process.env`), workflow-template.ts (reading the template). This file binds them together.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Template } from 'aws-cdk-lib/assertions';
import { randomUUID } from 'node:crypto';
import {
  CatalogItem,
  ClaimKind,
  claimKey,
  HANDLER_ENV,
  Order,
  orderClaims,
  TABLE_KEYS,
  toWorkflowOrder,
  WorkflowOrder,
} from '@securecart/contracts';
import { localDynamoClient } from './dynalite';
import { allStates, stateMachineOf } from './asl';
import { matchesEventPattern } from './event-matchers';
import {
  acquireEnvView,
  Env,
  invocationEnv,
  lambdaContext,
  REGION,
  releaseEnvView,
  runtimeEnv,
} from './workflow-environment';
import { FakeAwsServices, toEvent } from './workflow-fakes';
import { ChildRun, ExecutionReport, runExecution, RunOptions } from './workflow-runner';
import { functionArn, lambdaTaskTarget, localNames, resolveTokens, Resources } from './workflow-template';

export { ACCOUNT, REGION } from './workflow-environment';
export type { ExecutionReport, Fault, RunOptions, StatusRecord, TaskError } from './workflow-runner';

type Handler = (event: any, context: any) => Promise<any>;
/** Local table names: the data stack's catalog and idempotency tables, the pipeline's claims table. */
export interface HarnessTables {
  readonly catalog: string;
  readonly idempotency: string;
  readonly claims: string;
}
const LAMBDA_DIR = join(__dirname, '../../lambda');

export class WorkflowHarness {
  readonly ddb: DynamoDBDocumentClient;
  private readonly aws = new FakeAwsServices();
  readonly sfnMock = this.aws.sfnMock;
  readonly eventsMock = this.aws.eventsMock;
  readonly sqsMock = this.aws.sqsMock;
  /** Every entry handlers sent with PutEvents. */
  readonly publishedEvents = this.aws.publishedEvents;
  /** Every message handlers sent with SQS SendMessage. */
  readonly sentMessages = this.aws.sentMessages;
  /** Restock results for InventoryLow events routed to the restock handler. */
  readonly restocks: any[] = [];
  readonly executions = new Map<string, Promise<ExecutionReport>>();

  private readonly resources: Resources;
  private readonly definition: any;
  /** Every state machine's definition by ARN (OrderFulfillment and the children it starts). */
  private readonly definitions = new Map<string, any>();
  /** ShipOrder executions by name (a name, once started, is taken: see ChildRun). */
  readonly childExecutions = new Map<string, ChildRun>();
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
  private restored = false;
  private envAcquired = false;

  constructor(
    pipeline: Template,
    readonly tables: HarnessTables,
    private readonly endpoint: string,
    /** Handler variables to override for this harness (e.g. a longer provider time-out for an HTTP fake). */
    overrides: Env = {},
  ) {
    try {
      this.resources = pipeline.toJSON().Resources;
      const names = localNames(this.resources);

      // The state machines: OrderFulfillment, and the ShipOrder children it starts, by ARN.
      for (const [id, r] of Object.entries(this.resources))
        if (r.Type === 'AWS::StepFunctions::StateMachine')
          this.definitions.set(names[id], JSON.parse(resolveTokens(r.Properties.DefinitionString, names)));
      this.definition = JSON.parse(resolveTokens(stateMachineOf(this.resources).Properties.DefinitionString, names));

      // The pipeline's functions, by POWERTOOLS_SERVICE_NAME (= the handler folder under lambda/).
      const stepOfArn = new Map<string, string>();
      const local: Env = {
        [HANDLER_ENV.catalogTable]: tables.catalog,
        [HANDLER_ENV.idempotencyTable]: tables.idempotency,
        [HANDLER_ENV.orderClaimsTable]: tables.claims,
        [HANDLER_ENV.paymentProviderTimeoutMs]: '50',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        ...overrides,
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

      // Bind every Lambda task (of every state machine) to the handler of the function it invokes.
      for (const [name, state] of Object.entries(this.allTaskStates())) {
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

      this.ddb = DynamoDBDocumentClient.from(localDynamoClient(endpoint, REGION));
      this.aws.install({
        hasExecution: (name) => this.executions.has(name),
        startExecution: (name, input) => this.executions.set(name, this.execute(name, input, {})),
        deliverToRules: (events) => this.deliverToRules(events),
      });
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
    return Object.entries(this.allTaskStates())
      .filter(
        ([name, s]) =>
          s.Type === 'Task' &&
          !this.stepOfState.has(name) &&
          !/sns:publish$|sqs:sendMessage$|events:putEvents(\.waitForTaskToken)?$|states:startExecution\.sync:2$|aws-sdk:sfn:describeExecution$/.test(
            s.Resource,
          ),
      )
      .map(([name]) => name);
  }

  /** Every state of every state machine of the template (names are unique across them). */
  private allTaskStates(): Record<string, any> {
    const out: Record<string, any> = {};
    for (const definition of this.definitions.values())
      for (const [name, state] of Object.entries(allStates(definition))) {
        if (name in out) throw new Error(`two state machines have a state named ${name}`);
        out[name] = state;
      }
    return out;
  }

  /** The environment a handler runs with: exactly what `process.env` shows it (a copy). */
  environmentOf(step: string): Env {
    return this.withEnvironment(step, () => ({ ...process.env }) as Env);
  }

  /** Creates the catalog and idempotency tables (data stack) and the claims table (pipeline stack) as synthesized. */
  static async createTables(client: DynamoDBClient, templates: Template[], names: HarnessTables) {
    const tables = templates.flatMap((template) =>
      Object.values<any>(template.toJSON().Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table'),
    );
    for (const [tableName, key] of [
      [names.catalog, TABLE_KEYS.catalog.partitionKey],
      [names.idempotency, TABLE_KEYS.idempotency.partitionKey],
      [names.claims, TABLE_KEYS.orderClaims.partitionKey],
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

  /**
   * What start-fulfillment does with an order from the queue (the claim check, ADR 19): puts its
   * token and address into claims and returns the execution input (the order without them).
   */
  async handOff(order: Order): Promise<WorkflowOrder> {
    const ref = randomUUID();
    for (const claim of orderClaims(order, ref, new Date()))
      await this.ddb.send(new PutCommand({ TableName: this.tables.claims, Item: claim }));
    return toWorkflowOrder(order, ref);
  }

  /** The claim item of this kind and reference, as stored (undefined when deleted). */
  async claim(kind: ClaimKind, ref: string): Promise<any> {
    return (
      await this.ddb.send(
        new GetCommand({ TableName: this.tables.claims, Key: { claimId: claimKey(kind, ref) }, ConsistentRead: true }),
      )
    ).Item;
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

  /**
   * Runs one execution named after the order id, as StartExecution would. An order as the queue
   * carries it (with its token and address) is handed off first, as start-fulfillment does
   * (`handOff`); anything else is the execution input as given.
   */
  async run(input: any, options: RunOptions = {}): Promise<ExecutionReport> {
    const queued = input && typeof input === 'object' && 'payment' in input && 'shippingAddress' in input;
    return this.start(queued ? await this.handOff(input) : input, options);
  }

  /** Runs one execution with exactly this input. */
  start(input: any, options: RunOptions = {}): Promise<ExecutionReport> {
    const orderId = String(input?.orderId ?? `anon-${this.executions.size}`);
    const taskStates = Object.entries(this.allTaskStates())
      .filter(([, s]) => s.Type === 'Task')
      .map(([name]) => name);
    const unknown = Object.keys(options.faults ?? {}).filter((state) => !taskStates.includes(state));
    if (unknown.length > 0)
      throw new Error(`faults name ${unknown.join(', ')}, not Task states (${taskStates.join(', ')})`);
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

  private execute(orderId: string, input: any, options: RunOptions): Promise<ExecutionReport> {
    return runExecution(this.definition, orderId, input, options, {
      stepOfState: this.stepOfState,
      invoke: (step, event, contextName) => this.invoke(step, event, contextName),
      awaitTaskToken: (token) => this.aws.awaitTaskToken(token),
      deliverEntries: (entries) => this.deliverToRules(entries.map(toEvent)),
      nextHeartbeat: (token) => this.aws.nextHeartbeat(token),
      definitionOf: (arn) => this.definitions.get(arn),
      childExecutions: this.childExecutions,
    });
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

  /** Removes the SDK mocks and gives `process.env` back. */
  restore() {
    if (this.restored) return;
    this.restored = true;
    this.aws.restore();
    if (this.envAcquired) releaseEnvView();
  }

  /** A handler as Lambda runs it (its own environment), for driving start-fulfillment with SQS events. */
  handler(step: string): Handler {
    if (!this.handlers.has(step)) throw new Error(`no handler ${step}`);
    return (event, context) =>
      this.withEnvironment(step, () => this.handlers.get(step)!(event, context ?? lambdaContext(step)));
  }
}
