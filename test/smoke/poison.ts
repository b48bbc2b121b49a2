import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SIDELINE_ATTRIBUTES, SIDELINE_REASONS } from '../../lib/contracts';
import type { Clients } from './aws';
import type { StackOutputs } from './outputs';
import { CheckFailure } from './report';

/**
 * A poison message must not take the customer's next order with it: start-fulfillment sidelines a
 * message that can never succeed into the orders DLQ at once (body unchanged, the reason and the
 * original message id as attributes), so the valid order sent right after it in the same message
 * group goes on. `sendPoison` sends the malformed message; `checkSidelined` finds it in the DLQ.
 */
export async function sendPoison(c: Clients, o: StackOutputs, groupId: string, runId: string): Promise<string> {
  const body = `smoke ${runId}: poison message, not an order {`;
  await c.sqs.send(
    new SendMessageCommand({
      QueueUrl: o.OrdersQueueUrl,
      MessageBody: body,
      MessageGroupId: groupId,
      MessageDeduplicationId: `smoke-${runId}-poison`,
    }),
  );
  return body;
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
