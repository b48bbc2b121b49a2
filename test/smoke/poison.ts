import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { Clients } from './aws';
import type { StackOutputs } from './outputs';
import { CheckFailure } from './report';
import { isRecord, parseJson } from './util';

/**
 * A poison message must reach the DLQ after the queue's maxReceiveCount receives. With the
 * template's visibility timeout (180 s) that takes 9+ minutes, so for this check only the suite
 * lowers the orders queue's VisibilityTimeout with SetQueueAttributes and restores it afterwards
 * (also on Ctrl-C, through `onInterrupt`). Everything else is the deployed behaviour: the real
 * consumer rejects the message, the queue's own redrive policy moves it.
 */
export async function checkPoison(
  c: Clients,
  o: StackOutputs,
  runId: string,
  opts: { visibilitySeconds: number; onInterrupt: (restore: (() => Promise<void>) | undefined) => void },
): Promise<string> {
  const { Attributes: attrs = {} } = await c.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: o.OrdersQueueUrl,
      AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'],
    }),
  );
  const redrive = parseJson(attrs.RedrivePolicy);
  const maxReceiveCount = isRecord(redrive) ? Number(redrive.maxReceiveCount) : NaN;
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1)
    throw new CheckFailure(`orders queue RedrivePolicy unusable: ${attrs.RedrivePolicy ?? 'none'}`);
  const { Attributes: dlqAttrs = {} } = await c.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: o.OrdersDlqUrl, AttributeNames: ['QueueArn'] }),
  );
  if (isRecord(redrive) && redrive.deadLetterTargetArn !== dlqAttrs.QueueArn) {
    throw new CheckFailure(
      `orders queue redrives to ${String(redrive.deadLetterTargetArn)}, not to OrdersDlqUrl (${dlqAttrs.QueueArn})`,
    );
  }
  const original = attrs.VisibilityTimeout ?? '30';
  const visibility = Math.min(opts.visibilitySeconds, Number(original));

  const restore = async () => {
    await c.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: o.OrdersQueueUrl, Attributes: { VisibilityTimeout: original } }),
    );
  };
  const body = `smoke ${runId}: poison message, not an order {`;
  const started = Date.now();
  let found: { receiveCount?: string } | undefined;
  try {
    opts.onInterrupt(restore);
    await c.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: o.OrdersQueueUrl,
        Attributes: { VisibilityTimeout: String(visibility) },
      }),
    );
    await c.sqs.send(
      new SendMessageCommand({
        QueueUrl: o.OrdersQueueUrl,
        MessageBody: body,
        MessageGroupId: `smoke-${runId}-poison`,
        MessageDeduplicationId: `smoke-${runId}-poison`,
      }),
    );
    // The third failed receive can only end after two full visibility timeouts; allow generous slack for cold starts.
    const deadline = started + (maxReceiveCount * visibility + 60) * 1000;
    while (!found && Date.now() < deadline) {
      const { Messages = [] } = await c.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: o.OrdersDlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 2,
          VisibilityTimeout: 30,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      for (const m of Messages) {
        if (m.Body !== body) continue;
        found = { receiveCount: m.Attributes?.ApproximateReceiveCount };
        await c.sqs.send(new DeleteMessageCommand({ QueueUrl: o.OrdersDlqUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  } finally {
    await restore();
    opts.onInterrupt(undefined);
  }
  const seconds = (Date.now() - started) / 1000;
  const { Attributes: after = {} } = await c.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: o.OrdersQueueUrl, AttributeNames: ['VisibilityTimeout'] }),
  );
  const restored =
    after.VisibilityTimeout === original
      ? `restored to ${original} s`
      : `NOT restored: ${after.VisibilityTimeout} s, expected ${original} s`;
  if (after.VisibilityTimeout !== original) throw new CheckFailure(`visibility timeout ${restored}`);
  if (!found) {
    throw new CheckFailure(
      `poison message not in ${o.OrdersDlqUrl.split('/').pop()} after ${seconds.toFixed(0)} s (maxReceiveCount ${maxReceiveCount}, visibility lowered to ${visibility} s; ${restored})`,
    );
  }
  // It cannot have been redriven before the last allowed receive: that takes (maxReceiveCount − 1) visibility timeouts.
  const minimum = (maxReceiveCount - 1) * visibility;
  if (seconds < minimum - 1)
    throw new CheckFailure(
      `reached the DLQ after ${seconds.toFixed(1)} s, before ${maxReceiveCount} receives could have happened (≥ ${minimum} s)`,
    );
  const receives = found.receiveCount ? `, DLQ copy shows ${found.receiveCount} receives` : '';
  return `body intact in ${o.OrdersDlqUrl.split('/').pop()} after maxReceiveCount=${maxReceiveCount} receives (visibility lowered ${original} → ${visibility} s for this check, ${restored}${receives})`;
}
