import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { AFFINITY_KEYS, clickstreamRecords, CLICKSTREAM_LIMITS } from '@securecart/contracts/clickstream';
import type { ClickBatch, ClickEvent } from '@securecart/contracts/clickstream';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { handler } from '../../lambda/clickstream-consumer';
import { countExpiresAt } from '../../lambda/clickstream-consumer/aggregate';
import { ddb } from '../../lambda/shared/dynamodb';
import { LocalDynamo, localDynamoClient, startDynalite } from '../helpers/dynalite';
import { captureLogs } from './support/logs';
import { captureMetrics } from './support/metrics';

/*
 * The real consumer against a real DynamoDB engine (dynalite, as the workflow tests use): what it
 * counts, where, and that a retried, bisected or replayed batch counts once.
 */

const TABLE = 'ProductAffinity';
const SHARD = 'shardId-000000000000';
const SESSION = 'k3Jd9sQ2mV7xY1pL0aBc';
const OTHER_SESSION = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const MINUTE = 60_000;

let dynamo: LocalDynamo | undefined;
let seqCounter = 0;
const logs = captureLogs();
const emf = captureMetrics();

beforeAll(async () => {
  dynamo = await startDynalite();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    PRODUCT_AFFINITY_TABLE_NAME: TABLE,
  });
});
afterAll(async () => {
  await dynamo?.close();
});

const admin = () => DynamoDBDocumentClient.from(localDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB));

let tableNo = 0;
beforeEach(async () => {
  // A fresh table per test (dynalite keeps nothing between names).
  const name = `${TABLE}-${++tableNo}`;
  process.env.PRODUCT_AFFINITY_TABLE_NAME = name;
  await admin().send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [
        { AttributeName: AFFINITY_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: AFFINITY_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: AFFINITY_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: AFFINITY_KEYS.sortKey, AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

const table = () => process.env.PRODUCT_AFFINITY_TABLE_NAME!;

/** A Kinesis event record as Lambda's event source delivers it. */
function record(
  partitionKey: string,
  data: string,
  arrivalMs: number,
  shard = SHARD,
  encode = true,
): KinesisStreamRecord {
  const sequenceNumber = `49590338271490256608559692538361571095921575989136${String(++seqCounter).padStart(6, '0')}`;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: encode ? Buffer.from(data, 'utf8').toString('base64') : data,
      approximateArrivalTimestamp: arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shard}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/consumer',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/securecart-sandbox-clickstream',
  };
}

/** The records of a batch (through the contract's clickstreamRecords, as the integration builds them), arriving at `arrivalMs`. */
function recordsOf(batch: ClickBatch, arrivalMs: number | number[]): KinesisStreamRecord[] {
  return clickstreamRecords(batch).map((r, i) =>
    record(r.PartitionKey, r.Data, Array.isArray(arrivalMs) ? arrivalMs[i] : arrivalMs),
  );
}

const viewed = (productId: string, occurredAt = '2026-12-07T10:00:00.000Z'): ClickEvent => ({
  type: 'product_viewed',
  productIds: [productId],
  occurredAt,
});

/** One view per record, each arriving at its own time. */
const views = (sessionId: string, ...viewsAt: [string, number][]) =>
  viewsAt.flatMap(([p, at]) => recordsOf({ sessionId, events: [viewed(p)] }, at));

const eventOf = (records: KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: records });

/** The readers' view of the table: co-view and popularity counts only, as `pk | sk → views`. */
async function counts(): Promise<Record<string, number>> {
  const out = await admin().send(new ScanCommand({ TableName: table() }));
  const entries = (out.Items ?? [])
    .filter((i) => /^(coview|popular)#/.test(i.pk))
    .map((i) => [`${i.pk} | ${i.sk}`, i.views as number] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return Object.fromEntries(entries);
}

/** mug-001, tee-002 and cap_003 viewed in one session window on 2026-12-07: each pair co-viewed once, both ways. */
const CO_VIEWS_OF_THREE = {
  'coview#cap_003 | 2026-12-07#mug-001': 1,
  'coview#cap_003 | 2026-12-07#tee-002': 1,
  'coview#mug-001 | 2026-12-07#cap_003': 1,
  'coview#mug-001 | 2026-12-07#tee-002': 1,
  'coview#tee-002 | 2026-12-07#cap_003': 1,
  'coview#tee-002 | 2026-12-07#mug-001': 1,
};

describe('clickstream-consumer', () => {
  it('counts co-views both ways and popularity per day, keyed as the contract says', async () => {
    const result = await handler(eventOf(views(SESSION, ['mug-001', T0], ['tee-002', T0 + 90_000])));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(await counts()).toEqual({
      'coview#mug-001 | 2026-12-07#tee-002': 1,
      'coview#tee-002 | 2026-12-07#mug-001': 1,
      'popular#2026-12-07 | mug-001': 1,
      'popular#2026-12-07 | tee-002': 1,
    });
    const item = await admin().send(
      new GetCommand({ TableName: table(), Key: { pk: 'coview#mug-001', sk: '2026-12-07#tee-002' } }),
    );
    expect(item.Item?.expiresAt).toBe(countExpiresAt('2026-12-07'));
    expect(countExpiresAt('2026-12-07')).toBe(
      Date.parse('2026-12-07T00:00:00Z') / 1000 +
        (CLICKSTREAM_LIMITS.windowDays + CLICKSTREAM_LIMITS.retentionDays) * 86_400,
    );
  });

  it('counts a pair once per session window, and never across sessions', async () => {
    await handler(
      eventOf([
        ...views(SESSION, ['mug-001', T0], ['tee-002', T0 + MINUTE], ['mug-001', T0 + 2 * MINUTE]),
        ...views(OTHER_SESSION, ['cap_003', T0 + 3 * MINUTE]),
        ...views(SESSION, ['cap_003', T0 + 4 * MINUTE]),
      ]),
    );
    expect(await counts()).toEqual({
      ...CO_VIEWS_OF_THREE,
      'popular#2026-12-07 | cap_003': 2,
      'popular#2026-12-07 | mug-001': 2,
      'popular#2026-12-07 | tee-002': 1,
    });
  });

  it('co-views within 30 minutes of arrival, up to the millisecond, and not one later', async () => {
    const window = CLICKSTREAM_LIMITS.coViewWindowMinutes * MINUTE;
    await handler(eventOf(views(SESSION, ['mug-001', T0], ['tee-002', T0 + window])));
    await handler(eventOf(views(OTHER_SESSION, ['mug-001', T0], ['cap_003', T0 + window + 1])));

    const got = await counts();
    expect(got['coview#tee-002 | 2026-12-07#mug-001']).toBe(1);
    expect(got['coview#mug-001 | 2026-12-07#tee-002']).toBe(1);
    expect(Object.keys(got).filter((k) => k.includes('cap_003'))).toEqual(['popular#2026-12-07 | cap_003']);
  });

  it("buckets by the record's arrival day (UTC), never the browser's clock", async () => {
    const beforeMidnight = Date.parse('2026-12-07T23:59:50.000Z');
    const afterMidnight = Date.parse('2026-12-08T00:00:10.000Z');
    // The browser claims another day entirely: ignored.
    const records = recordsOf(
      {
        sessionId: SESSION,
        events: [viewed('mug-001', '2020-01-01T00:00:00.000Z'), viewed('tee-002', '2031-06-30T12:00:00.000Z')],
      },
      [beforeMidnight, afterMidnight],
    );
    await handler(eventOf(records));

    expect(await counts()).toEqual({
      'coview#mug-001 | 2026-12-08#tee-002': 1,
      'coview#tee-002 | 2026-12-08#mug-001': 1,
      'popular#2026-12-07 | mug-001': 1,
      'popular#2026-12-08 | tee-002': 1,
    });
  });

  it('counts a replayed, retried or bisected batch once', async () => {
    const batch = views(SESSION, ['mug-001', T0], ['tee-002', T0 + MINUTE], ['cap_003', T0 + 2 * MINUTE]);
    await handler(eventOf(batch));
    const once = await counts();
    expect(once['popular#2026-12-07 | cap_003']).toBe(1);

    // The same batch again (a retry), its second half alone (bisection), then with the shard's
    // checkpoint gone (each counter's own guard still holds).
    await expect(handler(eventOf(batch))).resolves.toEqual({ batchItemFailures: [] });
    await handler(eventOf(batch.slice(1)));
    await admin().send(new DeleteCommand({ TableName: table(), Key: { pk: `checkpoint#${SHARD}`, sk: 'checkpoint' } }));
    await handler(eventOf(batch));

    expect(await counts()).toEqual(once);
  });

  it('reports the first failing record and applies nothing after it; the retry counts each view once', async () => {
    const batch = views(SESSION, ['mug-001', T0], ['tee-002', T0 + MINUTE], ['cap_003', T0 + 2 * MINUTE]);
    // DynamoDB throttles the second record's co-view write of tee-002 → mug-001 (after its popularity write).
    let failing = true;
    ddb.middlewareStack.add(
      (next) => async (args: any) => {
        const key = args.input?.Key;
        if (failing && key?.pk === 'coview#tee-002' && key?.sk === '2026-12-07#mug-001') {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleOneWrite' },
    );
    try {
      const result = await handler(eventOf(batch));
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: batch[1].kinesis.sequenceNumber }] });
      const partial = await counts();
      expect(partial['popular#2026-12-07 | cap_003']).toBeUndefined();
      expect(logs()).toContainEqual(
        expect.objectContaining({ level: 'WARN', sequenceNumber: batch[1].kinesis.sequenceNumber }),
      );

      // The event source retries from the failed record.
      failing = false;
      await expect(handler(eventOf(batch.slice(1)))).resolves.toEqual({ batchItemFailures: [] });
    } finally {
      ddb.middlewareStack.remove('throttleOneWrite');
    }
    expect(await counts()).toEqual({
      ...CO_VIEWS_OF_THREE,
      'popular#2026-12-07 | cap_003': 1,
      'popular#2026-12-07 | mug-001': 1,
      'popular#2026-12-07 | tee-002': 1,
    });
  });

  it('skips and counts records that can never be counted, without holding back the shard', async () => {
    const first = views(SESSION, ['mug-001', T0]);
    const poison = [
      record(SESSION, '{not json', T0 + 10_000),
      record(SESSION, JSON.stringify({ ...viewed('mug-001'), productIds: ['mug 001 ☕'] }), T0 + 20_000),
      record('short', JSON.stringify(viewed('mug-001')), T0 + 30_000),
      record(SESSION, '%%%not-base64%%%', T0 + 40_000, SHARD, false),
    ];
    const result = await handler(eventOf([...first, ...poison, ...views(SESSION, ['tee-002', T0 + MINUTE])]));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(await counts()).toEqual({
      'coview#mug-001 | 2026-12-07#tee-002': 1,
      'coview#tee-002 | 2026-12-07#mug-001': 1,
      'popular#2026-12-07 | mug-001': 1,
      'popular#2026-12-07 | tee-002': 1,
    });
    const invalid = emf().filter((l) => METRIC_NAMES.invalidClickEvents in l);
    const byReason = Object.fromEntries(invalid.map((l) => [l.reason, l[METRIC_NAMES.invalidClickEvents]]));
    expect(byReason).toEqual({ not_json: 2, schema: 1, session_id: 1 });
    // Each with the total ([service], what a widget sums) and the reason.
    expect(invalid.map((l) => l._aws.CloudWatchMetrics[0].Dimensions)).toEqual(
      invalid.map(() => [['service', 'reason'], ['service']]),
    );
  });

  it('ignores events other than product views', async () => {
    const [batch] = [
      {
        sessionId: SESSION,
        events: [
          { type: 'added_to_cart', productIds: ['mug-001'], occurredAt: '2026-12-07T10:00:00.000Z' },
          { type: 'order_placed', productIds: ['mug-001', 'tee-002'], occurredAt: '2026-12-07T10:00:00.000Z' },
        ],
      } satisfies ClickBatch,
    ];
    await expect(handler(eventOf(recordsOf(batch, T0)))).resolves.toEqual({ batchItemFailures: [] });
    expect(await counts()).toEqual({});
  });
});
