/**
 * The clickstream contract (issue 21): what the storefront records about browsing, how a batch
 * becomes Kinesis records, and how the consumer's aggregates are keyed in the ProductAffinity
 * table. Shared by the storefront (which sends batches to POST /api/events), the Api stack (whose
 * API Gateway service integration puts the records straight into the stream, no Lambda or
 * container on the path), the local forwarder that stands in for that integration, the consumer
 * Lambda (which aggregates co-views and popularity) and the checkout service (which reads them
 * for GET /api/products/{id}/recommendations).
 *
 * Privacy: an event carries an anonymous session id (random, rotated daily), product ids, a
 * timestamp and, only when signed in, the customer id. Never an address, payment data or free
 * text. POST /api/events is public (a beacon cannot carry the access token), so `customerId` is
 * what the browser claims, unverified: nothing is keyed, ranked or shown by it.
 */
import { ORDER_LIMITS } from './order';
import * as z from './zod';

/** What a customer did. */
export const CLICK_EVENT_TYPES = ['product_viewed', 'added_to_cart', 'checkout_started', 'order_placed'] as const;
export type ClickEventType = (typeof CLICK_EVENT_TYPES)[number];

export const CLICKSTREAM_LIMITS = {
  /** Events per POST /api/events (one PutRecords call; Kinesis allows 500). */
  maxEventsPerBatch: 25,
  /** Product ids per event (a cart or an order names several). */
  maxProductIdsPerEvent: 10,
  /** Largest serialised event, in bytes (test/contracts checks the schema cannot exceed it). */
  maxEventBytes: 1024,
  /** Products viewed in one session within this many minutes count as viewed together. */
  coViewWindowMinutes: 30,
  /** Recommendations read the daily counts of the last this-many days (today included). */
  windowDays: 7,
  /** GET /api/products/{id}/recommendations answers at most this many products. */
  maxRecommendations: 6,
  /** Days a daily count is kept (the table's TTL) beyond the window. */
  retentionDays: 8,
} as const;

/** The anonymous session id: random, base64url or a UUID, made by the storefront and rotated daily. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
/** `occurredAt`: a UTC ISO 8601 timestamp with milliseconds, as `Date.prototype.toISOString()` writes it. */
export const CLICK_TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Product ids in events: the catalog's own id alphabet (an id outside it cannot name a product). */
export const CLICK_PRODUCT_ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${ORDER_LIMITS.maxProductIdLength}}$`);
/** Customer ids (Cognito subs) as the browser claims them. */
export const CLICK_CUSTOMER_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

export const ClickEventSchema = z.strictObject({
  type: z.enum(CLICK_EVENT_TYPES),
  productIds: z
    .array(z.string().check(z.regex(CLICK_PRODUCT_ID_PATTERN)))
    .check(z.minLength(1), z.maxLength(CLICKSTREAM_LIMITS.maxProductIdsPerEvent)),
  occurredAt: z.string().check(z.regex(CLICK_TIMESTAMP_PATTERN)),
  /** Only when signed in; unverified (see the module comment). */
  customerId: z.optional(z.string().check(z.regex(CLICK_CUSTOMER_ID_PATTERN))),
});
export type ClickEvent = z.infer<typeof ClickEventSchema>;

/** The body of POST /api/events (API Gateway's request model is generated from it). */
export const ClickBatchSchema = z.strictObject({
  sessionId: z.string().check(z.regex(SESSION_ID_PATTERN)),
  events: z.array(ClickEventSchema).check(z.minLength(1), z.maxLength(CLICKSTREAM_LIMITS.maxEventsPerBatch)),
});
export type ClickBatch = z.infer<typeof ClickBatchSchema>;

/** One record of a PutRecords call, as the integration's mapping template and the local forwarder build it. */
export interface ClickstreamRecord {
  /** The session id: a session's events stay in order on one shard. */
  readonly PartitionKey: string;
  /** The event's JSON (ClickEventSchema), UTF-8; base64 on the wire. */
  readonly Data: string;
}

/**
 * The records of a batch: one per event, in order, partitioned by the session id, each the event's
 * own JSON. The API Gateway mapping template (lib/constructs) produces exactly these; a test renders
 * the template for the fixtures below and compares.
 */
export function clickstreamRecords(batch: ClickBatch): ClickstreamRecord[] {
  return batch.events.map((event) => ({ PartitionKey: batch.sessionId, Data: JSON.stringify(event) }));
}

/** Batches every tier's tests use (valid ones; the mapping-template test renders each). */
export const CLICKSTREAM_FIXTURES: readonly ClickBatch[] = [
  {
    sessionId: 'k3Jd9sQ2mV7xY1pL0aBc',
    events: [{ type: 'product_viewed', productIds: ['mug-001'], occurredAt: '2026-12-07T10:00:00.000Z' }],
  },
  {
    sessionId: '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b',
    events: [
      { type: 'product_viewed', productIds: ['mug-001'], occurredAt: '2026-12-07T10:00:00.000Z' },
      { type: 'product_viewed', productIds: ['tee-002'], occurredAt: '2026-12-07T10:01:30.250Z' },
      {
        type: 'added_to_cart',
        productIds: ['tee-002'],
        occurredAt: '2026-12-07T10:02:00.000Z',
        customerId: '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
      },
      {
        type: 'order_placed',
        productIds: ['mug-001', 'tee-002', 'cap_003'],
        occurredAt: '2026-12-07T10:05:00.999Z',
        customerId: '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
      },
    ],
  },
];

// --- ProductAffinity table ------------------------------------------------------------------------

/**
 * ProductAffinity's key layout (partition key `pk`, sort key `sk`, TTL `expiresAt`). Counts are
 * kept per UTC day (`day` = YYYY-MM-DD of the record's arrival in the stream, not the browser's
 * clock) and read over the last `windowDays`:
 * - co-views of a product: pk `coview#<productId>`, sk `<day>#<otherProductId>`, attribute `views`;
 * - popularity: pk `popular#<day>`, sk `<productId>`, attribute `views`.
 * The consumer may keep its own items (session windows, per-shard checkpoints) under other `pk`
 * prefixes; readers query only these two.
 */
export const AFFINITY_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  countAttribute: 'views',
  coViewPk: (productId: string) => `coview#${productId}`,
  coViewSk: (day: string, otherProductId: string) => `${day}#${otherProductId}`,
  popularPk: (day: string) => `popular#${day}`,
  popularSk: (productId: string) => productId,
} as const;

/** The UTC day (YYYY-MM-DD) of an instant. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The `windowDays` UTC days ending with `now`'s, newest first. */
export function windowDays(now: Date, days: number = CLICKSTREAM_LIMITS.windowDays): string[] {
  const out: string[] = [];
  for (let i = 0; i < days; i++) out.push(utcDay(new Date(now.getTime() - i * 86_400_000)));
  return out;
}
