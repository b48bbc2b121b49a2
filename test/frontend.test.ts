import { Template } from 'aws-cdk-lib/assertions';
import csp from '@securecart/contracts/csp.json';
import { SPA_ROUTING_FUNCTION_CODE } from '../lib/constructs/frontend/spa-routing';
import { STOREFRONT_PATHS } from '../lib/constructs/api/identity';
import { synthesizeForFile } from './helpers/synth';
import { BLOCK_ALL_PUBLIC_ACCESS, ofType as resourcesOfType, Resources, resourcesOf } from './helpers/template';

/** Runs the CloudFront Function's code (cloudfront-js-2.0 is plain ES5 here) on a viewer request. */
function routeRequest(uri: string): string {
  const handler = new Function(`${SPA_ROUTING_FUNCTION_CODE}; return handler;`)() as (event: any) => { uri: string };
  return handler({ request: { uri, method: 'GET', headers: {} } }).uri;
}

describe('SPA routing function', () => {
  test.each([
    ['/', '/index.html'],
    ['/cart', '/index.html'],
    ['/orders/o-123', '/index.html'],
    ['/auth/callback', '/index.html'],
    ['/assets/index-abc123.js', '/assets/index-abc123.js'],
    ['/config.json', '/config.json'],
    ['/favicon.svg', '/favicon.svg'],
    ['/v1.2/products', '/index.html'],
  ])('%s → %s', (uri, expected) => {
    expect(routeRequest(uri)).toBe(expected);
  });
});

describe.each([['sandbox'], ['prod']] as const)('Frontend stack, profile %s', (profileName) => {
  const synth = synthesizeForFile([profileName])[profileName];
  let t: Template;
  let resources: Resources;
  let distribution: any;
  beforeAll(() => {
    t = synth.template(synth.stacks.frontend!);
    resources = resourcesOf(t);
    distribution = Object.values(resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties
      .DistributionConfig;
  });
  const ofType = (type: string) => resourcesOfType(resources, type);
  const apiBehavior = () => distribution.CacheBehaviors.find((b: any) => b.PathPattern === '/api/*');

  test('the site bucket is private, TLS-only, versioned, and read by CloudFront through origin access control', () => {
    const [siteId, site] = ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('StorefrontSite'))!;
    expect(site.Properties).toMatchObject({
      PublicAccessBlockConfiguration: BLOCK_ALL_PUBLIC_ACCESS,
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: expect.objectContaining({ LogFilePrefix: 's3/' }),
    });
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === siteId)![1];
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' } }),
      ]),
    );
    expect(JSON.stringify(statements)).not.toMatch(/"Principal":"\*"[^}]*"Effect":"Allow"/);
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    expect(distribution.Origins[0].S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
  });

  test('HTTPS only, HTTP/2 and 3, access logs, SPA routing on the default behaviour only', () => {
    expect(distribution).toMatchObject({
      HttpVersion: 'http2and3',
      DefaultRootObject: 'index.html',
      Logging: expect.objectContaining({ Prefix: 'cloudfront/' }),
      DefaultCacheBehavior: expect.objectContaining({ ViewerProtocolPolicy: 'redirect-to-https' }),
    });
    expect(distribution.CustomErrorResponses).toBeUndefined(); // they would rewrite API errors too
    expect(distribution.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: expect.anything() },
    ]);
    expect(apiBehavior().FunctionAssociations).toBeUndefined();
    expect(apiBehavior().ViewerProtocolPolicy).toBe('https-only');
    const [, fn] = ofType('AWS::CloudFront::Function')[0];
    expect(fn.Properties.FunctionCode).toBe(SPA_ROUTING_FUNCTION_CODE);
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
  });

  test('responses carry HSTS and exactly the Content-Security-Policy the storefront is built for', () => {
    const [, policy] = ofType('AWS::CloudFront::ResponseHeadersPolicy')[0];
    const headers = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(headers.ContentSecurityPolicy).toEqual({ ContentSecurityPolicy: csp.contentSecurityPolicy, Override: true });
    expect(headers.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 63_072_000, Override: true });
    expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    const policyRef = { Ref: expect.stringMatching(/^StorefrontSecurityHeaders/) };
    expect(distribution.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual(policyRef);
    expect(apiBehavior().ResponseHeadersPolicyId).toEqual(policyRef);
  });

  test('/api/* goes to the REST API stage with the origin secret, without Host, cached only where the API says', () => {
    const behavior = apiBehavior();
    // Managed policy "AllViewerExceptHostHeader".
    expect(behavior.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
    expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']);
    const [, cache] = ofType('AWS::CloudFront::CachePolicy')[0];
    expect(cache.Properties.CachePolicyConfig).toMatchObject({
      DefaultTTL: 0,
      MinTTL: 0,
      ParametersInCacheKeyAndForwardedToOrigin: expect.objectContaining({
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
        QueryStringsConfig: { QueryStringBehavior: 'all' },
      }),
    });
    const origin = distribution.Origins.find((o: any) => o.Id === behavior.TargetOriginId);
    expect(origin).toMatchObject({
      OriginPath: '/live',
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
      OriginCustomHeaders: [
        {
          HeaderName: 'x-origin-verify',
          HeaderValue: `{{resolve:secretsmanager:securecart/${profileName}/api/origin-verify:SecretString:::}}`,
        },
      ],
    });
    expect(JSON.stringify(origin.DomainName)).toMatch(/execute-api\.eu-west-1\./);
  });

  test('the edge web ACL is attached across regions by a weak reference exactly where the profile enables WAF', () => {
    if (profileName === 'prod') {
      expect(distribution.WebACLId).toEqual({
        'Fn::GetStackOutput': expect.objectContaining({
          StackName: 'SecureCart-prod-EdgeSecurity',
          Region: 'us-east-1',
        }),
      });
      const edge = resourcesOf(synth.template(synth.stacks.edgeSecurity!));
      const acl = Object.values(edge).find((r) => r.Type === 'AWS::WAFv2::WebACL')!;
      expect(acl.Properties).toMatchObject({
        Scope: 'CLOUDFRONT',
        Rules: expect.arrayContaining([
          expect.objectContaining({
            Name: 'RatePerViewerIp',
            Statement: { RateBasedStatement: expect.objectContaining({ AggregateKeyType: 'IP' }) },
          }),
          expect.objectContaining({ Name: 'AWSManagedRulesSQLiRuleSet' }),
        ]),
      });
      expect(synth.stacks.edgeSecurity!.region).toBe('us-east-1');
    } else {
      expect(distribution.WebACLId).toBeUndefined();
      expect(synth.stacks.edgeSecurity).toBeUndefined();
    }
  });

  test('the build and this deployment’s config.json are deployed, and only the entry points invalidated', () => {
    const [, deploy] = ofType('Custom::CDKBucketDeployment')[0];
    expect(deploy.Properties).toMatchObject({ Prune: false, DistributionPaths: ['/index.html', '/config.json'] });
    expect(deploy.Properties.SourceObjectKeys).toHaveLength(2); // the build and config.json
    // config.json's values come from the Api stack: the issuer, the storefront client and the login domain.
    const markers = JSON.stringify(deploy.Properties.SourceMarkers);
    for (const output of [/UserPool\w*ProviderURL/, /UserPoolStorefrontClient/, /UserPoolDomain/]) {
      expect(markers).toMatch(output);
    }
  });

  test('the storefront client is pointed at the distribution with every client setting', () => {
    const [, update] = ofType('Custom::AWS')[0];
    const create = JSON.stringify(update.Properties.Create);
    expect(create).toContain('updateUserPoolClient');
    expect(create).toContain(STOREFRONT_PATHS.callback);
    expect(create).toContain('AllowedOAuthFlows');
    if (profileName === 'prod') {
      // The custom domain's origin, once; no loopback callback or sign-out URL (validateProfile refuses one).
      expect(create).toContain(
        JSON.stringify('"CallbackURLs":["https://shop.example.com/auth/callback"]').slice(1, -1),
      );
      expect(create).toContain(JSON.stringify('"LogoutURLs":["https://shop.example.com/signed-out"]').slice(1, -1));
      expect(create).not.toMatch(/localhost|127\.0\.0\.1|\[::1\]/);
    } else {
      expect(create).toContain('http://localhost:5173');
    }
  });

  test('prod serves its custom domain with its ACM certificate, TLSv1.2_2021 and SNI; sandbox the default certificate', () => {
    if (profileName === 'prod') {
      expect(distribution.Aliases).toEqual(['shop.example.com']);
      expect(distribution.ViewerCertificate).toEqual({
        AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
        MinimumProtocolVersion: 'TLSv1.2_2021',
        SslSupportMethod: 'sni-only',
      });
    } else {
      expect(distribution.Aliases).toBeUndefined();
      expect(distribution.ViewerCertificate).toBeUndefined();
    }
  });
});
