import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DELIVERY } from '@securecart/contracts/delivery';
import { Observable, OpsAlarms, Runbook, RUNBOOKS } from './ops-alarms';

/** SQS's own ceiling (since January 2026); what a dead-letter queue keeps so any sidelined message fits. */
const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/**
 * The limit of a Step Functions execution input and of an SNS message. A queue whose consumer
 * forwards its messages into either sets this, so an oversized message is refused at SendMessage
 * instead of failing later (docs/architecture.md, "Payload limits").
 */
export const FORWARDABLE_MESSAGE_BYTES = 262_144;

interface QueueBaseProps {
  readonly fifo?: boolean;
  readonly key: kms.IKey;
  readonly alarms: OpsAlarms;
  readonly removalPolicy: RemovalPolicy;
}

/** Encryption with the tier's key and TLS-only access, for every queue. */
const queueSecurity = (props: QueueBaseProps) => ({
  encryption: sqs.QueueEncryption.KMS,
  encryptionMasterKey: props.key,
  dataKeyReuse: Duration.minutes(5),
  enforceSSL: true,
  removalPolicy: props.removalPolicy,
  ...(props.fifo ? { fifo: true } : {}),
});

const PERIOD = Duration.minutes(1);

export interface DeadLetterQueueProps extends QueueBaseProps {
  /** Full physical name (with `.fifo` for a FIFO queue). */
  readonly queueName: string;
  /** What lands here, for the alarm description. */
  readonly purpose: string;
  /** @default RUNBOOKS.dlqRedrive */
  readonly runbook?: Runbook;
}

/**
 * A dead-letter queue: encrypted, TLS-only, messages up to SQS's 1 MiB ceiling kept 14 days, and an
 * alarm as soon as it holds one message. Nothing that lands here is lost or silent.
 */
export class DeadLetterQueue extends Construct implements Observable {
  readonly queue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueSecurity(props),
      queueName: props.queueName,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
    });
    const depth = this.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' });
    this.alarms = [
      props.alarms.alarm(this, 'NotEmpty', {
        metric: depth,
        summary: `${props.queueName} holds messages: ${props.purpose}`,
        runbook: props.runbook ?? RUNBOOKS.dlqRedrive,
      }),
    ];
    this.widgets = [new cloudwatch.GraphWidget({ title: `${props.queueName} depth`, left: [depth], width: 6 })];
  }
}

export interface ReliableQueueProps extends QueueBaseProps {
  /** Physical name without `.fifo`; the DLQ gets `-dlq`. */
  readonly queueName: string;
  /** Largest message accepted, in bytes: state it, do not inherit SQS's default. */
  readonly maxMessageSizeBytes: number;
  /** @default DELIVERY.defaults.visibilityTimeoutSeconds (30 seconds) */
  readonly visibilityTimeout?: Duration;
  /** @default DELIVERY.defaults.maxReceiveCount (3) */
  readonly maxReceiveCount?: number;
  /** Alarm when the oldest message is older than this. @default no alarm */
  readonly maxMessageAge?: Duration;
}

/**
 * An SQS queue (standard or FIFO) with its own alarmed dead-letter queue, both encrypted with a
 * customer-managed key and TLS-only; optionally an alarm on the age of the oldest message.
 */
export class ReliableQueue extends Construct implements Observable {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: ReliableQueueProps) {
    super(scope, id);
    const suffix = props.fifo ? '.fifo' : '';
    const maxReceiveCount = props.maxReceiveCount ?? DELIVERY.defaults.maxReceiveCount;
    const dlq = new DeadLetterQueue(this, 'Dlq', {
      ...props,
      queueName: `${props.queueName}-dlq${suffix}`,
      purpose: `messages that failed ${maxReceiveCount} receives on ${props.queueName}${suffix}`,
    });
    this.deadLetterQueue = dlq.queue;
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueSecurity(props),
      queueName: `${props.queueName}${suffix}`,
      visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(DELIVERY.defaults.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(4),
      maxMessageSizeBytes: props.maxMessageSizeBytes,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      ...(props.fifo
        ? {
            // High-throughput FIFO: deduplication and throughput are scoped to the message group.
            deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
            fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
            contentBasedDeduplication: false,
          }
        : {}),
    });

    const age = this.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' });
    const depth = this.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' });
    this.alarms = [...dlq.alarms];
    if (props.maxMessageAge) {
      this.alarms.push(
        props.alarms.alarm(this, 'OldestMessageAge', {
          metric: age,
          summary: `${props.queueName}${suffix}: oldest message older than ${props.maxMessageAge.toHumanString()} (consumer stuck or failing)`,
          runbook: RUNBOOKS.queueBacklog,
          threshold: props.maxMessageAge.toSeconds(),
          evaluationPeriods: 3,
        }),
      );
    }
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: `${props.queueName}${suffix}: depth and oldest message (s)`,
        left: [depth],
        right: [age],
        width: 12,
      }),
      ...dlq.widgets,
    ];
  }
}
