import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TierKey } from '../encryption';
import { acknowledge } from '../nag';
import { Observable, OpsAlarms, RUNBOOKS } from '../ops-alarms';

export interface AuditTrailProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  readonly profileName: string;
  /** Queues whose data events (SendMessage, ReceiveMessage, DeleteMessage, …) are logged: orders.fifo. */
  readonly queues: sqs.IQueue[];
  /** Topics whose data events (Publish, PublishBatch) are logged: OrderEvents. */
  readonly topics: sns.ITopic[];
  /** Days the log files (and the trail's CloudWatch Logs copy) are kept. */
  readonly retentionDays: number;
  /** Object Lock on the bucket, each log file locked for `retentionDays`; none: no lock. */
  readonly objectLock?: 'GOVERNANCE' | 'COMPLIANCE';
  /** The security alarms (metric filters on the trail's log group) notify this topic. */
  readonly alarms: OpsAlarms;
  readonly removalPolicy: RemovalPolicy;
}

/** Namespace of the trail's metric filters. */
export const AUDIT_METRICS_NAMESPACE = 'SecureCart/Audit';

/**
 * CIS AWS Foundations Benchmark (monitoring section) style metric filters on the trail's log
 * group, each with an alarm at the first matching event: metric name → filter pattern.
 */
export const SECURITY_METRIC_FILTERS: Readonly<Record<string, { readonly summary: string; readonly pattern: string }>> =
  {
    RootAccountUsage: {
      summary: 'The root user was used',
      pattern:
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    },
    UnauthorizedApiCalls: {
      summary: 'API calls were refused as unauthorized (AccessDenied / UnauthorizedOperation)',
      pattern: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    },
    IamPolicyChanges: {
      summary: 'An IAM policy was created, changed, attached or detached',
      pattern:
        '{ ($.eventSource = "iam.amazonaws.com") && (($.eventName = "DeleteGroupPolicy") || ($.eventName = "DeleteRolePolicy") || ($.eventName = "DeleteUserPolicy") || ($.eventName = "PutGroupPolicy") || ($.eventName = "PutRolePolicy") || ($.eventName = "PutUserPolicy") || ($.eventName = "CreatePolicy") || ($.eventName = "DeletePolicy") || ($.eventName = "CreatePolicyVersion") || ($.eventName = "DeletePolicyVersion") || ($.eventName = "SetDefaultPolicyVersion") || ($.eventName = "AttachRolePolicy") || ($.eventName = "DetachRolePolicy") || ($.eventName = "AttachUserPolicy") || ($.eventName = "DetachUserPolicy") || ($.eventName = "AttachGroupPolicy") || ($.eventName = "DetachGroupPolicy")) }',
    },
    KmsKeyDisabledOrScheduledForDeletion: {
      summary: 'A KMS key was disabled or scheduled for deletion',
      pattern:
        '{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = "DisableKey") || ($.eventName = "ScheduleKeyDeletion")) }',
    },
    ConsoleSignInFailures: {
      summary: 'A console sign-in failed',
      pattern: '{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }',
    },
    ConsoleSignInWithoutMfa: {
      summary: 'A console sign-in succeeded without MFA',
      pattern:
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    },
    CloudTrailConfigurationChanges: {
      summary: 'A trail was created, changed, stopped or deleted',
      pattern:
        '{ ($.eventName = "CreateTrail") || ($.eventName = "UpdateTrail") || ($.eventName = "DeleteTrail") || ($.eventName = "StartLogging") || ($.eventName = "StopLogging") }',
    },
  };

/** One advanced event selector: a name and its field conditions (CloudTrail's AdvancedEventSelector). */
export interface AdvancedEventSelector {
  readonly Name: string;
  readonly FieldSelectors: ReadonlyArray<{ readonly Field: string; readonly Equals: readonly string[] }>;
}

/**
 * The advanced event selectors of the trail: every management event, and the data events of the
 * order queue and the order topics. SQS and SNS data events exist only as advanced selectors
 * (resources.type AWS::SQS::Queue / AWS::SNS::Topic; basic selectors know only S3, Lambda and
 * DynamoDB), narrowed to the exact resources by resources.ARN.
 */
export function auditEventSelectors(queueArns: string[], topicArns: string[]): AdvancedEventSelector[] {
  return [
    { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
    {
      Name: 'Data events of the order queue',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::SQS::Queue'] },
        { Field: 'resources.ARN', Equals: queueArns },
      ],
    },
    {
      Name: 'Data events of the order topics',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::SNS::Topic'] },
        { Field: 'resources.ARN', Equals: topicArns },
      ],
    },
  ];
}

/**
 * A multi-region CloudTrail trail with log file validation: management events plus the data events
 * of the order queue and topics, to a bucket encrypted with its own customer-managed key (also the
 * trail's log file key), TLS-only, public access blocked, versioned, Object Lock where the profile
 * asks, with server access logs in a second bucket (SSE-S3: server access logging supports no
 * SSE-KMS target). The trail also delivers to a CloudWatch Logs group (the same key), where
 * CIS-style metric filters raise alarms on the ops topic (ADR 22).
 */
export class AuditTrail extends Construct implements Observable {
  readonly trail: cloudtrail.Trail;
  readonly bucket: s3.Bucket;
  readonly key: TierKey;
  readonly logGroup: logs.LogGroup;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const { removalPolicy } = props;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
    const trailName = `${props.prefix}-audit`;
    this.key = new TierKey(this, 'Key', {
      aliasName: `${props.prefix}-audit`,
      description: `SecureCart ${props.profileName}: CloudTrail log files`,
      removalPolicy,
    });
    const trailArn = `arn:${Aws.PARTITION}:cloudtrail:${Aws.REGION}:${Aws.ACCOUNT_ID}:trail/${trailName}`;
    // The key policy CloudTrail needs (AWS CloudTrail User Guide, "Configure AWS KMS key policies
    // for CloudTrail"): encrypt log files for this trail only; read the key's description.
    this.key.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToEncryptLogFiles',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceArn': trailArn },
          StringLike: {
            'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${Aws.PARTITION}:cloudtrail:*:${Aws.ACCOUNT_ID}:trail/*`,
          },
        },
      }),
    );
    this.key.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToDescribeKey',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
      }),
    );

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(props.retentionDays) }],
      removalPolicy,
      autoDeleteObjects,
    });
    acknowledge(accessLogs, {
      'AwsSolutions-S1':
        "This bucket is itself the server access log of the audit trail's bucket; logging its own accesses would only add a log of the log.",
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      ...(props.objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention:
              props.objectLock === 'COMPLIANCE'
                ? s3.ObjectLockRetention.compliance(Duration.days(props.retentionDays))
                : s3.ObjectLockRetention.governance(Duration.days(props.retentionDays)),
          }
        : {}),
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'audit-bucket/',
      lifecycleRules: [
        { expiration: Duration.days(props.retentionDays), noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy,
      autoDeleteObjects,
    });

    this.logGroup = this.key.logGroup(this, 'Logs', { retentionDays: props.retentionDays, removalPolicy });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      trailName,
      bucket: this.bucket,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: this.logGroup,
      encryptionKey: this.key.key,
      enableFileValidation: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
    });
    const cfnTrail = this.trail.node.defaultChild as cloudtrail.CfnTrail;
    // Advanced selectors replace basic ones (a trail has one kind or the other).
    cfnTrail.addPropertyDeletionOverride('EventSelectors');
    cfnTrail.addPropertyOverride(
      'AdvancedEventSelectors',
      auditEventSelectors(
        props.queues.map((q) => q.queueArn),
        props.topics.map((t) => t.topicArn),
      ),
    );
    ({ alarms: this.alarms, widgets: this.widgets } = this.securityAlarms(props.alarms));
  }

  /** A metric filter per SECURITY_METRIC_FILTERS entry, each with an alarm at its first event. */
  private securityAlarms(alarms: OpsAlarms): Observable {
    const metrics: cloudwatch.IMetric[] = [];
    const made = Object.entries(SECURITY_METRIC_FILTERS).map(([name, { summary, pattern }]) => {
      const filter = new logs.MetricFilter(this, `${name}Filter`, {
        logGroup: this.logGroup,
        filterPattern: logs.FilterPattern.literal(pattern),
        metricNamespace: AUDIT_METRICS_NAMESPACE,
        metricName: name,
        metricValue: '1',
      });
      const metric = filter.metric({ statistic: 'Sum', period: Duration.minutes(5) });
      metrics.push(metric);
      return alarms.alarm(this, `${name}Alarm`, {
        metric,
        summary: `${summary} (CloudTrail ${this.trail.node.id}, metric ${AUDIT_METRICS_NAMESPACE}/${name})`,
        runbook: RUNBOOKS.auditSecurityEvent,
      });
    });
    return {
      alarms: made,
      widgets: [new cloudwatch.GraphWidget({ title: 'Audit: security events (CloudTrail)', left: metrics, width: 12 })],
    };
  }
}
