import {
  AFFINITY_KEYS,
  CLICKSTREAM_LIMITS,
  ClickEventSchema,
  SESSION_ID_PATTERN,
  utcDay,
} from '@securecart/contracts/clickstream';
import type { ClickEvent } from '@securecart/contracts/clickstream';

/*
 * The consumer's pure part: what a Kinesis record is (or why it is not a click event), and which
 * counters one product_viewed record increments, given the session's earlier views. No I/O here.
 */

/**
 * Sequence numbers are decimal strings (56 digits today, "up to 128 characters" in the API):
 * zero-padded to one width they compare as strings, as DynamoDB conditions compare them.
 */
const SEQUENCE_WIDTH = 128;
export function paddedSequence(sequenceNumber: string): string {
  if (!/^\d{1,128}$/.test(sequenceNumber)) throw new Error(`Not a Kinesis sequence number: ${sequenceNumber}`);
  return sequenceNumber.padStart(SEQUENCE_WIDTH, '0');
}

/** The shard of a Kinesis event record (`eventID` is `<shardId>:<sequenceNumber>`). */
export function shardOf(eventId: string): string {
  const shard = eventId.split(':')[0];
  if (!/^shardId-\d+$/.test(shard)) throw new Error(`Not a Kinesis event id: ${eventId}`);
  return shard;
}

export const INVALID_REASONS = ['not_json', 'schema', 'session_id'] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

export type ParsedRecord =
  | { readonly ok: true; readonly sessionId: string; readonly event: ClickEvent }
  | { readonly ok: false; readonly reason: InvalidReason };

/** A record's partition key and Data (base64 of the event's JSON), checked against the contract. */
export function parseRecord(partitionKey: string, base64Data: string): ParsedRecord {
  if (!SESSION_ID_PATTERN.test(partitionKey)) return { ok: false, reason: 'session_id' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(base64Data, 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  const parsed = ClickEventSchema.safeParse(json);
  return parsed.success ? { ok: true, sessionId: partitionKey, event: parsed.data } : { ok: false, reason: 'schema' };
}

/** A view kept in the session's window item. */
export interface SessionView {
  /** Product id. */
  readonly p: string;
  /** Arrival time of its record, epoch ms. */
  readonly at: number;
  /** Its record's shard and padded sequence number. */
  readonly shard: string;
  readonly seq: string;
}

export interface Increment {
  readonly pk: string;
  readonly sk: string;
  readonly by: number;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

const WINDOW_MS = CLICKSTREAM_LIMITS.coViewWindowMinutes * 60_000;
const DAY_MS = 86_400_000;

/** When a daily count expires: the day's start plus windowDays + retentionDays (the table's TTL, seconds). */
export function countExpiresAt(day: string): number {
  const keepDays = CLICKSTREAM_LIMITS.windowDays + CLICKSTREAM_LIMITS.retentionDays;
  return Math.floor((Date.parse(`${day}T00:00:00.000Z`) + keepDays * DAY_MS) / 1000);
}

/**
 * The views of the session that came before this record (`shard`, `seq`) within the co-view
 * window ending at `at`. Views from another shard come from a parent shard, which the event source
 * finishes before its children, so they are earlier.
 */
export function earlierViews(views: readonly SessionView[], at: number, shard: string, seq: string): SessionView[] {
  return views.filter((v) => (v.shard !== shard || v.seq < seq) && v.at <= at && at - v.at <= WINDOW_MS);
}

export interface ViewEffects {
  /** Counter increments, one per item (summed), in a stable order. */
  readonly increments: Increment[];
  /** The session's window after this record: its views within the window, this record's added. */
  readonly window: SessionView[];
  /** Product views counted (popularity). */
  readonly views: number;
}

/**
 * What one product_viewed record does. Time and day are the record's arrival in the stream
 * (`at`), never the browser's `occurredAt`.
 * - popularity: each product of the event, once, in `popular#<day>`;
 * - co-views: a product viewed with others in the session's window (earlier views, and the
 *   products named before it in the same event) counts once with each of them, both ways; a
 *   product already in the window adds no co-views (a pair counts once per session window).
 */
export function viewEffects(
  event: ClickEvent,
  at: number,
  shard: string,
  seq: string,
  sessionViews: readonly SessionView[],
): ViewEffects {
  const day = utcDay(new Date(at));
  const expiresAt = countExpiresAt(day);
  const counts = new Map<string, Increment>();
  const add = (pk: string, sk: string) => {
    const key = `${pk}\u0000${sk}`;
    const prev = counts.get(key);
    counts.set(key, { pk, sk, by: (prev?.by ?? 0) + 1, expiresAt });
  };
  const seen = new Set(earlierViews(sessionViews, at, shard, seq).map((v) => v.p));
  const products = [...new Set(event.productIds)];
  for (const p of products) {
    add(AFFINITY_KEYS.popularPk(day), AFFINITY_KEYS.popularSk(p));
    if (!seen.has(p)) {
      for (const q of seen) {
        add(AFFINITY_KEYS.coViewPk(p), AFFINITY_KEYS.coViewSk(day, q));
        add(AFFINITY_KEYS.coViewPk(q), AFFINITY_KEYS.coViewSk(day, p));
      }
      seen.add(p);
    }
  }
  const kept = sessionViews.filter((v) => at - v.at <= WINDOW_MS && !(v.shard === shard && v.seq === seq));
  const window = [...kept, ...products.map((p) => ({ p, at, shard, seq }))];
  const increments = [...counts.values()].sort((a, b) => (a.pk + a.sk < b.pk + b.sk ? -1 : 1));
  return { increments, window, views: products.length };
}

/** The consumer's own items (readers query only `coview#` and `popular#`). */
export const CONSUMER_KEYS = {
  sessionPk: (sessionId: string) => `session#${sessionId}`,
  sessionSk: 'window',
  checkpointPk: (shard: string) => `checkpoint#${shard}`,
  checkpointSk: 'checkpoint',
  /** The attribute on every item the consumer updates: the last record of `shard` applied to it. */
  guardAttribute: (shard: string) => `seq_${shard.replace(/[^A-Za-z0-9]/g, '_')}`,
  /** A session window item outlives its last view by a day (it is only needed for 30 minutes). */
  sessionTtlSeconds: 86_400,
  /** A checkpoint outlives the stream's 24 h retention. */
  checkpointTtlSeconds: 3 * 86_400,
} as const;
