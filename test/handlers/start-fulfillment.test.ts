import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Order } from '../../lib/contracts/order';
import { handler, orderFromRecord } from '../../lambda/start-fulfillment';
import { anOrder } from './support/fixtures';
import { captureLogs } from './support/logs';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:OrderFulfillment';
const sfnMock = mockClient(SFNClient);
const logs = captureLogs();

function record(messageId: string, groupId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1736935200000',
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: '1736935200000',
      MessageGroupId: groupId,
      MessageDeduplicationId: messageId,
      SequenceNumber: '1',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders.fifo',
    awsRegion: 'us-east-1',
  };
}
const orderRecord = (messageId: string, orderId: string, customerId: string) =>
  record(messageId, customerId, anOrder({ orderId, customerId }));
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const startedNames = () => sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));
  process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
});

describe('start-fulfillment', () => {
  it('starts one execution per order, named by the order id, with the order as input', async () => {
    const order = anOrder({ orderId: 'ord-a1', customerId: 'cust-a' });
    const response = await handler(batch(record('m1', 'cust-a', order), orderRecord('m2', 'ord-b1', 'cust-b')));

    expect(response).toEqual({ batchItemFailures: [] });
    const calls = sfnMock.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'ord-a1',
      input: JSON.stringify(order),
    });
    expect(startedNames()).toEqual(['ord-a1', 'ord-b1']);
    const started = logs().filter((l) => l.message === 'Fulfillment started');
    expect(started.map((l) => l.orderId)).toEqual(['ord-a1', 'ord-b1']);
  });

  it('treats ExecutionAlreadyExists as success (duplicate delivery) and logs a warning', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution already exists', $metadata: {} }));

    const response = await handler(batch(orderRecord('m1', 'ord-dup', 'cust-a')));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(startedNames()).toEqual(['ord-dup']);
    expect(logs()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        orderId: 'ord-dup',
        message: expect.stringMatching(/Duplicate delivery/),
      }),
    );
  });

  it('fails the rest of a message group after a malformed message; other groups carry on', async () => {
    const response = await handler(
      batch(
        record('a1', 'cust-a', '{not json'),
        orderRecord('b1', 'ord-b1', 'cust-b'),
        orderRecord('a2', 'ord-a2', 'cust-a'),
        orderRecord('b2', 'ord-b2', 'cust-b'),
      ),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a1' }, { itemIdentifier: 'a2' }]);
    expect(startedNames()).toEqual(['ord-b1', 'ord-b2']);
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'ERROR', messageId: 'a1' }));
  });

  it('reports an order that breaks the schema as a batch item failure, listing the problems', async () => {
    const noItems: Partial<Order> = anOrder();
    delete noItems.items;
    const response = await handler(batch(record('m1', 'cust-42', noItems)));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const error = logs().find((l) => l.level === 'ERROR')?.error as { name: string; message: string };
    expect(error.name).toBe('InvalidOrder');
    expect(error.message).toMatch(/invalid order: items: /);
  });

  it('fails a message whose group id is not the order customer id', async () => {
    const response = await handler(batch(record('m1', 'cust-other', anOrder({ customerId: 'cust-42' }))));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('retries other StartExecution errors: the record and the rest of its group fail', async () => {
    sfnMock
      .on(StartExecutionCommand, { name: 'ord-a1' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const response = await handler(
      batch(
        orderRecord('a1', 'ord-a1', 'cust-a'),
        orderRecord('a2', 'ord-a2', 'cust-a'),
        orderRecord('b1', 'ord-b1', 'cust-b'),
      ),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a1' }, { itemIdentifier: 'a2' }]);
    expect(startedNames()).toEqual(['ord-a1', 'ord-b1']);
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', orderId: 'ord-a1', messageId: 'a1' }));
  });

  it('answers a batch that fails entirely with item failures rather than a function error', async () => {
    const response = await handler(batch(record('m1', 'cust-a', '[]'), record('m2', 'cust-b', 'null')));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
  });

  it('keeps each log line on its own order id and clears it between records', async () => {
    await handler(batch(orderRecord('m1', 'ord-x', 'cust-a'), record('m2', 'cust-b', '{oops')));

    const lines = logs();
    expect(lines.find((l) => l.message === 'Fulfillment started')?.orderId).toBe('ord-x');
    expect(lines.find((l) => l.messageId === 'm2' && l.level === 'ERROR')?.orderId).toBeUndefined();
  });

  it('fails fast, without touching the queue records, when STATE_MACHINE_ARN is missing', async () => {
    delete process.env.STATE_MACHINE_ARN;

    await expect(handler(batch(orderRecord('m1', 'ord-1', 'cust-a')))).rejects.toThrow(
      'Missing required environment variable STATE_MACHINE_ARN',
    );
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('orderFromRecord returns the parsed order for a consistent envelope', () => {
    const order = anOrder();
    expect(orderFromRecord(record('m1', order.customerId, order))).toEqual(order);
  });
});
