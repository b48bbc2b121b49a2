import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { randomUUID } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { toWorkflowOrder } from '@securecart/contracts/claims';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import type { Order } from '@securecart/contracts/order';
import { parseTraceHeader, renderTraceHeader } from '@securecart/contracts/tracing';
import { putClaims } from '../shared/claims';
import { requireEnv } from '../shared/env';
import { errorName } from '../shared/errors';
import { logger, startInvocation } from '../shared/logger';
import { countNow, metrics } from '../shared/metrics';
import { sfn } from '../shared/sfn';
import { checkRecord, sideline } from './sideline';

/*
 * orders.fifo → one fulfillment execution per order (execution name = order id).
 * - A message that can never succeed (too large, not JSON, not an order, group id ≠ customer id)
 *   is sidelined to the orders DLQ at once and acknowledged (see sideline.ts), so the customer's
 *   later orders in the batch go on, in order.
 * - Any other failure (Step Functions throttled, the sideline send failed) throws: a batch item
 *   failure. With skipGroupOnError the later records of ITS message group (same customer) fail
 *   too, so a customer's orders never start out of order, while other groups carry on. After 3
 *   receives SQS moves a failing message to the DLQ.
 */
const processor = new SqsFifoPartialProcessorAsync();

interface Config {
  readonly stateMachineArn: string;
  readonly ordersDlqUrl: string;
  readonly orderClaimsTable: string;
}

/**
 * Starts the order's execution; a duplicate delivery (execution already exists) is a success.
 * Returns 'started' only when this call started it (the OrdersAccepted count).
 * The execution joins the order's trace: the message's AWSTraceHeader, set by the checkout
 * service's relay from the customer's request (contracts/tracing.ts), is its traceHeader.
 */
async function startExecution(order: Order, config: Config, record: SQSRecord): Promise<'started' | 'duplicate'> {
  const { messageId } = record;
  const trace = parseTraceHeader(record.attributes.AWSTraceHeader);
  // The claim check (docs/adr/0019): the token and the address go into claims under a fresh
  // reference; the execution gets the order without them. A duplicate delivery leaves its claims
  // unread, and they expire with their TTL.
  const ref = randomUUID();
  await putClaims(config.orderClaimsTable, order, ref);
  try {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: config.stateMachineArn,
        name: order.orderId,
        input: JSON.stringify(toWorkflowOrder(order, ref)),
        ...(trace ? { traceHeader: renderTraceHeader(trace) } : {}),
      }),
    );
    logger.info('Fulfillment started', { messageId, executionArn });
    return 'started';
  } catch (error) {
    if (errorName(error) !== 'ExecutionAlreadyExists') throw error;
    logger.warn('Duplicate delivery: fulfillment already started for this order', { messageId });
    return 'duplicate';
  }
}

/** Starts the record's order, or sidelines the record; throws to report a batch item failure. */
async function processRecord(record: SQSRecord, config: Config): Promise<'started' | 'duplicate' | 'sidelined'> {
  logger.removeKeys(['orderId']);
  try {
    const verdict = checkRecord(record);
    if (!verdict.ok) {
      await sideline(record, verdict, config.ordersDlqUrl);
      return 'sidelined';
    }
    logger.appendKeys({ orderId: verdict.order.orderId });
    return await startExecution(verdict.order, config, record);
  } catch (error) {
    logger.warn('Message failed; reported as a batch item failure, to be retried', {
      messageId: record.messageId,
      error: error as Error,
    });
    throw error;
  } finally {
    logger.removeKeys(['orderId']);
  }
}

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  startInvocation(undefined, context);
  const config: Config = {
    stateMachineArn: requireEnv(HANDLER_ENV.stateMachineArn),
    ordersDlqUrl: requireEnv(HANDLER_ENV.ordersDlqUrl),
    orderClaimsTable: requireEnv(HANDLER_ENV.orderClaimsTable),
  };
  let sidelined = 0;
  let started = 0;
  const processOne = async (record: SQSRecord) => {
    const result = await processRecord(record, config);
    if (result === 'sidelined') sidelined++;
    if (result === 'started') started++;
  };
  let response: SQSBatchResponse;
  try {
    response = await processPartialResponse(event, processOne, processor, {
      context,
      skipGroupOnError: true,
      // A batch that fails entirely is still answered with item failures, not a function error:
      // the effect on the queue is the same and every failure stays visible per message.
      throwOnFullBatchFailure: false,
    });
  } finally {
    // One OrdersAccepted line per batch (sidelining flushes its own count at once, per message).
    if (started > 0) countNow(METRIC_NAMES.ordersAccepted, { count: started });
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
  const summary = {
    records: event.Records.length,
    started,
    sidelined,
    failed: response.batchItemFailures.length,
    failedMessageIds: response.batchItemFailures.map((f) => f.itemIdentifier),
  };
  if (summary.failed > 0) logger.warn('Batch processed with failures', summary);
  else logger.info('Batch processed', summary);
  return response;
};
