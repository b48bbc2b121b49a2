import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DELIVERY, HANDLER_ENV, METRIC_NAMES } from '@securecart/contracts';
import { handlerMetric } from '../custom-metrics';
import { Observable } from '../ops-alarms';
import { FORWARDABLE_MESSAGE_BYTES, ReliableQueue } from '../reliable-queue';
import { OrderClaims } from './order-claims';
import { durationWidget, grantExecutionDataKey, PipelineBaseProps, pipelineFunction, queueBase } from './base';

/**
 * Intake Lambda timeout; the orders queue's visibility timeout is
 * `DELIVERY.orders.visibilityTimeoutPerConsumerTimeout` (6) times this.
 */
export const INTAKE_TIMEOUT = Duration.seconds(30);

export interface OrderIntakeProps extends PipelineBaseProps {
  readonly stateMachine: sfn.StateMachine;
  /** start-fulfillment puts each order's token and address here (it may only put). */
  readonly claims: OrderClaims;
}

/**
 * orders.fifo → start-fulfillment → one execution per order. The queue refuses anything larger
 * than an execution input can be (256 KiB); start-fulfillment sidelines a message that can never
 * succeed straight into the DLQ, so it cannot hold back the customer's later orders, and retries
 * everything else (DLQ after 3 receives). The delivery settings (receives, batch size, visibility
 * timeout, age alarm) are the contracts' DELIVERY.orders.
 */
export class OrderIntake extends Construct implements Observable {
  readonly orders: ReliableQueue;
  readonly handler: lambda.IFunction;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: OrderIntakeProps) {
    super(scope, id);
    const orders = DELIVERY.orders;
    this.orders = new ReliableQueue(this, 'OrdersQueue', {
      ...queueBase(props),
      queueName: `${props.prefix}-orders`,
      fifo: true,
      maxMessageSizeBytes: FORWARDABLE_MESSAGE_BYTES,
      // A multiple of the consumer's timeout: AWS's guidance for Lambda event sources.
      visibilityTimeout: Duration.seconds(orders.visibilityTimeoutPerConsumerTimeout * INTAKE_TIMEOUT.toSeconds()),
      maxReceiveCount: orders.maxReceiveCount,
      maxMessageAge: Duration.minutes(orders.maxMessageAgeMinutes),
    });
    const dlq = this.orders.deadLetterQueue;

    const intake = pipelineFunction(
      this,
      props,
      'start-fulfillment',
      'Starts one fulfillment execution per order from orders.fifo',
      {
        [HANDLER_ENV.stateMachineArn]: props.stateMachine.stateMachineArn,
        [HANDLER_ENV.ordersDlqUrl]: dlq.queueUrl,
        ...props.claims.environment,
      },
      INTAKE_TIMEOUT,
    );
    this.handler = intake.fn;
    props.stateMachine.grantStartExecution(intake.fn);
    props.claims.grant(intake.fn, 'put', ['payment', 'shipping']);
    // The execution input is encrypted with the pipeline key (the state machine's CMK).
    grantExecutionDataKey(props.stateMachine, props.key, intake.fn);
    // Sidelining: exactly SendMessage on the DLQ, and the key to encrypt what it sends.
    dlq.grant(intake.fn, 'sqs:SendMessage');
    props.key.key.grant(intake.fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    intake.fn.addEventSource(
      new SqsEventSource(this.orders.queue, { batchSize: orders.batchSize, reportBatchItemFailures: true }),
    );

    this.alarms = [...this.orders.alarms];
    const metric = (metricName: string, label: string) =>
      handlerMetric('start-fulfillment', metricName, label, Duration.minutes(1));
    const sidelined = metric(METRIC_NAMES.sidelinedMessages, 'sidelined (can never succeed)');
    const accepted = metric(METRIC_NAMES.ordersAccepted, 'orders accepted (executions started)');
    this.widgets = [
      ...this.orders.widgets,
      new cloudwatch.GraphWidget({
        title: 'start-fulfillment: errors, throttles, sidelined messages',
        left: intake.metrics(),
        right: [sidelined],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'start-fulfillment: orders accepted',
        left: [accepted],
        width: 6,
      }),
      durationWidget('start-fulfillment: duration p99 (ms)', [intake], 6),
    ];
  }
}
