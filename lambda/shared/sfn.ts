import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * One client per container. Endpoint and region come from the standard AWS_* variables.
 * `SFN_MAX_ATTEMPTS` attempts (the SDK's standard retry mode: exponential backoff with full
 * jitter, throttles and 5xx retried; a few seconds in all, well inside the handlers' timeouts):
 * a task-token callback (screen-fraud) or a start (start-fulfillment) that still fails is retried
 * by the event source after that (EventBridge's target retries, SQS's visibility timeout), and a
 * callback that never arrives ends the order CANCELLED FRAUD_REVIEW_TIMEOUT before any payment
 * (docs/adr/0017).
 */
export const SFN_MAX_ATTEMPTS = 5;
export const sfn = new SFNClient({ maxAttempts: SFN_MAX_ATTEMPTS });
