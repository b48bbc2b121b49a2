import { SFNClient } from '@aws-sdk/client-sfn';

/** One client per container. Endpoint and region come from the standard AWS_* variables. */
export const sfn = new SFNClient({});
