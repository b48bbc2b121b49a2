import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { claimKey, ClaimKind, HANDLER_ENV, ORDER_CLAIM_TTL_HOURS, TABLE_KEYS } from '@securecart/contracts';
import { PipelineBaseProps } from './base';

/** DynamoDB item actions on claims, and what each needs of the table's key. */
const ACTIONS = {
  put: { actions: ['dynamodb:PutItem'], keyActions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'] },
  read: { actions: ['dynamodb:GetItem'], keyActions: ['kms:Decrypt', 'kms:DescribeKey'] },
  delete: { actions: ['dynamodb:DeleteItem'], keyActions: ['kms:Decrypt', 'kms:DescribeKey'] },
} as const;
type ClaimAccess = keyof typeof ACTIONS;

/**
 * The OrderClaims table (docs/adr/0019-claim-check-for-payment-data.md): the payment token and the
 * shipping address of an order in flight, put by start-fulfillment, read only by the steps that
 * need them, deleted when the payment is settled or refunded; on the pipeline key, expired by TTL
 * after `ORDER_CLAIM_TTL_HOURS`, and recoverable from point-in-time backups for 1 day only (the
 * shortest period DynamoDB allows), so a deleted token does not live on in a backup for weeks.
 *
 * Grants are per action and per claim kind: IAM's `dynamodb:LeadingKeys` holds each function to
 * the `<kind>#` keys it needs (create-shipment can never read a payment claim).
 */
export class OrderClaims extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: PipelineBaseProps) {
    super(scope, id);
    const { partitionKey, ttlAttribute } = TABLE_KEYS.orderClaims;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: 1 },
      timeToLiveAttribute: ttlAttribute,
      removalPolicy: props.removalPolicy,
    });
  }

  /** The variable that names the table, for a function that uses claims. */
  get environment(): Record<string, string> {
    return { [HANDLER_ENV.orderClaimsTable]: this.table.tableName };
  }

  /** Lets `fn` do `access` on the claims of these kinds only (and the key actions that takes). */
  grant(fn: lambda.IFunction, access: ClaimAccess, kinds: readonly ClaimKind[]): void {
    const { actions, keyActions } = ACTIONS[access];
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': kinds.map((kind) => claimKey(kind, '*')) },
        },
      }),
    );
    this.table.encryptionKey!.grant(fn, ...keyActions);
  }
}

/** How long a claim is readable: longer than the workflow may run (checked by test/pipeline.test.ts). */
export const ORDER_CLAIM_TTL = Duration.hours(ORDER_CLAIM_TTL_HOURS);
