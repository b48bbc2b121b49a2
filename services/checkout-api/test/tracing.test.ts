import { orderBody, ORDERS_QUEUE_URL, postOrder, startService, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

/**
 * One order, one trace: the request's X-Ray header (from API Gateway) → a segment for the request
 * → the outbox row → the message's AWSTraceHeader, whose parent is a segment for the send.
 */
let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;
// Segments are free-form JSON documents: read as such.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const segments: any[] = [];

useService({}, (started) => ({ database, issuer, service } = started), {
  segmentSink: (segment) => segments.push(segment),
});

const ROOT = '1-6755a1b0-0123456789abcdef01234567';
const API_GATEWAY_SEGMENT = '53995c3f42cd8ad8';
/** The header API Gateway sends with a request it traces. */
const traced = (sampled: 0 | 1) => ({
  'x-amzn-trace-id': `Root=${ROOT};Parent=${API_GATEWAY_SEGMENT};Sampled=${sampled}`,
});

interface Entry {
  Id: string;
  MessageSystemAttributes?: { AWSTraceHeader?: { DataType: string; StringValue: string } };
}

/** Places an order with these headers and relays it; what was stored and sent for it. */
async function placeAndRelay(headers: Record<string, string>, sub: string) {
  service.sqs.reset();
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
    Failed: [],
  }));
  const response = await service.client.request('POST', '/api/orders', {
    token: issuer.token({ sub }),
    json: orderBody(),
    headers: { 'idempotency-key': `key-${sub}`, ...headers },
  });
  expect(response.status).toBe(202);
  const { orderId } = response.body;
  const stored = (await database.pool.query('SELECT trace_header FROM outbox WHERE order_id = $1', [orderId])).rows[0]
    .trace_header as string | null;
  expect(await service.handle.relay.runOnce()).toBe(1);
  const [call] = service.sqs.commandCalls(service.bundle.aws.SendMessageBatchCommand);
  expect(call.args[0].input.QueueUrl).toBe(ORDERS_QUEUE_URL);
  const entries = call.args[0].input.Entries as Entry[];
  expect(entries).toHaveLength(1);
  return { orderId, stored, sent: entries[0].MessageSystemAttributes?.AWSTraceHeader };
}

beforeEach(async () => {
  segments.length = 0;
  await database.pool.query('UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL');
});

test('a sampled request: a segment under API Gateway’s, and the order carries the trace to orders.fifo under a segment for the send', async () => {
  const { orderId, stored, sent } = await placeAndRelay(traced(1), 'trace-sampled');

  const request = segments.find((s) => s.annotations.operation === 'POST /api/orders');
  expect(request).toMatchObject({
    name: 'checkout-api',
    trace_id: ROOT,
    parent_id: API_GATEWAY_SEGMENT,
    origin: 'AWS::ECS::Container',
    http: { request: { method: 'POST', url: '/api/orders' }, response: { status: 202 } },
    annotations: { orderId, result: 'created' },
  });
  expect(request.id).toMatch(/^[0-9a-f]{16}$/);
  expect(request.end_time).toBeGreaterThanOrEqual(request.start_time);
  expect(request.error ?? request.fault).toBeUndefined();
  expect(stored).toBe(`Root=${ROOT};Parent=${request.id};Sampled=1`);

  const relayed = segments.find((s) => s.annotations.operation === 'RelayOrder');
  expect(relayed).toMatchObject({ trace_id: ROOT, parent_id: request.id, annotations: { orderId } });
  expect(relayed.fault).toBeUndefined();
  expect(sent).toEqual({ DataType: 'String', StringValue: `Root=${ROOT};Parent=${relayed.id};Sampled=1` });
  expect(segments).toHaveLength(2);
});

test('a request the trace does not sample: no segment, and the decision travels on with the order', async () => {
  const { stored, sent } = await placeAndRelay(traced(0), 'trace-unsampled');
  expect(segments).toEqual([]);
  expect(stored).toBe(`Root=${ROOT};Parent=${API_GATEWAY_SEGMENT};Sampled=0`);
  expect(sent?.StringValue).toBe(stored);
});

test('without a trace header, or with one that is not a trace, the order is sent without one', async () => {
  for (const [headers, sub] of [
    [{}, 'trace-none'],
    [{ 'x-amzn-trace-id': 'Root=1-evil;Sampled=1' }, 'trace-garbled'],
  ] as const) {
    const { stored, sent } = await placeAndRelay(headers, sub);
    expect(stored).toBeNull();
    expect(sent).toBeUndefined();
  }
  expect(segments).toEqual([]);
});

test('a refused request is recorded as an error (4xx) in its trace; nothing reaches the outbox', async () => {
  const before = Number((await database.pool.query('SELECT count(*) AS n FROM outbox')).rows[0].n);
  const response = await postOrder(service.client, 'not-a-token');
  expect(response.status).toBe(401);
  const unauthorized = await service.client.request('POST', '/api/orders', {
    json: {},
    headers: { ...traced(1), 'idempotency-key': 'key-trace-401' },
  });
  expect(unauthorized.status).toBe(401);
  expect(segments).toHaveLength(1);
  expect(segments[0]).toMatchObject({ trace_id: ROOT, error: true, http: { response: { status: 401 } } });
  expect(segments[0].annotations.orderId).toBeUndefined();
  expect(Number((await database.pool.query('SELECT count(*) AS n FROM outbox')).rows[0].n)).toBe(before);
});

test('a send SQS refuses is a fault in the trace, and the row stays unsent', async () => {
  const response = await service.client.request('POST', '/api/orders', {
    token: issuer.token({ sub: 'trace-refused' }),
    json: orderBody(),
    headers: { ...traced(1), 'idempotency-key': 'key-trace-refused' },
  });
  expect(response.status).toBe(202);
  service.sqs.reset();
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).rejects(new Error('socket hang up'));
  await expect(service.handle.relay.runOnce()).rejects.toThrow('socket hang up');
  const relayed = segments.filter((s) => s.annotations.operation === 'RelayOrder');
  expect(relayed).toHaveLength(1);
  expect(relayed[0]).toMatchObject({ fault: true, annotations: { orderId: response.body.orderId } });
  const { rows } = await database.pool.query('SELECT sent_at FROM outbox WHERE order_id = $1', [response.body.orderId]);
  expect(rows[0].sent_at).toBeNull();
});

test('with nowhere to send segments (no X-Ray listener), a sampled order keeps API Gateway’s segment as its parent', async () => {
  const untraced = await startService(database, issuer, {}, { segmentSink: null });
  try {
    const response = await untraced.client.request('POST', '/api/orders', {
      token: issuer.token({ sub: 'trace-no-listener' }),
      json: orderBody(),
      headers: { ...traced(1), 'idempotency-key': 'key-trace-no-listener' },
    });
    expect(response.status).toBe(202);
    const { rows } = await database.pool.query('SELECT trace_header FROM outbox WHERE order_id = $1', [
      response.body.orderId,
    ]);
    expect(rows[0].trace_header).toBe(`Root=${ROOT};Parent=${API_GATEWAY_SEGMENT};Sampled=1`);
    expect(segments).toEqual([]);
  } finally {
    await untraced.close();
  }
});
