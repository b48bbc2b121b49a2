import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

/** One logger per container. Level from POWERTOOLS_LOG_LEVEL (Powertools reads it itself). */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'securecart' });

/**
 * Call first thing in every invocation: drops the keys of the previous invocation (the container
 * is reused), adds the Lambda context and, when the raw input carries one, the order id, so every
 * log line of this invocation carries it, even the one reporting that the input is invalid.
 */
export function startInvocation(orderId: unknown, context?: Context): void {
  logger.resetKeys();
  if (context) logger.addContext(context);
  if (typeof orderId === 'string' && orderId.length > 0) logger.appendKeys({ orderId });
}
