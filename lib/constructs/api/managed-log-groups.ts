import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { TierKey, toRetention } from '../encryption';

export interface ManagedLogGroupSettings {
  readonly key: TierKey;
  readonly retentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Brings the log group CDK creates for a library-owned Lambda function (`/aws/lambda/<name>`,
 * `@aws-cdk/aws-lambda:useCdkManagedLogGroup`) in line with the tier's own: encrypted with the
 * tier key, the profile's retention and removal policy (by default it is unencrypted, kept two
 * years and retained).
 */
export function adoptManagedLogGroup(fn: IConstruct, settings: ManagedLogGroupSettings): void {
  const group = fn.node.tryFindChild('LogGroup');
  const cfn = group?.node.defaultChild;
  if (!(cfn instanceof logs.CfnLogGroup)) {
    throw new Error(`${fn.node.path} has no CDK-managed log group: review adoptManagedLogGroup`);
  }
  cfn.kmsKeyId = settings.key.key.keyArn;
  cfn.retentionInDays = toRetention(settings.retentionDays);
  cfn.applyRemovalPolicy(settings.removalPolicy);
}
