/**
 * The delayed abandoned-cart reminder (contracts/reminders.ts, docs/adr/0030): after a signed-in
 * customer's cart changes, one message to the `cart-reminders` queue with DelaySeconds (the
 * profile's delay, at most SQS's 900 s) carrying the customer and the cart's new version. The
 * cart-reminder handler decides when it becomes visible.
 *
 * A reminder is a nicety, the cart write is not: a send that fails (or takes longer than
 * SEND_TIMEOUT_MS) is logged (without the customer) and counted (CartReminderSendFailures,
 * alarmed) and the cart write still answers 200. That cart gets no reminder unless it changes again.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FastifyBaseLogger } from 'fastify';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { CART_REMINDER_SCHEMA_VERSION } from '@securecart/contracts/reminders';
import type { CartReminderMessage } from '@securecart/contracts/reminders';
import { emfLine } from './metrics';
import type { MetricsSink } from './metrics';

/** How long a cart write waits for the reminder's SendMessage before giving up on it. */
export const SEND_TIMEOUT_MS = 2000;

export interface CartRemindersOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly delaySeconds: number;
  readonly metricsNamespace: string;
  readonly metricsSink: MetricsSink;
}

/** Something that reminds of a cart version later; `noReminders` when the service has no queue. */
export interface CartReminderSender {
  /** Never rejects: a failure is logged and counted. Resolves true when the message was sent. */
  remind(customerId: string, cartVersion: number, log: FastifyBaseLogger): Promise<boolean>;
}

export const noReminders: CartReminderSender = { remind: async () => false };

export class CartReminders implements CartReminderSender {
  constructor(private readonly options: CartRemindersOptions) {}

  async remind(customerId: string, cartVersion: number, log: FastifyBaseLogger): Promise<boolean> {
    const message: CartReminderMessage = { schemaVersion: CART_REMINDER_SCHEMA_VERSION, customerId, cartVersion };
    try {
      await this.options.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.options.queueUrl,
          MessageBody: JSON.stringify(message),
          DelaySeconds: this.options.delaySeconds,
        }),
        { abortSignal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
      );
      return true;
    } catch (error) {
      const { metricsNamespace, metricsSink } = this.options;
      metricsSink(
        emfLine(metricsNamespace, [{ name: METRIC_NAMES.cartReminderSendFailures, unit: 'Count', value: 1 }]),
      );
      log.warn(
        { error: (error as { name?: string } | undefined)?.name ?? 'Error', cartVersion },
        'Could not send the cart reminder; the cart is saved, this version gets no reminder',
      );
      return false;
    }
  }
}

/**
 * After POST /api/orders created an order: marks the customer's cart as ordered at its current
 * version, so the reminder already on its way for that version is dropped. A failure is logged
 * and counted (CartOrderMarkFailures) and never fails the order, which is committed: at worst the
 * customer is reminded of a cart they ordered (the storefront also empties the cart after an order).
 */
export async function markCartOrdered(
  carts: { markOrdered(customerId: string): Promise<boolean> },
  customerId: string,
  log: FastifyBaseLogger,
  metrics: { readonly namespace: string; readonly sink: MetricsSink },
): Promise<void> {
  try {
    await carts.markOrdered(customerId);
  } catch (error) {
    metrics.sink(emfLine(metrics.namespace, [{ name: METRIC_NAMES.cartOrderMarkFailures, unit: 'Count', value: 1 }]));
    log.warn(
      { error: (error as { name?: string } | undefined)?.name ?? 'Error' },
      'Could not mark the cart as ordered; its pending reminder may still fire',
    );
  }
}
