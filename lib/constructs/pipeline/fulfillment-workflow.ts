import { ArnFormat, Aws, CfnElement, Duration, Fn, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  AWS_TRANSIENT_ERRORS,
  BUSINESS_ERRORS,
  EXECUTION_ALREADY_EXISTS_ERROR,
  FRAUD_REJECTED_ERROR,
  OUTCOME_REASONS,
  OutcomeReason,
  SHIP_ORDER_ERRORS,
  TRANSIENT_ERRORS,
} from '@securecart/contracts';
import { acknowledge, nagArnParts } from '../nag';
import { Observable, RUNBOOKS } from '../ops-alarms';
import { grantExecutionDataKey, PipelineBaseProps } from './base';
import { complianceEventStates } from './compliance-events';
import { WorkflowStep } from './fulfillment-steps';
import { OrderEventsFanOut } from './order-events-fan-out';
import { SHIP_ORDER_STEPS, ShipOrder } from './ship-order';
import {
  outageRetry,
  pipelineStateMachine,
  STEP_PAYLOADS as P,
  WorkflowStates,
  WorkflowWaits,
} from './workflow-states';

export interface FulfillmentWorkflowProps extends PipelineBaseProps {
  readonly stateMachineName: string;
  readonly handlers: Record<WorkflowStep, lambda.IFunction>;
  /** Every status change is published to its topic. */
  readonly orderEvents: OrderEventsFanOut;
  /** Screening requests are put here; the answer comes back through the task token. */
  readonly bus: events.IEventBus;
  readonly fraudScreenTimeout: Duration;
  /** How long Task states ride out a dependency's errors (the profile's `workflow`). */
  readonly waits: WorkflowWaits;
  /** The shipping sub-workflow, started once per package (docs/adr/0029). */
  readonly shipOrder: ShipOrder;
}

/** After an outcome is recorded: publish it and end, or run the saga first. */
type Then = 'finish' | 'compensate';
/** A caught error's outcome: the Pass state that records it, the status, the reason, what follows. */
type Outcome = readonly [state: string, status: 'CANCELLED' | 'FAILED', reason: OutcomeReason, then: Then];

const R = OUTCOME_REASONS;
const OUTCOMES = {
  invalidOrder: ['InvalidOrder', 'CANCELLED', R.invalidOrder, 'finish'],
  fraudRejected: ['FraudRejected', 'CANCELLED', R.fraudRejected, 'finish'],
  // No decision in time: cancel before any money moves, for manual review (docs/adr/0006).
  fraudReviewTimeout: ['FraudReviewTimeout', 'CANCELLED', R.fraudReviewTimeout, 'finish'],
  paymentDeclined: ['PaymentDeclined', 'CANCELLED', R.paymentDeclined, 'finish'],
  // The token's claim expired or was never written (ADR 19): nothing can be charged any more; the
  // saga settles an earlier attempt of unknown outcome and deletes the claims.
  paymentClaimMissing: ['PaymentClaimMissing', 'CANCELLED', R.paymentUnavailable, 'compensate'],
  // The provider may have charged before it stopped answering: refund to be sure.
  paymentUnavailable: ['PaymentUnavailable', 'CANCELLED', R.paymentUnavailable, 'compensate'],
  outOfStock: ['OutOfStock', 'CANCELLED', R.outOfStock, 'compensate'],
  shipmentFailed: ['ShipmentFailed', 'CANCELLED', R.shipmentFailed, 'compensate'],
  unexpectedBeforePayment: ['UnexpectedBeforePayment', 'FAILED', R.unexpectedError, 'finish'],
  unexpected: ['Unexpected', 'FAILED', R.unexpectedError, 'compensate'],
  // A compensation that fails needs an operator (docs/runbooks/failed-orders.md).
  compensationFailed: ['CompensationFailed', 'FAILED', R.compensationFailed, 'finish'],
} as const satisfies Record<string, Outcome>;

const { ALL, TIMEOUT } = sfn.Errors;
const { invalidOrder, paymentDeclined, paymentClaimMissing, outOfStock } = BUSINESS_ERRORS;
const { paymentProviderUnavailable } = TRANSIENT_ERRORS;
const { shipmentFailed, pickupTimedOut } = SHIP_ORDER_ERRORS;

/**
 * OrderFulfillment (Standard). Read it in three parts: the happy path as one chain; the saga
 * (refund, then release); the table of error routes (error → outcome). Business errors end
 * CANCELLED; failures after payment run the saga; anything unexpected ends FAILED (a failed
 * execution, alarmed). Every status change is published to OrderEvents. The picture:
 * docs/diagrams/order-fulfillment.md (generated from the synthesized definition).
 *
 * State data: `$.order` (input: the order without payment token and address, a `WorkflowOrder`
 * with the claim reference; ADR 19), `$.validation`, `$.screening`, `$.payment`, `$.fulfillment`,
 * `$.shipments`, `$.compensation`, `$.outcome` ({ status, reason }), `$.statusEvent` (the OrderEvents
 * message of the latest status: each publish builds it anew), `$.error` (last caught error).
 */
export class FulfillmentWorkflow extends Construct implements Observable {
  readonly stateMachine: sfn.StateMachine;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: FulfillmentWorkflowProps) {
    super(scope, id);
    const s = new WorkflowStates(this, {
      ...props,
      topic: props.orderEvents.topic,
      redeliveryQueue: props.orderEvents.redelivery.queue.queue,
    });

    // 1. The happy path.
    const validate = s.invoke('ValidateOrder', 'validate-order', P.validate, '$.validation');
    const screen = s.screenForFraud('ScreenForFraud');
    const pay = s.invoke('ProcessPayment', 'process-payment', P.pay, '$.payment', [paymentProviderUnavailable]);
    const reserveAndInvoice = new sfn.Parallel(this, 'ReserveAndInvoice', {
      resultSelector: { 'reservation.$': '$[0].reservation', 'invoice.$': '$[1].invoice' },
      resultPath: '$.fulfillment',
    })
      .branch(s.invoke('ReserveInventory', 'reserve-inventory', P.reserve, '$.reservation'))
      .branch(s.invoke('CreateInvoice', 'create-invoice', P.invoice, '$.invoice'));
    const ship = new sfn.Map(this, 'CreateShipments', {
      itemsPath: '$.validation.shipments',
      itemSelector: P.shipmentItem,
      maxConcurrency: 2,
      resultPath: '$.shipments',
    }).itemProcessor(this.shipOrder(props));
    // Status publishes (docs/adr/0017): a publish that fails for minutes records the event for
    // redelivery and the order goes on; only a failed record is an error route (table below).
    const accepted = s.publishStatus('PublishAccepted', 'ACCEPTED');
    const validated = s.publishStatus('PublishValidated', 'VALIDATED');
    const screeningStatus = s.publishStatus('PublishScreening', 'SCREENING');
    const paid = s.publishStatus('PublishPaid', 'PAID');
    const outcomeStatus = s.publishStatus('PublishOutcome', 'FROM_OUTCOME');
    const failedOrDone = new sfn.Choice(this, 'Failed?')
      .when(
        sfn.Condition.stringEquals('$.outcome.status', 'FAILED'),
        new sfn.Fail(this, 'OrderFailed', { error: 'OrderFailed', causePath: '$.outcome.reason' }),
      )
      .otherwise(new sfn.Succeed(this, 'Done'));
    // After the outcome is published: its compliance event, where it is one (ADR 28).
    const finish = outcomeStatus.chain.next(complianceEventStates(this, props, failedOrDone));
    const screening = new sfn.Choice(this, 'ScreeningRequired?')
      .when(
        sfn.Condition.booleanEquals('$.validation.screeningRequired', true),
        screeningStatus.chain.next(screen).next(new sfn.Pass(this, 'ScreeningPassed')),
      )
      .otherwise(new sfn.Pass(this, 'NoScreening'))
      .afterwards();
    const definition = sfn.Chain.start(new sfn.Pass(this, 'Start', { parameters: { 'order.$': '$' } }))
      .next(accepted.chain)
      .next(validate)
      .next(validated.chain)
      .next(screening)
      .next(pay)
      .next(paid.chain)
      .next(reserveAndInvoice)
      .next(ship)
      .next(s.outcome('Fulfilled', 'FULFILLED', null))
      .next(finish);

    // 2. The saga: refund, then release, then publish the outcome.
    const refund = s.invoke('RefundPayment', 'refund-payment', P.refund, '$.compensation.refund', [], 'compensation');
    const release = s.invoke(
      'ReleaseInventory',
      'release-inventory',
      P.release,
      '$.compensation.release',
      [],
      'compensation',
    );
    const next: Record<Then, sfn.IChainable> = {
      finish,
      compensate: sfn.Chain.start(refund).next(release).next(finish),
    };

    // 3. Error routes, in catch order: the first row that matches the error wins.
    const O = OUTCOMES;
    const routes: ReadonlyArray<
      readonly [sfn.TaskStateBase | sfn.Parallel | sfn.Map | sfn.CustomState, string[], Outcome]
    > = [
      [validate, [invalidOrder], O.invalidOrder],
      [validate, [ALL], O.unexpectedBeforePayment],
      [screen, [FRAUD_REJECTED_ERROR], O.fraudRejected],
      [screen, [TIMEOUT], O.fraudReviewTimeout],
      [screen, [ALL], O.unexpectedBeforePayment],
      [pay, [paymentDeclined], O.paymentDeclined],
      [pay, [paymentClaimMissing], O.paymentClaimMissing],
      [pay, [paymentProviderUnavailable, TIMEOUT], O.paymentUnavailable],
      [pay, [ALL], O.unexpected],
      [reserveAndInvoice, [outOfStock], O.outOfStock],
      [reserveAndInvoice, [ALL], O.unexpected],
      // A package refused, or not picked up in time: the order is cancelled and the saga runs.
      [ship, [shipmentFailed, pickupTimedOut], O.shipmentFailed],
      [ship, [ALL], O.unexpected],
      [refund, [ALL], O.compensationFailed],
      [release, [ALL], O.compensationFailed],
      // A status neither published nor recorded for redelivery: the order cannot go on unseen.
      [accepted.record, [ALL], O.unexpectedBeforePayment],
      [validated.record, [ALL], O.unexpectedBeforePayment],
      [screeningStatus.record, [ALL], O.unexpectedBeforePayment],
      [paid.record, [ALL], O.unexpected],
    ];
    const outcomeStates = new Map<string, sfn.IChainable>();
    for (const [from, errors, [state, status, reason, then]] of routes) {
      if (!outcomeStates.has(state)) outcomeStates.set(state, s.outcome(state, status, reason).next(next[then]));
      from.addCatch(outcomeStates.get(state)!, { errors, resultPath: '$.error' });
    }
    // The terminal status itself, neither published nor recorded: the execution fails (alarmed),
    // after the saga has run where it had to; an operator republishes it (docs/runbooks/status-redelivery.md).
    outcomeStatus.record.addCatch(
      new sfn.Fail(this, 'OutcomeUndeliverable', { error: 'OutcomeUndeliverable', causePath: '$.outcome.status' }),
      { errors: [ALL], resultPath: '$.error' },
    );

    this.stateMachine = pipelineStateMachine(this, props, definition, Duration.hours(2));
    props.orderEvents.grantPublishThroughKey(this.stateMachine.role);
    // Starting a ShipOrder hands it the package: the key in the child's encryption context.
    grantExecutionDataKey(props.shipOrder.stateMachine, props.key, this.stateMachine.role);
    // Recording a status event for redelivery: exactly SendMessage, and the pipeline key to encrypt it.
    const redelivery = props.orderEvents.redelivery.queue.queue;
    redelivery.grant(this.stateMachine.role, 'sqs:SendMessage');
    props.key.key.grant(this.stateMachine.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    // The shipment handlers are ShipOrder's to invoke, not this workflow's.
    const invoked = Object.entries(props.handlers)
      .filter(([step]) => !SHIP_ORDER_STEPS.includes(step))
      .map(([, fn]) => fn);
    acknowledgeRole(this.stateMachine, invoked, props.shipOrder);

    const sm = this.stateMachine;
    const sum = { period: Duration.minutes(1), statistic: 'Sum' };
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, what: string) =>
      props.alarms.alarm(this, alarmId, {
        metric,
        summary: `OrderFulfillment: ${what}`,
        runbook: RUNBOOKS.failedOrders,
      });
    this.alarms = [
      alarm('ExecutionsFailedAlarm', sm.metricFailed(sum), 'executions failed'),
      alarm('ExecutionsTimedOutAlarm', sm.metricTimedOut(sum), 'executions timed out'),
      alarm('ExecutionsAbortedAlarm', sm.metricAborted(sum), 'executions aborted'),
      alarm('ExecutionsThrottledAlarm', sm.metricThrottled(sum), 'executions throttled'),
      ...props.shipOrder.alarms,
    ];
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'OrderFulfillment executions',
        left: [sm.metricStarted(sum), sm.metricSucceeded(sum), sm.metricFailed(sum), sm.metricTimedOut(sum)],
        right: [sm.metricThrottled(sum), sm.metricAborted(sum)],
        width: 12,
      }),
      ...props.shipOrder.widgets,
    ];
  }

  /**
   * One package: a ShipOrder execution (`startExecution.sync:2`), named `<orderId>-pkg<index>` (the
   * Map's itemSelector builds it), traced with this execution (AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID),
   * its JSON output read as the package's shipment. A failed child fails the task with
   * States.TaskFailed and the child's DescribeExecution as the cause: its named error is read from
   * there and raised again, so the Map fails with it and the error routes below handle it by name.
   *
   * A start whose name exists already (this execution redriven, or a Map iteration retried, after
   * the child closed) fails with ExecutionAlreadyExists: the child is described
   * (`aws-sdk:sfn:describeExecution`) and, when it is this package's (same order, shipment and
   * claim), its result is taken as if the start had followed it: SUCCEEDED → its output, FAILED →
   * its named error. Nothing is booked twice. A child of that name holding another package, or not
   * closed as either, fails the package as unexpected (docs/adr/0029).
   */
  private shipOrder(props: FulfillmentWorkflowProps): sfn.IChainable {
    const child = props.shipOrder.stateMachine;
    const start = new tasks.StepFunctionsStartExecution(this, 'ShipOrder', {
      stateMachine: child,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      name: sfn.JsonPath.stringAt('$.executionName'),
      input: sfn.TaskInput.fromObject(P.ship),
      associateWithParent: true,
      resultSelector: {
        'shipmentId.$': '$.Output.shipmentId',
        'carrier.$': '$.Output.carrier',
        'trackingNumber.$': '$.Output.trackingNumber',
        'pickedUpAt.$': '$.Output.pickedUpAt',
      },
      // The package's result replaces the item (ResultPath's default): $.shipments[i] is the shipment.
    }).addRetry(outageRetry(props.waits, AWS_TRANSIENT_ERRORS.stepFunctions));
    const raise = (state: string, error: string, cause = `ShipOrder failed with ${error}`) =>
      new sfn.Fail(this, state, { error, cause });
    const named = [
      SHIP_ORDER_ERRORS.shipmentFailed,
      SHIP_ORDER_ERRORS.pickupTimedOut,
      SHIP_ORDER_ERRORS.carrierUnavailable,
    ];
    const which = new sfn.Choice(this, 'ShipOrderError?');
    for (const error of named)
      which.when(sfn.Condition.stringEquals('$.failure.child.Error', error), raise(`Package${error}`, error));
    which.otherwise(raise('PackageFailed', 'ShipOrderFailed'));
    const errorNamed = new sfn.Choice(this, 'ShipOrderErrorNamed?')
      .when(sfn.Condition.isPresent('$.failure.child.Error'), which)
      .otherwise(raise('PackageFailedUnnamed', 'ShipOrderFailed'));
    const read = new sfn.Pass(this, 'ReadShipOrderError', {
      parameters: { 'child.$': 'States.StringToJson($.failure.Cause)' },
      resultPath: '$.failure',
    }).next(errorNamed);
    // Only a JSON cause is a child's description; anything else (the start refused) is unexpected.
    const described = new sfn.Choice(this, 'ShipOrderDescribed?')
      .when(sfn.Condition.stringMatches('$.failure.Cause', '{*'), read)
      .otherwise(raise('ShipOrderNotStarted', 'ShipOrderFailed'));
    // First: States.TaskFailed matches every error of a Task but States.Timeout, this one included.
    start.addCatch(this.existingShipOrder(props, errorNamed, raise), {
      errors: [EXECUTION_ALREADY_EXISTS_ERROR],
      resultPath: '$.failure',
    });
    start.addCatch(described, { errors: ['States.TaskFailed'], resultPath: '$.failure' });
    return start;
  }

  /**
   * The child of this name exists already (see `shipOrder`): its DescribeExecution at
   * `$.failure.child` (the shape the sync:2 failure's cause has, so `errorNamed` reads its error),
   * its input compared with this package, its output or error taken.
   */
  private existingShipOrder(
    props: FulfillmentWorkflowProps,
    errorNamed: sfn.IChainable,
    raise: (state: string, error: string, cause?: string) => sfn.Fail,
  ): sfn.IChainable {
    const childName = props.shipOrder.stateMachineName;
    const J = sfn.JsonPath;
    const describe = new tasks.CallAwsService(this, 'DescribeShipOrder', {
      service: 'sfn',
      action: 'describeExecution',
      iamAction: 'states:DescribeExecution',
      // ShipOrder's executions only (the grant's resource); the history's key: grantExecutionDataKey below.
      iamResources: [
        Stack.of(this).formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${childName}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      parameters: {
        ExecutionArn: J.format(
          `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${childName}:{}`,
          J.stringAt('$.executionName'),
        ),
      },
      resultPath: '$.failure.child',
    })
      // Failing for good, it fails the Map with its own error: an unexpected one (the saga).
      .addRetry(outageRetry(props.waits, AWS_TRANSIENT_ERRORS.stepFunctionsSdk));
    const existing = '$.failure.existing';
    const result = new sfn.Pass(this, 'ReadShipOrderOutput', {
      parameters: { 'output.$': 'States.StringToJson($.failure.child.Output)' },
      resultPath: existing,
    }).next(
      new sfn.Pass(this, 'ShipOrderOutputTaken', {
        parameters: {
          'shipmentId.$': `${existing}.output.shipmentId`,
          'carrier.$': `${existing}.output.carrier`,
          'trackingNumber.$': `${existing}.output.trackingNumber`,
          'pickedUpAt.$': `${existing}.output.pickedUpAt`,
        },
      }),
    );
    const closed = new sfn.Choice(this, 'ShipOrderClosedAs?')
      .when(sfn.Condition.stringEquals('$.failure.child.Status', 'SUCCEEDED'), result)
      .when(sfn.Condition.stringEquals('$.failure.child.Status', 'FAILED'), errorNamed)
      .otherwise(raise('ShipOrderNotClosed', 'ShipOrderFailed', 'The existing ShipOrder neither succeeded nor failed'));
    const same = (field: string) => sfn.Condition.stringEqualsJsonPath(`${existing}.input.${field}`, `$.${field}`);
    const samePackage = new sfn.Choice(this, 'ShipOrderSamePackage?')
      .when(sfn.Condition.and(same('orderId'), same('shipment.shipmentId'), same('claim')), closed)
      .otherwise(raise('ShipOrderNameTaken', 'ShipOrderFailed', 'An execution of this name holds another package'));
    return describe
      .next(
        new sfn.Pass(this, 'ReadShipOrderInput', {
          parameters: { 'input.$': 'States.StringToJson($.failure.child.Input)' },
          resultPath: existing,
        }),
      )
      .next(samePackage);
  }
}

/** The state machine role's CDK-generated wildcards, acknowledged at the policy resource. */
function acknowledgeRole(stateMachine: sfn.StateMachine, handlers: lambda.IFunction[], shipOrder: ShipOrder) {
  const child = shipOrder.stateMachine;
  const policy = stateMachine.role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  acknowledge(policy, {
    'AwsSolutions-IAM5[Resource::*]':
      'Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray tracing support no resource-level permissions.',
  });
  // The ShipOrder executions CDK grants DescribeExecution/StopExecution on, as cdk-nag names them
  // (the child's name taken from its ARN).
  const { partition, region } = nagArnParts(stateMachine);
  const childName = JSON.stringify(Stack.of(stateMachine).resolve(Fn.select(6, Fn.split(':', child.stateMachineArn))));
  acknowledge(policy, {
    [`AwsSolutions-IAM5[Resource::arn:${partition}:states:${region}:<AWS::AccountId>:execution:${childName}*]`]:
      'states:DescribeExecution/StopExecution on the ShipOrder executions this workflow starts (granted by CDK for startExecution.sync:2): execution names are only known at run time.',
  });
  // DescribeShipOrder: a child whose name was taken already, read once it has closed (docs/adr/0029).
  acknowledge(policy, {
    [`AwsSolutions-IAM5[Resource::arn:${partition}:states:${region}:<AWS::AccountId>:execution:${shipOrder.stateMachineName}:*]`]:
      'states:DescribeExecution (aws-sdk:sfn:describeExecution) on the executions of ShipOrder alone: the package execution name is only known at run time.',
  });
  for (const fn of handlers) {
    acknowledge(policy, {
      [`AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`]:
        'lambda:InvokeFunction on the handler and its versions/aliases (ARN:*), granted by CDK; only the pipeline handlers are listed.',
    });
  }
}
