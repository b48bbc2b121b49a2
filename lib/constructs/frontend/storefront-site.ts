import { CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import csp from '@securecart/contracts/csp.json';
import { TierKey } from '../encryption';
import { acknowledge, nagAssetBucketObjects } from '../nag';
import { SPA_ROUTING_FUNCTION_CODE } from './spa-routing';
import { STOREFRONT_PLACEHOLDER, storefrontBuild } from './storefront-build';

export interface StorefrontSiteProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  /** Encrypts the deployment function's logs. */
  readonly key: TierKey;
  readonly removalPolicy: RemovalPolicy;
  /** Days CloudFront access logs are kept. */
  readonly logRetentionDays: number;
  /** The REST API behind `/api/*`: its execute-api host, its stage, and headers only CloudFront sends. */
  readonly api: {
    readonly domainName: string;
    readonly stageName: string;
    readonly originHeaders: Record<string, string>;
  };
  /** The storefront's runtime configuration, written as `/config.json` (web/README.md). */
  readonly runtimeConfig: Record<string, string>;
  /** The CLOUDFRONT-scope web ACL (EdgeSecurity stack, us-east-1), where the profile enables WAF. */
  readonly webAclArn?: string;
  /** Serve on this domain with this us-east-1 certificate, TLS 1.2 or later only. */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
}

/**
 * The presentation tier: the storefront build in a private S3 bucket (origin access control),
 * served by CloudFront over HTTPS (HTTP/2 and HTTP/3) with HSTS and the storefront's
 * Content-Security-Policy (contracts/csp.json); SPA routes rewritten to /index.html by a viewer-request
 * function on the default behaviour; `/api/*` forwarded to the REST API without `Host`, cached
 * only where the API says so (`Cache-Control`); access logs to their own bucket.
 */
export class StorefrontSite extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly bucket: s3.Bucket;
  /** `https://<domain>`: where customers shop, and the callback origin for sign-in. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: StorefrontSiteProps) {
    super(scope, id);
    const autoDelete = props.removalPolicy === RemovalPolicy.DESTROY;
    const logs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // CloudFront standard logs are delivered with an ACL grant.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(Math.max(props.logRetentionDays, 1)) }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: autoDelete,
    });
    acknowledge(logs, {
      'AwsSolutions-S1':
        'This bucket receives the CloudFront access logs; logging its own access would only log the log deliveries.',
    });
    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 's3/',
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: autoDelete,
    });

    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'SecureCart storefront: HSTS, CSP and friends',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentSecurityPolicy: { contentSecurityPolicy: csp.contentSecurityPolicy, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
    });
    const spaRouting = new cloudfront.Function(this, 'SpaRouting', {
      code: cloudfront.FunctionCode.fromInline(SPA_ROUTING_FUNCTION_CODE),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'SPA routes to /index.html (default behaviour only)',
    });
    // Nothing is cached unless the API sends Cache-Control (defaultTtl 0). Authorization is part
    // of the key (so it is forwarded); an origin request policy cannot forward it.
    const apiCache = new cloudfront.CachePolicy(this, 'ApiCache', {
      comment: 'SecureCart /api/*: cache only what the API marks cacheable',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.minutes(5),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${props.prefix} storefront`,
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      webAclId: props.webAclArn,
      ...(props.customDomain
        ? {
            domainNames: [props.customDomain.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            // SNI (no dedicated IP addresses, which CloudFront bills monthly): every current client sends it.
            sslSupportMethod: cloudfront.SSLMethod.SNI,
          }
        : {}),
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: securityHeaders,
        functionAssociations: [{ function: spaRouting, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new origins.HttpOrigin(props.api.domainName, {
            originPath: `/${props.api.stageName}`,
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
            customHeaders: props.api.originHeaders,
          }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
          cachePolicy: apiCache,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: securityHeaders,
        },
      },
    });
    this.url = `https://${props.customDomain?.domainName ?? this.distribution.distributionDomainName}`;
    if (!props.customDomain) {
      acknowledge(this.distribution, {
        'AwsSolutions-CFR4':
          "Without a custom domain CloudFront serves *.cloudfront.net with its default certificate, whose security policy it does not let us raise; viewers still connect over HTTPS only. A profile's customDomain enables TLS 1.2 or later (README, Frontend).",
      });
    }
    if (!props.webAclArn) {
      acknowledge(this.distribution, {
        'AwsSolutions-CFR2':
          'This profile disables WAF to stay cheap (a web ACL costs a monthly fee plus rules); prod attaches the EdgeSecurity web ACL.',
      });
    }
    acknowledge(this.distribution, {
      'AwsSolutions-CFR1':
        'The storefront sells to every country; a geo restriction would be a business decision, not a default.',
    });

    // The build (cached by content, storefront-build.ts) and this deployment's config.json.
    const build = Stack.of(this).bundlingRequired ? storefrontBuild() : STOREFRONT_PLACEHOLDER;
    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [s3deploy.Source.asset(build), s3deploy.Source.jsonData('config.json', props.runtimeConfig)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      // Assets are content-hashed and immutable: only the entry points need invalidating.
      distributionPaths: ['/index.html', '/config.json'],
      // Keep earlier builds' assets: a browser holding an older index.html still finds its chunks.
      prune: false,
      memoryLimit: 512,
      logGroup: props.key.logGroup(this, 'DeployLogs', {
        retentionDays: props.logRetentionDays,
        removalPolicy: props.removalPolicy,
      }),
    });
    this.acknowledgeDeployment(deployment);
  }

  /** What BucketDeployment's library-owned function (one per stack, at its root) is granted. */
  private acknowledgeDeployment(deployment: s3deploy.BucketDeployment) {
    const fn = Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    const policy = deployment.handlerRole.node.tryFindChild('DefaultPolicy');
    if (!fn || !policy) throw new Error('BucketDeployment changed shape: review its cdk-nag acknowledgements');
    const copy = 'BucketDeployment copies the build from the CDK asset bucket into the site bucket (its own grant)';
    acknowledge(policy, {
      'AwsSolutions-IAM5[Action::s3:GetBucket*]': `${copy}.`,
      'AwsSolutions-IAM5[Action::s3:GetObject*]': `${copy}.`,
      'AwsSolutions-IAM5[Action::s3:List*]': `${copy}.`,
      'AwsSolutions-IAM5[Action::s3:Abort*]': `${copy}: multipart uploads into the site bucket.`,
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]': `${copy}: replacing objects in the site bucket.`,
      [`AwsSolutions-IAM5[Resource::${nagAssetBucketObjects(this)}]`]: `${copy}: read from content-hash keys.`,
      [`AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>/*]`]: `${copy}: every object of this site bucket, and nothing else.`,
      'AwsSolutions-IAM5[Resource::*]':
        'cloudfront:CreateInvalidation and GetInvalidation as BucketDeployment grants them, to invalidate /index.html and /config.json after a deployment.',
    });
    acknowledge(deployment.handlerRole, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        "AWS-managed policy that only lets BucketDeployment's function write its own CloudWatch Logs.",
    });
    acknowledge(fn.node.defaultChild ?? fn, {
      'AwsSolutions-L1':
        "BucketDeployment's function runtime (with the AWS CLI layer) is chosen by aws-cdk-lib and moves with its releases.",
    });
  }
}
