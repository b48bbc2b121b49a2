import { Arn, ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  COMPLIANCE_PATTERN,
  HANDLER_ENV,
  METRIC_DIMENSIONS,
  METRIC_NAMES,
  METRICS_NAMESPACE,
} from '@securecart/contracts';
import type { AuditCompliance } from '../../config/profile-types';
import { acknowledge } from '../nag';
import { Observable, RUNBOOKS } from '../ops-alarms';
import { DeadLetterQueue } from '../reliable-queue';
import { PipelineBaseProps, queueBase } from './base';
import { eventRuleMetric } from '../custom-metrics';

export interface ComplianceForwardingProps extends PipelineBaseProps {
  /** The SecureCart bus the compliance events are put on. */
  readonly bus: events.IEventBus;
  /** Where they go: the profile's `audit.compliance`. */
  readonly audit: AuditCompliance;
  /**
   * Handlers that put compliance events themselves (lambda/shared/compliance.ts): each gets the
   * bus's name and events:PutEvents on it, and their ComplianceEventsNotSent count is alarmed.
   */
  readonly emitters: readonly lambda.IFunction[];
}

/** A handler's `service` dimension: its POWERTOOLS_SERVICE_NAME, the handler folder. */
function serviceOf(fn: lambda.Function): string {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const env = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, string> } | undefined;
  const name = env?.variables?.POWERTOOLS_SERVICE_NAME;
  if (typeof name !== 'string') throw new Error(`compliance emitter ${fn.node.path} has no POWERTOOLS_SERVICE_NAME`);
  return name;
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

    const failed = eventRuleMetric(
      props.bus.eventBusName,
      this.rule.ruleName,
      'FailedInvocations',
      'ComplianceToAudit failed invocations',
    );
    const failedAlarm = props.alarms.alarm(this, 'FailedInvocationsAlarm', {
      metric: failed,
      summary:
        'compliance events could not be put on the audit bus (its policy refusing, the bus missing, the role changed): they wait in the compliance forwarding DLQ',
      runbook: RUNBOOKS.complianceForwarding,
    });
    // The handlers that emit: the bus's name and PutEvents on it; an event they could not put is
    // counted (ComplianceEventsNotSent) and alarmed.
    const notSent = props.emitters.map((fn, i) => {
      if (!(fn instanceof lambda.Function)) throw new Error(`compliance emitter ${fn.node.path} must be a Function`);
      fn.addEnvironment(HANDLER_ENV.eventBusName, props.bus.eventBusName);
      props.bus.grantPutEventsTo(fn);
      return [
        `m${i}`,
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRIC_NAMES.complianceEventsNotSent,
          dimensionsMap: { [METRIC_DIMENSIONS.service]: serviceOf(fn) },
          statistic: 'Sum',
          period: Duration.minutes(1),
        }),
      ] as const;
    });
    const notSentTotal = new cloudwatch.MathExpression({
      expression: notSent.length ? notSent.map(([id]) => `FILL(${id}, 0)`).join(' + ') : '0',
      usingMetrics: Object.fromEntries(notSent),
      period: Duration.minutes(1),
      label: 'compliance events not sent by handlers',
    });
    const notSentAlarm = props.alarms.alarm(this, 'EventsNotSentAlarm', {
      metric: notSentTotal,
      summary:
        'a handler could not put a compliance event on the bus (the contract refused it, or EventBridge did not take it): the audit account misses it',
      runbook: RUNBOOKS.complianceForwarding,
    });
    this.alarms = [...this.deadLetterQueue.alarms, failedAlarm, notSentAlarm];
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
          notSentTotal,
        ],
        width: 6,
      }),
      ...this.deadLetterQueue.widgets,
    ];
  }
}
