import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** One client per container. Endpoint and region come from the standard AWS_* variables. */
export const eventBridge = new EventBridgeClient({});
