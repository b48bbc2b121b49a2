import { randomBytes } from 'node:crypto';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AFFINITY_KEYS, clickstreamRecords, utcDay } from '@securecart/contracts/clickstream';
import type { ClickBatch } from '@securecart/contracts/clickstream';
import type { Clients } from './aws';
import type { StackOutputs } from './outputs';
import { CheckFailure } from './report';
import { pollUntil } from './util';

/*
 * The clickstream end to end on the deployed stack (ADR 25): two product views of one new session
 * are put into the stream as POST /api/events would (the contract's clickstreamRecords; API
 * Gateway itself is not part of a local deployment), and the consumer's co-view count must appear
 * in ProductAffinity, both ways. Product ids and the session are new per run, so the count is
 * exactly 1 unless a record was counted twice.
 */

export interface ClickstreamRun {
  readonly batch: ClickBatch;
  readonly products: readonly [string, string];
}

export function planClickstream(): ClickstreamRun {
  const id = randomBytes(6).toString('hex');
  const products = [`smoke-a-${id}`, `smoke-b-${id}`] as const;
  const at = new Date().toISOString();
  return {
    products,
    batch: {
      sessionId: `smoke-${id}-${randomBytes(8).toString('hex')}`,
      events: products.map((p) => ({ type: 'product_viewed' as const, productIds: [p], occurredAt: at })),
    },
  };
}

const coViews = async (clients: Clients, table: string, product: string) => {
  const out = await clients.doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': AFFINITY_KEYS.partitionKey },
      ExpressionAttributeValues: { ':pk': AFFINITY_KEYS.coViewPk(product) },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
};

export async function checkClickstream(
  clients: Clients,
  o: StackOutputs,
  run: ClickstreamRun,
  timeoutMs: number,
): Promise<string> {
  // Kinesis' client speaks HTTP/2 by default (for SubscribeToShard); PutRecords works over HTTP/1.1,
  // which every local endpoint serves.
  const kinesis = new KinesisClient({
    region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION,
    requestHandler: new NodeHttpHandler(),
  });
  const started = Date.now();
  const out = await kinesis.send(
    new PutRecordsCommand({
      StreamName: o.ClickstreamStreamName,
      Records: clickstreamRecords(run.batch).map((r) => ({
        PartitionKey: r.PartitionKey,
        Data: new TextEncoder().encode(r.Data),
      })),
    }),
  );
  if (out.FailedRecordCount) throw new CheckFailure(`PutRecords refused ${out.FailedRecordCount} record(s)`);
  const [a, b] = run.products;
  const table = o.ProductAffinityTableName;
  const found = await pollUntil(started + timeoutMs, 1000, async () => {
    const [ab, ba] = await Promise.all([coViews(clients, table, a), coViews(clients, table, b)]);
    return ab.length > 0 && ba.length > 0 ? { ab, ba } : undefined;
  });
  if (!found) throw new CheckFailure(`no co-view of ${a} and ${b} in ${table} after ${timeoutMs / 1000} s`);
  const counts = [...found.ab, ...found.ba].map((i) => ({ sk: i[AFFINITY_KEYS.sortKey], views: i.views }));
  const day = String(counts[0].sk).slice(0, 10);
  const want = [
    { sk: AFFINITY_KEYS.coViewSk(day, b), views: 1 },
    { sk: AFFINITY_KEYS.coViewSk(day, a), views: 1 },
  ];
  if (JSON.stringify(counts) !== JSON.stringify(want)) {
    throw new CheckFailure(`co-views ${JSON.stringify(counts)}, expected ${JSON.stringify(want)}`);
  }
  return `co-view counted once each way (day ${day}) ${((Date.now() - started) / 1000).toFixed(1)} s after PutRecords`;
}

/** Removes the run's counts and session window (they would expire by TTL anyway). */
export async function removeClickstreamItems(clients: Clients, o: StackOutputs, run: ClickstreamRun): Promise<void> {
  const table = o.ProductAffinityTableName;
  const del = (pk: string, sk: string) =>
    clients.doc.send(
      new DeleteCommand({
        TableName: table,
        Key: { [AFFINITY_KEYS.partitionKey]: pk, [AFFINITY_KEYS.sortKey]: sk },
      }),
    );
  const now = Date.now();
  const days = [utcDay(new Date(now)), utcDay(new Date(now - 86_400_000))];
  for (const p of run.products) {
    for (const item of await coViews(clients, table, p)) await del(AFFINITY_KEYS.coViewPk(p), item.sk);
    for (const day of days) await del(AFFINITY_KEYS.popularPk(day), AFFINITY_KEYS.popularSk(p));
  }
  await del(`session#${run.batch.sessionId}`, 'window');
}
