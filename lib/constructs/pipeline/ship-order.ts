import { CfnElement, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  AWS_TRANSIENT_ERRORS,
  EVENT_SOURCES,
  PICKUP_REQUESTED_DETAIL_TYPE,
  SHIP_ORDER_ERRORS,
  TRANSIENT_ERRORS,
} from '@securecart/contracts';
import { acknowledge } from '../nag';
import { Observable, RUNBOOKS } from '../ops-alarms';
import { durationWidget, grantExecutionDataKey, PipelineBaseProps, pipelineFunction } from './base';
import { lambdaStep, outageRetry, pipelineStateMachine, STEP_PAYLOADS as P, WorkflowWaits } from './workflow-states';

export interface ShipOrderProps extends PipelineBaseProps {
  readonly stateMachineName: string;
  /** create-shipment: books the carrier and records the label (it alone reads the shipping claim). */
  readonly createShipment: lambda.IFunction;
  /** commit-shipment: the package picked up, its stock reservations become final. */
  readonly commitShipment: lambda.IFunction;
  /** cancel-shipment: voids the label of a package that failed after it was created (the compensation). */
  readonly cancelShipment: lambda.IFunction;
  /** Pickup requests are put here; the carrier answers through the task token. */
  readonly bus: events.IEventBus;
  /** Where the pickup rule's target dead-letters events it could not deliver (EventRouting's DLQ). */
  readonly targetDlq: sqs.IQueue;
  readonly waits: WorkflowWaits & { readonly pickup: { readonly heartbeat: Duration; readonly timeout: Duration } };
}

const { shipmentFailed, carrierUnavailable, pickupTimedOut } = SHIP_ORDER_ERRORS;
/** The step handlers ShipOrder invokes (OrderFulfillment does not). */
export const SHIP_ORDER_STEPS: readonly string[] = ['create-shipment', 'commit-shipment', 'cancel-shipment'];
const J = sfn.JsonPath;

/**
 * ShipOrder (Standard), the shipping sub-workflow (docs/adr/0029): one execution per package of an
 * order, started by OrderFulfillment with `states:startExecution.sync:2`. It books the carrier and
 * records the label (create-shipment), puts a pickup request on the bus and waits for the carrier's
 * confirmation through the task token (HeartbeatSeconds/TimeoutSeconds from the profile), makes the
 * package's stock reservations final (commit-shipment: the goods left with the carrier), and
 * outputs the shipment. It fails only with the named errors of the contracts (SHIP_ORDER_ERRORS),
 * whose causes carry no customer data; anything else fails it with the error as raised, which the
 * parent treats as unexpected. Input and output hold the claim reference, never the address.
 */
export class ShipOrder extends Construct implements Observable {
  readonly stateMachine: sfn.StateMachine;
  /** Its name, known at synthesis (the parent builds its executions' ARNs from it). */
  readonly stateMachineName: string;
  /** The simulated carrier's pickup desk (lambda/carrier-pickup). */
  readonly carrierPickup: lambda.IFunction;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: ShipOrderProps) {
    super(scope, id);
    this.stateMachineName = props.stateMachineName;
    // State names differ from the parent's (its outcome states): the two read as one in the diagram and the matrix.
    const fail = (state: string, error: string, cause: string) => new sfn.Fail(this, state, { error, cause });
    const failed = {
      shipment: fail(
        'ShipmentRefused',
        shipmentFailed,
        'The carrier refused the shipment, or the shipping claim is gone',
      ),
      carrier: fail('CarrierDown', carrierUnavailable, 'The carrier did not answer the booking'),
    };

    // The compensation: a package that fails once its label exists has the label voided first, then
    // fails with its error as recorded at $.failure ({ Error, Cause, PickedUpAt }).
    const cancel = lambdaStep(
      this,
      'CancelShipment',
      props.cancelShipment,
      {
        'orderId.$': '$.orderId',
        'shipmentId.$': '$.label.shipmentId',
        'carrier.$': '$.label.carrier',
        'trackingNumber.$': '$.label.trackingNumber',
        'pickedUpAt.$': '$.failure.PickedUpAt',
      },
      '$.labelVoid',
      props.waits,
      { kind: 'compensation' },
    );
    const abandoned = new sfn.Fail(this, 'ShipmentAbandoned', {
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    });
    // A cancel failing for good does not lose the package's error: ShipOrder still fails with it.
    cancel.addCatch(abandoned, { errors: [sfn.Errors.ALL], resultPath: '$.labelVoid' }).next(abandoned);
    const failAfterLabel = (state: string, error: string, cause: string) =>
      new sfn.Pass(this, state, {
        result: sfn.Result.fromObject({ Error: error, Cause: cause, PickedUpAt: null }),
        resultPath: '$.failure',
      }).next(cancel);

    const book = lambdaStep(this, 'CreateShipment', props.createShipment, P.ship, '$.label', props.waits, {
      retryErrors: [TRANSIENT_ERRORS.carrierUnavailable],
    })
      .addCatch(failed.shipment, { errors: [shipmentFailed], resultPath: '$.error' })
      .addCatch(failed.carrier, { errors: [carrierUnavailable], resultPath: '$.error' });
    const pickup = new tasks.EventBridgePutEvents(this, 'WaitForPickup', {
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      entries: [
        {
          eventBus: props.bus,
          source: EVENT_SOURCES.fulfillment,
          detailType: PICKUP_REQUESTED_DETAIL_TYPE,
          detail: sfn.TaskInput.fromObject({
            orderId: J.stringAt('$.orderId'),
            shipmentId: J.stringAt('$.label.shipmentId'),
            warehouse: J.stringAt('$.shipment.warehouse'),
            carrier: J.stringAt('$.label.carrier'),
            trackingNumber: J.stringAt('$.label.trackingNumber'),
            taskToken: J.taskToken,
          }),
        },
      ],
      heartbeatTimeout: sfn.Timeout.duration(props.waits.pickup.heartbeat),
      taskTimeout: sfn.Timeout.duration(props.waits.pickup.timeout),
      resultPath: '$.pickup',
    })
      .addRetry(outageRetry(props.waits, AWS_TRANSIENT_ERRORS.eventBridge))
      .addCatch(failAfterLabel('NoPickupInTime', pickupTimedOut, 'No pickup confirmation from the carrier in time'), {
        errors: [sfn.Errors.TIMEOUT, sfn.Errors.HEARTBEAT_TIMEOUT],
        resultPath: '$.error',
      })
      // The carrier may refuse the pickup (SendTaskFailure ShipmentFailed).
      .addCatch(failAfterLabel('PickupRefused', shipmentFailed, 'The carrier refused the pickup'), {
        errors: [shipmentFailed],
        resultPath: '$.error',
      });
    const commit = lambdaStep(
      this,
      'CommitShipment',
      props.commitShipment,
      { 'orderId.$': '$.orderId', 'shipment.$': '$.shipment' },
      J.DISCARD,
      props.waits,
    ).addCatch(
      // Picked up, but the stock could not be committed: the carrier refuses the void (the parcel is
      // in its hands) and the package fails with CommitShipment's error, unexpected for the parent.
      new sfn.Pass(this, 'CommitFailed', {
        parameters: { 'Error.$': '$.error.Error', 'Cause.$': '$.error.Cause', 'PickedUpAt.$': '$.pickup.pickedUpAt' },
        resultPath: '$.failure',
      }).next(cancel),
      { errors: [sfn.Errors.ALL], resultPath: '$.error' },
    );
    const shipped = new sfn.Pass(this, 'Shipped', {
      parameters: {
        'shipmentId.$': '$.label.shipmentId',
        'carrier.$': '$.label.carrier',
        'trackingNumber.$': '$.label.trackingNumber',
        'pickedUpAt.$': '$.pickup.pickedUpAt',
      },
    });
    const definition = sfn.Chain.start(book).next(pickup).next(commit).next(shipped);

    // The pickup wait and the booking's retries, with room to spare; the parent's own 2 hours bound it too.
    this.stateMachine = pipelineStateMachine(
      this,
      props,
      definition,
      props.waits.pickup.timeout.plus(Duration.minutes(30)),
    );
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledge(policy, {
        'AwsSolutions-IAM5[Resource::*]':
          'Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray tracing support no resource-level permissions.',
      });
      for (const fn of [props.createShipment, props.commitShipment, props.cancelShipment])
        acknowledge(policy, {
          [`AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`]:
            'lambda:InvokeFunction on the handler and its versions/aliases (ARN:*), granted by CDK; only the three shipment handlers are listed.',
        });
    }

    // The carrier's side: the pickup rule's target, answering the task token.
    const carrier = pipelineFunction(
      this,
      props,
      'carrier-pickup',
      "The simulated carrier: confirms a pickup request by answering ShipOrder's task token",
    );
    this.carrierPickup = carrier.fn;
    this.stateMachine.grantTaskResponse(carrier.fn);
    grantExecutionDataKey(this.stateMachine, props.key, carrier.fn);
    const rule = new events.Rule(this, 'PickupRequested', {
      eventBus: props.bus,
      ruleName: `${props.prefix}-PickupRequested`,
      description: "ShipOrder's pickup requests, to the carrier",
      eventPattern: { source: [EVENT_SOURCES.fulfillment], detailType: [PICKUP_REQUESTED_DETAIL_TYPE] },
      targets: [
        new targets.LambdaFunction(carrier.fn, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: props.targetDlq,
        }),
      ],
    });

    const sm = this.stateMachine;
    const sum = { period: Duration.minutes(1), statistic: 'Sum' };
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, what: string) =>
      props.alarms.alarm(this, alarmId, { metric, summary: `ShipOrder: ${what}`, runbook: RUNBOOKS.failedOrders });
    this.alarms = [
      alarm(
        'ExecutionsFailedAlarm',
        sm.metricFailed(sum),
        'shipments failed (refused, carrier down, or no pickup in time): each order was refunded and released',
      ),
      alarm('ExecutionsTimedOutAlarm', sm.metricTimedOut(sum), 'shipment executions timed out'),
      alarm(
        'CarrierPickupErrorsAlarm',
        carrier.fn.metricErrors(sum),
        'carrier-pickup failed (a pickup confirmation not delivered): the shipment waits for the pickup time-out',
      ),
    ];
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'ShipOrder executions (one per package)',
        left: [sm.metricStarted(sum), sm.metricSucceeded(sum), sm.metricFailed(sum), sm.metricTimedOut(sum)],
        right: [
          new cloudwatch.Metric({
            namespace: 'AWS/Events',
            metricName: 'FailedInvocations',
            dimensionsMap: { EventBusName: props.bus.eventBusName, RuleName: rule.ruleName },
            ...sum,
            label: 'PickupRequested failed invocations',
          }),
        ],
        width: 12,
      }),
      durationWidget('carrier-pickup: duration p99 (ms)', [carrier], 6),
    ];
  }
}
