import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

interface QueueBaseProps {
  readonly fifo?: boolean;
  readonly key: kms.IKey;
  readonly alarmTopic: sns.ITopic;
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

export interface DeadLetterQueueProps extends QueueBaseProps {
  /** Full physical name (with `.fifo` for a FIFO queue). */
  readonly queueName: string;
  /** What lands here, for the alarm description. */
  readonly purpose: string;
}

/**
 * A dead-letter queue: encrypted, TLS-only, messages kept 14 days, and an alarm as soon as it holds
 * one message. Nothing that lands here is lost or silent.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueSecurity(props),
      queueName: props.queueName,
      retentionPeriod: Duration.days(14),
    });
    this.alarm = this.queue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'NotEmpty', {
        alarmDescription: `${props.queueName} holds messages: ${props.purpose}. See docs/runbooks/dlq-redrive.md.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }
}

export interface ReliableQueueProps extends QueueBaseProps {
  /** Physical name without `.fifo`; the DLQ gets `-dlq`. */
  readonly queueName: string;
  /** @default 30 seconds */
  readonly visibilityTimeout?: Duration;
  /** @default 3 */
  readonly maxReceiveCount?: number;
  /** Alarm when the oldest message is older than this. @default no alarm */
  readonly maxMessageAge?: Duration;
}

/**
 * An SQS queue (standard or FIFO) with its own alarmed dead-letter queue, both encrypted with a
 * customer-managed key and TLS-only; optionally an alarm on the age of the oldest message.
 */
export class ReliableQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ReliableQueueProps) {
    super(scope, id);
    const suffix = props.fifo ? '.fifo' : '';
    const maxReceiveCount = props.maxReceiveCount ?? 3;
    const dlq = new DeadLetterQueue(this, 'Dlq', {
      ...props,
      queueName: `${props.queueName}-dlq${suffix}`,
      purpose: `messages that failed ${maxReceiveCount} receives on ${props.queueName}${suffix}`,
    });
    this.deadLetterQueue = dlq.queue;
    this.alarms = [dlq.alarm];
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueSecurity(props),
      queueName: `${props.queueName}${suffix}`,
      visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(30),
      retentionPeriod: Duration.days(4),
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

    if (props.maxMessageAge) {
      const ageAlarm = this.queue
        .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })
        .createAlarm(this, 'OldestMessageAge', {
          alarmDescription: `${props.queueName}: oldest message older than ${props.maxMessageAge.toHumanString()} (consumer stuck or failing).`,
          threshold: props.maxMessageAge.toSeconds(),
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      ageAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      this.alarms.push(ageAlarm);
    }
  }
}
