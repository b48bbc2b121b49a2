import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DELIVERY, SNS_ATTRIBUTES, STATUS_SUBSCRIPTIONS } from '@securecart/contracts';
import { TierKey } from '../encryption';
import { Observable } from '../ops-alarms';
import { FORWARDABLE_MESSAGE_BYTES, ReliableQueue } from '../reliable-queue';
import { PipelineBaseProps, queueBase } from './base';
import { StatusRedelivery } from './status-redelivery';

export type StatusSubscription = keyof typeof STATUS_SUBSCRIPTIONS;

export interface OrderEventsFanOutProps extends PipelineBaseProps {
  /** The topic's own key (see PipelineStack for why it is not the pipeline key). */
  readonly topicKey: TierKey;
  /** Also e-mails customer-facing statuses here (filtered like the notifications queue). */
  readonly email?: string;
}

/**
 * The OrderEvents topic and its subscribers: one queue per consumer (order-status for the checkout
 * service, notifications, analytics), each receiving only the statuses its contract lists through
 * a filter policy on the `status` attribute, each with its own alarmed DLQ; and the status-redelivery
 * path for events the workflow could not publish (StatusRedelivery).
 */
export class OrderEventsFanOut extends Construct implements Observable {
  readonly topic: sns.Topic;
  readonly queues: Record<StatusSubscription, ReliableQueue>;
  /** Where the workflow records a status event it could not publish (docs/adr/0017). */
  readonly redelivery: StatusRedelivery;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];
  private readonly topicKey: TierKey;

  constructor(scope: Construct, id: string, props: OrderEventsFanOutProps) {
    super(scope, id);
    this.topicKey = props.topicKey;
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `${props.prefix}-order-events`,
      masterKey: props.topicKey.key,
      enforceSSL: true,
    });
    const subscribe = (name: StatusSubscription, rawMessageDelivery: boolean) => {
      const q = new ReliableQueue(this, `${toPascalCase(name)}Queue`, {
        ...queueBase(props),
        queueName: `${props.prefix}-${kebab(name)}`,
        maxReceiveCount: DELIVERY.statusEvents.maxReceiveCount,
        // SNS deliveries are at most 256 KiB; the envelope adds nothing beyond what SNS counts.
        maxMessageSizeBytes: FORWARDABLE_MESSAGE_BYTES,
      });
      this.topic.addSubscription(
        new subs.SqsSubscription(q.queue, {
          rawMessageDelivery,
          deadLetterQueue: q.deadLetterQueue,
          filterPolicy: statusFilter(name),
        }),
      );
      return q;
    };
    this.queues = {
      orderStatus: subscribe('orderStatus', false),
      notifications: subscribe('notifications', false),
      analytics: subscribe('analytics', true),
    };
    if (props.email) {
      this.topic.addSubscription(
        new subs.EmailSubscription(props.email, { filterPolicy: statusFilter('notifications') }),
      );
    }

    this.redelivery = new StatusRedelivery(this, 'Redelivery', {
      ...props,
      topic: this.topic,
      topicKey: props.topicKey,
    });

    const queues = Object.values(this.queues);
    this.alarms = [...queues.flatMap((q) => q.alarms), ...this.redelivery.alarms];
    const period = Duration.minutes(1);
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'OrderEvents: published and failed deliveries',
        left: [this.topic.metricNumberOfMessagesPublished({ period })],
        right: [this.topic.metricNumberOfNotificationsFailed({ period })],
        width: 12,
      }),
      ...queues.flatMap((q) => q.widgets),
      ...this.redelivery.widgets,
    ];
  }

  /** Publishing needs the topic key too (`sns:Publish` itself comes with the publishing task). */
  grantPublishThroughKey(grantee: iam.IGrantable): void {
    this.topicKey.key.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  }
}

function statusFilter(name: StatusSubscription) {
  return {
    [SNS_ATTRIBUTES.status]: sns.SubscriptionFilter.stringFilter({ allowlist: [...STATUS_SUBSCRIPTIONS[name]] }),
  };
}

const toPascalCase = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
