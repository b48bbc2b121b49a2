import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IConstruct } from 'constructs';

/** cdk-nag acknowledgements at `scope`: rule id (with its finding, e.g. `[Resource::*]`) → reason. */
export function acknowledge(scope: IConstruct, reasons: Record<string, string>): void {
  for (const [id, reason] of Object.entries(reasons)) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * How cdk-nag writes the partition and region of `scope`'s stack inside a finding id:
 * `<AWS::Partition>`/`<AWS::Region>` for an environment-agnostic stack, the literals otherwise.
 */
export function nagArnParts(scope: IConstruct): { partition: string; region: string } {
  const stack = Stack.of(scope);
  return {
    partition: Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition,
    region: Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region,
  };
}

/** The CDK bootstrap asset bucket's objects, as a finding id writes them. */
export function nagAssetBucketObjects(scope: IConstruct): string {
  const { partition, region } = nagArnParts(scope);
  return `arn:${partition}:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${region}/*`;
}

/** The provider function `AwsCustomResource` creates once per stack, at the stack's root. */
const AWS_CUSTOM_RESOURCE_PROVIDER = `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;

/** The stack's AwsCustomResource provider function (create an AwsCustomResource first). */
export function awsCustomResourceProvider(scope: IConstruct): IConstruct {
  const provider = Stack.of(scope).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER);
  if (!provider) throw new Error(`AwsCustomResource provider ${AWS_CUSTOM_RESOURCE_PROVIDER} not found`);
  return provider;
}

/** Acknowledges the managed policy of the stack's AwsCustomResource provider (call after creating one). */
export function acknowledgeAwsCustomResourceProvider(scope: IConstruct): void {
  const role = awsCustomResourceProvider(scope).node.tryFindChild('ServiceRole');
  if (!role) throw new Error(`AwsCustomResource provider has no ServiceRole: review its acknowledgement`);
  acknowledge(role, {
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
      "AWS-managed policy that only lets CDK's AwsCustomResource provider write its own CloudWatch Logs.",
  });
}
