/**
 * The status consumer: long-polls the order-status queue (WaitTimeSeconds 20) and mirrors each
 * status event into PostgreSQL.
 *
 * Messages are SNS envelopes (the subscription has RawMessageDelivery false) whose `Message` is an
 * OrderStatusEvent (contracts/status.ts). A message is deleted once it is applied, recorded as
 * stale (out-of-order delivery: the order is already further along) or recognised as a
 * duplicate. A message that cannot be applied — malformed envelope or event, or an order this
 * database does not hold (or that belongs to another customer) — is NOT deleted: it becomes
 * visible again and, after the queue's maxReceiveCount (5), SQS moves it to the DLQ, which is
 * alarmed. A transient failure (database down) is likewise retried by redelivery.
 *
 * Telemetry (docs/adr/0015-monitoring.md): when a terminal status is applied (once per order) it
 * emits OrderOutcomes (by status and reason) and TimeToOutcomeSeconds (from the order's creation
 * to the terminal status) as EMF; and when the message carries a sampled X-Ray trace header
 * (AWSTraceHeader: the workflow's trace, passed on by SNS) it sends a segment for its handling,
 * so the order's trace ends in the service.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import {
  CHECKOUT_METRIC_DIMENSIONS,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  NO_REASON_DIMENSION,
} from '@securecart/contracts/metrics';
import { OrderStatusEventSchema, TERMINAL_STATUSES } from '@securecart/contracts/status';
import type { OrderStatusEvent } from '@securecart/contracts/status';
import { parseTraceHeader } from '@securecart/contracts/tracing';
import { BackgroundLoop } from './background-loop';
import { defaultSink, emfLine, newSegmentId, segment } from './metrics';
import type { MetricsSink, SegmentSink } from './metrics';
import { applyStatusEvent } from './orders';
import type { ApplyOutcome } from './orders';

const STATUS_QUEUE_MAX_RECEIVE_COUNT = 5;

export interface ConsumerOptions {
  readonly pool: pg.Pool;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly log: FastifyBaseLogger;
  readonly waitTimeSeconds?: number;
  /** @default METRICS_NAMESPACE (what the Api stack sets as METRICS_NAMESPACE) */
  readonly metricsNamespace?: string;
  /** Where the outcome metrics go. @default defaultSink (the CloudWatch agent on ECS, else stdout) */
  readonly metricsSink?: MetricsSink;
  /** Where the segments of sampled messages go (main.ts: the X-Ray listener, if any); none: not recorded. */
  readonly segmentSink?: SegmentSink;
}

const isTerminal = (status: OrderStatusEvent['status']) => (TERMINAL_STATUSES as readonly string[]).includes(status);

export type MessageOutcome = ApplyOutcome | 'malformed' | 'error';

class PoisonMessage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessage';
  }
}

/** Unwraps the SNS envelope and validates the event; throws PoisonMessage when it cannot. */
function parseStatusMessage(body: string | undefined): OrderStatusEvent {
  let envelope: unknown;
  try {
    envelope = JSON.parse(body ?? '');
  } catch {
    throw new PoisonMessage('body is not JSON');
  }
  const { Type, Message } = (envelope ?? {}) as { Type?: unknown; Message?: unknown };
  if (Type !== 'Notification' || typeof Message !== 'string') {
    throw new PoisonMessage('not an SNS Notification envelope');
  }
  let inner: unknown;
  try {
    inner = JSON.parse(Message);
  } catch {
    throw new PoisonMessage('SNS Message is not JSON');
  }
  const parsed = OrderStatusEventSchema.safeParse(inner);
  if (!parsed.success) {
    throw new PoisonMessage(
      `not an OrderStatusEvent: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
    );
  }
  if (Number.isNaN(Date.parse(parsed.data.occurredAt))) throw new PoisonMessage('occurredAt: not a timestamp');
  return parsed.data;
}

export class StatusConsumer extends BackgroundLoop {
  private abort?: AbortController;

  constructor(private readonly options: ConsumerOptions) {
    super();
  }

  /** Handles one message; true when it may be deleted. Traced when the message carries a sampled trace. */
  async handle(message: Message): Promise<{ outcome: MessageOutcome; delete: boolean }> {
    const trace = parseTraceHeader(message.Attributes?.AWSTraceHeader);
    const startTime = Date.now() / 1000;
    const result = await this.handleMessage(message);
    const segmentSink = this.options.segmentSink;
    if (trace?.sampled && segmentSink) {
      try {
        segmentSink(
          segment(trace, newSegmentId(), startTime, {
            annotations: { operation: 'ApplyOrderStatus', outcome: result.outcome, ...result.annotations },
            ...(result.outcome === 'error' ? { fault: true } : result.delete ? {} : { error: true }),
          }),
        );
      } catch (error) {
        this.options.log.warn({ err: error }, 'Could not send the trace segment');
      }
    }
    return { outcome: result.outcome, delete: result.delete };
  }

  private async handleMessage(
    message: Message,
  ): Promise<{ outcome: MessageOutcome; delete: boolean; annotations?: Record<string, string> }> {
    const { log } = this.options;
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const level = receiveCount >= STATUS_QUEUE_MAX_RECEIVE_COUNT ? 'error' : 'warn';
    const context = { messageId: message.MessageId, receiveCount };
    let event: OrderStatusEvent;
    try {
      event = parseStatusMessage(message.Body);
    } catch (error) {
      log[level]({ ...context, problem: (error as Error).message }, 'Malformed status message left for the DLQ');
      return { outcome: 'malformed', delete: false };
    }
    const eventContext = { ...context, orderId: event.orderId, status: event.status };
    const annotations = { orderId: event.orderId, status: event.status };
    try {
      const outcome = await applyStatusEvent(this.options.pool, event);
      if (outcome === 'unknown-order') {
        log[level](eventContext, 'Status event for an unknown order left for redelivery / the DLQ');
        return { outcome, delete: false, annotations };
      }
      log.info({ ...eventContext, outcome }, 'Status event handled');
      // `applied` happens once per status of an order: duplicates and stale deliveries are not counted.
      if (outcome === 'applied' && isTerminal(event.status)) await this.recordOutcome(event);
      return { outcome, delete: true, annotations };
    } catch (error) {
      log.error({ ...eventContext, err: error }, 'Status event failed; will be redelivered');
      return { outcome: 'error', delete: false, annotations };
    }
  }

  /**
   * OrderOutcomes (by status, and by status and reason) and TimeToOutcomeSeconds (since the order
   * was created, i.e. accepted by POST /api/orders) for an order that just reached its terminal
   * status. A failure here is logged and never fails the message: the status is already applied.
   */
  private async recordOutcome(event: OrderStatusEvent): Promise<void> {
    const D = CHECKOUT_METRIC_DIMENSIONS;
    const namespace = this.options.metricsNamespace ?? METRICS_NAMESPACE;
    const sink = this.options.metricsSink ?? defaultSink;
    const occurredAt = Date.parse(event.occurredAt);
    try {
      const { rows } = await this.options.pool.query<{ created_at: Date }>({
        name: 'order_created_at',
        text: 'SELECT created_at FROM orders WHERE order_id = $1',
        values: [event.orderId],
      });
      const reason = event.reason ?? NO_REASON_DIMENSION;
      sink(
        emfLine(namespace, [{ name: METRIC_NAMES.orderOutcomes, unit: 'Count', value: 1 }], Date.now(), {
          values: { [D.status]: event.status, [D.reason]: reason },
          sets: [[D.status], [D.status, D.reason]],
        }),
      );
      const createdAt = rows[0]?.created_at;
      if (createdAt) {
        const seconds = Math.max(0, (occurredAt - new Date(createdAt).getTime()) / 1000);
        sink(
          emfLine(
            namespace,
            [{ name: METRIC_NAMES.timeToOutcome, unit: 'Seconds', value: Math.round(seconds * 1000) / 1000 }],
            Date.now(),
            { values: { [D.status]: event.status }, sets: [[], [D.status]] },
          ),
        );
      }
    } catch (error) {
      this.options.log.warn({ err: error, orderId: event.orderId }, 'Could not record the outcome metrics');
    }
  }

  /** One receive (long poll) and the handling of what it returned. */
  async pollOnce(
    waitTimeSeconds = this.options.waitTimeSeconds ?? 20,
    signal?: AbortSignal,
  ): Promise<MessageOutcome[]> {
    const { sqs, queueUrl } = this.options;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
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
    return results.map((r) => r.outcome);
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
        const outcomes = await this.pollOnce(undefined, this.abort.signal);
        failures = 0;
        // A receive that came back empty at once (an emulator not honouring long polling) must
        // not turn into a busy loop.
        if (outcomes.length === 0 && Date.now() - started < 1000) await sleep(1000, this.abort.signal);
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
