import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { Profile } from '../../config/profiles';
import { TierKey } from '../encryption';
import { Observable, OpsAlarms, RUNBOOKS } from '../ops-alarms';
import { API_AUTHORIZATION_SCOPES } from './identity';
import { ORIGIN_VERIFY_HEADER } from './origin-verify';
import { CreateOrderRequestSchema, toModelSchema } from './request-models';
import { acknowledge } from '../nag';

/** The stage CloudFront's origin path points at. */
export const API_STAGE_NAME = 'live';

export type RouteAccess = 'public' | 'customer';
export interface Route {
  readonly path: string;
  readonly method: 'GET' | 'PUT' | 'POST';
  /** `customer`: the Cognito authorizer (access token with the `openid` scope); `public`: none. */
  readonly access: RouteAccess;
  /** Validate the JSON body against this contract schema. */
  readonly body?: 'CreateOrderRequest';
}

/** Every route the service serves (services/checkout-api/src/app.ts), and who may call it. */
export const ROUTES: readonly Route[] = [
  { path: '/api/health/live', method: 'GET', access: 'public' },
  { path: '/api/health/ready', method: 'GET', access: 'public' },
  { path: '/api/products', method: 'GET', access: 'public' },
  { path: '/api/products/{id}', method: 'GET', access: 'public' },
  { path: '/api/cart', method: 'GET', access: 'customer' },
  { path: '/api/cart', method: 'PUT', access: 'customer' },
  { path: '/api/orders', method: 'GET', access: 'customer' },
  { path: '/api/orders', method: 'POST', access: 'customer', body: 'CreateOrderRequest' },
  { path: '/api/orders/{id}', method: 'GET', access: 'customer' },
];

export interface CheckoutRestApiProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  readonly profileName: string;
  readonly vpc: ec2.IVpc;
  /** Where the VPC link's network interfaces live (the app subnets, next to the ALB). */
  readonly subnets: ec2.SubnetSelection;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listenerPort: number;
  readonly userPool: cognito.IUserPool;
  readonly throttle: Profile['api']['throttle'];
  readonly createOrderThrottle: Profile['api']['createOrderThrottle'];
  /** The Api tier key: the access log group. */
  readonly key: TierKey;
  readonly alarms: OpsAlarms;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The regional REST API: the service's routes, public catalog and health, cart and orders behind a
 * Cognito user pools authorizer; every method requires the origin header (only CloudFront sends
 * it); `POST /api/orders` validated against the contract's JSON Schema and throttled lower than
 * the stage; JSON access logs to a KMS-encrypted log group; X-Ray tracing. Each method is an
 * HTTP_PROXY private integration to the internal ALB over a VPC link v2, set through the
 * `IntegrationTarget` escape hatch (aws-cdk-lib has no L2 for it; ADR 13).
 */
export class CheckoutRestApi extends Construct implements Observable {
  readonly api: apigw.RestApi;
  readonly vpcLink: apigwv2.VpcLink;
  readonly authorizer: apigw.CognitoUserPoolsAuthorizer;
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: CheckoutRestApiProps) {
    super(scope, id);
    const linkSecurityGroup = new ec2.SecurityGroup(this, 'VpcLinkSecurityGroup', {
      vpc: props.vpc,
      description: `SecureCart ${props.profileName} API Gateway VPC link: out to the internal ALB only`,
      allowAllOutbound: false,
    });
    this.vpcLink = new apigwv2.VpcLink(this, 'VpcLink', {
      vpc: props.vpc,
      vpcLinkName: `${props.prefix}-checkout`,
      subnets: props.subnets,
      securityGroups: [linkSecurityGroup],
    });
    props.loadBalancer.connections.allowFrom(
      linkSecurityGroup,
      ec2.Port.tcp(props.listenerPort),
      'From the API Gateway VPC link',
    );

    const accessLogs = props.key.logGroup(this, 'AccessLogs', {
      retentionDays: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    const createOrder = '/api/orders/POST';
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${props.prefix}-checkout`,
      description: `SecureCart ${props.profileName}: the storefront API (CloudFront /api/* → here → VPC link → internal ALB)`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        methodOptions: {
          [createOrder]: {
            throttlingRateLimit: props.createOrderThrottle.rateLimit,
            throttlingBurstLimit: props.createOrderThrottle.burstLimit,
          },
        },
      },
    });
    // The stack names the URL output itself (ApiUrl).
    this.api.node.tryRemoveChild('Endpoint');
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logging needs the account-wide API Gateway CloudWatch role, a per-account setting this app does not own; every request is in the JSON access log (with error messages) and traced in X-Ray.',
    });

    this.authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'CustomerAuthorizer', {
      authorizerName: `${props.prefix}-customers`,
      cognitoUserPools: [props.userPool],
      identitySource: apigw.IdentitySource.header('Authorization'),
      resultsCacheTtl: Duration.minutes(5),
    });
    const parametersOnly = this.api.addRequestValidator('HeadersAndPath', {
      requestValidatorName: 'headers-and-path',
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    const withBody = this.api.addRequestValidator('HeadersPathAndBody', {
      requestValidatorName: 'headers-path-and-body',
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const models = {
      CreateOrderRequest: this.api.addModel('CreateOrderRequest', {
        modelName: 'CreateOrderRequest',
        contentType: 'application/json',
        description: 'POST /api/orders body, generated from lib/contracts (the service validates the same schema)',
        schema: toModelSchema(CreateOrderRequestSchema),
      }),
    };

    const integrationTarget = props.loadBalancer.loadBalancerArn;
    for (const route of ROUTES) {
      const resource = this.api.root.resourceForPath(route.path);
      const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const integration = new apigw.Integration({
        type: apigw.IntegrationType.HTTP_PROXY,
        integrationHttpMethod: route.method,
        // With a VPC link v2 the URI sets the Host header and the path; the target is the ALB.
        uri: `http://${props.loadBalancer.loadBalancerDnsName}${route.path}`,
        options: {
          requestParameters: Object.fromEntries(
            pathParameters.map((p) => [`integration.request.path.${p}`, `method.request.path.${p}`]),
          ),
          timeout: Duration.seconds(29),
        },
      });
      const customer = route.access === 'customer';
      const method = resource.addMethod(route.method, integration, {
        authorizationType: customer ? apigw.AuthorizationType.COGNITO : apigw.AuthorizationType.NONE,
        authorizer: customer ? this.authorizer : undefined,
        authorizationScopes: customer ? API_AUTHORIZATION_SCOPES : undefined,
        requestParameters: {
          [`method.request.header.${ORIGIN_VERIFY_HEADER}`]: true,
          ...Object.fromEntries(pathParameters.map((p) => [`method.request.path.${p}`, true])),
        },
        requestValidator: route.body ? withBody : parametersOnly,
        requestModels: route.body ? { 'application/json': models[route.body] } : undefined,
      });
      const cfnMethod = method.node.defaultChild as apigw.CfnMethod;
      cfnMethod.addPropertyOverride('Integration.ConnectionType', 'VPC_LINK');
      cfnMethod.addPropertyOverride('Integration.ConnectionId', this.vpcLink.vpcLinkId);
      cfnMethod.addPropertyOverride('Integration.IntegrationTarget', integrationTarget);
      if (!customer) {
        acknowledge(method, {
          'AwsSolutions-APIG4': `${route.method} ${route.path} is public by design (catalog and health checks); it still requires the origin header and is throttled.`,
          'AwsSolutions-COG4': `${route.method} ${route.path} is public by design (catalog and health checks); cart and orders use the Cognito authorizer.`,
        });
      }
    }
    // The escape-hatch properties are not in the deployment's hash: add them, so a new VPC link
    // (or another ALB) redeploys the stage instead of leaving it on the old integration.
    const link = this.vpcLink.node.defaultChild as apigwv2.CfnVpcLink;
    this.api.latestDeployment!.addToLogicalId({
      connectionType: 'VPC_LINK',
      vpcLink: {
        id: Stack.of(this).resolve(this.vpcLink.vpcLinkId),
        subnets: Stack.of(this).resolve(link.subnetIds),
        securityGroups: Stack.of(this).resolve(link.securityGroupIds),
      },
      integrationTarget: Stack.of(this).resolve(integrationTarget),
    });

    ({ alarms: this.alarms, widgets: this.widgets } = this.observe(props));
  }

  /** Where the profile runs no REGIONAL WAF: say, on the stage, what protects it instead. */
  acknowledgeNoWaf(profileName: string): void {
    acknowledge(this.api.deploymentStage, {
      'AwsSolutions-APIG3': `Profile "${profileName}" runs no REGIONAL WAF (a web ACL with managed rules costs about $10 a month idle); every method still requires the origin header, the ALB listener forwards only requests carrying its value, cart and orders need a Cognito token, and the stage is throttled. Prod attaches the WAF.`,
    });
  }

  /** The stage's ARN (for the WAF association). */
  get stageArn(): string {
    return this.api.deploymentStage.stageArn;
  }

  private observe(props: CheckoutRestApiProps): Observable {
    const period = Duration.minutes(5);
    const count = this.api.metricCount({ period, statistic: 'Sum' });
    const serverErrors = this.api.metricServerError({ period, statistic: 'Sum' });
    const errorRate = new cloudwatch.MathExpression({
      // Below 20 requests in 5 minutes a percentage says little: one error would be 5 % or more.
      expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
      usingMetrics: { requests: count, errors: serverErrors },
      period,
      label: '5xx rate (%)',
    });
    const p99 = this.api.metricLatency({ period, statistic: 'p99', label: 'p99 latency (ms)' });
    const alarms = [
      props.alarms.alarm(this, 'ServerErrorRate', {
        metric: errorRate,
        summary: `${props.prefix} API: 5 % or more of the requests failed with a 5xx in 5 minutes`,
        runbook: RUNBOOKS.apiServerErrors,
        threshold: 5,
      }),
      props.alarms.alarm(this, 'LatencyP99', {
        metric: p99,
        summary: `${props.prefix} API: p99 latency at or above 2.5 s for 10 minutes`,
        runbook: RUNBOOKS.apiLatency,
        threshold: 2500,
        evaluationPeriods: 2,
      }),
    ];
    const minute = Duration.minutes(1);
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: 'API: requests, 4xx, 5xx',
        left: [this.api.metricCount({ period: minute, statistic: 'Sum', label: 'requests' })],
        right: [
          this.api.metricClientError({ period: minute, statistic: 'Sum', label: '4xx' }),
          this.api.metricServerError({ period: minute, statistic: 'Sum', label: '5xx' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API: latency and integration latency (ms)',
        left: [
          this.api.metricLatency({ period: minute, statistic: 'p50', label: 'p50' }),
          this.api.metricLatency({ period: minute, statistic: 'p99', label: 'p99' }),
          this.api.metricIntegrationLatency({ period: minute, statistic: 'p99', label: 'integration p99' }),
        ],
        width: 12,
      }),
    ];
    return { alarms, widgets };
  }
}

/** One JSON object per request: who, what, outcome, timings, the authorizer's subject and the X-Ray trace. */
function accessLogFormat(): apigw.AccessLogFormat {
  const f = apigw.AccessLogField;
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: f.contextRequestId(),
      extendedRequestId: f.contextExtendedRequestId(),
      requestTime: f.contextRequestTime(),
      ip: f.contextIdentitySourceIp(),
      userAgent: f.contextIdentityUserAgent(),
      httpMethod: f.contextHttpMethod(),
      resourcePath: f.contextResourcePath(),
      path: f.contextPath(),
      protocol: f.contextProtocol(),
      status: f.contextStatus(),
      responseLength: f.contextResponseLength(),
      responseLatency: f.contextResponseLatency(),
      integrationStatus: f.contextIntegrationStatus(),
      integrationLatency: f.contextIntegrationLatency(),
      integrationError: f.contextIntegrationErrorMessage(),
      errorType: f.contextErrorResponseType(),
      errorMessage: f.contextErrorMessage(),
      validationError: f.contextErrorValidationErrorString(),
      authorizerError: f.contextAuthorizerError(),
      sub: f.contextAuthorizerClaims('sub'),
      wafStatus: f.contextWafResponseCode(),
      xrayTraceId: f.contextXrayTraceId(),
    }),
  );
}
