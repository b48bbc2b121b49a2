import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * One client per container. Endpoint and region come from the standard AWS_* variables. Where an
 * endpoint is configured (LocalStack, an emulator), requests go to it rather than to the host in
 * the queue URL, which recent SDK releases would use by default and which a local engine may
 * report as the public AWS host.
 */
export const sqs = new SQSClient({
  useQueueUrlAsEndpoint: !(process.env.AWS_ENDPOINT_URL_SQS || process.env.AWS_ENDPOINT_URL),
});
