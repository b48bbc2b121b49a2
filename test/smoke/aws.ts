import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Standard SDK v3 clients, nothing else. Endpoint, credentials and region come from the usual
 * sources (AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, AWS_ACCESS_KEY_ID, AWS_REGION, profiles),
 * so the same suite runs against LocalStack, the local emulator or a real account.
 */
export interface Clients {
  readonly cfn: CloudFormationClient;
  readonly ddb: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly events: EventBridgeClient;
  /** The audit log group (compliance events, ADR 28). */
  readonly logs: CloudWatchLogsClient;
  readonly lambda: LambdaClient;
  readonly sfn: SFNClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

export function createClients(): Clients {
  // SDK v3 reads AWS_REGION but not AWS_DEFAULT_REGION; accept both, as the AWS CLI does.
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
  const config = { region, maxAttempts: 4 };
  const ddb = new DynamoDBClient(config);
  return {
    cfn: new CloudFormationClient(config),
    ddb,
    doc: DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } }),
    events: new EventBridgeClient(config),
    logs: new CloudWatchLogsClient(config),
    lambda: new LambdaClient(config),
    sfn: new SFNClient(config),
    sns: new SNSClient(config),
    // Queue URLs in stack outputs name the service's public host (LocalStack's and emulators' too).
    // By default SQS clients send to the queue URL's host; when an endpoint is configured, send there.
    sqs: new SQSClient({
      ...config,
      useQueueUrlAsEndpoint: !(process.env.AWS_ENDPOINT_URL_SQS || process.env.AWS_ENDPOINT_URL),
    }),
  };
}

/** Where requests go, for the report header. */
export function describeTarget(): string {
  const endpoint = process.env.AWS_ENDPOINT_URL || '(standard AWS endpoints)';
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || '(region from the AWS config)';
  return `endpoint ${endpoint}, region ${region}`;
}
