import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { ProcessPaymentInputSchema } from '@securecart/contracts/steps';
import type { ProcessPaymentInput } from '@securecart/contracts/steps';
import { idempotencyKey } from '@securecart/contracts/tables';
import { ddb, tryConditionalWrite } from '../shared/dynamodb';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { PaymentDeclined, PaymentProviderUnavailable } from '../shared/errors';
import { stepHandler } from '../shared/handler';
import { expirationFor } from '../shared/idempotency';
import { logger } from '../shared/logger';
import { countNow } from '../shared/metrics';
import {
  charge,
  DEFAULT_PROVIDER_TIMEOUT_MS,
  isProviderUnavailable,
  providerFailureReason,
} from '../shared/payment-provider';
import type { ChargeResult } from '../shared/payment-provider';
import type { PaymentRecord } from '../shared/payment-record';

interface ProcessPaymentResult {
  readonly status: 'CHARGED';
  readonly chargeId: string;
  readonly amountCents: number;
}

/**
 * The answer for an order that already has a payment record: the same result as the first time,
 * without calling the provider again.
 */
export function replay(record: PaymentRecord, input: ProcessPaymentInput): ProcessPaymentResult {
  switch (record.status) {
    case 'CHARGED':
      if (record.amountCents !== input.amountCents) {
        throw new Error(
          `Payment for order ${input.orderId} was already charged ${record.amountCents} cents; refusing a charge of ${input.amountCents}`,
        );
      }
      logger.warn('Payment already charged; returning the stored result', { chargeId: record.chargeId });
      return { status: 'CHARGED', chargeId: record.chargeId, amountCents: record.amountCents };
    case 'DECLINED':
      logger.warn('Payment already declined; declining again', { declineCode: record.declineCode });
      throw new PaymentDeclined(
        `Payment declined (${record.declineCode ?? 'unknown'})`,
        record.declineCode ?? 'unknown',
      );
    case 'REFUNDED':
      throw new Error(`Payment for order ${input.orderId} was already refunded; refusing to charge again`);
    default:
      throw new Error(`Payment record for order ${input.orderId} has an unknown status '${String(record.status)}'`);
  }
}

/** The record of the provider's answer to a charge (status, ids and timestamps). */
function paymentRecord(input: ProcessPaymentInput, result: ChargeResult, now: Date): PaymentRecord {
  const common = {
    id: idempotencyKey('payment', input.orderId),
    kind: 'payment' as const,
    orderId: input.orderId,
    customerId: input.customerId,
    chargeId: result.chargeId,
    amountCents: input.amountCents,
    expiration: expirationFor(now),
  };
  return result.decision === 'APPROVED'
    ? { ...common, status: 'CHARGED', chargedAt: now.toISOString() }
    : { ...common, status: 'DECLINED', declineCode: result.declineCode, declinedAt: now.toISOString() };
}

/**
 * Conditional write of a new record. A repeat may rewrite its own CHARGED record (same amount),
 * never a different record; a decline is written only once.
 */
function recordWrite(tableName: string, record: PaymentRecord): PutCommandInput {
  if (record.status !== 'CHARGED')
    return { TableName: tableName, Item: record, ConditionExpression: 'attribute_not_exists(id)' };
  return {
    TableName: tableName,
    Item: record,
    ConditionExpression: 'attribute_not_exists(id) OR (#status = :charged AND amountCents = :amount)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':charged': 'CHARGED', ':amount': record.amountCents },
  };
}

async function chargeWithTimeout(input: ProcessPaymentInput, timeoutMs: number): Promise<ChargeResult> {
  try {
    return await charge(input, AbortSignal.timeout(timeoutMs));
  } catch (error) {
    if (isProviderUnavailable(error)) {
      logger.warn('Payment provider unavailable; the workflow will retry', {
        attempt: input.attempt,
        error: error as Error,
      });
      throw new PaymentProviderUnavailable(`Payment provider unavailable: ${providerFailureReason(error, timeoutMs)}`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function processPayment(input: ProcessPaymentInput): Promise<ProcessPaymentResult> {
  const tableName = requireEnv(HANDLER_ENV.idempotencyTable);
  const timeoutMs = positiveIntEnv(HANDLER_ENV.paymentProviderTimeoutMs, DEFAULT_PROVIDER_TIMEOUT_MS);
  const key = { id: idempotencyKey('payment', input.orderId) };

  const readRecord = async () =>
    (await ddb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item as
      PaymentRecord | undefined;

  const existing = await readRecord();
  if (existing) return replay(existing, input);

  // Charges are idempotent by order id at the provider, so a concurrent duplicate cannot charge twice;
  // the conditional write below settles which answer is recorded.
  const result = await chargeWithTimeout(input, timeoutMs);
  const record = paymentRecord(input, result, new Date());
  const recorded = await tryConditionalWrite(() => ddb.send(new PutCommand(recordWrite(tableName, record))));
  if (!recorded) {
    // Another invocation recorded its result first: answer as it did.
    const winner = await readRecord();
    if (!winner) throw new Error(`Payment record for order ${input.orderId} vanished during a conditional write`);
    return replay(winner, input);
  }
  if (result.decision === 'APPROVED') {
    logger.info('Payment charged', { chargeId: result.chargeId, amountCents: input.amountCents });
    return { status: 'CHARGED', chargeId: result.chargeId, amountCents: input.amountCents };
  }
  logger.info('Payment declined', { declineCode: result.declineCode });
  // Counted once per order: only the invocation that recorded the decline gets here.
  countNow(METRIC_NAMES.paymentDeclines, { reason: result.declineCode });
  throw new PaymentDeclined(`Payment declined (${result.declineCode})`, result.declineCode);
}

export const handler = stepHandler('process-payment', ProcessPaymentInputSchema, processPayment);
