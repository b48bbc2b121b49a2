import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { OrderStatusEventSchema, SNS_ATTRIBUTES } from '@securecart/contracts';
import type { OrderStatusEvent } from '@securecart/contracts';
import type { Clients } from './aws';
import { isRecord, parseJson, sleep } from './util';

/** One status message received on a subscription queue. */
export interface Delivery {
  readonly event: OrderStatusEvent;
  readonly receivedAt: number;
  /** Problems with this message's delivery format (envelope vs raw, attribute, schema). */
  readonly problems: readonly string[];
}

/**
 * Drains one subscription queue in the background, keeping the status messages of this run's
 * orders (matched by the customer id prefix: the service assigns order ids, the run chooses its
 * customers) and deleting them. Messages of other runs are left alone: they stay invisible for
 * `foreignVisibilitySeconds`, then return to the queue.
 *
 * Used for the notifications and analytics queues. The order-status queue belongs to the checkout
 * service's status consumer; the suite reads what it applied through the service's API instead.
 */
export class StatusCollector {
  readonly byOrder = new Map<string, Delivery[]>();
  readonly noun = 'status messages';
  foreign = 0;
  private running = false;
  private loop?: Promise<void>;
  private lastError?: string;

  constructor(
    private readonly clients: Clients,
    readonly label: string,
    private readonly queueUrl: string,
    /** true: raw delivery (body = event); false: SNS envelope (body.Message = event). */
    private readonly raw: boolean,
    private readonly customerIdPrefix: string,
    private readonly foreignVisibilitySeconds = 120,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  statuses(orderId: string): string[] {
    return (this.byOrder.get(orderId) ?? []).map((d) => d.event.status);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const { Messages = [] } = await this.clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: this.foreignVisibilitySeconds,
            MessageAttributeNames: ['All'],
          }),
        );
        const mine: Message[] = [];
        for (const message of Messages) {
          const delivery = this.parse(message);
          if (!delivery || !delivery.event.customerId?.startsWith(this.customerIdPrefix)) {
            this.foreign++;
            continue;
          }
          const list = this.byOrder.get(delivery.event.orderId) ?? [];
          list.push(delivery);
          this.byOrder.set(delivery.event.orderId, list);
          mine.push(message);
        }
        if (mine.length > 0) {
          await this.clients.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.queueUrl,
              Entries: mine.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
        this.lastError = undefined;
      } catch (error) {
        this.lastError = `${(error as Error).name}: ${(error as Error).message}`;
        await sleep(500);
      }
    }
  }

  /** Parses a status message in either format; records format problems instead of dropping it. */
  private parse(message: Message): Delivery | undefined {
    const problems: string[] = [];
    const body = parseJson(message.Body);
    const isEnvelope = isRecord(body) && body.Type === 'Notification' && typeof body.Message === 'string';
    const payload = isEnvelope ? parseJson(body.Message as string) : body;
    const parsed = OrderStatusEventSchema.safeParse(payload);
    if (!parsed.success) {
      // Still ours if it names one of our orders: report it rather than ignore it.
      const orderId = isRecord(payload) && typeof payload.orderId === 'string' ? payload.orderId : undefined;
      const customerId = isRecord(payload) && typeof payload.customerId === 'string' ? payload.customerId : undefined;
      if (!orderId || !customerId) return undefined;
      problems.push(
        `not an OrderStatusEvent: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
      const status = isRecord(payload) && typeof payload.status === 'string' ? payload.status : 'INVALID';
      return {
        event: { orderId, customerId, status, reason: null } as unknown as OrderStatusEvent,
        receivedAt: Date.now(),
        problems,
      };
    }
    const event = parsed.data;
    let attribute: string | undefined;
    if (isEnvelope) {
      const attrs = (body as Record<string, unknown>).MessageAttributes;
      const entry = isRecord(attrs) ? attrs[SNS_ATTRIBUTES.status] : undefined;
      attribute = isRecord(entry) && typeof entry.Value === 'string' ? entry.Value : undefined;
    } else {
      attribute = message.MessageAttributes?.[SNS_ATTRIBUTES.status]?.StringValue;
    }
    if (this.raw && isEnvelope) problems.push('SNS envelope on a raw-delivery subscription');
    if (!this.raw && !isEnvelope) problems.push('raw message on an envelope subscription');
    if (attribute !== event.status)
      problems.push(
        `message attribute ${SNS_ATTRIBUTES.status}=${attribute ?? 'missing'} but body status ${event.status}`,
      );
    return { event, receivedAt: Date.now(), problems };
  }
}
