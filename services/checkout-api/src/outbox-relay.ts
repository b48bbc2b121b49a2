/**
 * The outbox relay: sends unsent outbox rows to orders.fifo and marks them sent.
 *
 * - One pass locks up to OUTBOX_BATCH_SIZE (at most DELIVERY.outbox.sendBatchSize, SQS's maximum) of the oldest unsent rows with FOR UPDATE SKIP LOCKED, so several
 *   tasks relay at once without sending a row twice, sends them in one SendMessageBatch
 *   (MessageGroupId = customer id, MessageDeduplicationId = order id, body = the contract Order)
 *   and marks the accepted entries sent, all in one transaction.
 * - A crash (or a lost response) between the send and the mark leaves the rows unsent: they are
 *   sent again with the same deduplication id, which SQS FIFO drops as a duplicate within its
 *   5-minute window.
 * - No row holds up the others. An entry SQS refuses with a sender fault (InvalidMessageContents,
 *   InvalidParameterValue: the message itself is unacceptable) can never be sent: the row is
 *   marked rejected and its order CANCELLED (INVALID_ORDER: the pipeline never saw it, so nothing
 *   was charged), counted in OutboxRejected (alarmed). An entry that failed for another reason
 *   waits out an exponential backoff with jitter (next_attempt_at) while the rows behind it go
 *   on. When SQS refuses the whole batch for what one message holds (BatchRequestTooLong, ...),
 *   the pass sends the rows one by one, so each gets its own answer. A failure of the call
 *   itself (throttling, 5xx, network, access) fails the pass: nothing is marked, and the loop
 *   backs off (every row is affected alike).
 * - Lag (age of the oldest row still to send) and the unsent count are published as EMF metrics;
 *   state() reports them with the rows backing off, the rejected rows and the last send.
 * - A row with a trace header (the request's X-Ray trace) is sent with it as the message's
 *   AWSTraceHeader; when sampled, the send is recorded as a segment, the message's parent.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { BackgroundLoop, WakeableDelay } from './background-loop';
import { emfLine } from './metrics';
import type { MetricsSink } from './metrics';
import { classify, isMessageFault, sendEntry, sendTrace } from './outbox-delivery';
import type { PassResult, SendAnswer, SendTrace } from './outbox-delivery';
import { backlog, lockDueRows, markRejected, markRetry, markSent } from './outbox-rows';
import type { OutboxRow, RelayBacklog } from './outbox-rows';
import { segment, sendSegment } from './tracing';
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

export class OutboxRelay extends BackgroundLoop {
  private readonly delay = new WakeableDelay();
  private lastMetricsAt = 0;
  private lastSentAt: Date | undefined;

  constructor(private readonly options: RelayOptions) {
    super();
  }

  /** One pass: returns how many rows were marked sent. */
  async runOnce(): Promise<number> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      const rows = await lockDueRows(client, this.options.batchSize);
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const result = await this.sendRows(rows);
      await markSent(client, result.sent);
      await markRetry(client, result.retries);
      await markRejected(client, result.rejections);
      await client.query('COMMIT');
      this.report(rows, result);
      return result.sent.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The rows in one batch; one by one when SQS refuses the batch for what a message holds. */
  private async sendRows(rows: OutboxRow[]): Promise<PassResult> {
    try {
      return classify(rows, await this.send(rows));
    } catch (error) {
      if (!isMessageFault((error as Error).name)) throw error;
      const result: PassResult = { sent: [], retries: [], rejections: [] };
      for (const row of rows) {
        let one: PassResult;
        try {
          one = classify([row], await this.send([row]));
        } catch (rowError) {
          const { name, message } = rowError as Error;
          const failure = { Id: row.id, Code: name, Message: message, SenderFault: isMessageFault(name) };
          one = classify([row], { sent: [], failed: [failure] });
        }
        result.sent.push(...one.sent);
        result.retries.push(...one.retries);
        result.rejections.push(...one.rejections);
      }
      return result;
    }
  }

  /** One SendMessageBatch for the rows, with a segment for each sampled row's send. */
  private async send(rows: OutboxRow[]): Promise<SendAnswer> {
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

  private report(rows: OutboxRow[], { sent, retries, rejections }: PassResult): void {
    const { log } = this.options;
    const orderOf = new Map(rows.map((r) => [r.id, r.order_id]));
    if (sent.length) this.lastSentAt = new Date();
    for (const id of sent) log.info({ orderId: orderOf.get(id) }, 'Order sent to orders.fifo');
    for (const r of retries) {
      log.warn(
        { orderId: orderOf.get(r.id), error: r.error, retryInMs: r.delayMs },
        'SQS did not take an outbox entry; will retry',
      );
    }
    for (const r of rejections) {
      log.error({ orderId: r.orderId, error: r.error }, 'SQS refused an outbox entry for good; the order is cancelled');
    }
    if (rejections.length) {
      const { metricsNamespace, metricsSink } = this.options;
      metricsSink(
        emfLine(metricsNamespace, [{ name: METRIC_NAMES.outboxRejected, unit: 'Count', value: rejections.length }]),
      );
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

  /** The backlog (what is still to send, backing off, rejected) and when a row was last sent. */
  async state(): Promise<RelayBacklog & { lastSentAt: string | null }> {
    return { ...(await backlog(this.options.pool)), lastSentAt: this.lastSentAt?.toISOString() ?? null };
  }

  /** Age in seconds of the oldest row still to send (0 when none) and the number of such rows. */
  async lag(): Promise<{ lagSeconds: number; unsent: number }> {
    const { lagSeconds, unsent } = await backlog(this.options.pool);
    return { lagSeconds, unsent };
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
