import { Aws, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  AWS_TRANSIENT_ERRORS,
  DETAIL_TYPES,
  EVENT_SOURCES,
  HANDLER_AWS_TRANSIENT_ERRORS,
  LAMBDA_FUNCTION_TIMEOUT,
  ORDER_SCHEMA_VERSION,
  OrderStatus,
  OutcomeReason,
  SNS_ATTRIBUTES,
  TerminalStatus,
} from '@securecart/contracts';
import { PipelineBaseProps } from './base';
import { WorkflowStep } from './fulfillment-steps';

const J = sfn.JsonPath;

/**
 * What each Lambda step receives: JSONPaths into the workflow's state data. The payment token and
 * the address are never among them: the steps that need them get the claim reference (ADR 19).
 */
export const STEP_PAYLOADS = {
  validate: { 'order.$': '$.order' },
  pay: {
    'orderId.$': '$.order.orderId',
    'customerId.$': '$.order.customerId',
    'amountCents.$': '$.validation.totalCents',
    'claim.$': '$.order.claim',
    'attempt.$': '$$.State.RetryCount',
  },
  reserve: { 'orderId.$': '$.order.orderId', 'items.$': '$.validation.lines' },
  invoice: {
    'orderId.$': '$.order.orderId',
    'customerId.$': '$.order.customerId',
    'lines.$': '$.validation.lines',
    'totalCents.$': '$.validation.totalCents',
  },
  /** A package (one item of `shipmentItem`): ShipOrder's input, and its CreateShipment step's. */
  ship: { 'orderId.$': '$.orderId', 'shipment.$': '$.shipment', 'claim.$': '$.claim' },
  shipmentItem: {
    /** The package's ShipOrder execution name (docs/adr/0029; contracts' shipOrderExecutionName). */
    'executionName.$': "States.Format('{}-pkg{}', $.order.orderId, $$.Map.Item.Index)",
    'orderId.$': '$.order.orderId',
    'shipment.$': '$$.Map.Item.Value',
    'claim.$': '$.order.claim',
  },
  refund: { 'orderId.$': '$.order.orderId', 'claim.$': '$.order.claim' },
  release: { 'orderId.$': '$.order.orderId', 'items.$': '$.validation.lines' },
} as const;

/**
 * How long the workflow rides out an AWS dependency's errors (docs/adr/0017), from the profile
 * (`profile.workflow`): exponential backoff from `interval`, capped at `maxDelay`, full jitter,
 * `maxAttempts` retries; compensations retry every error `compensationMaxAttempts` times.
 */
export interface WorkflowWaits {
  readonly outageRetry: { readonly interval: Duration; readonly maxDelay: Duration; readonly maxAttempts: number };
  readonly compensationMaxAttempts: number;
}

/** Lambda's own service errors and the transient AWS errors a handler lets through. */
const LAMBDA_STEP_TRANSIENT = [...AWS_TRANSIENT_ERRORS.lambda, ...HANDLER_AWS_TRANSIENT_ERRORS];

export interface WorkflowStatesProps {
  readonly handlers: Record<WorkflowStep, lambda.IFunction>;
  readonly topic: sns.ITopic;
  /** A status event whose publish failed after its retries is sent here, to be published again. */
  readonly redeliveryQueue: sqs.IQueue;
  readonly waits: WorkflowWaits;
  readonly bus: events.IEventBus;
  readonly fraudScreenTimeout: Duration;
}

/** The kinds of state the fulfillment workflow is built from, created in `scope`. */
export class WorkflowStates {
  constructor(
    private readonly scope: Construct,
    private readonly props: WorkflowStatesProps,
  ) {}

  /**
   * A Lambda step; the handler's return value lands at `resultPath` as it is. Lambda's service
   * errors and the transient AWS errors a handler lets through are retried for minutes (an
   * outage); a task or function time-out and `retryErrors` (a provider or carrier not answering)
   * 3 times. A
   * `compensation` retries every error for longer still: it is idempotent and gives money back.
   */
  invoke(
    stateId: string,
    step: WorkflowStep,
    payload: object,
    resultPath: string,
    retryErrors: string[] = [],
    kind: 'step' | 'compensation' = 'step',
  ) {
    return lambdaStep(this.scope, stateId, this.props.handlers[step], payload, resultPath, this.props.waits, {
      retryErrors,
      kind,
    });
  }

  /** A retry of `errors` that rides out minutes of an AWS dependency's errors (backoff, full jitter). */
  private outageRetry(errors: readonly string[], maxAttempts?: number): sfn.RetryProps {
    return outageRetry(this.props.waits, errors, maxAttempts);
  }

  /** A screening request on the bus; screen-fraud answers through the task token. */
  screenForFraud(stateId: string) {
    return new tasks.EventBridgePutEvents(this.scope, stateId, {
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      entries: [
        {
          eventBus: this.props.bus,
          source: EVENT_SOURCES.fulfillment,
          detailType: DETAIL_TYPES.screeningRequested,
          detail: sfn.TaskInput.fromObject({
            orderId: J.stringAt('$.order.orderId'),
            customerId: J.stringAt('$.order.customerId'),
            totalCents: J.numberAt('$.validation.totalCents'),
            shippingCountry: J.stringAt('$.order.shippingCountry'),
            itemCount: J.numberAt('$.validation.itemCount'),
            taskToken: J.taskToken,
          }),
        },
      ],
      taskTimeout: sfn.Timeout.duration(this.props.fraudScreenTimeout),
      resultPath: '$.screening',
      // Not States.Timeout: no answer in time is the fraud-review time-out, caught as such.
    }).addRetry(this.outageRetry(AWS_TRANSIENT_ERRORS.eventBridge));
  }

  /**
   * Builds the status event at `$.statusEvent`, then publishes it with a `status` attribute.
   * `FROM_OUTCOME` publishes the status and reason recorded at `$.outcome`.
   *
   * A status event is a notification, not a step the order depends on (docs/adr/0017): SNS's
   * transient errors are retried for minutes, and when the publish still fails, the event is sent
   * to the status-redelivery queue (published again from there once SNS answers) and the order
   * goes on. `record` is that send; where its failure leads is the caller's choice (the error
   * routes of the workflow).
   */
  publishStatus(name: string, status: OrderStatus | 'FROM_OUTCOME') {
    const fromOutcome = status === 'FROM_OUTCOME';
    const build = new sfn.Pass(this.scope, `${name}Event`, {
      parameters: {
        schemaVersion: ORDER_SCHEMA_VERSION,
        'orderId.$': '$.order.orderId',
        'customerId.$': '$.order.customerId',
        ...(fromOutcome
          ? { 'status.$': '$.outcome.status', 'reason.$': '$.outcome.reason' }
          : { status, reason: null }),
        'occurredAt.$': '$$.State.EnteredTime',
        'executionId.$': '$$.Execution.Id',
      },
      resultPath: '$.statusEvent',
    });
    const publish = new tasks.SnsPublish(this.scope, name, {
      topic: this.props.topic,
      message: sfn.TaskInput.fromJsonPathAt('States.JsonToString($.statusEvent)'),
      messageAttributes: {
        [SNS_ATTRIBUTES.status]: { value: fromOutcome ? J.stringAt('$.outcome.status') : status },
      },
      resultPath: J.DISCARD,
    }).addRetry(this.outageRetry(AWS_TRANSIENT_ERRORS.sns));
    // The sqs:sendMessage integration as a CustomState: SqsSendMessage would grant
    // kms:GenerateDataKey*; FulfillmentWorkflow grants exactly SendMessage and the key actions.
    const record = new sfn.CustomState(this.scope, `${name}ForRedelivery`, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::sqs:sendMessage`,
        Parameters: {
          QueueUrl: this.props.redeliveryQueue.queueUrl,
          'MessageBody.$': 'States.JsonToString($.statusEvent)',
        },
        ResultPath: null,
      },
    }).addRetry(this.outageRetry(AWS_TRANSIENT_ERRORS.sqs));
    publish.addCatch(record, { errors: [sfn.Errors.ALL], resultPath: '$.statusError' });
    build.next(publish);
    // Whatever follows comes after the publish, or after recording the event for redelivery.
    return { chain: sfn.Chain.custom(build, [publish, record], publish), record };
  }

  /** Records the order's outcome at `$.outcome`. */
  outcome(stateId: string, status: TerminalStatus, reason: OutcomeReason | null) {
    return new sfn.Pass(this.scope, stateId, {
      result: sfn.Result.fromObject({ status, reason }),
      resultPath: '$.outcome',
    });
  }
}

/** A retry of `errors` that rides out minutes of an AWS dependency's errors (backoff, full jitter). */
export function outageRetry(waits: WorkflowWaits, errors: readonly string[], maxAttempts?: number): sfn.RetryProps {
  const r = waits.outageRetry;
  return {
    errors: [...errors],
    interval: r.interval,
    backoffRate: 2,
    maxAttempts: maxAttempts ?? r.maxAttempts,
    maxDelay: r.maxDelay,
    jitterStrategy: sfn.JitterType.FULL,
  };
}

/**
 * A Lambda step (see `WorkflowStates.invoke`), in any state machine of the pipeline: OrderFulfillment
 * and its ShipOrder sub-workflow retry their steps alike.
 */
export function lambdaStep(
  scope: Construct,
  stateId: string,
  fn: lambda.IFunction,
  payload: object,
  resultPath: string,
  waits: WorkflowWaits,
  options: { retryErrors?: string[]; kind?: 'step' | 'compensation' } = {},
) {
  const task = new tasks.LambdaInvoke(scope, stateId, {
    lambdaFunction: fn,
    payload: sfn.TaskInput.fromObject(payload as Record<string, unknown>),
    payloadResponseOnly: true,
    resultPath,
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(Duration.seconds(60)),
  });
  if (options.kind === 'compensation') {
    return task.addRetry(outageRetry(waits, [sfn.Errors.ALL], waits.compensationMaxAttempts));
  }
  return task.addRetry(outageRetry(waits, LAMBDA_STEP_TRANSIENT)).addRetry({
    errors: [sfn.Errors.TIMEOUT, LAMBDA_FUNCTION_TIMEOUT, ...(options.retryErrors ?? [])],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 3,
    maxDelay: Duration.seconds(20),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

/**
 * A pipeline state machine (Standard), as OrderFulfillment and ShipOrder both are: its log group
 * (`Logs`, under the vended-logs prefix, the pipeline key) and the state machine (`StateMachine`)
 * in `scope`, X-Ray tracing on, every state's entry and exit logged WITHOUT its data (the states'
 * inputs and outputs stay in the CMK-encrypted execution history: ADR 19), and the definition and
 * history encrypted with the pipeline key. CDK grants the role kms:Decrypt/GenerateDataKey in this
 * state machine's encryption context, the log delivery its key permissions, as the Step Functions
 * guide documents.
 */
export function pipelineStateMachine(
  scope: Construct,
  props: PipelineBaseProps & { readonly stateMachineName: string },
  definition: sfn.IChainable,
  timeout: Duration,
): sfn.StateMachine {
  const logGroup = props.key.logGroup(scope, 'Logs', {
    logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
    retentionDays: props.logRetentionDays,
    removalPolicy: props.removalPolicy,
  });
  return new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineName: props.stateMachineName,
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    timeout,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key.key, Duration.minutes(5)),
    removalPolicy: props.removalPolicy,
  });
}
