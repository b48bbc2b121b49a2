import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ORDER_SCHEMA_VERSION, parseOrder } from '@securecart/contracts/order';
import type { Order } from '@securecart/contracts/order';
import { OrderStatusEventSchema } from '@securecart/contracts/status';
import type { OrderStatusEvent } from '@securecart/contracts/status';
import { CheckFailure } from '../../../test/smoke/report';
import { errorName, isRecord, parseJson, pollUntil } from '../../../test/smoke/util';

/*
 * The order pipeline without the API in front: what the local endpoint can host (the tables, the
 * queues, orders.fifo → the fulfillment workflow → OrderEvents → the order-status queue).
 */

/** Each table exists and is ACTIVE. */
export async function checkTables(ddb: DynamoDBClient, tables: readonly string[]): Promise<string> {
  const problems: string[] = [];
  for (const name of tables) {
    try {
      const { Table } = await ddb.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus !== 'ACTIVE') problems.push(`${name} is ${Table?.TableStatus ?? 'unknown'}`);
    } catch (error) {
      problems.push(`${name}: ${errorName(error) ?? 'error'}: ${(error as Error).message}`);
    }
  }
  if (problems.length) throw new CheckFailure(problems.join('; '));
  return `${tables.length} tables ACTIVE`;
}

/** Each queue exists; orders.fifo is FIFO; every queue is encrypted with a KMS key. */
export async function checkQueues(sqs: SQSClient, queueUrls: Readonly<Record<string, string>>): Promise<string> {
  const problems: string[] = [];
  for (const [output, url] of Object.entries(queueUrls)) {
    try {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
      );
      if (url.endsWith('.fifo') !== (Attributes.FifoQueue === 'true'))
        problems.push(`${output}: FifoQueue ${Attributes.FifoQueue}`);
      if (!Attributes.KmsMasterKeyId) problems.push(`${output}: not encrypted with a KMS key`);
    } catch (error) {
      problems.push(`${output}: ${errorName(error) ?? 'error'}: ${(error as Error).message}`);
    }
  }
  if (problems.length) throw new CheckFailure(problems.join('; '));
  return `${Object.keys(queueUrls).length} queues, KMS-encrypted`;
}

/** A contract order (as the checkout service's relay sends it). */
export function buildOrder(
  orderId: string,
  customerId: string,
  productId: string,
  priceCents: number,
  token: string,
): Order {
  const order = {
    schemaVersion: ORDER_SCHEMA_VERSION,
    orderId,
    customerId,
    createdAt: new Date().toISOString(),
    currency: 'USD' as const,
    items: [{ productId, quantity: 1 }],
    shippingAddress: {
      name: 'Verify Deploy',
      line1: '1 Test Street',
      city: 'Testville',
      postalCode: '12345',
      country: 'US',
    },
    payment: { token },
    clientTotalCents: priceCents,
  };
  const parsed = parseOrder(order);
  if (!parsed.ok) throw new Error(`verify:deploy bug: invalid order: ${parsed.problems.join('; ')}`);
  return parsed.order;
}

/** Sends the order to orders.fifo as the relay does (message group = customer, deduplication = order id). */
export async function sendOrder(sqs: SQSClient, ordersQueueUrl: string, order: Order): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: ordersQueueUrl,
      MessageBody: JSON.stringify(order),
      MessageGroupId: order.customerId,
      MessageDeduplicationId: order.orderId,
    }),
  );
}

/** Waits for the order's execution to end; its status (SUCCEEDED, FAILED, ...) or a failure. */
export async function awaitExecution(
  sfn: SFNClient,
  arn: string,
  deadline: number,
  intervalMs = 1000,
): Promise<string> {
  let last = 'not started';
  const status = await pollUntil(deadline, intervalMs, async () => {
    try {
      const e = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      last = e.status ?? 'UNKNOWN';
      return last === 'RUNNING' || last === 'PENDING_REDRIVE' ? undefined : last;
    } catch (error) {
      if (errorName(error) === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  });
  if (!status) throw new CheckFailure(`execution ${arn} did not end in time (${last})`);
  return status;
}

/** The status event in a message of a subscription queue (SNS envelope or raw). */
export function statusEventOf(body: string | undefined): OrderStatusEvent | undefined {
  const parsed = parseJson(body);
  const payload = isRecord(parsed) && parsed.Type === 'Notification' ? parseJson(String(parsed.Message)) : parsed;
  const event = OrderStatusEventSchema.safeParse(payload);
  return event.success ? event.data : undefined;
}

/**
 * Reads the order-status queue until a terminal status of one of `orderIds` arrives for each, deleting
 * this run's messages; others return to the queue after `foreignVisibilitySeconds`. Returns each order's statuses.
 */
export async function collectStatuses(
  sqs: SQSClient,
  queueUrl: string,
  orderIds: readonly string[],
  deadline: number,
  foreignVisibilitySeconds = 30,
): Promise<Map<string, OrderStatusEvent[]>> {
  const byOrder = new Map<string, OrderStatusEvent[]>(orderIds.map((id) => [id, []]));
  const done = () =>
    orderIds.every((id) => byOrder.get(id)!.some((e) => ['FULFILLED', 'CANCELLED', 'FAILED'].includes(e.status)));
  while (!done() && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: foreignVisibilitySeconds,
      }),
    );
    const mine = Messages.filter((m) => {
      const event = statusEventOf(m.Body);
      if (!event || !byOrder.has(event.orderId)) return false;
      byOrder.get(event.orderId)!.push(event);
      return true;
    });
    if (mine.length)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: mine.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
  }
  return byOrder;
}

/** The order's statuses end as expected. */
export function checkStatuses(
  orderId: string,
  events: readonly OrderStatusEvent[],
  expected: { status: string; reason: string | null },
): string {
  const path = events.map((e) => e.status).join(' → ') || 'no status';
  const last = events.find((e) => ['FULFILLED', 'CANCELLED', 'FAILED'].includes(e.status));
  if (!last) throw new CheckFailure(`order ${orderId}: no terminal status on the order-status queue (${path})`);
  if (last.status !== expected.status || (last.reason ?? null) !== expected.reason)
    throw new CheckFailure(
      `order ${orderId} ended ${last.status}${last.reason ? ` ${last.reason}` : ''}, expected ${expected.status}${expected.reason ? ` ${expected.reason}` : ''} (${path})`,
    );
  return `order ${orderId}: ${path}`;
}
