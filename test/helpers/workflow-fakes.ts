/**
 * The fake AWS services of the workflow harness (test/helpers/workflow-harness.ts), as SDK client
 * mocks (aws-sdk-client-mock):
 *
 * - Step Functions: SendTaskSuccess/SendTaskFailure answer the task token a waiting task holds
 *   (an unknown or already answered token → TaskTimedOut); StartExecution starts a local execution
 *   (a second start by name is refused as on AWS).
 * - EventBridge: PutEvents entries are recorded (`publishedEvents`) and delivered to the rules.
 * - SQS: SendMessage is recorded (`sentMessages`).
 */
import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SendMessageCommand, SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCOUNT, invocationEnv, REGION } from './workflow-environment';

/** What the fakes do with what they receive: run the workflow, deliver events to the rules. */
export interface FakeAwsHooks {
  /** Whether an execution of that name was started already. */
  hasExecution(name: string): boolean;
  /** Starts a local execution (outside any handler's environment). */
  startExecution(name: string, input: unknown): void;
  /** Delivers events to every rule whose pattern matches. */
  deliverToRules(events: any[]): Promise<void>;
}

export class FakeAwsServices {
  readonly sfnMock = mockClient(SFNClient);
  readonly eventsMock = mockClient(EventBridgeClient);
  readonly sqsMock = mockClient(SQSClient);
  /** Every entry handlers sent with PutEvents. */
  readonly publishedEvents: PutEventsRequestEntry[] = [];
  /** Every message handlers sent with SQS SendMessage. */
  readonly sentMessages: SendMessageCommandInput[] = [];
  private readonly pendingTokens = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly heartbeats = new Map<string, Array<() => void>>();

  /** Resolves at the next SendTaskHeartbeat for the token. */
  nextHeartbeat(token: string): Promise<void> {
    return new Promise((resolve) => this.heartbeats.set(token, [...(this.heartbeats.get(token) ?? []), resolve]));
  }

  /** Waits for the answer to a task token; the token is registered before this returns. */
  awaitTaskToken(token: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.pendingTokens.set(token, { resolve, reject }));
  }

  /** Gives the mocks their behaviour (until then they answer undefined). */
  install(hooks: FakeAwsHooks): void {
    this.sfnMock.on(SendTaskSuccessCommand).callsFake(async (input) => {
      const pending = this.takeToken(input.taskToken);
      pending.resolve(JSON.parse(input.output));
      return {};
    });
    this.sfnMock.on(SendTaskHeartbeatCommand).callsFake(async (input) => {
      if (!this.pendingTokens.has(input.taskToken))
        throw Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
      const waiting = this.heartbeats.get(input.taskToken) ?? [];
      this.heartbeats.delete(input.taskToken);
      for (const resolve of waiting) resolve();
      return {};
    });
    this.sfnMock.on(SendTaskFailureCommand).callsFake(async (input) => {
      const pending = this.takeToken(input.taskToken);
      pending.reject(Object.assign(new Error(input.cause ?? ''), { name: input.error ?? 'States.TaskFailed' }));
      return {};
    });
    // start-fulfillment: StartExecution runs the local workflow; a second start by name is refused as on AWS.
    this.sfnMock.on(StartExecutionCommand).callsFake(async (input) => {
      if (hooks.hasExecution(input.name))
        throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${input.name}'`, $metadata: {} });
      // The execution is not part of the invocation that started it: leave its environment.
      invocationEnv.exit(() => hooks.startExecution(input.name, JSON.parse(input.input)));
      return {
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:OrderFulfillment:${input.name}`,
        startDate: new Date(),
      };
    });
    this.eventsMock.on(PutEventsCommand).callsFake(async (input) => {
      this.publishedEvents.push(...input.Entries);
      await invocationEnv.exit(() => hooks.deliverToRules(input.Entries.map(toEvent)));
      return { FailedEntryCount: 0, Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `e-${i}` })) };
    });
    this.sqsMock.on(SendMessageCommand).callsFake(async (input) => {
      this.sentMessages.push(input);
      return { MessageId: `sqs-${this.sentMessages.length}` };
    });
  }

  /** Removes the SDK mocks. */
  restore(): void {
    this.sfnMock.restore();
    this.eventsMock.restore();
    this.sqsMock.restore();
  }

  private takeToken(token: string) {
    const pending = this.pendingTokens.get(token);
    if (!pending) throw Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    this.pendingTokens.delete(token);
    return pending;
  }
}

/** An EventBridge event as the bus delivers a PutEvents entry. */
export function toEvent(entry: any) {
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
