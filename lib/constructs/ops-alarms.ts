import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** The runbooks alarms point operators to (paths in this repository). */
export const RUNBOOKS = {
  dlqRedrive: 'docs/runbooks/dlq-redrive.md',
  failedOrders: 'docs/runbooks/failed-orders.md',
  queueBacklog: 'docs/runbooks/queue-backlog.md',
  statusRedelivery: 'docs/runbooks/status-redelivery.md',
  apiServerErrors: 'docs/runbooks/api-server-errors.md',
  apiLatency: 'docs/runbooks/api-latency.md',
  checkoutNoRunningTask: 'docs/runbooks/checkout-no-running-task.md',
  checkoutUnhealthyTargets: 'docs/runbooks/checkout-unhealthy-targets.md',
  outboxLag: 'docs/runbooks/outbox-lag.md',
  outboxRejected: 'docs/runbooks/outbox-rejected.md',
  databaseStorage: 'docs/runbooks/database-storage.md',
  databaseConnections: 'docs/runbooks/database-connections.md',
  storefrontErrors: 'docs/runbooks/storefront-errors.md',
  edgeWafBlocks: 'docs/runbooks/edge-waf-blocks.md',
  auditSecurityEvent: 'docs/runbooks/audit-security-event.md',
  clickstream: 'docs/runbooks/clickstream.md',
} as const;
export type Runbook = (typeof RUNBOOKS)[keyof typeof RUNBOOKS];

export interface OpsAlarmProps {
  readonly metric: cloudwatch.IMetric;
  /** What is wrong, in words; the alarm description is this plus the runbook. */
  readonly summary: string;
  readonly runbook: Runbook;
  /** Alarm at or above this value. @default 1 */
  readonly threshold?: number;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /**
   * How missing data counts. @default NOT_BREACHING: no traffic is not an incident. A metric that
   * is always emitted while things work (a heartbeat such as the outbox lag) can say BREACHING.
   */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

export interface OpsAlarmsProps {
  readonly topicName: string;
  /** Customer-managed key of the topic; CloudWatch must be allowed to use it (key policy). */
  readonly masterKey: kms.IKey;
  /** Subscribes this address to every alarm. */
  readonly email?: string;
}

/**
 * The encrypted ops topic and the one way SecureCart makes an alarm: every alarm notifies this
 * topic, fires at or above its threshold, treats missing data as fine unless told otherwise (no
 * traffic is not an incident) and names its runbook in the description. Alarm actions must be in
 * the alarm's region: us-east-1 alarms (CloudFront, the edge WAF) use their own OpsAlarms there.
 */
export class OpsAlarms extends Construct {
  readonly topic: sns.Topic;
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: OpsAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      masterKey: props.masterKey,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new subs.EmailSubscription(props.email));
    this.action = new actions.SnsAction(this.topic);
  }

  /** An alarm in `scope` (the flow construct that owns it) that notifies the ops topic. */
  alarm(scope: Construct, id: string, props: OpsAlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      metric: props.metric,
      alarmDescription: `${props.summary}. Runbook: ${props.runbook}`,
      threshold: props.threshold ?? 1,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: props.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }
}

/** What a flow construct hands to the Monitoring stack. */
export interface Observable {
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];
}
