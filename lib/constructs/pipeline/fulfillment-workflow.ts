import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  BUSINESS_ERRORS,
  DETAIL_TYPES,
  EVENT_SOURCES,
  FRAUD_REJECTED_ERROR,
  LAMBDA_TRANSIENT_ERRORS,
  ORDER_SCHEMA_VERSION,
  OUTCOME_REASONS,
  OrderStatus,
  OutcomeReason,
  SNS_ATTRIBUTES,
  TRANSIENT_ERRORS,
} from '../contracts';
import { TierKey } from './encryption';

/** The Lambda-backed steps of the workflow; each is `lambda/<step>/`. */
export const WORKFLOW_STEPS = [
  'validate-order',
  'process-payment',
  'reserve-inventory',
  'create-invoice',
  'create-shipment',
  'refund-payment',
  'release-inventory',
] as const;
export type WorkflowStep = (typeof WORKFLOW_STEPS)[number];

export interface FulfillmentWorkflowProps {
  readonly stateMachineName: string;
  readonly handlers: Record<WorkflowStep, lambda.IFunction>;
  readonly topic: sns.ITopic;
  readonly bus: events.IEventBus;
  readonly key: TierKey;
  readonly fraudScreenTimeout: Duration;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

const J = sfn.JsonPath;
const ALL = [sfn.Errors.ALL];

/**
 * OrderFulfillment (Standard): validate → (screen) → pay → reserve ∥ invoice → ship, publishing
 * every status change to OrderEvents. Business errors end CANCELLED; failures after payment run
 * the saga (refund, release); anything unexpected ends FAILED (a failed execution, alarmed).
 *
 * State data: `$.order` (input), `$.validation`, `$.screening`, `$.payment`, `$.fulfillment`,
 * `$.shipments`, `$.compensation`, `$.outcome` ({ status, reason }), `$.error` (last caught error).
 */
export class FulfillmentWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: FulfillmentWorkflowProps) {
    super(scope, id);
    const h = props.handlers;

    // --- building blocks ---------------------------------------------------------------------
    const invoke = (
      stateId: string,
      step: WorkflowStep,
      payload: Record<string, unknown>,
      resultPath: string,
      retryErrors: string[] = [],
    ) =>
      new tasks.LambdaInvoke(this, stateId, {
        lambdaFunction: h[step],
        payload: sfn.TaskInput.fromObject(payload),
        resultSelector: { 'value.$': '$.Payload' },
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

    /** Builds the status event at `$.statusEvent`, then publishes it with a `status` attribute. */
    const publishStatus = (name: string, status: OrderStatus | 'FROM_OUTCOME') => {
      const fromOutcome = status === 'FROM_OUTCOME';
      const build = new sfn.Pass(this, `${name}Event`, {
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
      const publish = new tasks.SnsPublish(this, name, {
        topic: props.topic,
        message: sfn.TaskInput.fromJsonPathAt('States.JsonToString($.statusEvent)'),
        messageAttributes: {
          [SNS_ATTRIBUTES.status]: { value: fromOutcome ? J.stringAt('$.outcome.status') : status },
        },
        resultPath: J.DISCARD,
      }).addRetry({
        errors: ALL,
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 4,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return sfn.Chain.start(build).next(publish);
    };

    const outcome = (stateId: string, status: 'FULFILLED' | 'CANCELLED' | 'FAILED', reason: OutcomeReason | null) =>
      new sfn.Pass(this, stateId, { result: sfn.Result.fromObject({ status, reason }), resultPath: '$.outcome' });

    // --- terminal: publish the outcome, then end -----------------------------------------------
    const finish = publishStatus('PublishOutcome', 'FROM_OUTCOME').next(
      new sfn.Choice(this, 'Failed?')
        .when(
          sfn.Condition.stringEquals('$.outcome.status', 'FAILED'),
          new sfn.Fail(this, 'OrderFailed', { error: 'OrderFailed', causePath: '$.outcome.reason' }),
        )
        .otherwise(new sfn.Succeed(this, 'Done')),
    );

    // --- saga: refund, then release; a failing compensation is FAILED for an operator ---------
    const compensationFailed = outcome('CompensationFailed', 'FAILED', OUTCOME_REASONS.compensationFailed).next(finish);
    const refund = invoke(
      'RefundPayment',
      'refund-payment',
      { 'orderId.$': '$.order.orderId' },
      '$.compensation.refund',
    );
    const release = invoke(
      'ReleaseInventory',
      'release-inventory',
      { 'orderId.$': '$.order.orderId', 'items.$': '$.validation.value.lines' },
      '$.compensation.release',
    );
    refund.addCatch(compensationFailed, { errors: ALL, resultPath: '$.error' });
    release.addCatch(compensationFailed, { errors: ALL, resultPath: '$.error' });
    const compensate = sfn.Chain.start(refund).next(release).next(finish);

    const unexpectedBeforePayment = outcome('UnexpectedBeforePayment', 'FAILED', OUTCOME_REASONS.unexpectedError).next(
      finish,
    );
    const unexpected = outcome('Unexpected', 'FAILED', OUTCOME_REASONS.unexpectedError).next(compensate);

    // --- 1. validate ---------------------------------------------------------------------------
    const validate = invoke('ValidateOrder', 'validate-order', { 'order.$': '$.order' }, '$.validation');
    validate.addCatch(outcome('InvalidOrder', 'CANCELLED', OUTCOME_REASONS.invalidOrder).next(finish), {
      errors: [BUSINESS_ERRORS.invalidOrder],
      resultPath: '$.error',
    });
    validate.addCatch(unexpectedBeforePayment, { errors: ALL, resultPath: '$.error' });

    // --- 2. fraud screening (high value or unusual country), answered through a task token -----
    const screen = new tasks.EventBridgePutEvents(this, 'ScreenForFraud', {
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      entries: [
        {
          eventBus: props.bus,
          source: EVENT_SOURCES.fulfillment,
          detailType: DETAIL_TYPES.screeningRequested,
          detail: sfn.TaskInput.fromObject({
            orderId: J.stringAt('$.order.orderId'),
            customerId: J.stringAt('$.order.customerId'),
            totalCents: J.numberAt('$.validation.value.totalCents'),
            shippingCountry: J.stringAt('$.order.shippingAddress.country'),
            itemCount: J.numberAt('$.validation.value.itemCount'),
            taskToken: J.taskToken,
          }),
        },
      ],
      taskTimeout: sfn.Timeout.duration(props.fraudScreenTimeout),
      resultPath: '$.screening',
    });
    screen.addCatch(outcome('FraudRejected', 'CANCELLED', OUTCOME_REASONS.fraudRejected).next(finish), {
      errors: [FRAUD_REJECTED_ERROR],
      resultPath: '$.error',
    });
    // No decision in time: cancel before any money moves, for manual review (docs/adr/0006).
    screen.addCatch(outcome('FraudReviewTimeout', 'CANCELLED', OUTCOME_REASONS.fraudReviewTimeout).next(finish), {
      errors: [sfn.Errors.TIMEOUT],
      resultPath: '$.error',
    });
    screen.addCatch(unexpectedBeforePayment, { errors: ALL, resultPath: '$.error' });

    // --- 3. payment: transient errors retried (backoff + jitter), a decline is a business outcome
    const pay = invoke(
      'ProcessPayment',
      'process-payment',
      {
        'orderId.$': '$.order.orderId',
        'customerId.$': '$.order.customerId',
        'amountCents.$': '$.validation.value.totalCents',
        'paymentToken.$': '$.order.payment.token',
        'attempt.$': '$$.State.RetryCount',
      },
      '$.payment',
      [TRANSIENT_ERRORS.paymentProviderUnavailable],
    );
    pay.addCatch(outcome('PaymentDeclined', 'CANCELLED', OUTCOME_REASONS.paymentDeclined).next(finish), {
      errors: [BUSINESS_ERRORS.paymentDeclined],
      resultPath: '$.error',
    });
    // The provider may have charged before it stopped answering: refund to be sure.
    pay.addCatch(outcome('PaymentUnavailable', 'CANCELLED', OUTCOME_REASONS.paymentUnavailable).next(compensate), {
      errors: [TRANSIENT_ERRORS.paymentProviderUnavailable, sfn.Errors.TIMEOUT],
      resultPath: '$.error',
    });
    pay.addCatch(unexpected, { errors: ALL, resultPath: '$.error' });

    // --- 4. reserve stock and invoice in parallel ---------------------------------------------
    const reserveAndInvoice = new sfn.Parallel(this, 'ReserveAndInvoice', {
      resultSelector: { 'reservation.$': '$[0].reservation.value', 'invoice.$': '$[1].invoice.value' },
      resultPath: '$.fulfillment',
    })
      .branch(
        invoke(
          'ReserveInventory',
          'reserve-inventory',
          { 'orderId.$': '$.order.orderId', 'items.$': '$.validation.value.lines' },
          '$.reservation',
        ),
      )
      .branch(
        invoke(
          'CreateInvoice',
          'create-invoice',
          {
            'orderId.$': '$.order.orderId',
            'customerId.$': '$.order.customerId',
            'lines.$': '$.validation.value.lines',
            'totalCents.$': '$.validation.value.totalCents',
          },
          '$.invoice',
        ),
      );
    reserveAndInvoice.addCatch(outcome('OutOfStock', 'CANCELLED', OUTCOME_REASONS.outOfStock).next(compensate), {
      errors: [BUSINESS_ERRORS.outOfStock],
      resultPath: '$.error',
    });
    reserveAndInvoice.addCatch(unexpected, { errors: ALL, resultPath: '$.error' });

    // --- 5. one shipment per warehouse -------------------------------------------------------
    const ship = new sfn.Map(this, 'CreateShipments', {
      itemsPath: '$.validation.value.shipments',
      maxConcurrency: 2,
      itemSelector: {
        'orderId.$': '$.order.orderId',
        'shipment.$': '$$.Map.Item.Value',
        'shippingAddress.$': '$.order.shippingAddress',
      },
      resultPath: '$.shipments',
    }).itemProcessor(
      invoke(
        'CreateShipment',
        'create-shipment',
        { 'orderId.$': '$.orderId', 'shipment.$': '$.shipment', 'shippingAddress.$': '$.shippingAddress' },
        '$.result',
        [TRANSIENT_ERRORS.carrierUnavailable],
      ).next(new sfn.Pass(this, 'ShipmentCreated', { outputPath: '$.result.value' })),
    );
    ship.addCatch(outcome('ShipmentFailed', 'CANCELLED', OUTCOME_REASONS.shipmentFailed).next(compensate), {
      errors: [BUSINESS_ERRORS.shipmentFailed],
      resultPath: '$.error',
    });
    ship.addCatch(unexpected, { errors: ALL, resultPath: '$.error' });

    // --- the happy path ------------------------------------------------------------------------
    const start = new sfn.Pass(this, 'Start', { parameters: { 'order.$': '$' } });
    const definition = sfn.Chain.start(start)
      .next(publishStatus('PublishAccepted', 'ACCEPTED'))
      .next(validate)
      .next(publishStatus('PublishValidated', 'VALIDATED'))
      .next(
        new sfn.Choice(this, 'ScreeningRequired?')
          .when(
            sfn.Condition.booleanEquals('$.validation.value.screeningRequired', true),
            publishStatus('PublishScreening', 'SCREENING').next(screen).next(new sfn.Pass(this, 'ScreeningPassed')),
          )
          .otherwise(new sfn.Pass(this, 'NoScreening'))
          .afterwards(),
      )
      .next(pay)
      .next(publishStatus('PublishPaid', 'PAID'))
      .next(reserveAndInvoice)
      .next(ship)
      .next(outcome('Fulfilled', 'FULFILLED', null))
      .next(finish);

    const logGroup = props.key.logGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      removalPolicy: props.removalPolicy,
    });
  }
}

/** Acknowledgements for the state machine role's CDK-generated wildcards, at the policy resource. */
export function acknowledgeStateMachineRole(workflow: FulfillmentWorkflow, functions: lambda.IFunction[]) {
  const policy = workflow.stateMachine.role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray tracing support no resource-level permissions.',
  });
  for (const fn of functions) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the handler and its versions/aliases (ARN:*), granted by CDK; only the pipeline handlers are listed.',
    });
  }
}
