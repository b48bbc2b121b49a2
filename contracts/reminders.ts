/**
 * Abandoned-cart reminders (issue 22, "Delayed work"; docs/adr/0030): the delayed message the
 * checkout service sends to the `cart-reminders` queue when a signed-in customer's cart changes,
 * the cart attributes the reminder decides on, and the `CartAbandoned` event the cart-reminder
 * handler publishes on the SecureCart bus when the cart it was sent for is still the customer's
 * current cart, not empty and not ordered. Ids and counts only: never an address or a payment token.
 */
import { ORDER_LIMITS } from './order';
import { safeText } from './text';
import * as z from './zod';

export const CART_REMINDER_SCHEMA_VERSION = 1;

/**
 * SQS's bounds of a message's DelaySeconds; the default is the maximum (15 minutes). A profile
 * shortens it (`cartReminders.delay`; the localstack profile, so the smoke suite sees one fire).
 */
export const CART_REMINDER_DELAY = { minSeconds: 0, maxSeconds: 900, defaultSeconds: 900 } as const;

/**
 * The cart item's attributes the reminder uses, next to TABLE_KEYS.carts (contracts/tables.ts).
 * `version` goes up by one with every PUT /api/cart (an atomic ADD: every write gets its own
 * number); `orderedVersion` is the version the customer's last order was placed from (the
 * service copies `version` into it when POST /api/orders creates an order).
 */
export const CART_ATTRIBUTES = {
  version: 'version',
  orderedVersion: 'orderedVersion',
  items: 'items',
  updatedAt: 'updatedAt',
} as const;

const cartVersion = z.number().check(z.int(), z.minimum(1), z.maximum(Number.MAX_SAFE_INTEGER));

/** The `cart-reminders` message: whose cart, and which version of it. Nothing else. */
export const CartReminderMessageSchema = z.object({
  schemaVersion: z.literal(CART_REMINDER_SCHEMA_VERSION),
  customerId: safeText({ min: 1, max: 128 }),
  cartVersion,
});
export type CartReminderMessage = z.infer<typeof CartReminderMessageSchema>;

/** Largest reminder message body: a customer id of 128 characters (up to 4 bytes each) and a number. */
export const CART_REMINDER_MAX_BYTES = 1024;

export const CART_EVENT_SOURCE = 'securecart.carts';
export const CART_ABANDONED_DETAIL_TYPE = 'Cart Abandoned';

/** The `CartAbandoned` detail: who, which cart version, since when, and what is in it (ids and counts only). */
export const CartAbandonedDetailSchema = z.object({
  schemaVersion: z.literal(CART_REMINDER_SCHEMA_VERSION),
  customerId: safeText({ min: 1, max: 128 }),
  cartVersion,
  /** When the cart was last changed (ISO 8601): the customer has not touched it since. */
  cartUpdatedAt: z.iso.datetime(),
  /** Total units over all lines. */
  itemCount: z.number().check(z.int(), z.minimum(1)),
  productIds: z
    .array(z.string().check(z.minLength(1), z.maxLength(ORDER_LIMITS.maxProductIdLength)))
    .check(z.minLength(1), z.maxLength(ORDER_LIMITS.maxItems)),
});
export type CartAbandonedDetail = z.infer<typeof CartAbandonedDetailSchema>;

/** The rule that routes CartAbandoned to the notifications queue. */
export const CART_ABANDONED_PATTERN = {
  source: [CART_EVENT_SOURCE],
  'detail-type': [CART_ABANDONED_DETAIL_TYPE],
} as const;

/** Why a reminder was not sent (the handler's log line and the `reason` of its metric). */
export const REMINDER_SKIPS = {
  /** The cart changed since the message was sent: the newer version's message decides. */
  superseded: 'SUPERSEDED',
  /** An order was placed from this version of the cart. */
  ordered: 'ORDERED',
  /** No cart, an expired one, or an empty one. */
  empty: 'EMPTY',
} as const;
export type ReminderSkip = (typeof REMINDER_SKIPS)[keyof typeof REMINDER_SKIPS];

/**
 * The decision, from the cart item as a strongly consistent read returns it (undefined: no item).
 * `now` in epoch milliseconds, for the TTL: an item past `expiresAt` that DynamoDB has not deleted
 * yet is no cart.
 */
export function reminderDecision(
  message: Pick<CartReminderMessage, 'cartVersion'>,
  item: Record<string, unknown> | undefined,
  now: number,
  ttlAttribute: string,
): { send: true } | { send: false; reason: ReminderSkip } {
  const expiresAt = Number(item?.[ttlAttribute]);
  const items = item?.[CART_ATTRIBUTES.items];
  if (!item || !Number.isFinite(expiresAt) || expiresAt * 1000 <= now || !Array.isArray(items) || items.length === 0)
    return { send: false, reason: REMINDER_SKIPS.empty };
  if (item[CART_ATTRIBUTES.version] !== message.cartVersion) return { send: false, reason: REMINDER_SKIPS.superseded };
  if (item[CART_ATTRIBUTES.orderedVersion] === message.cartVersion)
    return { send: false, reason: REMINDER_SKIPS.ordered };
  return { send: true };
}
