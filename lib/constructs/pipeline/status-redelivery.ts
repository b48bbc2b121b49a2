import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DELIVERY, HANDLER_ENV } from '@securecart/contracts';
import { TierKey } from '../encryption';
import { Observable, RUNBOOKS } from '../ops-alarms';
import { FORWARDABLE_MESSAGE_BYTES, ReliableQueue } from '../reliable-queue';
import { durationWidget, PipelineBaseProps, pipelineFunction, queueBase } from './base';

export interface StatusRedeliveryProps extends PipelineBaseProps {
  readonly topic: sns.ITopic;
  /** The topic's key: publishing needs it. */
  readonly topicKey: TierKey;
}

/**
 * The durable second path of a status event (docs/adr/0017): the workflow sends an event it could
 * not publish to the status-redelivery queue (pipeline key, TLS only, its own DLQ), and
 * redeliver-status publishes it to OrderEvents once SNS answers again. Alarms: any event recorded
 * here (SNS failed a publish for minutes: customers see a status late), an event waiting longer
 * than 10 minutes, and the DLQ (an event that could not be redelivered in about 15 minutes).
 */
export class StatusRedelivery extends Construct implements Observable {
  readonly queue: ReliableQueue;
  readonly handler: lambda.IFunction;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: StatusRedeliveryProps) {
    super(scope, id);
    const settings = DELIVERY.statusRedelivery;
    this.queue = new ReliableQueue(this, 'Queue', {
      ...queueBase(props),
      queueName: `${props.prefix}-status-redelivery`,
      // Status events are what an SNS message can carry: a few hundred bytes, at most 256 KiB.
      maxMessageSizeBytes: FORWARDABLE_MESSAGE_BYTES,
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      maxReceiveCount: settings.maxReceiveCount,
      maxMessageAge: Duration.minutes(10),
    });
    const fn = pipelineFunction(
      this,
      props,
      'redeliver-status',
      'Publishes status events the workflow could not publish to OrderEvents',
      { [HANDLER_ENV.orderEventsTopicArn]: props.topic.topicArn },
    );
    this.handler = fn.fn;
    // Exactly: publish to OrderEvents through its key (Topic.grantPublish would add
    // kms:GenerateDataKey*); the event source grants the receive/delete on this queue and
    // decrypting with the pipeline key.
    fn.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.topic.topicArn] }));
    props.topicKey.key.grant(fn.fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    fn.fn.addEventSource(
      new SqsEventSource(this.queue.queue, { batchSize: settings.batchSize, reportBatchItemFailures: true }),
    );

    const recorded = this.queue.queue.metricNumberOfMessagesSent({
      period: Duration.minutes(1),
      statistic: 'Sum',
      label: 'status events recorded for redelivery',
    });
    this.alarms = [
      props.alarms.alarm(this, 'EventsRecordedAlarm', {
        metric: recorded,
        summary:
          'OrderFulfillment could not publish a status event to OrderEvents for minutes and recorded it for redelivery (customers see the status late)',
        runbook: RUNBOOKS.statusRedelivery,
      }),
      ...this.queue.alarms,
    ];
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'Status redelivery: events recorded; redeliver-status errors',
        left: [recorded],
        right: fn.metrics(),
        width: 12,
      }),
      ...this.queue.widgets,
      durationWidget('redeliver-status: duration p99 (ms)', [fn], 6),
    ];
  }
}
