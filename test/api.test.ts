import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AGENT_ENV, CHECKOUT_ENV, XRAY_ENV } from '@securecart/contracts/env';
import { CreateOrderBodySchema, HTTP_API, pathParameters, RouteContract } from '@securecart/contracts/http-api';
import * as z from '@securecart/contracts/zod';
import { PROFILES } from '../lib/config/profiles';
import {
  AGENT_PORTS,
  CHECKOUT_CONTAINER_PORT,
  CLOUDWATCH_AGENT_CONFIG,
  CLOUDWATCH_AGENT_IMAGE,
  DATABASE_USER,
} from '../lib/constructs/api/checkout-service';
import { bootstrapSql, BOOTSTRAP_IMAGE } from '../lib/constructs/api/database-user-bootstrap';
import { API_AUTHORIZATION_SCOPES, Identity, spaClientSettings, storefrontUrls } from '../lib/constructs/api/identity';
import { ORIGIN_VERIFY_HEADER } from '../lib/constructs/api/origin-verify';
import { MANAGED_RULE_GROUPS } from '../lib/constructs/waf';
import { CheckoutRestApi } from '../lib/constructs/api/rest-api';
import { toModelSchema } from '../lib/constructs/api/request-models';
import { TierKey } from '../lib/constructs/encryption';
import { OpsAlarms } from '../lib/constructs/ops-alarms';
import { loadConfig } from '../services/checkout-api/src/config';
import { parseAgentEndpoint } from '../services/checkout-api/src/metrics';
import { listNagAcknowledgements } from './helpers/nag';
import { scratchApps, synthesizeForFile, Synthesized } from './helpers/synth';
import { BLOCK_ALL_PUBLIC_ACCESS, ofType, oneAtPath, resourcesOf } from './helpers/template';

const ROOT = join(__dirname, '..');

describe('Api stack', () => {
  const { sandbox, prod, localstack } = synthesizeForFile(['sandbox', 'prod', 'localstack']);
  const scratchApp = scratchApps();

  const api = (s: Synthesized) => s.template(s.stacks.api!);
  const byType = (s: Synthesized, type: string) => ofType(resourcesOf(api(s)), type);
  const one = (s: Synthesized, type: string, pathFragment = '') => oneAtPath(resourcesOf(api(s)), type, pathFragment);
  const idOf = (s: Synthesized, type: string, pathFragment: string) => one(s, type, pathFragment)[0];
  const getAtt = (id: string, attr: string) => ({ 'Fn::GetAtt': [id, attr] });
  /** A cross-stack reference (weak: Fn::GetStackOutput) to an output whose name contains `fragment`. */
  const fromStack = (stack: string, fragment: string) => ({
    'Fn::GetStackOutput': expect.objectContaining({ StackName: stack, OutputName: expect.stringContaining(fragment) }),
  });

  /** Methods as "GET /api/products/{id}" → CloudFormation properties. */
  const methods = (s: Synthesized) =>
    Object.fromEntries(
      byType(s, 'AWS::ApiGateway::Method').map(([, r]) => {
        const path = /\/Default(\/.*)\/(GET|PUT|POST)\/Resource$/.exec(r.Metadata['aws:cdk:path'])!;
        return [`${path[2]} ${path[1]}`, r.Properties];
      }),
    );
  const policyActions = (s: Synthesized, roleId: string) =>
    byType(s, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

  test('is SecureCart-<profile>-Api; the localstack profile has none', () => {
    expect(sandbox.stacks.api!.stackName).toBe('SecureCart-sandbox-Api');
    expect(prod.stacks.api!.stackName).toBe('SecureCart-prod-Api');
    expect(localstack.stacks.api).toBeUndefined();
    expect(localstack.app.node.tryFindChild('SecureCart-localstack-Api')).toBeUndefined();
  });

  describe('identity', () => {
    test('user pool: e-mail sign-in, self sign-up with a verification code, strong passwords, optional TOTP', () => {
      for (const s of [sandbox, prod]) {
        const [, pool] = one(s, 'AWS::Cognito::UserPool');
        expect(pool.Properties).toMatchObject({
          UsernameAttributes: ['email'],
          AutoVerifiedAttributes: ['email'],
          AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
          VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_CODE' },
          Policies: {
            PasswordPolicy: {
              MinimumLength: 12,
              RequireLowercase: true,
              RequireUppercase: true,
              RequireNumbers: true,
              RequireSymbols: true,
            },
          },
          MfaConfiguration: 'OPTIONAL',
          EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
          AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
        });
      }
    });

    test('threat protection (Plus plan, enforced) and deletion protection in prod only', () => {
      const [, prodPool] = one(prod, 'AWS::Cognito::UserPool');
      expect(prodPool.Properties).toMatchObject({
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        DeletionProtection: 'ACTIVE',
      });
      const [, sandboxPool] = one(sandbox, 'AWS::Cognito::UserPool');
      expect(sandboxPool.Properties.UserPoolTier).toBe('ESSENTIALS');
      expect(sandboxPool.Properties.UserPoolAddOns).toBeUndefined();
      expect(sandboxPool.Properties.DeletionProtection).toBe('INACTIVE');
    });

    test('the storefront client: authorization code (PKCE: a public client without secret), Cognito only', () => {
      const [poolId] = one(sandbox, 'AWS::Cognito::UserPool');
      const [clientId, client] = one(sandbox, 'AWS::Cognito::UserPoolClient');
      expect(client.Properties).toMatchObject({
        UserPoolId: { Ref: poolId },
        GenerateSecret: false,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['openid', 'email'],
        SupportedIdentityProviders: ['COGNITO'],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
        // Until the Frontend stack sets its CloudFront domain: the storefront's dev server.
        CallbackURLs: ['http://localhost:5173/auth/callback'],
        LogoutURLs: ['http://localhost:5173/signed-out'],
      });
      const [, domain] = one(sandbox, 'AWS::Cognito::UserPoolDomain');
      expect(domain.Properties).toMatchObject({ ManagedLoginVersion: 2, UserPoolId: { Ref: poolId } });
      expect(JSON.stringify(domain.Properties.Domain)).toContain('AWS::AccountId');
      const [, branding] = one(sandbox, 'AWS::Cognito::ManagedLoginBranding');
      expect(branding.Properties).toMatchObject({ ClientId: { Ref: clientId }, UseCognitoProvidedValues: true });
    });

    test('spaClientSettings: the UpdateUserPoolClient request carries every setting the L2 client has', () => {
      // The Frontend stack will call UpdateUserPoolClient with these; anything missing would be reset.
      for (const origins of [['http://localhost:5173'], ['https://d111111abcdef8.cloudfront.net']]) {
        const app = scratchApp();
        const stack = new Stack(app, 'Identity');
        const identity = new Identity(stack, 'Identity', {
          prefix: 'securecart-test',
          profileName: 'test',
          threatProtection: false,
          storefrontOrigins: origins,
          deletionProtection: false,
          removalPolicy: RemovalPolicy.DESTROY,
        });
        const rendered = Object.values(Template.fromStack(stack).findResources('AWS::Cognito::UserPoolClient'))[0]
          .Properties;
        const { UserPoolId, GenerateSecret, ...settings } = rendered;
        expect({ UserPoolId, GenerateSecret }).toEqual({ UserPoolId: expect.anything(), GenerateSecret: false });
        const { updateRequest } = spaClientSettings(identity.clientName, storefrontUrls(origins));
        expect(updateRequest).toEqual(settings);
        expect(updateRequest.CallbackURLs).toEqual([`${origins[0]}/auth/callback`]);
        // What the Frontend stack's AwsCustomResource will send: the same settings, other URLs.
        const call = identity.storefrontClientUpdate(['https://d222222abcdef8.cloudfront.net']);
        expect(call).toMatchObject({ service: 'CognitoIdentityServiceProvider', action: 'updateUserPoolClient' });
        const { UserPoolId: pool, ClientId, CallbackURLs, LogoutURLs, ...rest } = call.parameters as any;
        expect(stack.resolve(pool)).toEqual(stack.resolve(identity.userPool.userPoolId));
        expect(stack.resolve(ClientId)).toEqual(stack.resolve(identity.client.userPoolClientId));
        expect({ CallbackURLs, LogoutURLs }).toEqual({
          CallbackURLs: ['https://d222222abcdef8.cloudfront.net/auth/callback'],
          LogoutURLs: ['https://d222222abcdef8.cloudfront.net/signed-out'],
        });
        const { CallbackURLs: _c, LogoutURLs: _l, ...sameSettings } = settings;
        expect(rest).toEqual(sameSettings);
      }
    });
  });

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

    test('every route the service serves, and only those; cart and orders behind the Cognito authorizer', () => {
      for (const s of [sandbox, prod]) {
        const found = methods(s);
        expect(Object.keys(found).sort()).toEqual(
          Object.values(HTTP_API)
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
            expect(key).toMatch(/^GET \/api\/(products|health\/(live|ready))/);
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
        const contract = Object.values(HTTP_API)
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

    test('every method: HTTP_PROXY over the VPC link v2 to the internal ALB, passing its path', () => {
      const s = sandbox;
      const linkId = idOf(s, 'AWS::ApiGatewayV2::VpcLink', '');
      const albId = idOf(s, 'AWS::ElasticLoadBalancingV2::LoadBalancer', '');
      for (const [key, m] of Object.entries(methods(s))) {
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
            RequestParameters: Object.fromEntries(
              params.map((p) => [`integration.request.path.${p}`, `method.request.path.${p}`]),
            ),
          }),
        });
      }
      const [, link] = one(s, 'AWS::ApiGatewayV2::VpcLink');
      expect(link.Properties.SubnetIds).toEqual([
        fromStack('SecureCart-sandbox-Network', 'appSubnet1'),
        fromStack('SecureCart-sandbox-Network', 'appSubnet2'),
      ]);
    });

    test('every method requires the origin header; only POST /api/orders validates a body, against the contract', () => {
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
            ValidateRequestBody: key === 'POST /api/orders',
          }),
        });
      }
      const [modelId, model] = one(s, 'AWS::ApiGateway::Model');
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
          userPool: new cognito.UserPool(stack, 'Pool'),
          throttle: { rateLimit: 10, burstLimit: 10 },
          createOrderThrottle: { rateLimit: 1, burstLimit: 1 },
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
      const [aclId, acl] = one(prod, 'AWS::WAFv2::WebACL');
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
      const [, association] = one(prod, 'AWS::WAFv2::WebACLAssociation');
      expect(association.Properties.WebACLArn).toEqual(getAtt(aclId, 'Arn'));
      const stageId = idOf(prod, 'AWS::ApiGateway::Stage', '');
      expect(JSON.stringify(association.Properties.ResourceArn)).toContain(`{"Ref":"${stageId}"}`);
      const [, logging] = one(prod, 'AWS::WAFv2::LoggingConfiguration');
      expect(logging.Properties.RedactedFields).toEqual(
        expect.arrayContaining([{ SingleHeader: { Name: ORIGIN_VERIFY_HEADER } }]),
      );
      expect(JSON.stringify(logging.Properties.LogDestinationConfigs)).toContain('log-group:aws-waf-logs-');
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

  describe('checkout service', () => {
    test('cluster with Container Insights; Fargate task on ARM64 sized by the profile', () => {
      for (const s of [sandbox, prod]) {
        const [, cluster] = one(s, 'AWS::ECS::Cluster');
        expect(cluster.Properties.ClusterSettings).toEqual([{ Name: 'containerInsights', Value: 'enabled' }]);
        const [, task] = one(s, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition');
        expect(task.Properties).toMatchObject({
          RequiresCompatibilities: ['FARGATE'],
          RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
          Cpu: String(s.profile.checkout.cpu),
          Memory: String(s.profile.checkout.memoryMiB),
        });
      }
    });

    test('service: desired count from the profile, circuit breaker with rollback, app subnets, no public IP', () => {
      for (const s of [sandbox, prod]) {
        const [, service] = one(s, 'AWS::ECS::Service');
        const network = `SecureCart-${s.profile.name}-Network`;
        expect(service.Properties).toMatchObject({
          LaunchType: 'FARGATE',
          DesiredCount: s.profile.checkout.desiredTasks,
          DeploymentConfiguration: {
            DeploymentCircuitBreaker: { Enable: true, Rollback: true },
            MinimumHealthyPercent: 100,
          },
          NetworkConfiguration: {
            AwsvpcConfiguration: {
              AssignPublicIp: 'DISABLED',
              SecurityGroups: [fromStack(network, 'CheckoutServiceSecurityGroup')],
              Subnets: [fromStack(network, 'appSubnet1'), fromStack(network, 'appSubnet2')],
            },
          },
          LoadBalancers: [expect.objectContaining({ ContainerName: 'checkout-api', ContainerPort: 8080 })],
        });
      }
    });

    test('autoscaling on CPU and on ALB requests per target, within the profile bounds', () => {
      for (const s of [sandbox, prod]) {
        const { minTasks, maxTasks, targetCpuPercent, targetRequestsPerTask } = s.profile.checkout;
        const [, target] = one(s, 'AWS::ApplicationAutoScaling::ScalableTarget');
        expect(target.Properties).toMatchObject({ MinCapacity: minTasks, MaxCapacity: maxTasks });
        const policies = byType(s, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(
          ([, p]) => p.Properties.TargetTrackingScalingPolicyConfiguration,
        );
        expect(policies).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
              TargetValue: targetCpuPercent,
            }),
            expect.objectContaining({
              PredefinedMetricSpecification: expect.objectContaining({
                PredefinedMetricType: 'ALBRequestCountPerTarget',
              }),
              TargetValue: targetRequestsPerTask,
            }),
          ]),
        );
        expect(policies).toHaveLength(2);
      }
    });

    test('health: the ALB checks readiness, the container liveness; read-only root file system', () => {
      const [, group] = one(sandbox, 'AWS::ElasticLoadBalancingV2::TargetGroup');
      expect(group.Properties).toMatchObject({
        TargetType: 'ip',
        Port: CHECKOUT_CONTAINER_PORT,
        HealthCheckPath: '/api/health/ready',
        Matcher: { HttpCode: '200' },
      });
      const [, task] = one(sandbox, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition');
      const container = task.Properties.ContainerDefinitions[0];
      expect(container.ReadonlyRootFilesystem).toBe(true);
      expect(container.HealthCheck.Command.join(' ')).toContain(`127.0.0.1:${CHECKOUT_CONTAINER_PORT}/api/health/live`);
    });

    test('environment: every variable the service needs, from the right resources, accepted by its loadConfig', () => {
      for (const s of [sandbox, prod]) {
        const [, task] = one(s, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition');
        const env: Record<string, unknown> = Object.fromEntries(
          task.Properties.ContainerDefinitions[0].Environment.map((e: any) => [e.Name, e.Value]),
        );
        const E = CHECKOUT_ENV;
        const data = `SecureCart-${s.profile.name}-Data`;
        const pipeline = `SecureCart-${s.profile.name}-Pipeline`;
        expect(env).toMatchObject({
          [E.catalogTable]: fromStack(data, 'RefCatalogTable'),
          [E.cartsTable]: fromStack(data, 'RefCartsTable'),
          [E.ordersQueueUrl]: fromStack(pipeline, 'RefOrderIntakeOrdersQueue'),
          [E.orderStatusQueueUrl]: fromStack(pipeline, 'RefOrderEventsOrderStatusQueue'),
          [E.dbHost]: fromStack(data, 'DatabaseInstance'),
          [E.dbPort]: fromStack(data, 'EndpointPort'),
          [E.dbName]: 'securecart',
          [E.dbUser]: DATABASE_USER,
          [E.userPoolId]: { Ref: idOf(s, 'AWS::Cognito::UserPool', '') },
          [E.clientId]: { Ref: idOf(s, 'AWS::Cognito::UserPoolClient', '') },
          [E.region]: { Ref: 'AWS::Region' },
          [E.port]: String(CHECKOUT_CONTAINER_PORT),
        });
        // The read replica in prod only.
        if (s.profile.database.readReplica) expect(env[E.dbReaderHost]).toEqual(fromStack(data, 'ReadReplica'));
        else expect(env[E.dbReaderHost]).toBeUndefined();
        // The service accepts the configuration once CloudFormation has filled in the references.
        const deployed: Record<string, string> = {
          [E.ordersQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/securecart-orders.fifo',
          [E.orderStatusQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/securecart-order-status',
          [E.userPoolId]: 'eu-west-1_AbCdEf123',
          [E.region]: 'eu-west-1',
          [E.dbPort]: '5432',
        };
        const resolved = Object.fromEntries(
          Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : (deployed[k] ?? `resolved-${k}`)]),
        );
        const config = loadConfig(resolved);
        expect(config.database).toMatchObject({ kind: 'iam', user: DATABASE_USER, database: 'securecart', port: 5432 });
        expect(config).toMatchObject({ port: CHECKOUT_CONTAINER_PORT, runMigrations: true });
        expect(config.auth).toMatchObject({ kind: 'cognito', userPoolId: 'eu-west-1_AbCdEf123' });
      }
    });
  });

  describe('the CloudWatch agent sidecar (EMF and traces, ADR 15)', () => {
    const containers = (s: Synthesized) =>
      one(s, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition')[1].Properties.ContainerDefinitions;

    test('runs next to the service, not essential, started first, configured for EMF and traces only', () => {
      for (const s of [sandbox, prod]) {
        const [app, agent] = containers(s);
        expect(app.Name).toBe('checkout-api');
        expect(agent).toMatchObject({
          Name: 'cloudwatch-agent',
          Image: CLOUDWATCH_AGENT_IMAGE,
          Essential: false,
          LogConfiguration: { LogDriver: 'awslogs' },
        });
        expect(CLOUDWATCH_AGENT_IMAGE).toMatch(/^public\.ecr\.aws\/cloudwatch-agent\/cloudwatch-agent:\d+\.\d+\.\w+$/);
        const config = JSON.parse(agent.Environment.find((e: any) => e.Name === 'CW_CONFIG_CONTENT').Value);
        expect(config).toEqual(CLOUDWATCH_AGENT_CONFIG);
        expect(Object.keys(config)).toEqual(['logs', 'traces']); // no host metrics, no log files
        expect(app.DependsOn).toEqual([{ ContainerName: 'cloudwatch-agent', Condition: 'START' }]);
      }
    });

    test('the service sends EMF to the agent (routed to an encrypted log group) and segments to its X-Ray port', () => {
      for (const s of [sandbox, prod]) {
        const env: Record<string, unknown> = Object.fromEntries(
          containers(s)[0].Environment.map((e: any) => [e.Name, e.Value]),
        );
        const [groupId, group] = one(s, 'AWS::Logs::LogGroup', 'Checkout/MetricsLogs');
        expect(env).toMatchObject({
          [AGENT_ENV.endpoint]: `tcp://127.0.0.1:${AGENT_PORTS.emf}`,
          [AGENT_ENV.logGroupName]: { Ref: groupId },
          [XRAY_ENV.daemonAddress]: `127.0.0.1:${AGENT_PORTS.xray}`,
        });
        expect(group.Properties.KmsKeyId).toEqual(getAtt(idOf(s, 'AWS::KMS::Key', 'ApiKey'), 'Arn'));
        // What the service reads from these is checked by its own tests (test/metrics.test.ts there).
        expect(parseAgentEndpoint(env[AGENT_ENV.endpoint] as string)).toEqual({ host: '127.0.0.1', port: 25888 });
      }
    });
  });

  describe('least privilege', () => {
    const taskRole = (s: Synthesized) => idOf(s, 'AWS::IAM::Role', 'Checkout/TaskDefinition/TaskRole');

    test('the task role has exactly the table, queue, key and rds-db:connect actions the service uses', () => {
      for (const s of [sandbox, prod]) {
        const statements = policyActions(s, taskRole(s));
        const summary = statements.map((st: any) => ({
          actions: [st.Action].flat().sort(),
          resource: JSON.stringify(st.Resource),
        }));
        const on = (fragment: string) =>
          summary
            .filter((x: any) => x.resource.includes(fragment))
            .flatMap((x: any) => x.actions)
            .sort();
        expect(on('CatalogTable')).toEqual(['dynamodb:Scan']);
        expect(on('CartsTable')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
        expect(on('DataKey')).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
        expect(on('OrdersQueue')).toEqual(['sqs:SendMessage']);
        expect(on('OrderStatusQueue')).toEqual(['sqs:DeleteMessage', 'sqs:ReceiveMessage']);
        expect(on('PipelineKey')).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
        expect(on('rds-db')).toEqual(['rds-db:connect']);
        // The CloudWatch agent sidecar (ADR 15): its EMF log group, and X-Ray (no resource-level permissions).
        expect(on('CheckoutMetricsLogs')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
        expect(summary.filter((x: any) => x.resource === '"*"').flatMap((x: any) => x.actions)).toEqual([
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ]);
        expect(summary.flatMap((x: any) => x.actions).sort()).toEqual(
          [
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
            'xray:PutTelemetryRecords',
            'xray:PutTraceSegments',
            'dynamodb:Scan',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'kms:Decrypt',
            'kms:DescribeKey',
            'kms:Encrypt',
            'kms:GenerateDataKey',
            'sqs:SendMessage',
            'kms:Decrypt',
            'kms:GenerateDataKey',
            'sqs:DeleteMessage',
            'sqs:ReceiveMessage',
            'rds-db:connect',
          ].sort(),
        );
      }
    });

    test('rds-db:connect names the checkout_api user on the primary (and the replica in prod)', () => {
      for (const s of [sandbox, prod]) {
        const connect = policyActions(s, taskRole(s)).find((st: any) => st.Action === 'rds-db:connect');
        const resources = [connect.Resource].flat().map((r: any) => JSON.stringify(r));
        expect(resources).toHaveLength(s.profile.database.readReplica ? 2 : 1);
        for (const r of resources) {
          expect(r).toContain(':rds-db:');
          expect(r).toContain(':dbuser:');
          expect(r).toContain('DbiResourceId');
          expect(r).toMatch(/"\/checkout_api"\]\]\}$/);
        }
      }
    });

    test('no wildcard action in any role of the service, the bootstrap task or the custom resources', () => {
      for (const s of [sandbox, prod]) {
        const policies = byType(s, 'AWS::IAM::Policy');
        expect(policies.length).toBeGreaterThan(0);
        for (const [, policy] of policies) {
          const path = policy.Metadata['aws:cdk:path'];
          const actions = policy.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat());
          const wildcards = actions.filter((a: string) => a.includes('*'));
          // The only wildcards: CDK's asset read grant on the CodeBuild project that builds the image.
          if (path.includes('/ContainerImageBuildArm64')) {
            expect(wildcards.sort()).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
          } else {
            expect({ path, wildcards }).toEqual({ path, wildcards: [] });
          }
        }
      }
    });
  });

  describe('security groups: ALB only from the VPC link, tasks only from the ALB, the database only from the tasks', () => {
    const rules = (s: Synthesized, type: string) => byType(s, type).map(([, r]) => r.Properties);
    test('the chain, rule by rule', () => {
      for (const s of [sandbox, prod]) {
        const albSg = idOf(s, 'AWS::EC2::SecurityGroup', 'LoadBalancerSecurityGroup');
        const linkSg = idOf(s, 'AWS::EC2::SecurityGroup', 'VpcLinkSecurityGroup');
        const tasksSg = fromStack(`SecureCart-${s.profile.name}-Network`, 'CheckoutServiceSecurityGroup');
        const ingress = rules(s, 'AWS::EC2::SecurityGroupIngress');
        expect(ingress).toHaveLength(2);
        expect(ingress).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              GroupId: getAtt(albSg, 'GroupId'),
              SourceSecurityGroupId: getAtt(linkSg, 'GroupId'),
              IpProtocol: 'tcp',
              FromPort: 80,
              ToPort: 80,
            }),
            expect.objectContaining({
              GroupId: tasksSg,
              SourceSecurityGroupId: getAtt(albSg, 'GroupId'),
              IpProtocol: 'tcp',
              FromPort: CHECKOUT_CONTAINER_PORT,
              ToPort: CHECKOUT_CONTAINER_PORT,
            }),
          ]),
        );
        const egress = rules(s, 'AWS::EC2::SecurityGroupEgress');
        expect(egress).toHaveLength(2);
        expect(egress).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              GroupId: getAtt(linkSg, 'GroupId'),
              DestinationSecurityGroupId: getAtt(albSg, 'GroupId'),
              FromPort: 80,
            }),
            expect.objectContaining({
              GroupId: getAtt(albSg, 'GroupId'),
              DestinationSecurityGroupId: tasksSg,
              FromPort: CHECKOUT_CONTAINER_PORT,
            }),
          ]),
        );
        for (const [, sg] of byType(s, 'AWS::EC2::SecurityGroup')) {
          expect(sg.Properties.SecurityGroupIngress).toBeUndefined(); // no inline (e.g. 0.0.0.0/0) rules
          expect(JSON.stringify(sg.Properties.SecurityGroupEgress ?? [])).not.toContain('0.0.0.0/0');
        }
      }
    });

    test('the ALB forwards only requests carrying the origin header value; anything else gets 403', () => {
      const s = sandbox;
      const [, listener] = one(s, 'AWS::ElasticLoadBalancingV2::Listener');
      expect(listener.Properties).toMatchObject({
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [
          { Type: 'fixed-response', FixedResponseConfig: expect.objectContaining({ StatusCode: '403' }) },
        ],
      });
      const [, rule] = one(s, 'AWS::ElasticLoadBalancingV2::ListenerRule');
      const secretId = idOf(s, 'AWS::SecretsManager::Secret', 'OriginVerify');
      expect(rule.Properties).toMatchObject({
        Actions: [
          { Type: 'forward', TargetGroupArn: { Ref: idOf(s, 'AWS::ElasticLoadBalancingV2::TargetGroup', '') } },
        ],
        Conditions: [
          {
            Field: 'http-header',
            HttpHeaderConfig: {
              HttpHeaderName: ORIGIN_VERIFY_HEADER,
              Values: [{ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] }],
            },
          },
        ],
      });
      const [, secret] = one(s, 'AWS::SecretsManager::Secret', 'OriginVerify');
      expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48, ExcludePunctuation: true });
      expect(secret.Properties.KmsKeyId).toEqual(getAtt(idOf(s, 'AWS::KMS::Key', 'ApiKey'), 'Arn'));
    });
  });

  describe('internal ALB', () => {
    test('internal, invalid header fields dropped, deletion protection in prod, access logs on', () => {
      for (const s of [sandbox, prod]) {
        const [, alb] = one(s, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
        expect(alb.Properties.Scheme).toBe('internal');
        const attributes = Object.fromEntries(alb.Properties.LoadBalancerAttributes.map((a: any) => [a.Key, a.Value]));
        expect(attributes).toMatchObject({
          'routing.http.drop_invalid_header_fields.enabled': 'true',
          'deletion_protection.enabled': String(s.profile.deletionProtection),
          'access_logs.s3.enabled': 'true',
          'access_logs.s3.bucket': { Ref: idOf(s, 'AWS::S3::Bucket', 'Checkout/AccessLogs') },
        });
      }
    });

    test('the access log bucket: SSE-S3 (what ALB logs support), public access blocked, TLS only, ELB may write', () => {
      for (const s of [sandbox, prod]) {
        const [bucketId, bucket] = one(s, 'AWS::S3::Bucket', 'Checkout/AccessLogs');
        expect(bucket.Properties).toMatchObject({
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
          PublicAccessBlockConfiguration: BLOCK_ALL_PUBLIC_ACCESS,
        });
        const [, policy] = byType(s, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === bucketId)!;
        const statements = policy.Properties.PolicyDocument.Statement;
        expect(statements).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            expect.objectContaining({
              Effect: 'Allow',
              Action: 's3:PutObject',
              Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
            }),
          ]),
        );
      }
    });
  });

  describe('database user bootstrap', () => {
    test('a one-off psql task with the admin secret creates checkout_api WITH rds_iam before the service starts', () => {
      const s = sandbox;
      const [taskId, task] = one(s, 'AWS::ECS::TaskDefinition', 'DatabaseUser/TaskDefinition');
      const container = task.Properties.ContainerDefinitions[0];
      expect(container.Image).toBe(BOOTSTRAP_IMAGE);
      expect(task.Properties.RuntimePlatform.CpuArchitecture).toBe('ARM64');
      expect(container.Command[0]).toContain(bootstrapSql(DATABASE_USER, 'securecart'));
      expect(container.Command[0]).toContain('PGSSLMODE=verify-full');
      expect(container.Secrets.map((x: any) => x.Name).sort()).toEqual(['PGPASSWORD', 'PGUSER']);
      expect(JSON.stringify(container.Secrets)).toContain('DatabaseInstanceSecretAttachment');
      expect(JSON.stringify(container.Environment)).not.toMatch(/PASSWORD/);
      const [triggerId, trigger] = one(s, 'Custom::AWS', 'DatabaseUser/RunOnce');
      const create = JSON.stringify(trigger.Properties.Create);
      expect(create).toContain('"action\\":\\"runTask\\"');
      expect(create).toContain(taskId);
      const [, service] = one(s, 'AWS::ECS::Service');
      expect(service.DependsOn).toContain(triggerId);
      // The service's own task never sees the admin secret.
      const [, appTask] = one(s, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition');
      expect(appTask.Properties.ContainerDefinitions[0].Secrets).toBeUndefined();
    });

    test('bootstrapSql is idempotent SQL and refuses anything but plain identifiers', () => {
      const sql = bootstrapSql('checkout_api', 'securecart');
      expect(sql).toContain('WHERE NOT EXISTS (SELECT 1 FROM pg_roles');
      expect(sql).toContain('GRANT rds_iam TO checkout_api;');
      expect(sql).toContain('GRANT USAGE, CREATE ON SCHEMA public TO checkout_api;');
      expect(() => bootstrapSql('x; DROP TABLE orders', 'securecart')).toThrow(/identifier/);
    });
  });

  describe('image built at deploy time', () => {
    test('no Docker image asset in the cloud assembly: a CodeBuild (ARM64) build of a file asset instead', () => {
      for (const s of [sandbox, prod]) {
        const manifests = readdirSync(s.outdir).filter((f) => f.endsWith('.assets.json'));
        expect(manifests.length).toBeGreaterThan(0);
        for (const file of manifests) {
          const manifest = JSON.parse(readFileSync(join(s.outdir, file), 'utf8'));
          expect({ file, dockerImages: manifest.dockerImages ?? {} }).toEqual({ file, dockerImages: {} });
        }
        const [, build] = one(s, 'Custom::CDKContainerImageBuild');
        expect(build.Properties.buildCommand).toContain('--platform linux/arm64');
        const [, project] = one(s, 'AWS::CodeBuild::Project');
        expect(project.Properties.Environment).toMatchObject({ Type: 'ARM_CONTAINER', PrivilegedMode: true });
        const [, repository] = one(s, 'AWS::ECR::Repository');
        expect(repository.Properties).toMatchObject({
          ImageTagMutability: 'IMMUTABLE',
          ImageScanningConfiguration: { ScanOnPush: true },
        });
      }
    });

    test('the build context holds the Dockerfile and what the container runs, nothing else of the workspace', () => {
      const [, build] = one(sandbox, 'Custom::CDKContainerImageBuild');
      const hash = /\/([0-9a-f]{64})\.zip$/.exec(build.Properties.sourceS3Url['Fn::Sub'])![1];
      const staged = join(sandbox.outdir, `asset.${hash}`);
      expect(existsSync(staged)).toBe(true);
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const f of readdirSync(dir)) {
          const p = join(dir, f);
          if (statSync(p).isDirectory()) walk(p);
          else files.push(relative(staged, p));
        }
      };
      walk(staged);
      // Tests skip the service build (like Lambda bundling), so dist/ is not part of this context.
      for (const f of files) expect(f).toMatch(/^(Dockerfile|\.dockerignore|migrations\/.+\.sql)$/);
      expect(files.some((f) => f.startsWith('migrations/'))).toBe(true);
    });
  });

  describe('alarms and widgets', () => {
    test('API 5xx rate, p99 latency, no running task, unhealthy targets, outbox lag: to the ops topic, each with a runbook', () => {
      for (const s of [sandbox, prod]) {
        const alarms = byType(s, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
        expect(alarms).toHaveLength(5);
        for (const a of alarms) {
          expect(a.AlarmActions).toEqual([fromStack(`SecureCart-${s.profile.name}-Pipeline`, 'AlarmTopic')]);
          const runbook = /Runbook: (docs\/runbooks\/[a-z-]+\.md)$/.exec(a.AlarmDescription)?.[1];
          expect({
            alarm: a.AlarmDescription,
            exists: runbook !== undefined && existsSync(join(ROOT, runbook)),
          }).toEqual({ alarm: a.AlarmDescription, exists: true });
        }
        const metrics = JSON.stringify(alarms);
        for (const m of ['5XXError', 'Latency', 'RunningTaskCount', 'UnHealthyHostCount', 'OutboxLagSeconds'])
          expect(metrics).toContain(m);
        // The relay reports its lag every minute: silence (relay or agent stopped) counts as breaching.
        const lag = alarms.find((a) => a.Metrics?.[0]?.MetricStat?.Metric?.MetricName === 'OutboxLagSeconds')!;
        expect(lag).toMatchObject({
          Threshold: 300,
          EvaluationPeriods: 2,
          TreatMissingData: 'breaching',
          Metrics: [
            {
              MetricStat: {
                Metric: { Namespace: 'SecureCart', Dimensions: [{ Name: 'Service', Value: 'checkout-api' }] },
                Period: 300,
                Stat: 'Maximum',
              },
            },
          ],
        });
        const noTask = alarms.find((a) => JSON.stringify(a).includes('RunningTaskCount'))!;
        expect(noTask.Metrics[0].Expression).toBe('IF(FILL(running, 0) < 1, 1, 0)');
        expect(JSON.stringify(noTask.Metrics[1].MetricStat.Metric.Namespace)).toBe('"ECS/ContainerInsights"');
      }
      expect(sandbox.stacks.api!.alarms).toHaveLength(5);
      expect(sandbox.stacks.api!.widgets.length).toBeGreaterThanOrEqual(6);
      expect(prod.stacks.api!.widgets.length).toBe(sandbox.stacks.api!.widgets.length + 1); // the WAF's
    });

    test('every log group is encrypted with the Api key', () => {
      for (const s of [sandbox, prod]) {
        const key = getAtt(idOf(s, 'AWS::KMS::Key', 'ApiKey'), 'Arn');
        const groups = byType(s, 'AWS::Logs::LogGroup');
        expect(groups.length).toBeGreaterThan(0);
        for (const [id, group] of groups) {
          expect({ id, key: group.Properties.KmsKeyId }).toEqual({ id, key });
        }
      }
    });
  });

  test('outputs: API URL, user pool id, client id, user pool domain, internal ALB DNS', () => {
    const outputs = api(sandbox).toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'UserPoolDomain', 'LoadBalancerDnsName']),
    );
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('execute-api');
    expect(outputs.LoadBalancerDnsName.Value).toEqual(
      getAtt(idOf(sandbox, 'AWS::ElasticLoadBalancingV2::LoadBalancer', ''), 'DNSName'),
    );
  });
});
