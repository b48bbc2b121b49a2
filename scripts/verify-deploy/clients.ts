import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { XRayClient } from '@aws-sdk/client-xray';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** CloudFront's web ACLs and metrics live here: the Edge stacks and their alarms. */
export const EDGE_REGION = 'us-east-1';

/**
 * The SDK v3 clients verify:deploy uses. Credentials and region come from the usual sources
 * (AWS_PROFILE, AWS_REGION, ...); `endpoint` (--endpoint) sends every call to a local endpoint.
 */
export interface VerifyClients {
  readonly cfn: CloudFormationClient;
  /** CloudFormation in us-east-1 (EdgeSecurity, EdgeMonitoring). */
  readonly cfnEdge: CloudFormationClient;
  readonly cloudwatch: CloudWatchClient;
  readonly cloudwatchEdge: CloudWatchClient;
  readonly logs: CloudWatchLogsClient;
  readonly cognito: CognitoIdentityProviderClient;
  readonly doc: DynamoDBDocumentClient;
  readonly ddb: DynamoDBClient;
  readonly ecs: ECSClient;
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
  readonly xray: XRayClient;
}

export function createClients(options: { endpoint?: string; region?: string }): VerifyClients {
  const region = options.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
  const endpoint = options.endpoint || undefined;
  const config = { region, endpoint, maxAttempts: 4 };
  const edge = { ...config, region: endpoint ? region : EDGE_REGION };
  const ddb = new DynamoDBClient(config);
  return {
    cfn: new CloudFormationClient(config),
    cfnEdge: new CloudFormationClient(edge),
    cloudwatch: new CloudWatchClient(config),
    cloudwatchEdge: new CloudWatchClient(edge),
    logs: new CloudWatchLogsClient(config),
    cognito: new CognitoIdentityProviderClient(config),
    ddb,
    ecs: new ECSClient(config),
    doc: DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } }),
    sfn: new SFNClient(config),
    // Queue URLs in outputs name AWS's host; with an endpoint, send there instead.
    sqs: new SQSClient({
      ...config,
      useQueueUrlAsEndpoint: !(endpoint || process.env.AWS_ENDPOINT_URL_SQS || process.env.AWS_ENDPOINT_URL),
    }),
    xray: new XRayClient(config),
  };
}
