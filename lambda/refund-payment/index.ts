import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  COMPLIANCE_DETAIL_TYPES,
  COMPLIANCE_ID_PATTERN,
  COMPLIANCE_SCHEMA_VERSION,
} from '@securecart/contracts/compliance';
import type { RefundFailedDetail, RefundIssuedDetail } from '@securecart/contracts/compliance';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { RefundPaymentInputSchema } from '@securecart/contracts/steps';
import type { RefundPaymentInput } from '@securecart/contracts/steps';
import { deleteClaims } from '../shared/claims';
import { putComplianceEvent } from '../shared/compliance';
import { ddb, tryConditionalWrite } from '../shared/dynamodb';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { PaymentProviderUnavailable } from '../shared/errors';
import { stepHandler } from '../shared/handler';
import { expirationFor } from '../shared/idempotency';
import { logger } from '../shared/logger';
import { DEFAULT_PROVIDER_TIMEOUT_MS, isProviderUnavailable, providerFailureReason } from '../shared/payment-provider';
import { paymentProvider } from '../shared/payment-providers';
import { paymentKey } from '../shared/payment-record';
import type { PaymentRecord } from '../shared/payment-record';

type RefundPaymentResult =
  | { readonly refunded: false; readonly note: 'NO_CHARGE' }
  | {
      readonly refunded: true;
      readonly note: 'REFUNDED' | 'ALREADY_REFUNDED';
      readonly chargeId: string;
      readonly amountCents: number;
    };

/** The answer for a record that needs nothing more; undefined when the provider must be asked or refunded. */
function settled(record: PaymentRecord | undefined): RefundPaymentResult | undefined {
  if (!record) return undefined;
  switch (record.status) {
    case 'DECLINED':
    case 'NOTHING_TO_REFUND':
      return { refunded: false, note: 'NO_CHARGE' };
    case 'REFUNDED':
      return { refunded: true, note: 'ALREADY_REFUNDED', chargeId: record.chargeId!, amountCents: record.amountCents! };
    case 'CHARGED':
    case 'PENDING':
      return undefined;
    default:
      throw new Error(`Payment record ${record.id} has an unknown status '${String(record.status)}'`);
  }
}

/** Refund Issued, once: when this invocation recorded the refund it made (ADR 28). */
async function reportRefund(orderId: string, amountCents: number, refundId: string): Promise<void> {
  await putComplianceEvent(COMPLIANCE_DETAIL_TYPES.refundIssued, {
    schemaVersion: COMPLIANCE_SCHEMA_VERSION,
    orderId,
    amountCents,
    refundId,
    occurredAt: new Date().toISOString(),
  } satisfies RefundIssuedDetail);
}

/**
 * Refund Failed, for each refund the provider refuses (not for its being unavailable, which the
 * workflow retries): the error's name only, never its message. The error is thrown on unchanged.
 */
async function refundFailureReported<T>(orderId: string, refund: () => Promise<T>): Promise<T> {
  try {
    return await refund();
  } catch (error) {
    if (!(error instanceof PaymentProviderUnavailable)) {
      const name = error instanceof Error && COMPLIANCE_ID_PATTERN.test(error.name) ? error.name : 'Error';
      await putComplianceEvent(COMPLIANCE_DETAIL_TYPES.refundFailed, {
        schemaVersion: COMPLIANCE_SCHEMA_VERSION,
        orderId,
        errorName: name,
        occurredAt: new Date().toISOString(),
      } satisfies RefundFailedDetail);
    }
    throw error;
  }
}

/** How many times a lost conditional write is followed by a fresh read and a new decision. */
const ROUNDS = 3;

/*
 * Order of operations: act at the provider FIRST, then record. Flipping the record first would
 * lose money if the provider call then failed: every retry would see REFUNDED and answer
 * ALREADY_REFUNDED while the customer was never paid back. Acting first, a crash between the two
 * steps only means the retry asks again, which the provider answers the same way (refunds are
 * idempotent by charge id, a canceled key stays canceled), and then records.
 *
 * A PENDING record means the outcome of the charge is unknown (the provider did not answer in
 * time): the provider is asked by the idempotency key (the record id). A charge found is refunded
 * in full; no charge found, the key is canceled at the provider, so a charge that would land later
 * is refused, and the record says NOTHING_TO_REFUND. No record at all means the provider was never
 * called (process-payment records before it calls); a NOTHING_TO_REFUND record stops a late
 * process-payment invocation from charging after the saga ran.
 */
async function refundPayment({ orderId, claim }: RefundPaymentInput): Promise<RefundPaymentResult> {
  // The order is being cancelled: its claims go first (docs/adr/0019), so no late process-payment
  // invocation can find the token any more. A refund needs only the charge id or the key.
  await deleteClaims(requireEnv(HANDLER_ENV.orderClaimsTable), claim, ['payment', 'shipping']);
  const tableName = requireEnv(HANDLER_ENV.idempotencyTable);
  const timeoutMs = positiveIntEnv(HANDLER_ENV.paymentProviderTimeoutMs, DEFAULT_PROVIDER_TIMEOUT_MS);
  const key = { id: paymentKey(orderId) };
  // Resolved only when the provider must be asked (a settled record needs no key from Secrets Manager).
  const provider = async () => paymentProvider(timeoutMs);
  const readRecord = async () =>
    (await ddb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item as
      PaymentRecord | undefined;
  const atProvider = async <T>(what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      return await call(AbortSignal.timeout(timeoutMs));
    } catch (error) {
      if (!isProviderUnavailable(error)) throw error;
      logger.warn('Payment provider unavailable; the workflow will retry', { operation: what, error: error as Error });
      throw new PaymentProviderUnavailable(
        `Payment provider unavailable for ${what}: ${providerFailureReason(error, timeoutMs)}`,
        { cause: error },
      );
    }
  };
  const update = (set: string, condition: string, values: Record<string, unknown>) =>
    tryConditionalWrite(() =>
      ddb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: set,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      ),
    );

  for (let round = 1; round <= ROUNDS; round += 1) {
    const record = await readRecord();
    const early = settled(record);
    if (early) {
      if (early.note === 'NO_CHARGE') logger.info('No refund needed: nothing was charged', { note: early.note });
      else logger.warn('Already refunded (repeat delivery)', { note: early.note });
      return early;
    }
    const now = new Date();

    if (!record) {
      const written = await tryConditionalWrite(() =>
        ddb.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...key,
              kind: 'payment',
              orderId,
              status: 'NOTHING_TO_REFUND',
              settledAt: now.toISOString(),
              expiration: expirationFor(now),
            } satisfies PaymentRecord,
            ConditionExpression: 'attribute_not_exists(id)',
          }),
        ),
      );
      if (written) {
        logger.info('No refund needed: the provider was never called', { note: 'NO_CHARGE' });
        return { refunded: false, note: 'NO_CHARGE' };
      }
      continue; // process-payment recorded its attempt meanwhile: decide again
    }

    if (record.status === 'CHARGED') {
      const { chargeId, amountCents } = record as Required<Pick<PaymentRecord, 'chargeId' | 'amountCents'>>;
      const payments = await provider();
      const { refundId } = await refundFailureReported(orderId, () =>
        atProvider('refund', (signal) => payments.refund({ chargeId, amountCents }, signal)),
      );
      const flipped = await update(
        'SET #status = :refunded, refundedAt = :now, refundId = :refundId',
        '#status = :charged AND chargeId = :chargeId',
        {
          ':refunded': 'REFUNDED',
          ':charged': 'CHARGED',
          ':now': now.toISOString(),
          ':refundId': refundId,
          ':chargeId': chargeId,
        },
      );
      if (!flipped) continue; // a concurrent invocation recorded first
      logger.info('Payment refunded', { chargeId, amountCents, refundId });
      await reportRefund(orderId, amountCents, refundId);
      return { refunded: true, note: 'REFUNDED', chargeId, amountCents };
    }

    // PENDING: the outcome is unknown; the provider knows it by the idempotency key.
    const payments = await provider();
    const payment = { idempotencyKey: key.id, orderId, amountCents: record.amountCents! };
    let found = await atProvider('retrieve', (signal) => payments.retrieve(payment, signal));
    if (found.status === 'NOT_FOUND') found = await atProvider('cancel', (signal) => payments.cancel(payment, signal));
    if (found.status === 'CHARGED') {
      const { chargeId, amountCents } = found;
      const { refundId } = await refundFailureReported(orderId, () =>
        atProvider('refund', (signal) => payments.refund({ chargeId, amountCents }, signal)),
      );
      const flipped = await update(
        'SET #status = :refunded, refundedAt = :now, refundId = :refundId, chargeId = :chargeId, amountCents = :amount',
        '#status = :pending',
        {
          ':refunded': 'REFUNDED',
          ':pending': 'PENDING',
          ':now': now.toISOString(),
          ':refundId': refundId,
          ':chargeId': chargeId,
          ':amount': amountCents,
        },
      );
      if (!flipped) continue;
      logger.info('Payment of unknown outcome was charged; refunded', { chargeId, amountCents, refundId });
      await reportRefund(orderId, amountCents, refundId);
      return { refunded: true, note: 'REFUNDED', chargeId, amountCents };
    }
    // CANCELED or DECLINED: nothing was charged, and with the key canceled nothing can be any more.
    const flipped = await update('SET #status = :nothing, settledAt = :now', '#status = :pending', {
      ':nothing': 'NOTHING_TO_REFUND',
      ':pending': 'PENDING',
      ':now': now.toISOString(),
    });
    if (!flipped) continue;
    logger.info('Payment of unknown outcome was not charged; the key is canceled', { provider: found.status });
    return { refunded: false, note: 'NO_CHARGE' };
  }
  throw new Error(`Payment record ${key.id} kept changing during ${ROUNDS} refund attempts`);
}

export const handler = stepHandler('refund-payment', RefundPaymentInputSchema, refundPayment);
