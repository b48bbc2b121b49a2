import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { OrderStatusEvent } from '@securecart/contracts/status';
import { handler } from '../../lambda/redeliver-status';
import { captureLogs } from './support/logs';
import { sqsBatch, sqsRecord } from './support/sqs';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:securecart-sandbox-order-events';
const snsMock = mockClient(SNSClient);
const logs = captureLogs();

const statusEvent = (orderId: string, status: OrderStatusEvent['status']): OrderStatusEvent => ({
  schemaVersion: 1,
  orderId,
  customerId: 'cust-secret-1',
  status,
  reason: status === 'CANCELLED' ? 'OUT_OF_STOCK' : null,
  occurredAt: '2026-12-07T04:00:00.000Z',
  executionId: `arn:aws:states:us-east-1:123456789012:execution:OrderFulfillment:${orderId}`,
});
const record = (messageId: string, body: unknown) =>
  sqsRecord(messageId, body, { queueArn: 'arn:aws:sqs:us-east-1:123456789012:securecart-sandbox-status-redelivery' });
const batch = sqsBatch;
const published = () => snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);

beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  process.env.ORDER_EVENTS_TOPIC_ARN = TOPIC_ARN;
});
afterAll(() => {
  delete process.env.ORDER_EVENTS_TOPIC_ARN;
  snsMock.restore();
});

describe('redeliver-status', () => {
  test('publishes each recorded event unchanged to OrderEvents with its status attribute, as the workflow would', async () => {
    const paid = record('m1', statusEvent('ord-1', 'PAID'));
    const cancelled = record('m2', statusEvent('ord-2', 'CANCELLED'));
    const result = await handler(batch(paid, cancelled));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(published()).toEqual([
      {
        TopicArn: TOPIC_ARN,
        Message: paid.body,
        MessageAttributes: { status: { DataType: 'String', StringValue: 'PAID' } },
      },
      {
        TopicArn: TOPIC_ARN,
        Message: cancelled.body,
        MessageAttributes: { status: { DataType: 'String', StringValue: 'CANCELLED' } },
      },
    ]);
  });

  test('a publish that fails is a batch item failure (offered again, then the DLQ); the others go on', async () => {
    snsMock
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('SNS is down'), { name: 'InternalErrorException' }))
      .resolves({ MessageId: 'm-2' });
    const result = await handler(
      batch(record('m1', statusEvent('ord-1', 'PAID')), record('m2', statusEvent('ord-2', 'FULFILLED'))),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(published()).toHaveLength(2);
    const warning = logs().find((l) => l.message === 'Redelivery failed; the message is offered again');
    expect(warning).toMatchObject({ orderId: 'ord-1', status: 'PAID', error: 'InternalErrorException' });
  });

  test('a message that is not a status event is never published: it stays a failure until the DLQ', async () => {
    const result = await handler(
      batch(
        record('bad-json', '{"orderId": "x"'),
        record('bad-shape', { ...statusEvent('ord-3', 'PAID'), status: 'SHIPPED' }),
      ),
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['bad-json', 'bad-shape']);
    expect(published()).toEqual([]);
  });

  test('logs name the order and the status, never the customer or the rest of the event', async () => {
    await handler(batch(record('m1', statusEvent('ord-1', 'PAID'))));
    const text = JSON.stringify(logs());
    expect(text).toContain('ord-1');
    expect(text).not.toContain('cust-secret-1');
  });

  test('without ORDER_EVENTS_TOPIC_ARN it fails at once, naming the variable', async () => {
    delete process.env.ORDER_EVENTS_TOPIC_ARN;
    await expect(handler(batch(record('m1', statusEvent('ord-1', 'PAID'))))).rejects.toThrow(/ORDER_EVENTS_TOPIC_ARN/);
    expect(published()).toEqual([]);
  });
});
