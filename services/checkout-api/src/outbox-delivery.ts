/**
 * How one outbox row becomes an SQS entry (with its trace header), and what SQS's answer means
 * for each row: sent, retried after a backoff, or rejected for good (src/outbox-relay.ts).
 */
import type { BatchResultErrorEntry, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { parseTraceHeader, renderTraceHeader } from '@securecart/contracts/tracing';
import type { TraceContext } from '@securecart/contracts/tracing';
import type { OutboxRow, Rejection, Retry } from './outbox-rows';
import { newSegmentId } from './tracing';

/** SQS's answer to one SendMessageBatch: the ids it took and the entries it did not. */
export interface SendAnswer {
  readonly sent: string[];
  readonly failed: BatchResultErrorEntry[];
}

/** A row's trace for its send: the message's header, and the segment recorded for a sampled send. */
export interface SendTrace {
  readonly header: string;
  readonly recorded?: { readonly trace: TraceContext; readonly segmentId: string };
}

export function sendTrace(row: OutboxRow, recording: boolean): SendTrace | undefined {
  const trace = parseTraceHeader(row.trace_header ?? undefined);
  if (!trace) return undefined;
  if (!(trace.sampled && recording)) return { header: renderTraceHeader(trace) };
  const segmentId = newSegmentId();
  return { header: renderTraceHeader({ ...trace, parentId: segmentId }), recorded: { trace, segmentId } };
}

export function sendEntry(row: OutboxRow, trace: SendTrace | undefined): SendMessageBatchRequestEntry {
  const header = trace?.header;
  return {
    Id: row.id,
    MessageBody: row.body,
    MessageGroupId: row.message_group_id,
    MessageDeduplicationId: row.message_deduplication_id,
    ...(header ? { MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: header } } } : {}),
  };
}

/** What became of each row of a pass. */
export interface PassResult {
  readonly sent: string[];
  readonly retries: Retry[];
  readonly rejections: Rejection[];
}

/** Error codes of SQS that mean the message itself is unacceptable: sending it again cannot help. */
const MESSAGE_FAULTS = ['InvalidMessageContents', 'InvalidParameterValue', 'BatchRequestTooLong', 'MessageTooLong'];
export const isMessageFault = (code: string | undefined) =>
  code !== undefined && MESSAGE_FAULTS.some((fault) => code === fault || code.endsWith(`.${fault}`));

/** First retry after about `RETRY_BASE_MS`, doubling per attempt up to `RETRY_MAX_MS`; half of it random. */
export const RETRY_BASE_MS = 1000;
export const RETRY_MAX_MS = 300_000;
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Sent, to retry after a backoff, or rejected for good (a sender fault: the message is unacceptable). */
export function classify(rows: readonly OutboxRow[], { sent, failed }: SendAnswer): PassResult {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const result: PassResult = { sent, retries: [], rejections: [] };
  for (const failure of failed) {
    const row = byId.get(failure.Id!);
    if (!row) continue;
    const error = `${failure.Code ?? 'Error'}: ${failure.Message ?? ''}`;
    // `true` as SQS sends it; a string "true" from an SQS look-alike counts the same, "false" does not.
    if (String(failure.SenderFault) === 'true') result.rejections.push({ id: row.id, orderId: row.order_id, error });
    else result.retries.push({ id: row.id, error, delayMs: retryDelayMs(row.attempts + 1) });
  }
  return result;
}
