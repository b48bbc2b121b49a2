import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { AFFINITY_KEYS } from '@securecart/contracts/clickstream';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { ddb, tryConditionalWrite } from '../shared/dynamodb';
import { requireEnv } from '../shared/env';
import { logger, startInvocation } from '../shared/logger';
import { countNow, metrics } from '../shared/metrics';
import { CONSUMER_KEYS, paddedSequence, parseRecord, shardOf, viewEffects } from './aggregate';
import type { InvalidReason, SessionView } from './aggregate';

/*
 * The clickstream consumer (docs/adr/0025): Kinesis → co-view and popularity counts in
 * ProductAffinity (contracts/clickstream.ts AFFINITY_KEYS).
 *
 * Counting once. A batch may come again (a function error, a timeout, bisection, a replay), so
 * every write is conditional on the record's shard and sequence number:
 * - each counter, session window and checkpoint item keeps, per shard, the sequence number of the
 *   last record applied to it (`seq_<shard>`), and a write applies only when the record is newer;
 * - the shard's checkpoint item is advanced after each record that changed anything, and records
 *   at or before it are skipped (so a finished record is never recomputed from a session window
 *   that later records have since changed).
 * Records are processed one by one, in order, and processing stops at the first failure, which is
 * reported as the batch item failure (ReportBatchItemFailures): the event source retries from it,
 * and nothing after it has been applied. (Powertools' batch processor would go on with the later
 * records, which the sequence guards would then make the failed record's writes skip.)
 *
 * A record that can never be counted (not JSON, not a click event, not a session id as partition
 * key) is counted in InvalidClickEvents and skipped: it never holds back the shard.
 * Times and days are the record's arrival in the stream, never the browser's clock.
 */

interface Config {
  readonly table: string;
}

interface ShardState {
  /** The padded sequence number of the last record applied on this shard, if any. */
  checkpoint: string | undefined;
}

const guardCondition = '(attribute_not_exists(#guard) OR #guard < :seq)';

/** An item of the consumer, read strongly consistent (undefined: none). */
async function readItem(config: Config, pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const out = await ddb.send(
    new GetCommand({
      TableName: config.table,
      Key: { [AFFINITY_KEYS.partitionKey]: pk, [AFFINITY_KEYS.sortKey]: sk },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

async function readCheckpoint(config: Config, shard: string): Promise<string | undefined> {
  const item = await readItem(config, CONSUMER_KEYS.checkpointPk(shard), CONSUMER_KEYS.checkpointSk);
  const value = item?.[CONSUMER_KEYS.guardAttribute(shard)];
  return typeof value === 'string' ? value : undefined;
}

/** One conditional write of an item of the consumer: the shard's guard, the TTL, and one change of a value. */
interface GuardedWrite {
  readonly pk: string;
  readonly sk: string;
  /** The item's TTL (epoch seconds). */
  readonly expiresAt: number;
  /** Sets `attribute` to `value`, or adds `by` to it (a counter). */
  readonly change?: { readonly attribute: string } & ({ readonly value: unknown } | { readonly by: number });
}

/**
 * Applies `write` unless this record (or a later one of the shard) was applied to the item already:
 * the item keeps the shard's last applied sequence number as its guard (`seq_<shard>`).
 */
async function guardedWrite(config: Config, shard: string, seq: string, write: GuardedWrite): Promise<void> {
  const { change } = write;
  const names: Record<string, string> = {
    '#guard': CONSUMER_KEYS.guardAttribute(shard),
    '#ttl': AFFINITY_KEYS.ttlAttribute,
  };
  const values: Record<string, unknown> = { ':seq': seq, ':ttl': write.expiresAt };
  let expression = 'SET #guard = :seq, #ttl = :ttl';
  if (change) {
    names['#value'] = change.attribute;
    if ('by' in change) {
      values[':by'] = change.by;
      expression += ' ADD #value :by';
    } else {
      values[':value'] = change.value;
      expression += ', #value = :value';
    }
  }
  await tryConditionalWrite(() =>
    ddb.send(
      new UpdateCommand({
        TableName: config.table,
        Key: { [AFFINITY_KEYS.partitionKey]: write.pk, [AFFINITY_KEYS.sortKey]: write.sk },
        UpdateExpression: expression,
        ConditionExpression: guardCondition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

async function readSession(config: Config, sessionId: string): Promise<SessionView[]> {
  const item = await readItem(config, CONSUMER_KEYS.sessionPk(sessionId), CONSUMER_KEYS.sessionSk);
  const views = item?.views;
  return Array.isArray(views) ? (views as SessionView[]) : [];
}

type Outcome = 'counted' | 'ignored' | { readonly invalid: InvalidReason };

/** Applies one record; throws when a write fails (the record is then the batch item failure). */
async function processRecord(
  config: Config,
  record: KinesisStreamRecord,
  shard: string,
  seq: string,
): Promise<Outcome> {
  const parsed = parseRecord(record.kinesis.partitionKey, record.kinesis.data);
  if (!parsed.ok) return { invalid: parsed.reason };
  if (parsed.event.type !== 'product_viewed') return 'ignored';
  const at = Math.round(record.kinesis.approximateArrivalTimestamp * 1000);
  const session = await readSession(config, parsed.sessionId);
  const effects = viewEffects(parsed.event, at, shard, seq, session);
  for (const inc of effects.increments) {
    await guardedWrite(config, shard, seq, {
      pk: inc.pk,
      sk: inc.sk,
      expiresAt: inc.expiresAt,
      change: { attribute: AFFINITY_KEYS.countAttribute, by: inc.by },
    });
  }
  await guardedWrite(config, shard, seq, {
    pk: CONSUMER_KEYS.sessionPk(parsed.sessionId),
    sk: CONSUMER_KEYS.sessionSk,
    expiresAt: Math.floor(at / 1000) + CONSUMER_KEYS.sessionTtlSeconds,
    change: { attribute: 'views', value: effects.window },
  });
  // The shard's checkpoint, advanced after the record's every write.
  await guardedWrite(config, shard, seq, {
    pk: CONSUMER_KEYS.checkpointPk(shard),
    sk: CONSUMER_KEYS.checkpointSk,
    expiresAt: Math.floor(at / 1000) + CONSUMER_KEYS.checkpointTtlSeconds,
  });
  return 'counted';
}

export const handler = async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
  startInvocation(undefined, context);
  const config: Config = { table: requireEnv(HANDLER_ENV.productAffinityTable) };
  const shards = new Map<string, ShardState>();
  const invalid = new Map<InvalidReason, number>();
  let counted = 0;
  let skipped = 0;
  let failure: string | undefined;
  try {
    for (const record of event.Records) {
      const { sequenceNumber } = record.kinesis;
      try {
        const shard = shardOf(record.eventID);
        const seq = paddedSequence(sequenceNumber);
        let state = shards.get(shard);
        if (!state) {
          state = { checkpoint: await readCheckpoint(config, shard) };
          shards.set(shard, state);
        }
        if (state.checkpoint !== undefined && seq <= state.checkpoint) {
          skipped++;
          continue;
        }
        const outcome = await processRecord(config, record, shard, seq);
        if (outcome === 'counted') {
          counted++;
          state.checkpoint = seq;
        } else if (outcome !== 'ignored') {
          invalid.set(outcome.invalid, (invalid.get(outcome.invalid) ?? 0) + 1);
          logger.warn('Clickstream record skipped: it can never be counted', {
            sequenceNumber,
            reason: outcome.invalid,
          });
        }
      } catch (error) {
        // Stop here: the event source retries from this record, and nothing after it is applied.
        logger.warn('Clickstream record failed; reported as the batch item failure, to be retried', {
          sequenceNumber,
          error: error as Error,
        });
        failure = sequenceNumber;
        break;
      }
    }
  } finally {
    for (const [reason, count] of invalid) countNow(METRIC_NAMES.invalidClickEvents, { reason, count });
    if (counted > 0) countNow(METRIC_NAMES.clickViewsCounted, { count: counted });
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
  logger.info('Clickstream batch', {
    records: event.Records.length,
    counted,
    skippedAsApplied: skipped,
    invalid: [...invalid.values()].reduce((a, b) => a + b, 0),
    failed: failure !== undefined,
  });
  return { batchItemFailures: failure === undefined ? [] : [{ itemIdentifier: failure }] };
};
