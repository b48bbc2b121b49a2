import { RemovalPolicy } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { Identity } from '../api/identity';
import { adoptManagedLogGroup } from '../api/managed-log-groups';
import { TierKey } from '../encryption';
import { acknowledgeAwsCustomResourceProvider, awsCustomResourceProvider } from '../nag';

export interface StorefrontClientUrlsProps {
  readonly identity: Identity;
  /** The storefront's origins, the distribution's first. */
  readonly origins: readonly string[];
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Points the storefront client's callback and sign-out URLs at the distribution: the Api stack
 * creates the client before the distribution exists (it cannot know the domain without a cycle,
 * ADR 13), and this UpdateUserPoolClient call carries every client setting (Identity's one
 * definition), so only the URLs change. Runs on create and whenever the origins change.
 */
export class StorefrontClientUrls extends Construct {
  constructor(scope: Construct, id: string, props: StorefrontClientUrlsProps) {
    super(scope, id);
    const update = props.identity.storefrontClientUpdate(props.origins);
    new cr.AwsCustomResource(this, 'Update', {
      onCreate: update,
      onUpdate: update,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [props.identity.userPool.userPoolArn] }),
      installLatestAwsSdk: false,
    });
    adoptManagedLogGroup(awsCustomResourceProvider(this), {
      key: props.key,
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    acknowledgeAwsCustomResourceProvider(this);
  }
}
