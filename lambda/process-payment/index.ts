import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { HANDLER_ENV } from '@securecart/contracts/env';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { ProcessPaymentInputSchema } from '@securecart/contracts/steps';
import type { ProcessPaymentInput } from '@securecart/contracts/steps';
import { deleteClaims, readClaim } from '../shared/claims';
import { ddb, tryConditionalWrite } from '../shared/dynamodb';
import { positiveIntEnv, requireEnv } from '../shared/env';
import { PaymentClaimMissing, PaymentDeclined, PaymentProviderUnavailable } from '../shared/errors';
import { stepHandler } from '../shared/handler';
import { expirationFor } from '../shared/idempotency';
import { logger } from '../shared/logger';
import { countNow } from '../shared/metrics';
import { DEFAULT_PROVIDER_TIMEOUT_MS, isProviderUnavailable, providerFailureReason } from '../shared/payment-provider';
import type { ChargeResult } from '../shared/payment-provider';
import { paymentProvider } from '../shared/payment-providers';
import { paymentKey } from '../shared/payment-record';
import type { PaymentRecord } from '../shared/payment-record';

interface ProcessPaymentResult {
  readonly status: 'CHARGED';
  readonly chargeId: string;
  readonly amountCents: number;
}

/**
 * The answer for an order that already has a settled payment record: the same result as the first
 * time, without calling the provider again. A PENDING record is not settled (see processPayment).
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
      return { status: 'CHARGED', chargeId: record.chargeId!, amountCents: record.amountCents };
    case 'DECLINED':
      logger.warn('Payment already declined; declining again', { declineCode: record.declineCode });
      throw new PaymentDeclined(
        `Payment declined (${record.declineCode ?? 'unknown'})`,
        record.declineCode ?? 'unknown',
      );
    case 'REFUNDED':
      throw new Error(`Payment for order ${input.orderId} was already refunded; refusing to charge again`);
    case 'NOTHING_TO_REFUND':
      throw new Error(`Payment for order ${input.orderId} was already compensated; refusing to charge`);
    default:
      throw new Error(`Payment record for order ${input.orderId} has an unknown status '${String(record.status)}'`);
  }
}

/** The attempt, recorded before the provider is called: whatever happens next, the saga knows to ask. */
function pendingRecord(input: ProcessPaymentInput, now: Date): PaymentRecord {
  return {
    id: paymentKey(input.orderId),
    kind: 'payment',
    orderId: input.orderId,
    customerId: input.customerId,
    status: 'PENDING',
    amountCents: input.amountCents,
    attemptedAt: now.toISOString(),
    expiration: expirationFor(now),
  };
}

/** The record of the provider's answer to a charge (status, ids and timestamps). */
function paymentRecord(pending: PaymentRecord, result: ChargeResult, now: Date): PaymentRecord {
  const common = { ...pending, chargeId: result.chargeId, expiration: expirationFor(now) };
  return result.decision === 'APPROVED'
    ? { ...common, status: 'CHARGED', chargedAt: now.toISOString() }
    : { ...common, status: 'DECLINED', declineCode: result.declineCode, declinedAt: now.toISOString() };
}

/**
 * The answer replaces this order's PENDING record of the same amount, never a settled one (a
 * compensation may have settled it meanwhile). A repeat may rewrite its own CHARGED record.
 */
function outcomeWrite(tableName: string, record: PaymentRecord): PutCommandInput {
  const charged = record.status === 'CHARGED' ? ' OR (#status = :charged AND amountCents = :amount)' : '';
  return {
    TableName: tableName,
    Item: record,
    ConditionExpression: `(#status = :pending AND amountCents = :amount)${charged}`,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':pending': 'PENDING',
      ':amount': record.amountCents,
      ...(charged ? { ':charged': 'CHARGED' } : {}),
    },
  };
}

async function chargeWithTimeout(
  input: ProcessPaymentInput,
  paymentToken: string,
  timeoutMs: number,
): Promise<ChargeResult> {
  try {
    const provider = await paymentProvider(timeoutMs);
    return await provider.charge(
      {
        idempotencyKey: paymentKey(input.orderId),
        orderId: input.orderId,
        amountCents: input.amountCents,
        paymentToken,
        attempt: input.attempt,
      },
      AbortSignal.timeout(timeoutMs),
    );
  } catch (error) {
    if (isProviderUnavailable(error)) {
      // The charge may have been taken: the record stays PENDING, and the saga asks the provider.
      logger.warn('Payment provider unavailable; the outcome is unknown and the workflow will retry', {
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

/**
 * The claims a settled payment no longer needs (docs/adr/0019): the token's once the charge is
 * captured or declined; after a decline also the address's, as nothing will ship.
 */
async function forgetClaims(claimsTable: string, input: ProcessPaymentInput, status: PaymentRecord['status']) {
  if (status === 'CHARGED') await deleteClaims(claimsTable, input.claim, ['payment']);
  if (status === 'DECLINED') await deleteClaims(claimsTable, input.claim, ['payment', 'shipping']);
}

async function processPayment(input: ProcessPaymentInput): Promise<ProcessPaymentResult> {
  const claimsTable = requireEnv(HANDLER_ENV.orderClaimsTable);
  // A settled record (a repeat, or a concurrent invocation won): its claims go too.
  const settle = async (record: PaymentRecord): Promise<ProcessPaymentResult> => {
    if (record.status !== 'CHARGED') await forgetClaims(claimsTable, input, record.status);
    return replay(record, input);
  };
  const result = await chargeOnce(input, claimsTable, settle);
  await forgetClaims(claimsTable, input, 'CHARGED');
  return result;
}

async function chargeOnce(
  input: ProcessPaymentInput,
  claimsTable: string,
  settle: (record: PaymentRecord) => Promise<ProcessPaymentResult>,
): Promise<ProcessPaymentResult> {
  const tableName = requireEnv(HANDLER_ENV.idempotencyTable);
  const timeoutMs = positiveIntEnv(HANDLER_ENV.paymentProviderTimeoutMs, DEFAULT_PROVIDER_TIMEOUT_MS);
  const key = { id: paymentKey(input.orderId) };

  const readRecord = async () =>
    (await ddb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item as
      PaymentRecord | undefined;
  /** A PENDING record of this amount is this order's attempt in progress: charge (again, same key). */
  const samePending = (record: PaymentRecord): PaymentRecord => {
    if (record.amountCents !== input.amountCents) {
      throw new Error(
        `Payment for order ${input.orderId} was attempted for ${record.amountCents} cents; refusing a charge of ${input.amountCents}`,
      );
    }
    return record;
  };

  let pending: PaymentRecord;
  const existing = await readRecord();
  if (existing && existing.status !== 'PENDING') return settle(existing);

  // The token, from the order's payment claim: without it nothing is charged (an earlier attempt
  // of unknown outcome is settled by refund-payment, which asks the provider by the key).
  const claim = await readClaim(claimsTable, 'payment', input.claim, input.orderId);
  if (!claim) {
    const now = await readRecord(); // a concurrent invocation may have settled it (and deleted the claim)
    if (now && now.status !== 'PENDING') return settle(now);
    logger.warn('Payment claim missing or expired; nothing is charged', { attempt: input.attempt });
    throw new PaymentClaimMissing(`The payment claim of order ${input.orderId} is missing or expired`);
  }

  if (existing) {
    pending = samePending(existing);
  } else {
    // Record the attempt BEFORE calling the provider: a charge whose answer is lost is never
    // mistaken for no charge.
    pending = pendingRecord(input, new Date());
    const created = await tryConditionalWrite(() =>
      ddb.send(
        new PutCommand({ TableName: tableName, Item: pending, ConditionExpression: 'attribute_not_exists(id)' }),
      ),
    );
    if (!created) {
      const winner = await readRecord();
      if (!winner) throw new Error(`Payment record for order ${input.orderId} vanished during a conditional write`);
      if (winner.status !== 'PENDING') return settle(winner);
      pending = samePending(winner);
    }
  }

  // Charges are idempotent by the record id at the provider, so a retry or a concurrent duplicate
  // cannot charge twice; the conditional write below settles which answer is recorded.
  const result = await chargeWithTimeout(input, claim.paymentToken, timeoutMs);
  const record = paymentRecord(pending, result, new Date());
  const recorded = await tryConditionalWrite(() => ddb.send(new PutCommand(outcomeWrite(tableName, record))));
  if (!recorded) {
    // Another invocation (or the saga) settled the record first: answer as it did.
    const winner = await readRecord();
    if (!winner) throw new Error(`Payment record for order ${input.orderId} vanished during a conditional write`);
    if (winner.status === 'PENDING') throw new Error(`Payment record for order ${input.orderId} is still PENDING`);
    return settle(winner);
  }
  if (result.decision === 'APPROVED') {
    logger.info('Payment charged', { chargeId: result.chargeId, amountCents: input.amountCents });
    return { status: 'CHARGED', chargeId: result.chargeId, amountCents: input.amountCents };
  }
  logger.info('Payment declined', { declineCode: result.declineCode });
  // Counted once per order: only the invocation that recorded the decline gets here.
  countNow(METRIC_NAMES.paymentDeclines, { reason: result.declineCode });
  await forgetClaims(claimsTable, input, 'DECLINED');
  throw new PaymentDeclined(`Payment declined (${result.declineCode})`, result.declineCode);
}

export const handler = stepHandler('process-payment', ProcessPaymentInputSchema, processPayment);
