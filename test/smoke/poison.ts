import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SIDELINE_ATTRIBUTES, SIDELINE_REASONS } from '@securecart/contracts';
import type { Clients } from './aws';
import { describeResponse } from './http';
import type { CheckoutApi } from './http';
import type { StackOutputs } from './outputs';
import { CheckFailure } from './report';
import { truncate } from './util';

/**
 * A poison message must not take the customer's next order with it: start-fulfillment sidelines a
 * message that can never succeed into the orders DLQ at once (body unchanged, the reason and the
 * original message id as attributes), so the valid order placed right after it in the same message
 * group goes on.
 *
 * The checkout service never produces such a message (its API refuses a malformed order with 400
 * and writes nothing: `checkRefusedByApi`), so the suite plays a misbehaving producer and sends it
 * straight to orders.fifo in the customer's message group (`sendPoison`); `checkSidelined` finds it
 * in the DLQ.
 */
export interface Poison {
  /** Not JSON: an order document cut off mid-way. */
  readonly body: string;
  /** The order id the cut-off document names: the service must hold no such order. */
  readonly orderId: string;
}

export function poisonFor(runId: string, customerId: string): Poison {
  const orderId = randomUUID();
  return {
    orderId,
    body: `{"schemaVersion":1,"orderId":"${orderId}","customerId":"${customerId}","note":"smoke ${runId}: poison message, cut off`,
  };
}

/**
 * POST /api/orders with the poison body: 400, and nothing written — no order under the id it
 * names (GET → 404) and none in the customer's list. The caller then places the customer's valid
 * order with the same Idempotency-Key, which must create it (not replay): the 400 claimed nothing.
 */
export async function checkRefusedByApi(
  api: CheckoutApi,
  token: string,
  poison: Poison,
  idempotencyKey: string,
): Promise<string> {
  const post = await api.request('POST', '/api/orders', {
    token,
    rawJsonBody: poison.body,
    headers: { 'idempotency-key': idempotencyKey },
  });
  const problems: string[] = [];
  if (post.status !== 400) problems.push(`${describeResponse('POST', '/api/orders', post)}, expected 400`);
  const byId = await api.get(`/api/orders/${poison.orderId}`, token);
  if (byId.status !== 404)
    problems.push(`${describeResponse('GET', `/api/orders/${poison.orderId}`, byId)}, expected 404`);
  const list = await api.get('/api/orders', token);
  const listed = Array.isArray(list.body?.orders) ? list.body.orders.length : undefined;
  if (list.status !== 200 || listed !== 0)
    problems.push(`GET /api/orders → ${list.status} with ${listed ?? 'no'} orders, expected 200 with none`);
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  return `POST /api/orders → 400 (${truncate(String(post.body?.message ?? ''), 80)}); GET /api/orders/${poison.orderId} → 404; the customer's list is empty`;
}

export async function sendPoison(
  c: Clients,
  o: StackOutputs,
  groupId: string,
  runId: string,
  body: string,
): Promise<void> {
  await c.sqs.send(
    new SendMessageCommand({
      QueueUrl: o.OrdersQueueUrl,
      MessageBody: body,
      MessageGroupId: groupId,
      MessageDeduplicationId: `smoke-${runId}-poison`,
    }),
  );
}

export async function checkSidelined(c: Clients, o: StackOutputs, body: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages = [] } = await c.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: o.OrdersDlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const found = Messages.find((m) => m.Body === body);
    if (!found) continue;
    await c.sqs.send(new DeleteMessageCommand({ QueueUrl: o.OrdersDlqUrl, ReceiptHandle: found.ReceiptHandle }));
    const reason = found.MessageAttributes?.[SIDELINE_ATTRIBUTES.reason]?.StringValue ?? '';
    const original = found.MessageAttributes?.[SIDELINE_ATTRIBUTES.originalMessageId]?.StringValue ?? '';
    const problems: string[] = [];
    if (!reason.startsWith(SIDELINE_REASONS.notJson)) {
      problems.push(`${SIDELINE_ATTRIBUTES.reason} '${reason}', expected ${SIDELINE_REASONS.notJson}`);
    }
    if (!original) problems.push(`no ${SIDELINE_ATTRIBUTES.originalMessageId} attribute`);
    // A message redriven by SQS after failed receives keeps its count (> 1); a sidelined one is new.
    const receives = found.Attributes?.ApproximateReceiveCount;
    if (receives !== '1') problems.push(`DLQ copy shows ${receives} receives: redriven, not sidelined`);
    if (problems.length) throw new CheckFailure(problems.join('; '));
    return `body intact in ${nameOf(o.OrdersDlqUrl)}, ${SIDELINE_ATTRIBUTES.reason}='${reason}', original message ${original}`;
  }
  throw new CheckFailure(`the poison message did not reach ${nameOf(o.OrdersDlqUrl)} within ${timeoutMs / 1000} s`);
}

const nameOf = (queueUrl: string) => queueUrl.split('/').pop();
