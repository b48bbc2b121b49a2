import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { HANDLER_ENV } from '../../lib/contracts/handler-env';
import { parseOrder } from '../../lib/contracts/order';
import type { Order } from '../../lib/contracts/order';
import { requireEnv } from '../shared/env';
import { errorName, InvalidOrder } from '../shared/errors';
import { logger, startInvocation } from '../shared/logger';
import { sfn } from '../shared/sfn';

/*
 * orders.fifo → one fulfillment execution per order (execution name = order id).
 * A record that throws is reported as a batch item failure; with skipGroupOnError the later
 * records of ITS message group (same customer) fail too, so a customer's orders never start out
 * of order, while other groups carry on. After 3 receives SQS moves a failing message to the DLQ.
 */
const processor = new SqsFifoPartialProcessorAsync();

/** Parses and checks one SQS record: JSON, order schema, envelope group id = customer id. */
export function orderFromRecord(record: SQSRecord): Order {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new InvalidOrder(`Message ${record.messageId}: body is not valid JSON`);
  }
  const parsed = parseOrder(body);
  if (!parsed.ok) {
    throw new InvalidOrder(
      `Message ${record.messageId}: invalid order: ${parsed.problems.join('; ')}`,
      parsed.problems,
    );
  }
  const groupId = record.attributes.MessageGroupId;
  if (groupId !== parsed.order.customerId) {
    throw new InvalidOrder(
      `Message ${record.messageId}: MessageGroupId '${groupId ?? ''}' does not match customerId '${parsed.order.customerId}'`,
    );
  }
  return parsed.order;
}

/** Starts the order's execution; a duplicate delivery (execution already exists) is a success. */
async function startExecution(order: Order, stateMachineArn: string, messageId: string): Promise<void> {
  try {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: order.orderId, input: JSON.stringify(order) }),
    );
    logger.info('Fulfillment started', { messageId, executionArn });
  } catch (error) {
    if (errorName(error) !== 'ExecutionAlreadyExists') throw error;
    logger.warn('Duplicate delivery: fulfillment already started for this order', { messageId });
  }
}

async function processRecord(record: SQSRecord, stateMachineArn: string): Promise<void> {
  logger.removeKeys(['orderId']);
  try {
    const order = orderFromRecord(record);
    logger.appendKeys({ orderId: order.orderId });
    await startExecution(order, stateMachineArn, record.messageId);
  } catch (error) {
    const details = { messageId: record.messageId, error: error as Error };
    // A poison message is an error (it heads for the DLQ); anything else is a retry.
    if (error instanceof InvalidOrder) logger.error('Message rejected; reported as a batch item failure', details);
    else logger.warn('Message failed; reported as a batch item failure, to be retried', details);
    throw error;
  } finally {
    logger.removeKeys(['orderId']);
  }
}

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  startInvocation(undefined, context);
  const stateMachineArn = requireEnv(HANDLER_ENV.stateMachineArn);
  const response = await processPartialResponse(
    event,
    (record: SQSRecord) => processRecord(record, stateMachineArn),
    processor,
    {
      context,
      skipGroupOnError: true,
      // A batch that fails entirely is still answered with item failures, not a function error:
      // the effect on the queue is the same and every failure stays visible per message.
      throwOnFullBatchFailure: false,
    },
  );
  const summary = {
    records: event.Records.length,
    failed: response.batchItemFailures.length,
    failedMessageIds: response.batchItemFailures.map((f) => f.itemIdentifier),
  };
  if (summary.failed > 0) logger.warn('Batch processed with failures', summary);
  else logger.info('Batch processed', summary);
  return response;
};
