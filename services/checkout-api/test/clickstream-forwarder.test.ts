/**
 * The local forwarder (routes/events.ts): POST /api/events, served when CLICKSTREAM_STREAM_NAME is
 * set, puts exactly `clickstreamRecords(batch)` into the stream with one PutRecords call (the same
 * records API Gateway's mapping template produces in the cloud), and refuses every batch the
 * contract's ClickBatchSchema refuses with a 400 listing its problems, with nothing put.
 */
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import {
  CLICK_EVENT_TYPES,
  CLICKSTREAM_FIXTURES,
  CLICKSTREAM_LIMITS,
  ClickBatchSchema,
  clickstreamRecords,
} from '@securecart/contracts/clickstream';
import type { ClickBatch } from '@securecart/contracts/clickstream';
import { API_LIMITS, HTTP_API } from '@securecart/contracts/http-api';
import { ORDER_LIMITS } from '@securecart/contracts/order';
import { useService } from './helpers/harness';
import type { TestService } from './helpers/harness';

const STREAM = 'securecart-test-clickstream';
let service: TestService;
let kinesis: ReturnType<typeof mockClient>;

interface PutRecordsInput {
  StreamName: string;
  Records: { PartitionKey: string; Data: Uint8Array }[];
}
let puts: PutRecordsInput[];

useService({ CLICKSTREAM_STREAM_NAME: STREAM }, (started) => {
  service = started.service;
  kinesis = mockClient(service.bundle.aws.KinesisClient);
});
afterAll(() => kinesis.restore());

/** PutRecords as Kinesis answers it: every record taken, except the first `fail` ones. */
function stream(fail = 0) {
  puts = [];
  kinesis.reset();
  kinesis.on(service.bundle.aws.PutRecordsCommand).callsFake((input: PutRecordsInput) => {
    puts.push(input);
    return {
      FailedRecordCount: Math.min(fail, input.Records.length),
      Records: input.Records.map((_, i) =>
        i < fail
          ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }
          : { SequenceNumber: `${i}`, ShardId: 'shardId-000000000000' },
      ),
    };
  });
}

beforeEach(() => stream());

const send = (body: unknown) => service.client.request('POST', HTTP_API.recordEvents.path, { json: body });

/** What a PutRecords call put, as the contract's records (Data decoded from its bytes). */
const decoded = (input: PutRecordsInput) =>
  input.Records.map((r) => ({ PartitionKey: r.PartitionKey, Data: Buffer.from(r.Data).toString('utf8') }));

test.each(CLICKSTREAM_FIXTURES.map((batch, i) => [i, batch] as const))(
  'fixture %i: one PutRecords call into the stream with exactly clickstreamRecords(batch), answered 202 {received}',
  async (_i, batch) => {
    const answer = await send(batch);
    expect(answer.status).toBe(HTTP_API.recordEvents.status);
    expect(answer.body).toEqual({ received: batch.events.length });
    expect(puts).toHaveLength(1);
    expect(puts[0].StreamName).toBe(STREAM);
    expect(decoded(puts[0])).toEqual(clickstreamRecords(batch));
    // Each record's data is the event's own JSON (what the consumer parses).
    expect(decoded(puts[0]).map((r) => JSON.parse(r.Data))).toEqual(batch.events);
  },
);

test('records the stream refuses are not counted as received, and no event is logged', async () => {
  stream(1);
  const batch = CLICKSTREAM_FIXTURES[1];
  const answer = await send(batch);
  expect(answer.status).toBe(202);
  expect(answer.body).toEqual({ received: batch.events.length - 1 });
  const logged = service.logs.text();
  expect(logged).not.toContain(batch.sessionId);
  expect(logged).not.toContain('0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9');
});

// --- refused batches: 400 with problems, nothing put ----------------------------------------------

const VALID = CLICKSTREAM_FIXTURES[1];
const event = (overrides: Record<string, unknown> = {}) => ({ ...VALID.events[0], ...overrides });
const batchWith = (overrides: Record<string, unknown>) => ({ ...structuredClone(VALID), ...overrides });
const maxId = ORDER_LIMITS.maxProductIdLength;
const { maxEventsPerBatch, maxProductIdsPerEvent } = CLICKSTREAM_LIMITS;

async function expectRefused(body: unknown, problem: RegExp) {
  const answer = await send(body);
  expect({ status: answer.status, problems: answer.body?.problems }).toEqual({
    status: 400,
    problems: expect.arrayContaining([expect.stringMatching(problem)]),
  });
  expect(puts).toEqual([]);
}

async function expectAccepted(body: ClickBatch) {
  expect(ClickBatchSchema.safeParse(body).success).toBe(true);
  const answer = await send(body);
  expect(answer.status).toBe(202);
  expect(decoded(puts.at(-1)!)).toEqual(clickstreamRecords(body));
}

test.each([
  ['sessionId one short of 16', batchWith({ sessionId: 'a'.repeat(15) }), /^body\.sessionId/],
  ['sessionId one over 64', batchWith({ sessionId: 'a'.repeat(65) }), /^body\.sessionId/],
  ['sessionId with a dot', batchWith({ sessionId: 'abcdefgh.ijklmnop' }), /^body\.sessionId/],
  ['sessionId missing', { events: VALID.events }, /^body\.sessionId/],
  ['no events', batchWith({ events: [] }), /^body\.events/],
  [
    'one event over the batch limit',
    batchWith({ events: Array(maxEventsPerBatch + 1).fill(event()) }),
    /^body\.events/,
  ],
  ['an unknown type', batchWith({ events: [event({ type: 'page_viewed' })] }), /^body\.events\.0\.type/],
  ['no product ids', batchWith({ events: [event({ productIds: [] })] }), /^body\.events\.0\.productIds/],
  [
    'one product id over the limit',
    batchWith({ events: [event({ productIds: Array(maxProductIdsPerEvent + 1).fill('p') })] }),
    /^body\.events\.0\.productIds/,
  ],
  [
    'a product id one character too long',
    batchWith({ events: [event({ productIds: ['p'.repeat(maxId + 1)] })] }),
    /^body\.events\.0\.productIds\.0/,
  ],
  ['an empty product id', batchWith({ events: [event({ productIds: [''] })] }), /^body\.events\.0\.productIds\.0/],
  [
    'occurredAt without milliseconds',
    batchWith({ events: [event({ occurredAt: '2026-12-07T10:00:00Z' })] }),
    /^body\.events\.0\.occurredAt/,
  ],
  [
    'occurredAt with an offset',
    batchWith({ events: [event({ occurredAt: '2026-12-07T10:00:00.000+01:00' })] }),
    /^body\.events\.0\.occurredAt/,
  ],
  [
    'a customerId one over 64',
    batchWith({ events: [event({ customerId: 'c'.repeat(65) })] }),
    /^body\.events\.0\.customerId/,
  ],
  ['an extra field in an event', batchWith({ events: [event({ address: '1 Road' })] }), /^body\.events\.0/],
  ['an extra field in the batch', batchWith({ email: 'ada@example.com' }), /^body/],
  ['a string instead of the batch', 'product_viewed', /^body/],
])('refused: %s', async (_name, body, problem) => {
  await expectRefused(body, problem);
});

test('accepted at every boundary: 16 and 64-character session ids, full batches, full events, longest ids', async () => {
  await expectAccepted(batchWith({ sessionId: 'A'.repeat(16) }));
  await expectAccepted(batchWith({ sessionId: `${'z'.repeat(62)}-_` }));
  const full = event({
    productIds: Array.from({ length: maxProductIdsPerEvent }, (_, i) => `${i}`.padEnd(maxId, 'x')),
    customerId: 'c'.repeat(64),
  });
  await expectAccepted(batchWith({ events: Array(maxEventsPerBatch).fill(full) }));
  expect(puts.at(-1)!.Records).toHaveLength(maxEventsPerBatch);
  for (const type of CLICK_EVENT_TYPES) await expectAccepted(batchWith({ events: [event({ type })] }));
});

test('a body over the API’s limit is a 413, nothing put', async () => {
  const answer = await service.client.request('POST', HTTP_API.recordEvents.path, {
    body: JSON.stringify({ ...VALID, pad: 'x'.repeat(API_LIMITS.maxBodyBytes) }),
    headers: { 'content-type': 'application/json' },
  });
  expect(answer.status).toBe(413);
  expect(puts).toEqual([]);
});

describe('Unicode over the whole range in sessionId, productIds and type', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    // Mostly valid ids with one character from anywhere: the boundary of each pattern's alphabet.
    fc
      .tuple(
        fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '_'), minLength: 20, maxLength: 20 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      )
      .map(([ok, odd]) => `${ok.slice(0, 10)}${odd}${ok.slice(10)}`),
  );
  const field = fc.constantFrom('sessionId', 'productId', 'type');
  const withText = (where: string, text: string) =>
    where === 'sessionId'
      ? batchWith({ sessionId: text })
      : batchWith({ events: [event(where === 'type' ? { type: text } : { productIds: ['mug-001', text] })] });

  test('a value the contract refuses is a 400 naming its field, with nothing put; one it accepts is put as is', async () => {
    await fc.assert(
      fc.asyncProperty(field, anyText, async (where, text) => {
        puts = [];
        const body = withText(where, text);
        const parsed = ClickBatchSchema.safeParse(body);
        const answer = await send(body);
        if (parsed.success) {
          expect(answer.status).toBe(202);
          expect(decoded(puts[0])).toEqual(clickstreamRecords(parsed.data));
        } else {
          expect(answer.status).toBe(400);
          expect(answer.body.problems.length).toBeGreaterThan(0);
          expect(answer.body.problems.join('\n')).toMatch(
            where === 'sessionId' ? /body\.sessionId/ : /body\.events\.0\./,
          );
          expect(puts).toEqual([]);
        }
      }),
      { numRuns: 150, seed: 21 },
    );
  });
});
