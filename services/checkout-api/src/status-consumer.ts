/**
 * The status consumer: long-polls the order-status queue (WaitTimeSeconds
 * DELIVERY.statusEvents.longPollSeconds) and mirrors each status event into PostgreSQL.
 *
 * Messages are SNS envelopes whose `Message` is an OrderStatusEvent (status-message.ts). A message
 * is deleted once it is applied, recorded as stale (out-of-order delivery: the order is already
 * further along) or recognised as a duplicate. A message that cannot be applied — malformed
 * envelope or event, or an order this database does not hold (or that belongs to another
 * customer) — is NOT deleted: it becomes visible again and, after the queue's maxReceiveCount
 * (DELIVERY.statusEvents.maxReceiveCount), SQS moves it to the DLQ, which is alarmed. A transient
 * failure (database down) is likewise retried by redelivery.
 *
 * Telemetry (docs/adr/0015-monitoring.md): when a terminal status is applied (once per order) it
 * emits the outcome metrics (outcome-metrics.ts); and when the message carries a sampled X-Ray
 * trace header (AWSTraceHeader: the workflow's trace, passed on by SNS) it sends a segment for its
 * handling, so the order's trace ends in the service.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { DELIVERY } from '@securecart/contracts/delivery';
import { METRICS_NAMESPACE } from '@securecart/contracts/metrics';
import { isTerminalStatus } from '@securecart/contracts/status';
import type { OrderStatusEvent } from '@securecart/contracts/status';
import { parseTraceHeader } from '@securecart/contracts/tracing';
import { BackgroundLoop } from './background-loop';
import { writeThrough } from './cache/order-cache';
import type { OrderCache } from './cache/order-cache';
import { defaultSink } from './metrics';
import type { MetricsSink } from './metrics';
import { applyStatusEvent, getOrder } from './orders';
import type { ApplyResult } from './orders';
import { recordOutcome } from './outcome-metrics';
import { parseStatusMessage } from './status-message';
import { newSegmentId, segment, sendSegment } from './tracing';
import type { SegmentSink } from './tracing';

export interface ConsumerOptions {
  readonly pool: pg.Pool;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly log: FastifyBaseLogger;
  /** @default DELIVERY.statusEvents.longPollSeconds */
  readonly waitTimeSeconds?: number;
  /** @default METRICS_NAMESPACE (what the Api stack sets as METRICS_NAMESPACE) */
  readonly metricsNamespace?: string;
  /** Where the outcome metrics go. @default defaultSink (the CloudWatch agent on ECS, else stdout) */
  readonly metricsSink?: MetricsSink;
  /** Where the segments of sampled messages go (main.ts: the X-Ray listener, if any); none: not recorded. */
  readonly segmentSink?: SegmentSink;
  /**
   * The shared cache's order views: after a status event changed an order (applied, or recorded
   * stale in its history) and the transaction committed, the new view is written through
   * (cache/order-cache.ts), so a cached status is never older than the database.
   */
  readonly orderCache?: OrderCache;
}

/** What became of a message: how applying its event went, or why it was not applied. */
export type MessageDisposition = ApplyResult | 'malformed' | 'error';

interface Handled {
  readonly disposition: MessageDisposition;
  readonly delete: boolean;
  readonly annotations?: Record<string, string>;
}

export class StatusConsumer extends BackgroundLoop {
  private abort?: AbortController;

  constructor(private readonly options: ConsumerOptions) {
    super();
  }

  /** Handles one message; true when it may be deleted. Traced when the message carries a sampled trace. */
  async handle(message: Message): Promise<{ disposition: MessageDisposition; delete: boolean }> {
    const trace = parseTraceHeader(message.Attributes?.AWSTraceHeader);
    const startTime = Date.now() / 1000;
    const result = await this.handleMessage(message);
    const segmentSink = this.options.segmentSink;
    if (trace?.sampled && segmentSink) {
      const document = segment(trace, newSegmentId(), startTime, {
        annotations: { operation: 'ApplyOrderStatus', disposition: result.disposition, ...result.annotations },
        ...(result.disposition === 'error' ? { fault: true } : result.delete ? {} : { error: true }),
      });
      sendSegment(segmentSink, document, this.options.log);
    }
    return { disposition: result.disposition, delete: result.delete };
  }

  private async handleMessage(message: Message): Promise<Handled> {
    const { log } = this.options;
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    // The last receive before SQS moves the message to the DLQ is an error, the ones before a warning.
    const level = receiveCount >= DELIVERY.statusEvents.maxReceiveCount ? 'error' : 'warn';
    const context = { messageId: message.MessageId, receiveCount };
    let event: OrderStatusEvent;
    try {
      event = parseStatusMessage(message.Body);
    } catch (error) {
      log[level]({ ...context, problem: (error as Error).message }, 'Malformed status message left for the DLQ');
      return { disposition: 'malformed', delete: false };
    }
    const eventContext = { ...context, orderId: event.orderId, status: event.status };
    const annotations = { orderId: event.orderId, status: event.status };
    try {
      const result = await applyStatusEvent(this.options.pool, event);
      if (result === 'unknown-order') {
        log[level](eventContext, 'Status event for an unknown order left for redelivery / the DLQ');
        return { disposition: result, delete: false, annotations };
      }
      log.info({ ...eventContext, result }, 'Status event handled');
      if ((result === 'applied' || result === 'recorded-stale') && this.options.orderCache) {
        const written = await writeThrough(this.options.orderCache, event.customerId, event.orderId, () =>
          getOrder(this.options.pool, event.customerId, event.orderId),
        );
        if (written === 'error') log.warn(eventContext, 'Could not write the new status through to the shared cache');
      }
      // `applied` happens once per status of an order: duplicates and stale deliveries are not counted.
      if (result === 'applied' && isTerminalStatus(event.status)) {
        await recordOutcome(this.options.pool, event, {
          namespace: this.options.metricsNamespace ?? METRICS_NAMESPACE,
          sink: this.options.metricsSink ?? defaultSink,
          log,
        });
      }
      return { disposition: result, delete: true, annotations };
    } catch (error) {
      log.error({ ...eventContext, err: error }, 'Status event failed; will be redelivered');
      return { disposition: 'error', delete: false, annotations };
    }
  }

  /** One receive (long poll) and the handling of what it returned. */
  async pollOnce(
    waitTimeSeconds = this.options.waitTimeSeconds ?? DELIVERY.statusEvents.longPollSeconds,
    signal?: AbortSignal,
  ): Promise<MessageDisposition[]> {
    const { sqs, queueUrl } = this.options;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: DELIVERY.statusEvents.receiveBatchSize,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'AWSTraceHeader'],
      }),
      { abortSignal: signal },
    );
    const results = await Promise.all(Messages.map((m) => this.handle(m)));
    const done = Messages.filter((_, i) => results[i].delete);
    if (done.length) {
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      for (const f of deleted.Failed ?? []) {
        this.options.log.warn({ code: f.Code }, 'Could not delete a handled status message (it will be redelivered)');
      }
    }
    return results.map((r) => r.disposition);
  }

  /** stop() aborts the long poll in progress, then waits for the messages being handled. */
  protected interrupt(): void {
    this.abort?.abort();
  }

  protected async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.abort = new AbortController();
      const started = Date.now();
      try {
        const handled = await this.pollOnce(undefined, this.abort.signal);
        failures = 0;
        // A receive that came back empty at once (an emulator not honouring long polling) must
        // not turn into a busy loop.
        if (handled.length === 0 && Date.now() - started < 1000) await sleep(1000, this.abort.signal);
      } catch (error) {
        if (!this.running) break;
        failures++;
        this.options.log.error({ err: error }, 'Status queue receive failed; backing off');
        await sleep(Math.min(30_000, 500 * 2 ** failures), this.abort.signal);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
