import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** `aws:SourceArn` of CloudWatch alarm actions: any alarm of this account and region (alarm names are generated). */
export const ALARMS_OF_THIS_ACCOUNT = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`;

export interface TierKeyProps {
  /** e.g. `securecart-sandbox-data`; becomes `alias/<name>`. */
  readonly aliasName: string;
  readonly description: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A customer-managed KMS key for one tier: annual rotation, an alias, and a key policy that
 * lets CloudWatch Logs in this account and region use it for the tier's log groups only.
 */
export class TierKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: TierKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      alias: `alias/${props.aliasName}`,
      description: props.description,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      // A deleted key makes its data unreadable. A retained key (prod) waits the longest period
      // KMS allows, 30 days, before a scheduled deletion happens; a disposable one the minimum, 7.
      pendingWindow: Duration.days(props.removalPolicy === RemovalPolicy.RETAIN ? 30 : 7),
      removalPolicy: props.removalPolicy,
    });
    // Grants only for AWS services acting for their resources (RDS, DynamoDB, ...): no principal
    // of the account can hand the key on with a grant of its own (AWS Control Tower CT.KMS.PR.3).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyGrantsExceptForAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );
  }

  /**
   * Lets an AWS service use the key for deliveries it makes on the stack's behalf (EventBridge
   * into an encrypted DLQ, CloudWatch alarms into an encrypted topic), only for the resources whose
   * ARNs match `sourceArns` (`aws:SourceArn`, wildcards allowed) in this account (`aws:SourceAccount`):
   * the confused-deputy conditions AWS recommends for service principals.
   */
  allowServiceDeliveries(servicePrincipal: string, sourceArns: readonly string[]): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Allow${servicePrincipal.split('.')[0]}Deliveries`,
        principals: [new iam.ServicePrincipal(servicePrincipal)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': [...sourceArns] },
        },
      }),
    );
  }

  /** A log group encrypted with this key, with the profile's retention and removal policy. */
  logGroup(
    scope: Construct,
    id: string,
    props: { retentionDays: number; removalPolicy: RemovalPolicy; logGroupName?: string },
  ) {
    return new logs.LogGroup(scope, id, {
      logGroupName: props.logGroupName,
      encryptionKey: this.key,
      retention: toRetention(props.retentionDays),
      removalPolicy: props.removalPolicy,
    });
  }
}

/** Maps a day count to the nearest CloudWatch Logs retention that is at least that long. */
export function toRetention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0 && v !== logs.RetentionDays.INFINITE)
    .sort((a, b) => a - b);
  const match = allowed.find((d) => d >= days);
  if (match === undefined) throw new Error(`No CloudWatch Logs retention of at least ${days} days`);
  return match as logs.RetentionDays;
}

/**
 * Encrypts an EventBridge archive of `busName` with `key` and grants EventBridge that key with the
 * conditions its guide recommends (this account, the bus's and the archive's ARNs, the bus's
 * encryption context). Archive's own kmsKey prop would add a statement without them. ARNs are
 * literal: the archive depends on the key, so it cannot reference itself.
 */
export function encryptArchive(archive: events.Archive, key: kms.IKey, busName: string, archiveName: string): void {
  (archive.node.defaultChild as events.CfnArchive).kmsKeyIdentifier = key.keyArn;
  const stack = Stack.of(archive);
  const busArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: busName });
  const sourceArns = [busArn, stack.formatArn({ service: 'events', resource: 'archive', resourceName: archiveName })];
  const confusedDeputy = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: { 'aws:SourceArn': sourceArns },
  };
  const eventBridge = new iam.ServicePrincipal('events.amazonaws.com');
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowEventBridgeArchive',
      principals: [eventBridge],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*'],
      resources: ['*'],
      conditions: {
        ...confusedDeputy,
        StringEquals: { ...confusedDeputy.StringEquals, 'kms:EncryptionContext:aws:events:event-bus:arn': busArn },
      },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowEventBridgeArchiveDescribeKey',
      principals: [eventBridge],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      conditions: confusedDeputy,
    }),
  );
}
