import type { SQSRecord } from 'aws-lambda';
import { logger } from './logger';

/** What a contract schema offers (zod's safeParse). */
interface MessageSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/**
 * The SQS record's body as `schema` reads it (a body that is not JSON fails like any other). A body
 * that does not fit is logged by its message id only and thrown: the record is a batch item failure
 * until it reaches the queue's DLQ. `what` names the message, e.g. `a status event`.
 */
export function parseMessageBody<T>(record: SQSRecord, schema: MessageSchema<T>, what: string): T {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    logger.error(`Not ${what}; left for the DLQ`, { messageId: record.messageId });
    throw new Error(`Message ${record.messageId} is not ${what}`);
  }
  return parsed.data;
}
