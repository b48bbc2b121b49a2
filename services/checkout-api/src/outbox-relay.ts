/**
 * The outbox relay: sends unsent outbox rows to orders.fifo and marks them sent.
 *
 * - One pass locks up to OUTBOX_BATCH_SIZE (at most DELIVERY.outbox.sendBatchSize, SQS's maximum) of the oldest unsent rows with FOR UPDATE SKIP LOCKED, so several
 *   tasks relay at once without sending a row twice, sends them in one SendMessageBatch
 *   (MessageGroupId = customer id, MessageDeduplicationId = order id, body = the contract Order)
 *   and marks the accepted entries sent, all in one transaction.
 * - A crash (or a lost response) between the send and the mark leaves the rows unsent: they are
 *   sent again with the same deduplication id, which SQS FIFO drops as a duplicate within its
 *   5-minute window. Entries SQS rejects stay unsent, with the error recorded, and are retried.
 * - Lag (age of the oldest unsent row) and the unsent count are published as EMF metrics.
 * - A row with a trace header (the request's X-Ray trace) is sent with it as the message's
 *   AWSTraceHeader; when sampled, the send is recorded as a segment, the message's parent.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { BatchResultErrorEntry, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { parseTraceHeader, renderTraceHeader } from '@securecart/contracts/tracing';
import type { TraceContext } from '@securecart/contracts/tracing';
import { BackgroundLoop, WakeableDelay } from './background-loop';
import { emfLine } from './metrics';
import type { MetricsSink } from './metrics';
import { newSegmentId, segment, sendSegment } from './tracing';
import type { SegmentSink } from './tracing';

export interface RelayOptions {
  readonly pool: pg.Pool;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly metricsIntervalMs: number;
  readonly metricsNamespace: string;
  readonly metricsSink: MetricsSink;
  /** Where the segments of sampled sends go; none: not recorded (the header is still sent). */
  readonly segmentSink?: SegmentSink;
  readonly log: FastifyBaseLogger;
}

interface OutboxRow {
  id: string;
  order_id: string;
  message_group_id: string;
  message_deduplication_id: string;
  body: string;
  trace_header: string | null;
}

/** A row's trace for its send: the message's header, and the segment recorded for a sampled send. */
interface SendTrace {
  readonly header: string;
  readonly recorded?: { readonly trace: TraceContext; readonly segmentId: string };
}

function sendTrace(row: OutboxRow, recording: boolean): SendTrace | undefined {
  const trace = parseTraceHeader(row.trace_header ?? undefined);
  if (!trace) return undefined;
  if (!(trace.sampled && recording)) return { header: renderTraceHeader(trace) };
  const segmentId = newSegmentId();
  return { header: renderTraceHeader({ ...trace, parentId: segmentId }), recorded: { trace, segmentId } };
}

function sendEntry(row: OutboxRow, trace: SendTrace | undefined): SendMessageBatchRequestEntry {
  const header = trace?.header;
  return {
    Id: row.id,
    MessageBody: row.body,
    MessageGroupId: row.message_group_id,
    MessageDeduplicationId: row.message_deduplication_id,
    ...(header ? { MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: header } } } : {}),
  };
}

async function lockBatch(client: pg.PoolClient, batchSize: number): Promise<OutboxRow[]> {
  const { rows } = await client.query<OutboxRow>({
    name: 'outbox_lock_batch',
    text: `SELECT id, order_id, message_group_id, message_deduplication_id, body, trace_header FROM outbox
           WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    values: [batchSize],
  });
  return rows;
}

/** Marks the rows SQS took as sent, and records the error of each one it rejected. */
async function markResults(client: pg.PoolClient, sent: string[], failed: BatchResultErrorEntry[]): Promise<void> {
  if (sent.length) {
    await client.query({
      name: 'outbox_mark_sent',
      text: 'UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::bigint[])',
      values: [sent],
    });
  }
  for (const failure of failed) {
    await client.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [
      failure.Id,
      `${failure.Code ?? 'Error'}: ${failure.Message ?? ''}`.slice(0, 500),
    ]);
  }
}

interface SendResult {
  readonly sent: string[];
  readonly failed: BatchResultErrorEntry[];
}

export class OutboxRelay extends BackgroundLoop {
  private readonly delay = new WakeableDelay();
  private lastMetricsAt = 0;

  constructor(private readonly options: RelayOptions) {
    super();
  }

  /** One pass: returns how many rows were marked sent. */
  async runOnce(): Promise<number> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      const rows = await lockBatch(client, this.options.batchSize);
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const { sent, failed } = await this.send(rows);
      await markResults(client, sent, failed);
      await client.query('COMMIT');
      this.logResults(rows, { sent, failed });
      return sent.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** One SendMessageBatch for the rows, with a segment for each sampled row's send. */
  private async send(rows: OutboxRow[]): Promise<SendResult> {
    const traces = new Map(rows.map((row) => [row.id, sendTrace(row, this.options.segmentSink !== undefined)]));
    const sendStart = Date.now() / 1000;
    let result;
    try {
      result = await this.options.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: rows.map((row) => sendEntry(row, traces.get(row.id))),
        }),
      );
    } catch (error) {
      this.recordSends(rows, traces, sendStart, new Set());
      throw error;
    }
    const sent = (result.Successful ?? []).map((s) => s.Id!);
    this.recordSends(rows, traces, sendStart, new Set(sent));
    return { sent, failed: result.Failed ?? [] };
  }

  private logResults(rows: OutboxRow[], { sent, failed }: SendResult): void {
    const { log } = this.options;
    const byId = new Map(rows.map((r) => [r.id, r.order_id]));
    for (const id of sent) log.info({ orderId: byId.get(id) }, 'Order sent to orders.fifo');
    for (const f of failed) {
      log.warn({ orderId: byId.get(f.Id!), code: f.Code, senderFault: f.SenderFault }, 'SQS rejected an outbox entry');
    }
  }

  /** A segment for each sampled row's send (a fault when SQS did not take it). */
  private recordSends(
    rows: OutboxRow[],
    traces: Map<string, SendTrace | undefined>,
    startTime: number,
    sent: Set<string>,
  ): void {
    const sink = this.options.segmentSink;
    if (!sink) return;
    for (const row of rows) {
      const recorded = traces.get(row.id)?.recorded;
      if (!recorded) continue;
      const document = segment(recorded.trace, recorded.segmentId, startTime, {
        annotations: { operation: 'RelayOrder', orderId: row.order_id },
        ...(sent.has(row.id) ? {} : { fault: true }),
      });
      sendSegment(sink, document, this.options.log);
    }
  }

  /** Age in seconds of the oldest unsent row (0 when none) and the number of unsent rows. */
  async lag(): Promise<{ lagSeconds: number; unsent: number }> {
    const { rows } = await this.options.pool.query<{ lag: string | null; unsent: string }>({
      name: 'outbox_lag',
      text: `SELECT EXTRACT(EPOCH FROM (now() - min(created_at))) AS lag, count(*) AS unsent
             FROM outbox WHERE sent_at IS NULL`,
    });
    return { lagSeconds: Math.max(0, Number(rows[0]?.lag ?? 0)), unsent: Number(rows[0]?.unsent ?? 0) };
  }

  async publishMetrics(): Promise<void> {
    const { lagSeconds, unsent } = await this.lag();
    this.options.metricsSink(
      emfLine(this.options.metricsNamespace, [
        { name: METRIC_NAMES.outboxLag, unit: 'Seconds', value: Math.round(lagSeconds * 1000) / 1000 },
        { name: METRIC_NAMES.outboxUnsent, unit: 'Count', value: unsent },
      ]),
    );
    this.lastMetricsAt = Date.now();
  }

  /** Called after an order commits, so it is relayed without waiting for the next poll. */
  wake(): void {
    this.delay.wake();
  }

  protected interrupt(): void {
    this.delay.wake();
  }

  /** The background loop (start()): a pass on every wake-up (a new order) or poll interval. */
  protected async run(): Promise<void> {
    const { pollIntervalMs, metricsIntervalMs, log } = this.options;
    let failures = 0;
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.runOnce();
        failures = 0;
        if (Date.now() - this.lastMetricsAt >= metricsIntervalMs) await this.publishMetrics();
      } catch (error) {
        failures++;
        log.error({ err: error }, 'Outbox relay pass failed; will retry');
      }
      if (sent === this.options.batchSize && failures === 0) continue; // more may be waiting
      const delay = failures ? Math.min(30_000, pollIntervalMs * 2 ** failures) : pollIntervalMs;
      await this.delay.wait(delay);
    }
  }
}
