import { Arn, ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COMPLIANCE_PATTERN, COMPLIANCE_SOURCE } from '@securecart/contracts';
import type { AuditCompliance } from '../../config/profile-types';
import { ALARMS_OF_THIS_ACCOUNT, encryptArchive, TierKey } from '../encryption';
import { acknowledge } from '../nag';
import { Observable, OpsAlarms, RUNBOOKS } from '../ops-alarms';
import { DeadLetterQueue } from '../reliable-queue';
import { eventRuleMetric } from '../custom-metrics';

export interface AuditBusProps {
  /** `securecart-<profile>`: the prefix of the stack's other physical names. */
  readonly prefix: string;
  readonly compliance: AuditCompliance;
  /** Keep an archive of the compliance events (LocalStack has no CloudFormation provider for archives). */
  readonly archive: boolean;
  readonly removalPolicy: RemovalPolicy;
  /** Alarm notifications of the security team, by e-mail. */
  readonly alarmEmail?: string;
}

/**
 * The central audit bus a security team runs in its own account (ADR 28): it admits
 * `events:PutEvents` only from the SecureCart account(s) or organisation and only for the compliance
 * source; everything it receives is archived (replay) and written to a CMK-encrypted log group with
 * the profile's retention. Deliveries to the log group that fail after retries land in an alarmed
 * DLQ; the alarms notify the audit stack's own topic.
 */
export class AuditBus extends Construct implements Observable {
  readonly key: TierKey;
  readonly bus: events.EventBus;
  readonly logGroup: logs.LogGroup;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.IQueue;
  readonly archiveName?: string;
  readonly opsAlarms: OpsAlarms;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: AuditBusProps) {
    super(scope, id);
    const { prefix, compliance, removalPolicy } = props;
    const busName = compliance.busName;
    this.key = new TierKey(this, 'Key', {
      aliasName: `${prefix}-audit`,
      description: `SecureCart ${prefix}: the audit bus, its archive, log group, DLQ and alarm topic`,
      removalPolicy,
    });
    const key = this.key;
    key.allowServiceDeliveries('cloudwatch.amazonaws.com', [ALARMS_OF_THIS_ACCOUNT]);
    this.opsAlarms = new OpsAlarms(this, 'AlarmTopic', {
      topicName: `${prefix}-audit-alarms`,
      masterKey: key.key,
      email: props.alarmEmail,
    });

    // Events on the bus are encrypted with the audit key (CDK's key statement for EventBridge
    // carries aws:SourceAccount, aws:SourceArn and the bus's encryption context).
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: busName,
      description: 'SecureCart compliance events from the workload account(s)',
      kmsKey: key.key,
    });
    this.bus.addToResourcePolicy(this.admission(compliance));

    // Deliveries to the log group that fail after retries: into this DLQ (its key statement names
    // this bus's rules only).
    key.allowServiceDeliveries('events.amazonaws.com', [
      Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: `${busName}/${busName}-*` }),
    ]);
    const dlq = new DeadLetterQueue(this, 'Dlq', {
      key: key.key,
      alarms: this.opsAlarms,
      removalPolicy,
      queueName: `${busName}-log-dlq`,
      purpose:
        'compliance events the audit bus could not write to its log group (docs/runbooks/compliance-forwarding.md)',
    });
    acknowledge(dlq.queue, {
      'AwsSolutions-SQS3':
        'This queue is itself a dead-letter queue: the audit bus rule sends events it could not write to the log group here (alarmed when not empty).',
    });
    this.deadLetterQueue = dlq.queue;

    this.logGroup = key.logGroup(this, 'Log', {
      logGroupName: `/aws/events/${busName}`,
      retentionDays: compliance.logRetentionDays,
      removalPolicy,
    });
    // EventBridge writes to the log group under a resource policy naming this log group only (what
    // CDK's CloudWatchLogGroup target would install with a custom resource, declared here instead).
    new logs.ResourcePolicy(this, 'LogPolicy', {
      resourcePolicyName: `${busName}-events-to-logs`,
      policyStatements: [
        new iam.PolicyStatement({
          principals: [
            new iam.ServicePrincipal('events.amazonaws.com'),
            new iam.ServicePrincipal('delivery.logs.amazonaws.com'),
          ],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${this.logGroup.logGroupArn}`],
        }),
      ],
    });

    const pattern = COMPLIANCE_PATTERN();
    const logGroupArn = Arn.format(
      {
        service: 'logs',
        resource: 'log-group',
        resourceName: this.logGroup.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      Stack.of(this),
    );
    const toLogGroup: events.IRuleTarget = {
      bind: (rule) => {
        targets.addToDeadLetterQueueResourcePolicy(rule, dlq.queue);
        return {
          ...targets.bindBaseTargetConfig({
            retryAttempts: 8,
            maxEventAge: Duration.hours(24),
            deadLetterQueue: dlq.queue,
          }),
          arn: logGroupArn,
          targetResource: this.logGroup,
        };
      },
    };
    this.rule = new events.Rule(this, 'ToLog', {
      eventBus: this.bus,
      ruleName: `${busName}-ToLog`,
      description: 'Every compliance event the audit bus admits, to its encrypted log group',
      eventPattern: { source: [...pattern.source], detailType: [...pattern['detail-type']] },
      targets: [toLogGroup],
    });

    if (props.archive) this.archiveName = this.archiveEvents(busName, compliance.archiveRetentionDays);

    const { ruleName } = this.rule;
    const failed = eventRuleMetric(busName, ruleName, 'FailedInvocations', 'audit log deliveries failed');
    const received = eventRuleMetric(
      busName,
      ruleName,
      'MatchedEvents',
      'compliance events received',
      Duration.minutes(5),
    );
    this.alarms = [
      ...dlq.alarms,
      this.opsAlarms.alarm(this, 'LogDeliveryFailedAlarm', {
        metric: failed,
        summary: 'compliance events could not be written to the audit log group: they wait in the audit log DLQ',
        runbook: RUNBOOKS.complianceForwarding,
      }),
    ];
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'Audit bus: received, log deliveries failed',
        left: [received, failed],
        width: 12,
      }),
      ...dlq.widgets,
    ];
  }

  /**
   * Who may put events on the audit bus: the organisation's accounts (aws:PrincipalOrgID), or the
   * listed SecureCart accounts, or (neither given) this account; always only the compliance source.
   */
  private admission(c: AuditCompliance): iam.PolicyStatement {
    const onlyCompliance = { 'events:source': [COMPLIANCE_SOURCE] };
    const base = {
      sid: 'AdmitSecureCartComplianceEvents',
      actions: ['events:PutEvents'],
      resources: [this.bus.eventBusArn],
    };
    if (c.organizationId) {
      return new iam.PolicyStatement({
        ...base,
        principals: [new iam.AnyPrincipal()],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': c.organizationId, ...onlyCompliance } },
      });
    }
    const accounts = c.sourceAccountIds?.length ? [...c.sourceAccountIds] : [Aws.ACCOUNT_ID];
    return new iam.PolicyStatement({
      ...base,
      principals: accounts.map((a) => new iam.AccountPrincipal(a)),
      conditions: { StringEquals: onlyCompliance },
    });
  }

  /** The archive of every compliance event received, on the audit key (as the pipeline's archive, ADR 19). */
  private archiveEvents(busName: string, retentionDays: number): string {
    const archiveName = `${busName}-compliance`;
    const archive = new events.Archive(this.bus, 'Archive', {
      sourceEventBus: this.bus,
      archiveName,
      description: 'Every compliance event the audit bus received, for replay',
      eventPattern: { source: [COMPLIANCE_SOURCE] },
      retention: Duration.days(retentionDays),
    });
    encryptArchive(archive, this.key.key, busName, archiveName);
    return archiveName;
  }
}
