import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { OrderStatusEventSchema, SNS_ATTRIBUTES } from '@securecart/contracts/status';
import { requireEnv } from '../shared/env';
import { errorName } from '../shared/errors';
import { logger, startInvocation } from '../shared/logger';
import { parseMessageBody } from '../shared/message';
import { sns } from '../shared/sns';

/*
 * status-redelivery → OrderEvents (docs/adr/0017). The workflow sends a status event here when
 * its own publish failed after minutes of retries; this handler publishes it again, exactly as the
 * workflow would have (the event as the message, its status as the `status` attribute). A publish
 * that fails is a batch item failure: SQS offers it again after the visibility timeout, and after
 * DELIVERY.statusRedelivery.maxReceiveCount receives moves it to the DLQ (alarmed). Consumers
 * apply a status only when it moves the order forward, so a late or repeated event is harmless.
 * Logs name the order, the status and the message id, never the event's other fields.
 */
const processor = new BatchProcessor(EventType.SQS);

async function redeliver(record: SQSRecord, topicArn: string): Promise<void> {
  // Only the workflow writes here; anything else stays on the queue until it reaches the DLQ.
  const event = parseMessageBody(record, OrderStatusEventSchema, 'a status event');
  try {
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: record.body,
        MessageAttributes: { [SNS_ATTRIBUTES.status]: { DataType: 'String', StringValue: event.status } },
      }),
    );
    logger.info('Status event redelivered', {
      orderId: event.orderId,
      status: event.status,
      messageId: record.messageId,
    });
  } catch (error) {
    logger.warn('Redelivery failed; the message is offered again', {
      orderId: event.orderId,
      status: event.status,
      messageId: record.messageId,
      error: errorName(error),
    });
    throw error;
  }
}

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  startInvocation(undefined, context);
  const topicArn = requireEnv(HANDLER_ENV.orderEventsTopicArn);
  return processPartialResponse(event, (record: SQSRecord) => redeliver(record, topicArn), processor, {
    context,
    throwOnFullBatchFailure: false,
  });
};
