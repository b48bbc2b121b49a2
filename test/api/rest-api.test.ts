import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CreateOrderBodySchema, HTTP_API, pathParameters, RouteContract } from '@securecart/contracts/http-api';
import { KINESIS_ROUTES } from '../../lib/constructs/api/rest-api-routes';
import * as z from '@securecart/contracts/zod';
import { PROFILES } from '../../lib/config/profiles';
import { API_AUTHORIZATION_SCOPES } from '../../lib/constructs/api/identity';
import { ORIGIN_VERIFY_HEADER } from '../../lib/constructs/api/origin-verify';
import {
  ACCOUNT_TAKEOVER_RULE_GROUP,
  MANAGED_LOGIN_PATH,
  USER_POOL_RULE_GROUPS,
} from '../../lib/constructs/api/user-pool-waf';
import { MANAGED_RULE_GROUPS } from '../../lib/constructs/waf';
import { CheckoutRestApi } from '../../lib/constructs/api/rest-api';
import { toModelSchema } from '../../lib/constructs/api/request-models';
import { TierKey } from '../../lib/constructs/encryption';
import { OpsAlarms } from '../../lib/constructs/ops-alarms';
import { listNagAcknowledgements } from '../helpers/nag';
import { scratchApps, synthesizeForFile, Synthesized } from '../helpers/synth';
import { byType, fromStack, getAtt, idOf, methods, one } from './helpers';

/** The Api stack (test/api/): the REST API (its methods are HTTP_API's) and the REGIONAL WAF. */
describe('Api stack', () => {
  const { sandbox, prod } = synthesizeForFile(['sandbox', 'prod']);
  const scratchApp = scratchApps();

  describe('REST API', () => {
    test('regional, X-Ray tracing, JSON access logs into a log group encrypted with the Api key', () => {
      for (const s of [sandbox, prod]) {
        const [, restApi] = one(s, 'AWS::ApiGateway::RestApi');
        expect(restApi.Properties.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
        const [, stage] = one(s, 'AWS::ApiGateway::Stage');
        expect(stage.Properties.TracingEnabled).toBe(true);
        const logGroupId = idOf(s, 'AWS::Logs::LogGroup', 'RestApi/AccessLogs');
        expect(JSON.stringify(stage.Properties.AccessLogSetting.DestinationArn)).toContain(logGroupId);
        const format = JSON.parse(stage.Properties.AccessLogSetting.Format);
        expect(format).toMatchObject({
          requestId: '$context.requestId',
          status: '$context.status',
          ip: '$context.identity.sourceIp',
          integrationLatency: '$context.integrationLatency',
          sub: '$context.authorizer.claims.sub',
          xrayTraceId: '$context.xrayTraceId',
        });
        const [, logGroup] = one(s, 'AWS::Logs::LogGroup', 'RestApi/AccessLogs');
        expect(logGroup.Properties.KmsKeyId).toEqual(getAtt(idOf(s, 'AWS::KMS::Key', 'ApiKey'), 'Arn'));
      }
    });

    test('every route the service serves but the internal ones, and only those; cart and orders behind the Cognito authorizer', () => {
      for (const s of [sandbox, prod]) {
        const found = methods(s);
        expect(Object.keys(found).sort()).toEqual(
          Object.values(HTTP_API)
            .filter((r: RouteContract) => r.access !== 'internal')
            .map((r) => `${r.method} ${r.path}`)
            .sort(),
        );
        const [authorizerId, authorizer] = one(s, 'AWS::ApiGateway::Authorizer');
        expect(authorizer.Properties).toMatchObject({
          Type: 'COGNITO_USER_POOLS',
          IdentitySource: 'method.request.header.Authorization',
          ProviderARNs: [getAtt(idOf(s, 'AWS::Cognito::UserPool', ''), 'Arn')],
        });
        const customer = [
          'GET /api/cart',
          'PUT /api/cart',
          'GET /api/orders',
          'POST /api/orders',
          'GET /api/orders/{id}',
        ];
        for (const [key, m] of Object.entries(found)) {
          if (customer.includes(key)) {
            expect({
              key,
              auth: m.AuthorizationType,
              authorizer: m.AuthorizerId,
              scopes: m.AuthorizationScopes,
            }).toEqual({ key, auth: 'COGNITO_USER_POOLS', authorizer: { Ref: authorizerId }, scopes: ['openid'] });
          } else {
            expect(key).toMatch(
              /^(GET \/api\/(products|recommendations\/popular|health\/(live|ready))|POST \/api\/events$)/,
            );
            expect({ key, auth: m.AuthorizationType, authorizer: m.AuthorizerId }).toEqual({
              key,
              auth: 'NONE',
              authorizer: undefined,
            });
          }
        }
      }
    });

    test('the methods are HTTP_API exactly: path, method, Cognito for customer, none for public; models from bodyModel', () => {
      for (const s of [sandbox, prod]) {
        const [authorizerId] = one(s, 'AWS::ApiGateway::Authorizer');
        const models = Object.fromEntries(byType(s, 'AWS::ApiGateway::Model').map(([id, m]) => [id, m.Properties]));
        const model = (m: any) => {
          const ref = m.RequestModels?.['application/json']?.Ref;
          return ref === undefined ? undefined : { name: models[ref].Name, schema: models[ref].Schema };
        };
        const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
        const deployed = Object.entries(methods(s))
          .map(([key, m]) => ({
            key,
            authorization: m.AuthorizationType,
            authorizer: m.AuthorizerId,
            scopes: m.AuthorizationScopes,
            parameters: m.RequestParameters,
            model: model(m),
          }))
          .sort(byKey);
        // Internal routes (VPC only) are never on the gateway; there is at least one to check.
        const internal = Object.values(HTTP_API).filter((route: RouteContract) => route.access === 'internal');
        expect(internal.length).toBeGreaterThan(0);
        for (const route of internal) expect(Object.keys(methods(s))).not.toContain(`${route.method} ${route.path}`);
        const contract = Object.values(HTTP_API)
          .filter((route: RouteContract) => route.access !== 'internal')
          .map((route: RouteContract) => {
            const customer = route.access === 'customer';
            return {
              key: `${route.method} ${route.path}`,
              authorization: customer ? 'COGNITO_USER_POOLS' : 'NONE',
              authorizer: customer ? { Ref: authorizerId } : undefined,
              scopes: customer ? API_AUTHORIZATION_SCOPES : undefined,
              // The origin header and the path parameters; no other required parameter.
              parameters: {
                [`method.request.header.${ORIGIN_VERIFY_HEADER}`]: true,
                ...Object.fromEntries(pathParameters(route.path).map((p) => [`method.request.path.${p}`, true])),
              },
              model: route.bodyModel && {
                name: route.bodyModel.name,
                schema: toModelSchema(route.bodyModel.schema),
              },
            };
          })
          .sort(byKey);
        expect(deployed).toEqual(contract);
      }
    });

    test('every method but the kinesis ones: HTTP_PROXY over the VPC link v2 to the internal ALB, passing its path and API Gateway’s request id', () => {
      const s = sandbox;
      const linkId = idOf(s, 'AWS::ApiGatewayV2::VpcLink', '');
      const albId = idOf(s, 'AWS::ElasticLoadBalancingV2::LoadBalancer', '');
      const kinesisRoutes = KINESIS_ROUTES.map((r) => `${r.method} ${r.path}`);
      expect(kinesisRoutes).toEqual(['POST /api/events']);
      for (const [key, m] of Object.entries(methods(s))) {
        if (kinesisRoutes.includes(key)) continue; // test/api/clickstream-route.test.ts
        const [verb, path] = key.split(' ');
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((x) => x[1]);
        expect({ key, integration: m.Integration }).toEqual({
          key,
          integration: expect.objectContaining({
            Type: 'HTTP_PROXY',
            IntegrationHttpMethod: verb,
            ConnectionType: 'VPC_LINK',
            ConnectionId: { Ref: linkId },
            IntegrationTarget: { Ref: albId },
            Uri: { 'Fn::Join': ['', ['http://', getAtt(albId, 'DNSName'), path]] },
            RequestParameters: {
              ...Object.fromEntries(params.map((p) => [`integration.request.path.${p}`, `method.request.path.${p}`])),
              // The service's request id is API Gateway's, whatever x-request-id a client sent.
              'integration.request.header.x-request-id': 'context.requestId',
            },
          }),
        });
      }
      const [, link] = one(s, 'AWS::ApiGatewayV2::VpcLink');
      expect(link.Properties.SubnetIds).toEqual([
        fromStack('SecureCart-sandbox-Network', 'appSubnet1'),
        fromStack('SecureCart-sandbox-Network', 'appSubnet2'),
      ]);
    });

    test('prod: every integration is https:// to the internal name, so API Gateway verifies the ALB certificate for it', () => {
      const { domainName } = prod.profile.api.internalDomain!;
      const albId = idOf(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer', '');
      const all = Object.entries(methods(prod)).filter(([key]) => key !== 'POST /api/events');
      expect(all.length).toBeGreaterThan(3);
      for (const [key, m] of all) {
        const path = key.split(' ')[1];
        expect({ key, uri: m.Integration.Uri, target: m.Integration.IntegrationTarget }).toEqual({
          key,
          uri: `https://${domainName}${path}`,
          target: { Ref: albId },
        });
        // No way to skip verification: REST API integrations take the name from the URI.
        expect(m.Integration.TlsConfig).toBeUndefined();
      }
    });

    test('every method requires the origin header; only POST /api/orders and POST /api/events validate a body, against the contract', () => {
      const s = sandbox;
      const validators = Object.fromEntries(
        byType(s, 'AWS::ApiGateway::RequestValidator').map(([id, v]) => [id, v.Properties]),
      );
      for (const [key, m] of Object.entries(methods(s))) {
        expect(m.RequestParameters[`method.request.header.${ORIGIN_VERIFY_HEADER}`]).toBe(true);
        const validator = validators[m.RequestValidatorId.Ref];
        expect({ key, validator }).toEqual({
          key,
          validator: expect.objectContaining({
            ValidateRequestParameters: true,
            ValidateRequestBody: key === 'POST /api/orders' || key === 'POST /api/events',
          }),
        });
      }
      const [modelId, model] = one(s, 'AWS::ApiGateway::Model', 'CreateOrderRequest');
      expect(methods(s)['POST /api/orders'].RequestModels).toEqual({ 'application/json': { Ref: modelId } });
      expect(model.Properties.ContentType).toBe('application/json');
      // The same JSON Schema as the body schema the service validates (the contract's, HTTP_API.createOrder.body).
      expect(model.Properties.Schema).toEqual(z.toJSONSchema(CreateOrderBodySchema, { target: 'draft-4' }));
      expect(model.Properties.Schema).toMatchObject({
        $schema: 'http://json-schema.org/draft-04/schema#',
        additionalProperties: false,
        required: ['items', 'shippingAddress', 'payment'],
      });
    });

    test('stage throttling from the profile, and a lower limit on POST /api/orders', () => {
      for (const s of [sandbox, prod]) {
        const { throttle, createOrderThrottle } = s.profile.api;
        expect(createOrderThrottle.rateLimit).toBeLessThan(throttle.rateLimit);
        const [, stage] = one(s, 'AWS::ApiGateway::Stage');
        expect(stage.Properties.MethodSettings).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              HttpMethod: '*',
              ResourcePath: '/*',
              ThrottlingRateLimit: throttle.rateLimit,
              ThrottlingBurstLimit: throttle.burstLimit,
            }),
            expect.objectContaining({
              HttpMethod: 'POST',
              ResourcePath: '/~1api~1orders',
              ThrottlingRateLimit: createOrderThrottle.rateLimit,
              ThrottlingBurstLimit: createOrderThrottle.burstLimit,
            }),
          ]),
        );
      }
    });

    test('a change of VPC link redeploys the stage (the escape-hatch settings are in the deployment id)', () => {
      const deploymentId = (appSubnets: boolean) => {
        const app = scratchApp();
        const stack = new Stack(app, 'Scratch');
        const vpc = new ec2.Vpc(stack, 'Vpc', {
          subnetConfiguration: [
            { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
            { name: 'other', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
            { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
          ],
        });
        const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
        const key = new TierKey(stack, 'Key', {
          aliasName: 'k',
          description: 'k',
          removalPolicy: RemovalPolicy.DESTROY,
        });
        new CheckoutRestApi(stack, 'RestApi', {
          prefix: 'p',
          profileName: 'p',
          vpc,
          subnets: { subnetGroupName: appSubnets ? 'app' : 'other' },
          loadBalancer,
          listenerPort: 80,
          integrationOrigin: `http://${loadBalancer.loadBalancerDnsName}`,
          userPool: new cognito.UserPool(stack, 'Pool'),
          throttle: { rateLimit: 10, burstLimit: 10 },
          createOrderThrottle: { rateLimit: 1, burstLimit: 1 },
          clickstream: {
            stream: new kinesis.Stream(stack, 'Clickstream', { encryption: kinesis.StreamEncryption.KMS }),
            putThrottle: { rateLimit: 1, burstLimit: 1 },
          },
          key,
          alarms: new OpsAlarms(stack, 'Alarms', { topicName: 't', masterKey: new kms.Key(stack, 'TopicKey') }),
          logRetentionDays: 1,
          removalPolicy: RemovalPolicy.DESTROY,
        });
        return Object.keys(Template.fromStack(stack).findResources('AWS::ApiGateway::Deployment'))[0];
      };
      expect(deploymentId(true)).toBe(deploymentId(true));
      expect(deploymentId(true)).not.toBe(deploymentId(false));
    });
  });

  describe('REGIONAL WAF', () => {
    test('prod: origin header, per-client rate limit and the AWS managed rule groups, on the stage', () => {
      const [aclId, acl] = one(prod, 'AWS::WAFv2::WebACL', 'RegionalWaf');
      expect(acl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
      const rules = acl.Properties.Rules;
      const secretId = idOf(prod, 'AWS::SecretsManager::Secret', 'OriginVerify');
      expect(rules[0]).toMatchObject({
        Name: 'OriginVerifyHeader',
        Action: { Block: {} },
        Statement: {
          NotStatement: {
            Statement: {
              ByteMatchStatement: {
                FieldToMatch: { SingleHeader: { Name: ORIGIN_VERIFY_HEADER } },
                PositionalConstraint: 'EXACTLY',
                SearchString: {
                  'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
                },
              },
            },
          },
        },
      });
      expect(rules[1]).toMatchObject({
        Action: { Block: {} },
        Statement: {
          RateBasedStatement: {
            Limit: PROFILES.prod.api.wafRateLimitPer5Min,
            AggregateKeyType: 'FORWARDED_IP',
            ForwardedIPConfig: { HeaderName: 'X-Forwarded-For' },
          },
        },
      });
      const managed = rules
        .map((r: any) => r.Statement.ManagedRuleGroupStatement)
        .filter(Boolean)
        .map((m: any) => `${m.VendorName}/${m.Name}`);
      expect(managed.sort()).toEqual(MANAGED_RULE_GROUPS.map((n) => `AWS/${n}`).sort());
      expect(managed).toEqual(
        expect.arrayContaining([
          'AWS/AWSManagedRulesCommonRuleSet',
          'AWS/AWSManagedRulesKnownBadInputsRuleSet',
          'AWS/AWSManagedRulesSQLiRuleSet',
          'AWS/AWSManagedRulesAmazonIpReputationList',
        ]),
      );
      const [, association] = one(prod, 'AWS::WAFv2::WebACLAssociation', 'RegionalWaf');
      expect(association.Properties.WebACLArn).toEqual(getAtt(aclId, 'Arn'));
      const stageId = idOf(prod, 'AWS::ApiGateway::Stage', '');
      expect(JSON.stringify(association.Properties.ResourceArn)).toContain(`{"Ref":"${stageId}"}`);
      const [, logging] = one(prod, 'AWS::WAFv2::LoggingConfiguration', 'RegionalWaf');
      expect(logging.Properties.RedactedFields).toEqual(
        expect.arrayContaining([{ SingleHeader: { Name: ORIGIN_VERIFY_HEADER } }]),
      );
      expect(JSON.stringify(logging.Properties.LogDestinationConfigs)).toContain('log-group:aws-waf-logs-');
    });

    test('prod: a REGIONAL web ACL on the user pool, managed rules and account takeover prevention on managed login', () => {
      const [aclId, acl] = one(prod, 'AWS::WAFv2::WebACL', 'UserPoolWaf');
      expect(acl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
      const groups = acl.Properties.Rules.map((r: any) => r.Statement.ManagedRuleGroupStatement);
      expect(groups.map((g: any) => `${g.VendorName}/${g.Name}`)).toEqual(
        [...USER_POOL_RULE_GROUPS, ACCOUNT_TAKEOVER_RULE_GROUP].map((n) => `AWS/${n}`),
      );
      expect(USER_POOL_RULE_GROUPS).toEqual(
        expect.arrayContaining([
          'AWSManagedRulesCommonRuleSet',
          'AWSManagedRulesKnownBadInputsRuleSet',
          'AWSManagedRulesAmazonIpReputationList',
        ]),
      );
      // Rule groups only count or block as AWS made them (no override to COUNT).
      for (const rule of acl.Properties.Rules) expect(rule.OverrideAction).toEqual({ None: {} });
      expect(groups.at(-1).ManagedRuleGroupConfigs).toEqual([
        {
          AWSManagedRulesATPRuleSet: {
            LoginPath: MANAGED_LOGIN_PATH,
            RequestInspection: {
              PayloadType: 'FORM_ENCODED',
              UsernameField: { Identifier: 'username' },
              PasswordField: { Identifier: 'password' },
            },
          },
        },
      ]);
      expect(PROFILES.prod.identity).toMatchObject({ waf: true, accountTakeoverProtection: true });
      const [, association] = one(prod, 'AWS::WAFv2::WebACLAssociation', 'UserPoolWaf');
      expect(association.Properties).toEqual({
        WebACLArn: getAtt(aclId, 'Arn'),
        ResourceArn: getAtt(idOf(prod, 'AWS::Cognito::UserPool', 'Identity/UserPool'), 'Arn'),
      });
      const [, logging] = one(prod, 'AWS::WAFv2::LoggingConfiguration', 'UserPoolWaf');
      expect(logging.Properties.RedactedFields).toEqual([
        { SingleHeader: { Name: 'authorization' } },
        { SingleHeader: { Name: 'cookie' } },
      ]);
      const [, logs] = one(prod, 'AWS::Logs::LogGroup', 'UserPoolWaf');
      expect(logs.Properties).toMatchObject({ LogGroupName: 'aws-waf-logs-securecart-prod-user-pool' });
      expect(logs.Properties.KmsKeyId).toEqual(getAtt(idOf(prod, 'AWS::KMS::Key', 'ApiKey'), 'Arn'));
    });

    test('sandbox runs no WAF (cost); the stage says why at the resource', () => {
      expect(byType(sandbox, 'AWS::WAFv2::WebACL')).toEqual([]);
      expect(byType(sandbox, 'AWS::WAFv2::WebACLAssociation')).toEqual([]);
      expect(PROFILES.sandbox.api.waf).toBe(false);
      expect(PROFILES.prod.api.waf).toBe(true);
      // The reason sits on the stage itself (a cdk-nag acknowledgement), and only where there is no WAF.
      const noWafReasons = (s: Synthesized) =>
        listNagAcknowledgements(s.stacks.api!).filter((a) => a.rule === 'AwsSolutions-APIG3');
      expect(noWafReasons(sandbox)).toEqual([
        {
          path: expect.stringMatching(/\/RestApi\/.*DeploymentStage\.live$/),
          rule: 'AwsSolutions-APIG3',
          reason: expect.stringContaining('runs no REGIONAL WAF'),
        },
      ]);
      expect(noWafReasons(prod)).toEqual([]);
    });
  });
});
