import { Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { HTTP_API, pathParameters, RouteContract } from '@securecart/contracts/http-api';
import { acknowledge } from '../nag';
import { REQUEST_ID_HEADER } from '@securecart/contracts/http-api';
import { API_AUTHORIZATION_SCOPES } from './identity';
import { ORIGIN_VERIFY_HEADER } from './origin-verify';
import { toModelSchema } from './request-models';
import { addKinesisRoute } from './rest-api-kinesis';

/**
 * The routes come from the contract, `HTTP_API` (@securecart/contracts/http-api), which the service
 * registers its routes from too: method, path, access (`customer`: the Cognito authorizer, access
 * token with the `openid` scope; `public`: none) and, where API Gateway validates the body, its
 * request model (`bodyModel`).
 */
/** The routes API Gateway serves: every route of the contract but the `internal` ones (VPC only). */
export const GATEWAY_ROUTES: readonly RouteContract[] = Object.values(HTTP_API).filter((r) => r.access !== 'internal');
/** The routes API Gateway answers itself by putting into the clickstream (rest-api-kinesis.ts). */
export const KINESIS_ROUTES: readonly RouteContract[] = GATEWAY_ROUTES.filter((r) => r.integration === 'kinesis');

export interface VpcLinkRoutesOptions {
  /** The integration target: every method proxies to this ALB. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /**
   * `https://<internal name>` or `http://<ALB DNS name>`: the scheme and host of every integration
   * URI. With https, API Gateway opens TLS with that name as SNI and verifies the ALB's certificate
   * against it (REST APIs have no `tlsConfig.serverNameToVerify`: the URI's host is the name).
   */
  readonly origin: string;
  readonly vpcLink: apigwv2.VpcLink;
  /** For the `customer` routes. */
  readonly authorizer: apigw.CognitoUserPoolsAuthorizer;
  /** The clickstream: where the `kinesis` routes put their records (rest-api-kinesis.ts). */
  readonly clickstream?: kinesis.IStream;
}

/**
 * Adds every route of `HTTP_API` to `api`: the request validators and the body models, then per
 * route an HTTP_PROXY integration to the internal ALB over the VPC link v2, set through the
 * `IntegrationTarget` escape hatch (aws-cdk-lib has no L2 for it; ADR 13), the origin header (and
 * the path parameters) required, the authorizer on `customer` routes. Finally the escape-hatch
 * properties go into the deployment's logical id.
 */
export function addVpcLinkRoutes(
  api: apigw.RestApi,
  { loadBalancer, origin, vpcLink, authorizer, clickstream }: VpcLinkRoutesOptions,
) {
  const parametersOnly = api.addRequestValidator('HeadersAndPath', {
    requestValidatorName: 'headers-and-path',
    validateRequestParameters: true,
    validateRequestBody: false,
  });
  const withBody = api.addRequestValidator('HeadersPathAndBody', {
    requestValidatorName: 'headers-path-and-body',
    validateRequestParameters: true,
    validateRequestBody: true,
  });
  // Each body model once, by name, before the methods that use it.
  const models = new Map<string, apigw.Model>();
  for (const { method, path, bodyModel } of GATEWAY_ROUTES) {
    if (!bodyModel || models.has(bodyModel.name)) continue;
    models.set(
      bodyModel.name,
      api.addModel(bodyModel.name, {
        modelName: bodyModel.name,
        contentType: 'application/json',
        description: `${method} ${path} body, generated from @securecart/contracts (the service validates the same schema)`,
        schema: toModelSchema(bodyModel.schema),
      }),
    );
  }

  const integrationTarget = loadBalancer.loadBalancerArn;
  for (const route of GATEWAY_ROUTES) {
    const parameters = pathParameters(route.path);
    const model = route.bodyModel && models.get(route.bodyModel.name);
    const requestParameters = {
      [`method.request.header.${ORIGIN_VERIFY_HEADER}`]: true,
      ...Object.fromEntries(parameters.map((p) => [`method.request.path.${p}`, true])),
    };
    if (route.integration === 'kinesis') {
      if (!clickstream) throw new Error(`${route.method} ${route.path} puts into the clickstream: pass the stream`);
      const method = addKinesisRoute(api, api, route, {
        stream: clickstream,
        methodOptions: {
          authorizationType: apigw.AuthorizationType.NONE,
          requestParameters,
          requestValidator: model ? withBody : parametersOnly,
          requestModels: model ? { 'application/json': model } : undefined,
        },
      });
      acknowledge(method, {
        'AwsSolutions-APIG4': `${route.method} ${route.path} is public by design (a beacon cannot carry the access token; contracts/clickstream.ts); its body is validated against the contract's model, it requires the origin header and is throttled lower than the stage.`,
        'AwsSolutions-COG4': `${route.method} ${route.path} is public by design (a beacon cannot carry the access token); the customer id it may carry is never trusted (docs/adr/0025).`,
      });
      continue;
    }
    const resource = api.root.resourceForPath(route.path);
    const integration = new apigw.Integration({
      type: apigw.IntegrationType.HTTP_PROXY,
      integrationHttpMethod: route.method,
      // With a VPC link v2 the URI sets the scheme, the Host header (and TLS name) and the path; the target is the ALB.
      uri: `${origin}${route.path}`,
      options: {
        requestParameters: {
          ...Object.fromEntries(parameters.map((p) => [`integration.request.path.${p}`, `method.request.path.${p}`])),
          // The service's request id (its logs, x-request-id answers) is API Gateway's own, never
          // one a client sent: the mapping replaces whatever x-request-id the request carried.
          [`integration.request.header.${REQUEST_ID_HEADER}`]: 'context.requestId',
        },
        timeout: Duration.seconds(29),
      },
    });
    const customer = route.access === 'customer';
    const method = resource.addMethod(route.method, integration, {
      authorizationType: customer ? apigw.AuthorizationType.COGNITO : apigw.AuthorizationType.NONE,
      authorizer: customer ? authorizer : undefined,
      authorizationScopes: customer ? API_AUTHORIZATION_SCOPES : undefined,
      requestParameters,
      requestValidator: model ? withBody : parametersOnly,
      requestModels: model ? { 'application/json': model } : undefined,
    });
    const cfnMethod = method.node.defaultChild as apigw.CfnMethod;
    cfnMethod.addPropertyOverride('Integration.ConnectionType', 'VPC_LINK');
    cfnMethod.addPropertyOverride('Integration.ConnectionId', vpcLink.vpcLinkId);
    cfnMethod.addPropertyOverride('Integration.IntegrationTarget', integrationTarget);
    if (!customer) {
      acknowledge(method, {
        'AwsSolutions-APIG4': `${route.method} ${route.path} is public by design (catalog, recommendations and health checks); it still requires the origin header and is throttled.`,
        'AwsSolutions-COG4': `${route.method} ${route.path} is public by design (catalog, recommendations and health checks); cart and orders use the Cognito authorizer.`,
      });
    }
  }
  // The escape-hatch properties are not in the deployment's hash: add them, so a new VPC link
  // (or another ALB) redeploys the stage instead of leaving it on the old integration.
  const link = vpcLink.node.defaultChild as apigwv2.CfnVpcLink;
  const stack = Stack.of(api);
  api.latestDeployment!.addToLogicalId({
    connectionType: 'VPC_LINK',
    vpcLink: {
      id: stack.resolve(vpcLink.vpcLinkId),
      subnets: stack.resolve(link.subnetIds),
      securityGroups: stack.resolve(link.securityGroupIds),
    },
    integrationTarget: stack.resolve(integrationTarget),
  });
}
