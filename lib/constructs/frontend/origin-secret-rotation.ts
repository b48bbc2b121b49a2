import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HANDLER_ENV } from '@securecart/contracts/env';
import type { OriginHeaderParties } from '../api/origin-verify';
import { TierKey } from '../encryption';
import { acknowledge } from '../nag';
import { PipelineFunction } from '../pipeline-function';

/** How often the origin secret is rotated (Secrets Manager's schedule). */
export const ORIGIN_SECRET_ROTATION = Duration.days(30);

export interface OriginSecretRotationProps extends OriginHeaderParties {
  /** The storefront distribution: it sends the header to the API origin. */
  readonly distributionId: string;
  /** The Frontend tier key: the function's log group. */
  readonly key: TierKey;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Rotates the origin secret every ORIGIN_SECRET_ROTATION without a 403 (ADR 21): the
 * `rotate-origin-secret` handler widens the acceptors (web ACL rule, ALB listener rule) to the
 * current and the new value, checks them, then points CloudFront at the new value and makes it
 * current. It lives in the Frontend stack because it must name the distribution, and the Frontend
 * stack already depends on the Api stack (the other way round would be a cycle).
 *
 * Its role can do exactly that: read and stage versions of this one secret (and use its key
 * through Secrets Manager only), read and update this web ACL, this listener rule (DescribeRules
 * has no resource-level permissions) and this distribution.
 */
export class OriginSecretRotation extends Construct {
  readonly handler: PipelineFunction;
  readonly schedule: secretsmanager.RotationSchedule;

  constructor(scope: Construct, id: string, props: OriginSecretRotationProps) {
    super(scope, id);
    const E = HANDLER_ENV;
    this.handler = new PipelineFunction(this, 'Handler', {
      step: 'rotate-origin-secret',
      description: 'SecureCart: rotates the CloudFront origin secret (acceptors first, then CloudFront)',
      key: props.key,
      logRetentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
      timeout: Duration.minutes(1),
      otherWildcards:
        'secretsmanager:GetRandomPassword (the new value) and elasticloadbalancing:DescribeRules have no resource-level permissions either; every write names its resource.',
      environment: {
        [E.originHeaderName]: props.headerName,
        [E.originListenerRuleArn]: props.listenerRuleArn,
        [E.originDistributionId]: props.distributionId,
        ...(props.webAcl
          ? {
              [E.originWebAcl]: `${props.webAcl.name}|${props.webAcl.id}`,
              [E.originWebAclRule]: props.webAcl.ruleName,
            }
          : {}),
      },
    });
    const fn = this.handler.fn;

    // Imported without its key, so the schedule grants nothing on the Api stack's key policy
    // (which would make the Api stack refer to this one); the key use is granted below, by role.
    const secret = secretsmanager.Secret.fromSecretAttributes(this, 'Secret', { secretCompleteArn: props.secretArn });
    this.schedule = new secretsmanager.RotationSchedule(this, 'Schedule', {
      secret,
      rotationLambda: fn,
      automaticallyAfter: ORIGIN_SECRET_ROTATION,
      // A deployment never rotates by itself; `aws secretsmanager rotate-secret` rotates now.
      rotateImmediatelyOnUpdate: false,
    });
    // Secrets Manager may invoke it for this account's secrets only (no confused deputy).
    for (const child of fn.node.children) {
      if (!(child instanceof lambda.CfnPermission)) continue;
      child.sourceAccount = Aws.ACCOUNT_ID;
      acknowledge(child, {
        'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check':
          'Secrets Manager may invoke it for this account only: SourceAccount is AWS::AccountId, a reference because the stacks are environment-agnostic; the rule accepts only a literal account id or a SourceArn in the same template, and the secret lives in the Api stack.',
      });
    }
    const region = Stack.of(this).region;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.secretKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['elasticloadbalancing:ModifyRule'],
        resources: [props.listenerRuleArn],
      }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeRules'], resources: ['*'] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution'],
        resources: [`arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution/${props.distributionId}`],
      }),
    );
    if (props.webAcl) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['wafv2:GetWebACL', 'wafv2:UpdateWebACL'],
          resources: [props.webAcl.arn],
        }),
      );
      // UpdateWebACL is also authorised on each rule group the ACL references (AWS managed ones).
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['wafv2:UpdateWebACL'],
          resources: [`arn:${Aws.PARTITION}:wafv2:${Aws.REGION}:*:regional/managedruleset/*/*`],
        }),
      );
    }
    if (props.webAcl) {
      acknowledge(this.handler.role.node.findChild('DefaultPolicy'), {
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:wafv2:<AWS::Region>:*:regional/managedruleset/*/*]':
          'UpdateWebACL is authorised on every managed rule group the web ACL references (AWS managed groups, owned by an AWS account); only this web ACL can be updated.',
      });
    }
  }
}
