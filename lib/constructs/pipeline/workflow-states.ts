import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  DETAIL_TYPES,
  EVENT_SOURCES,
  LAMBDA_TRANSIENT_ERRORS,
  ORDER_SCHEMA_VERSION,
  OrderStatus,
  OutcomeReason,
  SNS_ATTRIBUTES,
  TerminalStatus,
} from '@securecart/contracts';
import { WorkflowStep } from './fulfillment-steps';

const J = sfn.JsonPath;

/** What each Lambda step receives: JSONPaths into the workflow's state data. */
export const STEP_PAYLOADS = {
  validate: { 'order.$': '$.order' },
  pay: {
    'orderId.$': '$.order.orderId',
    'customerId.$': '$.order.customerId',
    'amountCents.$': '$.validation.totalCents',
    'paymentToken.$': '$.order.payment.token',
    'attempt.$': '$$.State.RetryCount',
  },
  reserve: { 'orderId.$': '$.order.orderId', 'items.$': '$.validation.lines' },
  invoice: {
    'orderId.$': '$.order.orderId',
    'customerId.$': '$.order.customerId',
    'lines.$': '$.validation.lines',
    'totalCents.$': '$.validation.totalCents',
  },
  /** Inside the shipments Map: one item of `shipmentItem`. */
  ship: { 'orderId.$': '$.orderId', 'shipment.$': '$.shipment', 'shippingAddress.$': '$.shippingAddress' },
  shipmentItem: {
    'orderId.$': '$.order.orderId',
    'shipment.$': '$$.Map.Item.Value',
    'shippingAddress.$': '$.order.shippingAddress',
  },
  refund: { 'orderId.$': '$.order.orderId' },
  release: { 'orderId.$': '$.order.orderId', 'items.$': '$.validation.lines' },
} as const;

export interface WorkflowStatesProps {
  readonly handlers: Record<WorkflowStep, lambda.IFunction>;
  readonly topic: sns.ITopic;
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
   * A Lambda step; the handler's return value lands at `resultPath` as it is. Lambda's transient
   * errors, a task timeout and `retryErrors` are retried with backoff and full jitter.
   */
  invoke(stateId: string, step: WorkflowStep, payload: object, resultPath: string, retryErrors: string[] = []) {
    return new tasks.LambdaInvoke(this.scope, stateId, {
      lambdaFunction: this.props.handlers[step],
      payload: sfn.TaskInput.fromObject(payload as Record<string, unknown>),
      payloadResponseOnly: true,
      resultPath,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(60)),
    }).addRetry({
      errors: [...LAMBDA_TRANSIENT_ERRORS, sfn.Errors.TIMEOUT, ...retryErrors],
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 3,
      maxDelay: Duration.seconds(20),
      jitterStrategy: sfn.JitterType.FULL,
    });
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
            shippingCountry: J.stringAt('$.order.shippingAddress.country'),
            itemCount: J.numberAt('$.validation.itemCount'),
            taskToken: J.taskToken,
          }),
        },
      ],
      taskTimeout: sfn.Timeout.duration(this.props.fraudScreenTimeout),
      resultPath: '$.screening',
    });
  }

  /**
   * Builds the status event at `$.statusEvent`, then publishes it with a `status` attribute.
   * `FROM_OUTCOME` publishes the status and reason recorded at `$.outcome`.
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
    }).addRetry({
      errors: [sfn.Errors.ALL],
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 4,
      jitterStrategy: sfn.JitterType.FULL,
    });
    return sfn.Chain.start(build).next(publish);
  }

  /** Records the order's outcome at `$.outcome`. */
  outcome(stateId: string, status: TerminalStatus, reason: OutcomeReason | null) {
    return new sfn.Pass(this.scope, stateId, {
      result: sfn.Result.fromObject({ status, reason }),
      resultPath: '$.outcome',
    });
  }
}
