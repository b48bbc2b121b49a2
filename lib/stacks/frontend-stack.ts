import { Aws, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Profile } from '../config/profiles';
import { API_STAGE_NAME } from '../constructs/api/rest-api';
import { TierKey } from '../constructs/encryption';
import { OriginSecretRotation } from '../constructs/frontend/origin-secret-rotation';
import { StorefrontClientUrls } from '../constructs/frontend/storefront-client-urls';
import { StorefrontSite } from '../constructs/frontend/storefront-site';
import { ApiStack } from './api-stack';

export interface FrontendStackProps extends StackProps {
  readonly profile: Profile;
  readonly api: ApiStack;
  /** The EdgeSecurity stack's CLOUDFRONT-scope web ACL (a weak cross-region reference), when WAF is on. */
  readonly webAclArn?: string;
}

/**
 * The presentation tier: the storefront on private S3 behind CloudFront (StorefrontSite) with its
 * runtime configuration, and the storefront client's sign-in URLs pointed at the distribution
 * (StorefrontClientUrls), and the rotation of the origin secret CloudFront sends to the API
 * (OriginSecretRotation). This stack only wires them to the Api stack.
 */
export class FrontendStack extends Stack {
  readonly site: StorefrontSite;

  constructor(scope: Construct, id: string, props: FrontendStackProps) {
    super(scope, id, props);
    const { profile, api } = props;
    const { identity, restApi, originVerify } = api;
    const prefix = `securecart-${profile.name}`;
    const { removalPolicy, logRetentionDays } = profile;
    const key = new TierKey(this, 'FrontendKey', {
      aliasName: `${prefix}-frontend`,
      description: `SecureCart ${profile.name}: storefront deployment logs`,
      removalPolicy,
    });

    this.site = new StorefrontSite(this, 'Storefront', {
      prefix,
      key,
      removalPolicy,
      logRetentionDays,
      api: {
        domainName: `${restApi.api.restApiId}.execute-api.${api.region}.${Aws.URL_SUFFIX}`,
        stageName: API_STAGE_NAME,
        originHeaders: { [originVerify.headerName]: originVerify.valueByName },
      },
      runtimeConfig: {
        authority: identity.issuer,
        clientId: identity.client.userPoolClientId,
        cognitoDomain: identity.domain.baseUrl(),
      },
      webAclArn: props.webAclArn,
      customDomain: profile.frontend.customDomain,
    });
    new StorefrontClientUrls(this, 'StorefrontClientUrls', {
      identity,
      // The distribution's origin first; a profile origin equal to it (prod's custom domain) once.
      origins: [...new Set([this.site.url, ...profile.identity.storefrontOrigins])],
      key,
      logRetentionDays,
      removalPolicy,
    });

    // The origin secret rotates here, where the distribution that sends it is known (ADR 21).
    new OriginSecretRotation(this, 'OriginSecretRotation', {
      ...api.originHeaderParties,
      distributionId: this.site.distribution.distributionId,
      key,
      logRetentionDays,
      removalPolicy,
    });

    new CfnOutput(this, 'StorefrontUrl', { value: this.site.url });
    new CfnOutput(this, 'DistributionId', { value: this.site.distribution.distributionId });
    new CfnOutput(this, 'StorefrontBucketName', { value: this.site.bucket.bucketName });
  }
}
