import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SendMessageCommandInput } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { COMPLIANCE_DETAIL_TYPES, COMPLIANCE_SCHEMA_VERSION } from '@securecart/contracts/compliance';
import type { MessageSidelinedDetail } from '@securecart/contracts/compliance';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { ORDER_ID_PATTERN, ORDER_MESSAGE_MAX_BYTES, parseOrder } from '@securecart/contracts/order';
import type { Order } from '@securecart/contracts/order';
import { SIDELINE_ATTRIBUTES, SIDELINE_FALLBACK_GROUP_ID, SIDELINE_REASONS } from '@securecart/contracts/sideline';
import type { SidelineReasonCode } from '@securecart/contracts/sideline';
import { putComplianceEvent } from '../shared/compliance';
import { logger } from '../shared/logger';
import { countNow } from '../shared/metrics';
import { sqs } from '../shared/sqs';

/*
 * A message that can never succeed, however often it is retried, is sidelined: sent to the orders
 * DLQ at once with its body unchanged and the reason attached, then acknowledged. Failing it
 * instead would fail the rest of its message group (the same customer's later, valid orders) on
 * each of its three receives.
 */

/** What a record holds: an order to start, or why it can never be one. */
type RecordVerdict =
  | { readonly ok: true; readonly order: Order }
  | { readonly ok: false; readonly code: SidelineReasonCode; readonly text: string; readonly orderId?: string };

/** Longest `SidelineReason` attribute value (SQS allows far more; a reason needs no more). */
export const SIDELINE_REASON_MAX_CHARS = 1024;

const poison = (code: SidelineReasonCode, text: string, orderId?: string): RecordVerdict => ({
  ok: false,
  code,
  text,
  ...(orderId === undefined ? {} : { orderId }),
});

/** Checks one SQS record: body size, JSON, order schema, envelope group id = customer id. */
export function checkRecord(record: SQSRecord): RecordVerdict {
  const bytes = Buffer.byteLength(record.body, 'utf8');
  if (bytes > ORDER_MESSAGE_MAX_BYTES) {
    return poison(
      SIDELINE_REASONS.bodyTooLarge,
      `body is ${bytes} bytes, over the ${ORDER_MESSAGE_MAX_BYTES}-byte limit`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return poison(SIDELINE_REASONS.notJson, 'body is not valid JSON');
  }
  const parsed = parseOrder(body);
  if (!parsed.ok) return poison(SIDELINE_REASONS.schemaInvalid, `invalid order: ${parsed.problems.join('; ')}`);
  const { orderId, customerId } = parsed.order;
  const groupId = record.attributes.MessageGroupId;
  if (groupId !== customerId) {
    return poison(
      SIDELINE_REASONS.groupMismatch,
      `MessageGroupId '${groupId ?? ''}' does not match customerId '${customerId}'`,
      orderId,
    );
  }
  return { ok: true, order: parsed.order };
}

/** `<CODE>: <text>`, printable ASCII only (SQS refuses some characters), at most SIDELINE_REASON_MAX_CHARS. */
export function sidelineReason(code: SidelineReasonCode, text: string): string {
  const reason = `${code}: ${text}`.replace(/[^\x20-\x7E]/g, '?');
  return reason.length <= SIDELINE_REASON_MAX_CHARS ? reason : `${reason.slice(0, SIDELINE_REASON_MAX_CHARS - 3)}...`;
}

/**
 * The DLQ copy of a record: same body and group; the original message id as deduplication id, so
 * sidelining the same record twice (a retried batch) leaves one copy.
 */
function sidelineMessage(record: SQSRecord, queueUrl: string, reason: string): SendMessageCommandInput {
  return {
    QueueUrl: queueUrl,
    MessageBody: record.body,
    MessageGroupId: record.attributes.MessageGroupId || SIDELINE_FALLBACK_GROUP_ID,
    MessageDeduplicationId: record.messageId,
    MessageAttributes: {
      [SIDELINE_ATTRIBUTES.reason]: { DataType: 'String', StringValue: reason },
      [SIDELINE_ATTRIBUTES.originalMessageId]: { DataType: 'String', StringValue: record.messageId },
    },
  };
}

/**
 * Sends a poison record to the orders DLQ, then logs (never the body: it may hold a payment token
 * and an address) and counts it. Throws when the send fails, so the record is retried instead of
 * lost.
 */
export async function sideline(
  record: SQSRecord,
  verdict: Extract<RecordVerdict, { ok: false }>,
  queueUrl: string,
): Promise<void> {
  const reason = sidelineReason(verdict.code, verdict.text);
  try {
    await sqs.send(new SendMessageCommand(sidelineMessage(record, queueUrl, reason)));
  } catch (error) {
    throw new Error(`Could not sideline the message to the orders DLQ (${verdict.code})`, { cause: error });
  }
  logger.error('Message sidelined to the orders DLQ: it can never succeed', {
    messageId: record.messageId,
    sidelineReason: reason,
    ...(verdict.orderId === undefined ? {} : { orderId: verdict.orderId }),
  });
  countNow(METRIC_NAMES.sidelinedMessages, { reason: verdict.code });
  // The audit account learns that an order message was taken out of the pipeline: ids and the
  // reason code only (never the body, nor the reason text, which quotes the body's values).
  await putComplianceEvent(COMPLIANCE_DETAIL_TYPES.messageSidelined, {
    schemaVersion: COMPLIANCE_SCHEMA_VERSION,
    queue: 'orders',
    reason: verdict.code,
    messageId: record.messageId,
    ...(verdict.orderId !== undefined && ORDER_ID_PATTERN.test(verdict.orderId) ? { orderId: verdict.orderId } : {}),
    occurredAt: new Date().toISOString(),
  } satisfies MessageSidelinedDetail);
}
