import { Arn, ArnFormat, Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { COMPLIANCE_PATTERN } from '@securecart/contracts';
import type { AuditCompliance } from '../../config/profile-types';
import { acknowledge } from '../nag';
import { Observable, RUNBOOKS } from '../ops-alarms';
import { DeadLetterQueue } from '../reliable-queue';
import { PipelineBaseProps, queueBase } from './base';

export interface ComplianceForwardingProps extends PipelineBaseProps {
  /** The SecureCart bus the compliance events are put on. */
  readonly bus: events.IEventBus;
  /** Where they go: the profile's `audit.compliance`. */
  readonly audit: AuditCompliance;
}

/** The audit bus's ARN: in the audit account and region, or in this account and region when the profile names none. */
export function auditBusArn(audit: AuditCompliance): string {
  return Arn.format({
    partition: Aws.PARTITION,
    service: 'events',
    region: audit.region ?? Aws.REGION,
    account: audit.accountId ?? Aws.ACCOUNT_ID,
    resource: 'event-bus',
    resourceName: audit.busName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * Forwards the compliance events (contracts/compliance.ts) from the SecureCart bus to the central
 * audit bus in the audit account (ADR 28): a rule with the contract's pattern, whose target is the
 * audit bus's ARN, put through a role that may do nothing but events:PutEvents on that one bus.
 * Events EventBridge cannot deliver after its retries (the audit bus missing, its policy refusing)
 * land in an encrypted DLQ, alarmed.
 */
export class ComplianceForwarding extends Construct implements Observable {
  readonly rule: events.Rule;
  readonly role: iam.Role;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly auditBusArn: string;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: ComplianceForwardingProps) {
    super(scope, id);
    const { prefix } = props;
    this.auditBusArn = auditBusArn(props.audit);
    const auditBus = events.EventBus.fromEventBusArn(this, 'AuditBus', this.auditBusArn);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge puts SecureCart compliance events on the central audit bus, and nowhere else',
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.auditBusArn] }));

    // The rule is `<prefix>-ComplianceToAudit`, so EventRouting's key statement for EventBridge
    // deliveries into encrypted DLQs (rules `<prefix>-*` of this bus) covers this DLQ too.
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      ...queueBase(props),
      queueName: `${prefix}-compliance-forwarding-dlq`,
      purpose: 'compliance events EventBridge could not put on the audit bus (docs/runbooks/compliance-forwarding.md)',
    });
    acknowledge(this.deadLetterQueue.queue, {
      'AwsSolutions-SQS3':
        'This queue is itself a dead-letter queue: the compliance forwarding rule sends events it could not deliver here (alarmed when not empty).',
    });

    const pattern = COMPLIANCE_PATTERN();
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      ruleName: `${prefix}-ComplianceToAudit`,
      description:
        'Compliance events (fraud, payments, refunds, failed orders, sidelined messages, auth failures) to the audit bus',
      eventPattern: { source: [...pattern.source], detailType: [...pattern['detail-type']] },
      targets: [new targets.EventBus(auditBus, { role: this.role, deadLetterQueue: this.deadLetterQueue.queue })],
    });

    const failed = new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'FailedInvocations',
      dimensionsMap: { EventBusName: props.bus.eventBusName, RuleName: this.rule.ruleName },
      statistic: 'Sum',
      period: Duration.minutes(1),
      label: 'ComplianceToAudit failed invocations',
    });
    const failedAlarm = props.alarms.alarm(this, 'FailedInvocationsAlarm', {
      metric: failed,
      summary:
        'compliance events could not be put on the audit bus (its policy refusing, the bus missing, the role changed): they wait in the compliance forwarding DLQ',
      runbook: RUNBOOKS.complianceForwarding,
    });
    this.alarms = [...this.deadLetterQueue.alarms, failedAlarm];
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'Compliance events to the audit bus: forwarded and failed',
        left: [
          new cloudwatch.Metric({
            namespace: 'AWS/Events',
            metricName: 'Invocations',
            dimensionsMap: { EventBusName: props.bus.eventBusName, RuleName: this.rule.ruleName },
            statistic: 'Sum',
            period: Duration.minutes(1),
            label: 'ComplianceToAudit invocations',
          }),
          failed,
        ],
        width: 6,
      }),
      ...this.deadLetterQueue.widgets,
    ];
  }
}
