import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { API_STAGE_NAME, HTTP_API } from '@securecart/contracts/http-api';
import { Observable } from '../ops-alarms';
import { acknowledge } from '../nag';
import { observeRestApi } from './rest-api-monitoring';
import type { CheckoutRestApiProps } from './rest-api-props';
import { addVpcLinkRoutes } from './rest-api-routes';

// The routes (from the contract, HTTP_API) are in rest-api-routes.ts, the alarms and widgets in rest-api-monitoring.ts; both
// create their resources in this construct (or its RestApi), so ids and paths are its own. The
// props are in rest-api-props.ts (the monitoring reads them without importing this file).
export type { CheckoutRestApiProps } from './rest-api-props';

/** The stage CloudFront's origin path points at (the contract's: the service accepts it as a path prefix). */
export { API_STAGE_NAME };

/**
 * The regional REST API: the service's routes, public catalog and health, cart and orders behind a
 * Cognito user pools authorizer; every method requires the origin header (only CloudFront sends
 * it); `POST /api/orders` validated against the contract's JSON Schema and throttled lower than
 * the stage; JSON access logs to a KMS-encrypted log group; X-Ray tracing. Each method is an
 * HTTP_PROXY private integration to the internal ALB over a VPC link v2, set through the
 * `IntegrationTarget` escape hatch (aws-cdk-lib has no L2 for it; ADR 13; rest-api-routes.ts).
 * The exception: `POST /api/events` (the contract's `integration: 'kinesis'`) is an AWS service
 * integration that puts the batch into the clickstream, validated and throttled on its own
 * (rest-api-kinesis.ts, ADR 25).
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
    const createOrder = `${HTTP_API.createOrder.path}/${HTTP_API.createOrder.method}`; // a method option's key
    const recordEvents = `${HTTP_API.recordEvents.path}/${HTTP_API.recordEvents.method}`;
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
          [recordEvents]: {
            throttlingRateLimit: props.clickstream.putThrottle.rateLimit,
            throttlingBurstLimit: props.clickstream.putThrottle.burstLimit,
          },
        },
      },
    });
    // The stack names the URL output itself (ApiUrl).
    this.api.node.tryRemoveChild('Endpoint');
    acknowledge(this.api.deploymentStage, {
      'AwsSolutions-APIG6':
        'Execution logging needs the account-wide API Gateway CloudWatch role, a per-account setting this app does not own; every request is in the JSON access log (with error messages) and traced in X-Ray.',
    });

    this.authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'CustomerAuthorizer', {
      authorizerName: `${props.prefix}-customers`,
      cognitoUserPools: [props.userPool],
      identitySource: apigw.IdentitySource.header('Authorization'),
      resultsCacheTtl: Duration.minutes(5),
    });
    addVpcLinkRoutes(this.api, {
      loadBalancer: props.loadBalancer,
      origin: props.integrationOrigin,
      vpcLink: this.vpcLink,
      authorizer: this.authorizer,
      clickstream: props.clickstream.stream,
    });

    ({ alarms: this.alarms, widgets: this.widgets } = observeRestApi(this, this.api, props));
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
