/** The reminder settings of the service's configuration (config.ts; docs/adr/0030). */
import { CHECKOUT_ENV } from '@securecart/contracts/env';
import type { EnvReader } from '@securecart/contracts/env';
import { CART_REMINDER_DELAY } from '@securecart/contracts/reminders';

export interface CartReminderConfig {
  /** Unset: no abandoned-cart reminders. */
  readonly cartRemindersQueueUrl?: string;
  readonly cartReminderDelaySeconds: number;
}

const E = CHECKOUT_ENV;

/** CART_REMINDERS_QUEUE_URL (a standard queue: FIFO queues ignore a message's DelaySeconds) and the delay. */
export function cartReminderConfig(env: EnvReader): CartReminderConfig {
  const cartRemindersQueueUrl = env.get(E.cartRemindersQueueUrl);
  env.url(E.cartRemindersQueueUrl, cartRemindersQueueUrl, ['https:', 'http:']);
  if (cartRemindersQueueUrl?.endsWith('.fifo'))
    env.problems.push(`${E.cartRemindersQueueUrl} must be a standard queue (FIFO queues have no per-message delay)`);
  const { minSeconds, maxSeconds, defaultSeconds } = CART_REMINDER_DELAY;
  const cartReminderDelaySeconds = env.int(E.cartReminderDelaySeconds, defaultSeconds, minSeconds, maxSeconds);
  return { cartRemindersQueueUrl, cartReminderDelaySeconds };
}
