import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { CLAIM_REF_PATTERN, toWorkflowOrder } from '@securecart/contracts/claims';
import { METRICS_NAMESPACE, METRIC_NAMES } from '@securecart/contracts/metrics';
import type { Order } from '@securecart/contracts/order';
import { SIDELINE_ATTRIBUTES, SIDELINE_FALLBACK_GROUP_ID } from '@securecart/contracts/sideline';
import { handler } from '../../lambda/start-fulfillment';
import { checkRecord, SIDELINE_REASON_MAX_CHARS, sidelineReason } from '../../lambda/start-fulfillment/sideline';
import { anOrder, TABLES } from './support/fixtures';
import { captureLogs } from './support/logs';
import { captureMetrics } from './support/metrics';
import { sqsBatch, sqsRecord } from './support/sqs';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:OrderFulfillment';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/securecart-sandbox-orders-dlq.fifo';
const sfnMock = mockClient(SFNClient);
const sqsMock = mockClient(SQSClient);
const ddbMock = mockClient(DynamoDBDocumentClient);
// Sidelining also puts a compliance event (test/handlers/compliance-events.test.ts).
const eventsMock = mockClient(EventBridgeClient);
const claimPuts = () => ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input);
const logs = captureLogs();
const emf = captureMetrics();

const record = (messageId: string, groupId: string | undefined, body: unknown) =>
  sqsRecord(messageId, body, { queueArn: 'arn:aws:sqs:us-east-1:123456789012:orders.fifo', fifo: { groupId } });
const orderRecord = (messageId: string, orderId: string, customerId: string) =>
  record(messageId, customerId, anOrder({ orderId, customerId }));
const batch = sqsBatch;
const startedNames = () => sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
const sidelined = () => sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
const reasonOf = (input: { MessageAttributes?: Record<string, { StringValue?: string }> }) =>
  input.MessageAttributes?.[SIDELINE_ATTRIBUTES.reason]?.StringValue;

const noItems: Partial<Order> = anOrder({ orderId: 'ord-bad', customerId: 'cust-a' });
delete noItems.items;
const tooLarge = JSON.stringify({ ...anOrder({ customerId: 'cust-a' }), padding: 'x'.repeat(262_144) });

beforeEach(() => {
  sfnMock.reset();
  sqsMock.reset();
  ddbMock.reset();
  ddbMock.on(PutCommand).resolves({});
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${input.name}`,
    startDate: new Date(),
  }));
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-copy' });
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  process.env.EVENT_BUS_NAME = 'securecart-test';
  process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
  process.env.ORDERS_DLQ_URL = DLQ_URL;
  process.env.ORDER_CLAIMS_TABLE_NAME = TABLES.claims;
});

describe('start-fulfillment', () => {
  it('starts the execution in the order’s trace: the message’s AWSTraceHeader is its traceHeader', async () => {
    const traced = orderRecord('m1', 'ord-t1', 'cust-a');
    const header = 'Root=1-6755a1b0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1';
    traced.attributes.AWSTraceHeader = header;
    const garbled = orderRecord('m2', 'ord-t2', 'cust-b');
    garbled.attributes.AWSTraceHeader = 'Root=whatever;Sampled=1';
    const response = await handler(batch(traced, garbled, orderRecord('m3', 'ord-t3', 'cust-c')));

    expect(response).toEqual({ batchItemFailures: [] });
    const inputs = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.name, i.traceHeader])).toEqual([
      ['ord-t1', header],
      // A header that is not an X-Ray trace is not passed on.
      ['ord-t2', undefined],
      ['ord-t3', undefined],
    ]);
  });

  it('starts one execution per order, named by the order id, with the order without token and address as input', async () => {
    const order = anOrder({ orderId: 'ord-a1', customerId: 'cust-a' });
    const response = await handler(batch(record('m1', 'cust-a', order), orderRecord('m2', 'ord-b1', 'cust-b')));

    expect(response).toEqual({ batchItemFailures: [] });
    const calls = sfnMock.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(2);
    const ref = JSON.parse(calls[0].args[0].input.input!).claim;
    expect(ref).toMatch(CLAIM_REF_PATTERN);
    expect(calls[0].args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'ord-a1',
      input: JSON.stringify(toWorkflowOrder(order, ref)),
    });
    expect(calls[0].args[0].input.input).not.toMatch(/tok_|Main St|Ada Lovelace|98101/);
    // The token and the address went into the order's claims, under that reference, before the start.
    expect(claimPuts().slice(0, 2)).toEqual([
      {
        TableName: TABLES.claims,
        Item: expect.objectContaining({
          claimId: `payment#${ref}`,
          kind: 'payment',
          orderId: 'ord-a1',
          paymentToken: 'tok_approve',
        }),
        ConditionExpression: 'attribute_not_exists(claimId)',
      },
      {
        TableName: TABLES.claims,
        Item: expect.objectContaining({
          claimId: `shipping#${ref}`,
          kind: 'shipping',
          orderId: 'ord-a1',
          shippingAddress: order.shippingAddress,
        }),
        ConditionExpression: 'attribute_not_exists(claimId)',
      },
    ]);
    const refB = JSON.parse(calls[1].args[0].input.input!).claim;
    expect(refB).not.toBe(ref); // a fresh reference per order
    expect(claimPuts()).toHaveLength(4);
    expect(startedNames()).toEqual(['ord-a1', 'ord-b1']);
    const started = logs().filter((l) => l.message === 'Fulfillment started');
    expect(started.map((l) => l.orderId)).toEqual(['ord-a1', 'ord-b1']);
    expect(sidelined()).toHaveLength(0);
    // One OrdersAccepted line for the batch, counting every started execution.
    expect(emf()).toHaveLength(1);
    expect(emf()[0]._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service']],
        Metrics: [{ Name: METRIC_NAMES.ordersAccepted, Unit: 'Count' }],
      },
    ]);
    expect(emf()[0][METRIC_NAMES.ordersAccepted]).toBe(2);
  });

  it('puts the claims before it starts the execution; a failed put starts nothing and is retried (batch item failure)', async () => {
    ddbMock.on(PutCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    const response = await handler(batch(orderRecord('m1', 'ord-c1', 'cust-a'), orderRecord('m2', 'ord-c2', 'cust-b')));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(startedNames()).toEqual(['ord-c2']);
  });

  it('treats ExecutionAlreadyExists as success (duplicate delivery) and logs a warning', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution already exists', $metadata: {} }));

    const response = await handler(batch(orderRecord('m1', 'ord-dup', 'cust-a')));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(startedNames()).toEqual(['ord-dup']);
    expect(emf()).toEqual([]); // a duplicate delivery is not a new accepted order
    expect(logs()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        orderId: 'ord-dup',
        message: expect.stringMatching(/Duplicate delivery/),
      }),
    );
  });

  describe('a message that can never succeed is sidelined to the orders DLQ and acknowledged', () => {
    it.each([
      ['not JSON', record('p1', 'cust-a', '{not json'), 'NOT_JSON: body is not valid JSON'],
      ['JSON but not an object', record('p1', 'cust-a', '[]'), /^SCHEMA_INVALID: invalid order: \(order\): /],
      ['an order that breaks the schema', record('p1', 'cust-a', noItems), /^SCHEMA_INVALID: invalid order: items: /],
      [
        'a group id that is not the customer id',
        record('p1', 'cust-other', anOrder({ customerId: 'cust-a' })),
        "GROUP_MISMATCH: MessageGroupId 'cust-other' does not match customerId 'cust-a'",
      ],
      ['a body over 262,144 bytes', record('p1', 'cust-a', tooLarge), /^BODY_TOO_LARGE: body is 2\d{5} bytes, over/],
    ])('%s', async (_kind, poison, reason) => {
      const response = await handler(batch(poison));

      expect(response).toEqual({ batchItemFailures: [] });
      expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
      expect(sidelined()).toEqual([
        {
          QueueUrl: DLQ_URL,
          MessageBody: poison.body,
          MessageGroupId: poison.attributes.MessageGroupId,
          MessageDeduplicationId: 'p1',
          MessageAttributes: {
            SidelineReason: { DataType: 'String', StringValue: expect.stringMatching(reason) },
            OriginalMessageId: { DataType: 'String', StringValue: 'p1' },
          },
        },
      ]);
      const error = logs().find((l) => l.level === 'ERROR');
      expect(error).toMatchObject({ messageId: 'p1', sidelineReason: reasonOf(sidelined()[0]) });
    });

    it('sidelines a message without a group id into a fixed fallback group', async () => {
      const response = await handler(batch(record('p1', undefined, anOrder())));

      expect(response.batchItemFailures).toEqual([]);
      expect(sidelined()[0]).toMatchObject({ MessageGroupId: SIDELINE_FALLBACK_GROUP_ID });
      expect(reasonOf(sidelined()[0])).toBe("GROUP_MISMATCH: MessageGroupId '' does not match customerId 'cust-42'");
    });
  });

  it("lets the customer's later, valid order start after a malformed one in the same batch", async () => {
    const response = await handler(
      batch(
        record('a1', 'cust-a', '{not json'),
        orderRecord('b1', 'ord-b1', 'cust-b'),
        orderRecord('a2', 'ord-a2', 'cust-a'),
        orderRecord('b2', 'ord-b2', 'cust-b'),
      ),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(startedNames()).toEqual(['ord-b1', 'ord-a2', 'ord-b2']);
    expect(sidelined().map((m) => m.MessageDeduplicationId)).toEqual(['a1']);
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'Batch processed', sidelined: 1 }));
  });

  it('counts each sidelined message as an EMF metric, by reason and in total', async () => {
    await handler(batch(record('p1', 'cust-a', '{oops'), record('p2', 'cust-b', noItems)));

    expect(emf()).toHaveLength(2);
    for (const [line, reason] of [
      [emf()[0], 'NOT_JSON'],
      [emf()[1], 'SCHEMA_INVALID'],
    ] as const) {
      expect(line._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['service', 'reason'], ['service']],
          Metrics: [{ Name: METRIC_NAMES.sidelinedMessages, Unit: 'Count' }],
        },
      ]);
      expect(line).toMatchObject({ reason, [METRIC_NAMES.sidelinedMessages]: 1 });
    }
  });

  it('keeps sidelined and accepted counts apart: the accepted line carries no reason dimension', async () => {
    await handler(batch(record('p1', 'cust-a', '{oops'), orderRecord('b1', 'ord-b1', 'cust-b')));

    const names = emf().map((l) => l._aws.CloudWatchMetrics[0].Metrics.map((m) => m.Name));
    expect(names).toEqual([[METRIC_NAMES.sidelinedMessages], [METRIC_NAMES.ordersAccepted]]);
    expect(emf()[1]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
    expect(emf()[1]).not.toHaveProperty('reason');
    expect(emf()[1][METRIC_NAMES.ordersAccepted]).toBe(1);
  });

  it('never logs the body: no payment token, no address', async () => {
    const order = anOrder({ customerId: 'cust-a', payment: { token: 'tok_secret_4242' } });
    await handler(batch(record('p1', 'cust-other', order), record('p2', 'cust-a', { ...order, items: [] })));

    const text = JSON.stringify(logs());
    expect(logs().filter((l) => l.level === 'ERROR')).toHaveLength(2);
    expect(text).not.toContain('tok_secret_4242');
    expect(text).not.toContain(order.shippingAddress.line1);
  });

  it('retries a poison message whose DLQ send fails: batch item failure, rest of its group skipped', async () => {
    sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('KMS throttled'), { name: 'KmsThrottled' }));

    const response = await handler(
      batch(
        record('a1', 'cust-a', '{not json'),
        orderRecord('a2', 'ord-a2', 'cust-a'),
        orderRecord('b1', 'ord-b1', 'cust-b'),
      ),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a1' }, { itemIdentifier: 'a2' }]);
    expect(startedNames()).toEqual(['ord-b1']);
    // Nothing sidelined; only the one started order is counted.
    expect(emf().map((l) => l._aws.CloudWatchMetrics[0].Metrics[0].Name)).toEqual([METRIC_NAMES.ordersAccepted]);
    expect(emf()[0][METRIC_NAMES.ordersAccepted]).toBe(1);
    const warning = logs().find((l) => l.level === 'WARN' && l.messageId === 'a1');
    expect(warning?.error).toMatchObject({ message: 'Could not sideline the message to the orders DLQ (NOT_JSON)' });
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
    expect(sidelined()).toHaveLength(0);
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'WARN', orderId: 'ord-a1', messageId: 'a1' }));
  });

  it('answers a batch that fails entirely with item failures rather than a function error', async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error('unavailable'));
    const response = await handler(batch(record('m1', 'cust-a', '[]'), record('m2', 'cust-b', 'null')));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
  });

  it('keeps each log line on its own order id and clears it between records', async () => {
    await handler(batch(orderRecord('m1', 'ord-x', 'cust-a'), record('m2', 'cust-b', '{oops')));

    const lines = logs();
    expect(lines.find((l) => l.message === 'Fulfillment started')?.orderId).toBe('ord-x');
    expect(lines.find((l) => l.messageId === 'm2' && l.level === 'ERROR')?.orderId).toBeUndefined();
  });

  it.each(['STATE_MACHINE_ARN', 'ORDERS_DLQ_URL'])(
    'fails fast, without touching the queue records, when %s is missing',
    async (name) => {
      delete process.env[name];

      await expect(handler(batch(orderRecord('m1', 'ord-1', 'cust-a')))).rejects.toThrow(
        `Missing required environment variable ${name}`,
      );
      expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
      expect(sidelined()).toHaveLength(0);
    },
  );

  it('checkRecord returns the parsed order for a consistent envelope', () => {
    const order = anOrder();
    expect(checkRecord(record('m1', order.customerId, order))).toEqual({ ok: true, order });
  });

  it('checkRecord measures the body in UTF-8 bytes, not characters', () => {
    const body = JSON.stringify({ ...anOrder(), note: 'é'.repeat(131_000) }); // ~262,300 bytes, ~131,300 chars
    expect(checkRecord(record('m1', 'cust-42', body))).toMatchObject({ ok: false, code: 'BODY_TOO_LARGE' });
  });

  it('keeps the SidelineReason printable ASCII and within its length limit', () => {
    const reason = sidelineReason('SCHEMA_INVALID', `naïve ${'x'.repeat(5_000)}`);
    expect(reason).toHaveLength(SIDELINE_REASON_MAX_CHARS);
    expect(reason).toMatch(/^SCHEMA_INVALID: na\?ve x+\.\.\.$/);
  });
});
