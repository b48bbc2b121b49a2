import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FastifyBaseLogger } from 'fastify';
import { CHECKOUT_METRIC_DIMENSIONS, METRIC_NAMES, METRICS_NAMESPACE } from '@securecart/contracts/metrics';
import type { OrderStatus, OrderStatusEvent } from '@securecart/contracts/status';
import { SNS_ATTRIBUTES } from '@securecart/contracts/status';
import { postOrder, startService, STATUS_QUEUE_URL, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';
import { StatusConsumer } from '../src/status-consumer';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;
let seq = 0;

useService({}, (started) => ({ database, issuer, service } = started));

beforeEach(() => service.sqs.reset());

const event = (orderId: string, status: OrderStatus, extra: Partial<OrderStatusEvent> = {}): OrderStatusEvent => ({
  schemaVersion: 1,
  orderId,
  customerId: 'customer-status',
  status,
  reason: null,
  occurredAt: new Date(Date.now() + ++seq * 1000).toISOString(),
  executionId: `arn:aws:states:us-east-1:000000000000:execution:OrderFulfillment:${orderId}`,
  ...extra,
});

/** An SQS message as the order-status queue delivers it: an SNS envelope (RawMessageDelivery false). */
const snsMessage = (body: unknown, receiveCount = 1) => {
  const id = `msg-${++seq}`;
  return {
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
    Body: JSON.stringify({
      Type: 'Notification',
      MessageId: `sns-${id}`,
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:securecart-test-order-events',
      Message: typeof body === 'string' ? body : JSON.stringify(body),
      Timestamp: new Date().toISOString(),
      MessageAttributes: { [SNS_ATTRIBUTES.status]: { Type: 'String', Value: (body as OrderStatusEvent).status } },
    }),
  };
};

/** Delivers these messages in one receive; returns their dispositions and the receipt handles deleted. */
async function deliver(...messages: ReturnType<typeof snsMessage>[]) {
  service.sqs.reset();
  service.sqs.on(service.bundle.aws.ReceiveMessageCommand).resolvesOnce({ Messages: messages });
  service.sqs.on(service.bundle.aws.DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  const dispositions = await service.handle.consumer.pollOnce();
  const deleted = service.sqs
    .commandCalls(service.bundle.aws.DeleteMessageBatchCommand)
    .flatMap((c) => (c.args[0].input.Entries ?? []).map((e: { ReceiptHandle?: string }) => e.ReceiptHandle));
  return { dispositions, deleted };
}

async function newOrder(): Promise<string> {
  return (await postOrder(service.client, issuer.token({ sub: 'customer-status' }))).body.orderId;
}

async function orderState(orderId: string) {
  const response = await service.client.get(`/api/orders/${orderId}`, issuer.token({ sub: 'customer-status' }));
  return {
    status: response.body.status,
    reason: response.body.reason,
    history: response.body.statusHistory.map((h: { status: string }) => h.status),
  };
}

test('long-polls the order-status queue (20 s) and asks for the receive count', async () => {
  const orderId = await newOrder();
  await deliver(snsMessage(event(orderId, 'ACCEPTED')));
  const [receive] = service.sqs.commandCalls(service.bundle.aws.ReceiveMessageCommand);
  expect(receive.args[0].input).toEqual({
    QueueUrl: STATUS_QUEUE_URL,
    MaxNumberOfMessages: 10,
    WaitTimeSeconds: 20,
    // The receive count decides the log level; the trace header continues the order's trace.
    MessageSystemAttributeNames: ['ApproximateReceiveCount', 'AWSTraceHeader'],
  });
});

test('applies forward transitions and records the history; the message is deleted', async () => {
  const orderId = await newOrder();
  const accepted = snsMessage(event(orderId, 'ACCEPTED'));
  const validated = snsMessage(event(orderId, 'VALIDATED'));
  expect(await deliver(accepted)).toEqual({ dispositions: ['applied'], deleted: [accepted.ReceiptHandle] });
  expect(await deliver(validated)).toEqual({ dispositions: ['applied'], deleted: [validated.ReceiptHandle] });
  expect(await orderState(orderId)).toEqual({
    status: 'VALIDATED',
    reason: null,
    history: ['PENDING', 'ACCEPTED', 'VALIDATED'],
  });
});

test('a duplicate delivery is harmless (deleted, nothing changes)', async () => {
  const orderId = await newOrder();
  const paid = event(orderId, 'PAID');
  await deliver(snsMessage(paid));
  const before = await orderState(orderId);
  const again = snsMessage(paid);
  expect(await deliver(again)).toEqual({ dispositions: ['duplicate'], deleted: [again.ReceiptHandle] });
  expect(await orderState(orderId)).toEqual(before);
});

test('out-of-order delivery never moves an order backwards; the late status still lands in the history', async () => {
  const orderId = await newOrder();
  const accepted = event(orderId, 'ACCEPTED');
  const paid = event(orderId, 'PAID');
  const fulfilled = event(orderId, 'FULFILLED');
  // Delivered newest first, in one batch and then separately.
  const { dispositions } = await deliver(snsMessage(fulfilled));
  expect(dispositions).toEqual(['applied']);
  const late = await deliver(snsMessage(paid), snsMessage(accepted));
  expect(late.dispositions).toEqual(['recorded-stale', 'recorded-stale']);
  expect(late.deleted).toHaveLength(2);
  expect(await orderState(orderId)).toEqual({
    status: 'FULFILLED',
    reason: null,
    history: ['PENDING', 'ACCEPTED', 'PAID', 'FULFILLED'], // ordered by occurredAt
  });
});

test('a terminal status is final: CANCELLED after FULFILLED does not apply', async () => {
  const orderId = await newOrder();
  await deliver(snsMessage(event(orderId, 'CANCELLED', { reason: 'PAYMENT_DECLINED' })));
  await deliver(snsMessage(event(orderId, 'FULFILLED')));
  expect(await orderState(orderId)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
});

test('an event for an unknown order (or another customer’s) is not deleted, so it reaches the DLQ', async () => {
  const orderId = await newOrder();
  const unknown = snsMessage(event('no-such-order', 'ACCEPTED'));
  const wrongCustomer = snsMessage(event(orderId, 'ACCEPTED', { customerId: 'someone-else' }));
  const last = snsMessage(event('no-such-order', 'PAID'), 5);
  expect(await deliver(unknown, wrongCustomer, last)).toEqual({
    dispositions: ['unknown-order', 'unknown-order', 'unknown-order'],
    deleted: [],
  });
  expect((await orderState(orderId)).status).toBe('PENDING');
  const lines = service.logs.entries.filter(
    (e) => e.message === 'Status event for an unknown order left for redelivery / the DLQ',
  );
  expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'error']); // error on the last receive before the DLQ
});

test.each([
  ['not JSON', 'this is not json'],
  ['not an SNS envelope', JSON.stringify({ hello: 'world' })],
  ['an event failing the contract', { ...event('x', 'PAID'), status: 'SHIPPED' }],
  ['a raw (unwrapped) event', JSON.stringify(event('x', 'PAID'))],
  ['a bad occurredAt', { ...event('x', 'PAID'), occurredAt: 'yesterday' }],
])('a malformed message (%s) is not deleted', async (_name, body) => {
  const message =
    _name === 'not JSON' || _name === 'not an SNS envelope' || _name === 'a raw (unwrapped) event'
      ? { MessageId: 'm', ReceiptHandle: 'rh', Attributes: { ApproximateReceiveCount: '1' }, Body: body as string }
      : snsMessage(body);
  expect(await deliver(message)).toEqual({ dispositions: ['malformed'], deleted: [] });
});

test('a message that can never be applied holds up no other: the rest of the receive is applied and deleted', async () => {
  // Two orders, one status each: the messages of a receive are handled concurrently, so two
  // statuses of one order could apply in either order on a server that runs them in parallel.
  const [first, second] = [await newOrder(), await newOrder()];
  const poison = [snsMessage('this is not json'), snsMessage(event('no-such-order', 'PAID'), 5)];
  const good = [snsMessage(event(first, 'ACCEPTED')), snsMessage(event(second, 'VALIDATED'))];
  const { dispositions, deleted } = await deliver(poison[0], good[0], poison[1], good[1]);
  expect(dispositions).toEqual(['malformed', 'applied', 'unknown-order', 'applied']);
  expect(deleted.sort()).toEqual(good.map((m) => m.ReceiptHandle).sort());
  expect((await orderState(first)).status).toBe('ACCEPTED');
  expect((await orderState(second)).status).toBe('VALIDATED');
});

test('a database failure leaves the message for redelivery', async () => {
  const orderId = await newOrder();
  const stub = jest.spyOn(service.handle.db.writer, 'connect').mockImplementationOnce(async () => {
    throw new Error('connection refused');
  });
  try {
    expect(await deliver(snsMessage(event(orderId, 'ACCEPTED')))).toEqual({ dispositions: ['error'], deleted: [] });
  } finally {
    stub.mockRestore();
  }
});

test('the background loop polls until stopped; stop() aborts the long poll in progress', async () => {
  const looping = await startService(database, issuer, { DB_RUN_MIGRATIONS: 'false', STATUS_CONSUMER_ENABLED: 'true' });
  const orderId = await newOrder();
  service.sqs.reset();
  service.sqs
    .on(service.bundle.aws.ReceiveMessageCommand)
    .resolvesOnce({ Messages: [snsMessage(event(orderId, 'ACCEPTED'))] })
    // Then long polls that come back empty after a while, as SQS's 20 s wait would.
    .callsFake(() => new Promise((resolve) => setTimeout(() => resolve({ Messages: [] }), 300)));
  service.sqs.on(service.bundle.aws.DeleteMessageBatchCommand).resolves({});
  // The deadline only bounds a failure: queries are slow when jest's parent (PGlite) is loaded.
  const deadline = Date.now() + 30_000;
  while ((await orderState(orderId)).status !== 'ACCEPTED' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect((await orderState(orderId)).status).toBe('ACCEPTED');
  const started = Date.now();
  await looping.close();
  expect(Date.now() - started).toBeLessThan(2000);
  // Every receive carried an abort signal; the one in progress at shutdown was aborted.
  const receives = service.sqs.send
    .getCalls()
    .filter((call) => call.args[0] instanceof service.bundle.aws.ReceiveMessageCommand);
  const signals = receives.map(
    (call) => ((call.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal,
  );
  expect(signals.every((signal) => signal !== undefined)).toBe(true);
  expect(signals[signals.length - 1]!.aborted).toBe(true);
});

describe('telemetry', () => {
  const TRACE_ID = '1-6789abcd-0123456789abcdef01234567';
  const PARENT = '53995c3f42cd8ad8';
  // EMF documents and segments are free-form JSON: read as such.
  type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let lines: Json[];
  let segments: Json[];
  let consumer: StatusConsumer;
  const quiet = {
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  } as unknown as FastifyBaseLogger;

  beforeEach(() => {
    lines = [];
    segments = [];
    consumer = new StatusConsumer({
      pool: database.pool,
      sqs: {} as SQSClient, // handle() does not receive or delete
      queueUrl: STATUS_QUEUE_URL,
      log: quiet,
      metricsNamespace: METRICS_NAMESPACE,
      metricsSink: (line) => lines.push(JSON.parse(line)),
      segmentSink: (segment) => segments.push(segment),
    });
  });

  const traced = (message: ReturnType<typeof snsMessage>, sampled = '1') => ({
    ...message,
    Attributes: { ...message.Attributes, AWSTraceHeader: `Root=${TRACE_ID};Parent=${PARENT};Sampled=${sampled}` },
  });
  const createdAt = async (orderId: string) =>
    (await database.pool.query('SELECT created_at FROM orders WHERE order_id = $1', [orderId])).rows[0]
      .created_at as Date;

  test('a terminal status counts OrderOutcomes by status and reason, and the time since the order was accepted', async () => {
    const orderId = await newOrder();
    const cancelled = event(orderId, 'CANCELLED', { reason: 'PAYMENT_DECLINED' });
    await consumer.handle(snsMessage(event(orderId, 'ACCEPTED')));
    expect(lines).toEqual([]); // not terminal
    expect((await consumer.handle(snsMessage(cancelled))).disposition).toBe('applied');

    const D = CHECKOUT_METRIC_DIMENSIONS;
    expect(lines).toHaveLength(2);
    const [outcomes, time] = lines;
    expect(outcomes._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [
          [D.service, D.status],
          [D.service, D.status, D.reason],
        ],
        Metrics: [{ Name: METRIC_NAMES.orderOutcomes, Unit: 'Count' }],
      },
    ]);
    expect(outcomes).toMatchObject({
      Service: 'checkout-api',
      Status: 'CANCELLED',
      Reason: 'PAYMENT_DECLINED',
      [METRIC_NAMES.orderOutcomes]: 1,
    });
    expect(time._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [[D.service], [D.service, D.status]],
      Metrics: [{ Name: METRIC_NAMES.timeToOutcome, Unit: 'Seconds' }],
    });
    const expected = (Date.parse(cancelled.occurredAt) - (await createdAt(orderId)).getTime()) / 1000;
    expect(time.Status).toBe('CANCELLED');
    expect(time[METRIC_NAMES.timeToOutcome]).toBeCloseTo(expected, 2);
    expect(time[METRIC_NAMES.timeToOutcome]).toBeGreaterThan(0);
  });

  test('FULFILLED has the reason NONE; a duplicate, a stale or a refused terminal status is not counted again', async () => {
    const orderId = await newOrder();
    const fulfilled = event(orderId, 'FULFILLED');
    await consumer.handle(snsMessage(fulfilled));
    await consumer.handle(snsMessage(fulfilled)); // duplicate
    await consumer.handle(snsMessage(event(orderId, 'FAILED', { reason: 'UNEXPECTED_ERROR' }))); // terminal is final
    await consumer.handle(snsMessage(event(orderId, 'PAID'))); // stale
    const counted = lines.filter((l) => METRIC_NAMES.orderOutcomes in l);
    expect(counted).toHaveLength(1);
    expect(counted[0]).toMatchObject({ Status: 'FULFILLED', Reason: 'NONE' });
  });

  test('a metrics failure never fails the message: the status is applied and deleted', async () => {
    const orderId = await newOrder();
    const failing = new StatusConsumer({
      pool: database.pool,
      sqs: {} as SQSClient,
      queueUrl: STATUS_QUEUE_URL,
      log: quiet,
      metricsSink: () => {
        throw new Error('agent gone');
      },
    });
    expect(await failing.handle(snsMessage(event(orderId, 'FULFILLED')))).toEqual({
      disposition: 'applied',
      delete: true,
    });
  });

  test('a sampled trace header continues the trace: one segment, child of the message’s parent', async () => {
    const orderId = await newOrder();
    const before = Date.now() / 1000;
    await consumer.handle(traced(snsMessage(event(orderId, 'ACCEPTED'))));
    expect(segments).toEqual([
      {
        name: 'checkout-api',
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        trace_id: TRACE_ID,
        parent_id: PARENT,
        start_time: expect.any(Number),
        end_time: expect.any(Number),
        origin: 'AWS::ECS::Container',
        annotations: { operation: 'ApplyOrderStatus', disposition: 'applied', orderId, status: 'ACCEPTED' },
      },
    ]);
    expect(segments[0].start_time).toBeGreaterThanOrEqual(before);
    expect(segments[0].end_time).toBeGreaterThanOrEqual(segments[0].start_time);
  });

  test('no segment without a sampled trace header; a message left for the DLQ is marked as an error', async () => {
    const orderId = await newOrder();
    await consumer.handle(snsMessage(event(orderId, 'ACCEPTED')));
    await consumer.handle(traced(snsMessage(event(orderId, 'VALIDATED')), '0'));
    expect(segments).toEqual([]);
    await consumer.handle(traced(snsMessage(event('no-such-order', 'PAID'))));
    expect(segments).toEqual([
      expect.objectContaining({ error: true, annotations: expect.objectContaining({ disposition: 'unknown-order' }) }),
    ]);
  });
});
