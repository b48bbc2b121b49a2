import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { CloudFrontWebAcl } from '../constructs/edge/cloudfront-web-acl';
import { TierKey } from '../constructs/encryption';

export interface EdgeSecurityStackProps extends StackProps {
  readonly profile: Profile;
}

/**
 * us-east-1, where CloudFront's web ACLs live: the storefront's CLOUDFRONT-scope web ACL. The
 * Frontend stack (in the app's region) reads its ARN through a weak cross-region reference
 * (`Fn::GetStackOutput`), so changing the web ACL never deadlocks on an export.
 */
export class EdgeSecurityStack extends Stack {
  readonly webAcl: CloudFrontWebAcl;

  constructor(scope: Construct, id: string, props: EdgeSecurityStackProps) {
    super(scope, id, props);
    const { profile } = props;
    const prefix = `securecart-${profile.name}`;
    const key = new TierKey(this, 'EdgeKey', {
      aliasName: `${prefix}-edge`,
      description: `SecureCart ${profile.name}: edge (CloudFront WAF) logs`,
      removalPolicy: profile.removalPolicy,
    });
    this.webAcl = new CloudFrontWebAcl(this, 'StorefrontWebAcl', {
      prefix,
      ratePer5Min: profile.frontend.wafRateLimitPer5Min,
      createOrderRatePer5Min: profile.frontend.createOrderRateLimitPer5Min,
      key,
      logRetentionDays: profile.logRetentionDays,
      removalPolicy: profile.removalPolicy,
    });
    new CfnOutput(this, 'StorefrontWebAclArn', { value: this.webAcl.webAcl.attrArn });
  }
}
