import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { RefundPaymentInputSchema } from '@securecart/contracts/steps';
import type { RefundPaymentInput } from '@securecart/contracts/steps';
import { idempotencyKey } from '@securecart/contracts/tables';
import { ddb, tryConditionalWrite } from '../shared/dynamodb';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { PaymentProviderUnavailable } from '../shared/errors';
import { stepHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import {
  DEFAULT_PROVIDER_TIMEOUT_MS,
  isProviderUnavailable,
  providerFailureReason,
  refund,
} from '../shared/payment-provider';
import type { PaymentRecord } from '../shared/payment-record';

type RefundPaymentResult =
  | { readonly refunded: false; readonly note: 'NO_CHARGE' }
  | {
      readonly refunded: true;
      readonly note: 'REFUNDED' | 'ALREADY_REFUNDED';
      readonly chargeId: string;
      readonly amountCents: number;
    };

/** The answer for a record that needs no refund now; undefined when it is CHARGED (refund it). */
function settled(record: PaymentRecord | undefined): RefundPaymentResult | undefined {
  if (!record || record.status === 'DECLINED') return { refunded: false, note: 'NO_CHARGE' };
  if (record.status === 'REFUNDED') {
    return { refunded: true, note: 'ALREADY_REFUNDED', chargeId: record.chargeId, amountCents: record.amountCents };
  }
  if (record.status === 'CHARGED') return undefined;
  throw new Error(`Payment record ${record.id} has an unknown status '${String(record.status)}'`);
}

/*
 * Order of operations: refund at the provider FIRST, then flip the record CHARGED → REFUNDED.
 * Flipping first would lose money if the provider call then failed: every retry would see
 * REFUNDED and answer ALREADY_REFUNDED while the customer was never paid back. Refunding first,
 * a crash between the two steps only means the retry refunds again, which the provider ignores
 * (refunds are idempotent by charge id), and then flips the record.
 */
async function refundPayment({ orderId }: RefundPaymentInput): Promise<RefundPaymentResult> {
  const tableName = requireEnv(HANDLER_ENV.idempotencyTable);
  const timeoutMs = positiveIntEnv(HANDLER_ENV.paymentProviderTimeoutMs, DEFAULT_PROVIDER_TIMEOUT_MS);
  const key = { id: idempotencyKey('payment', orderId) };
  const readRecord = async () =>
    (await ddb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item as
      PaymentRecord | undefined;

  const record = await readRecord();
  const early = settled(record);
  if (early) {
    if (early.note === 'NO_CHARGE') logger.info('No refund needed: nothing was charged', { note: early.note });
    else logger.warn('Already refunded (repeat delivery)', { note: early.note });
    return early;
  }
  const { chargeId, amountCents } = record!;

  let refundId: string;
  try {
    ({ refundId } = await refund({ chargeId, amountCents }, AbortSignal.timeout(timeoutMs)));
  } catch (error) {
    if (!isProviderUnavailable(error)) throw error;
    throw new PaymentProviderUnavailable(
      `Payment provider unavailable for refund: ${providerFailureReason(error, timeoutMs)}`,
      { cause: error },
    );
  }

  const flipped = await tryConditionalWrite(() =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET #status = :refunded, refundedAt = :now, refundId = :refundId',
        ConditionExpression: '#status = :charged AND chargeId = :chargeId',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':refunded': 'REFUNDED',
          ':charged': 'CHARGED',
          ':now': new Date().toISOString(),
          ':refundId': refundId,
          ':chargeId': chargeId,
        },
      }),
    ),
  );
  if (!flipped) {
    // A concurrent invocation flipped it first.
    const now = settled(await readRecord());
    if (!now) throw new Error(`Payment record ${key.id} is still CHARGED after a failed conditional refund`);
    logger.warn('Refund recorded concurrently', { note: now.note });
    return now;
  }
  logger.info('Payment refunded', { chargeId, amountCents, refundId });
  return { refunded: true, note: 'REFUNDED', chargeId, amountCents };
}

export const handler = stepHandler('refund-payment', RefundPaymentInputSchema, refundPayment);
