import { SNSClient } from '@aws-sdk/client-sns';

/** One client per container. Endpoint and region come from the standard AWS_* variables. */
export const sns = new SNSClient({});
