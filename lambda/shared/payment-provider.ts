import { TEST_PAYMENT_TOKENS } from '@securecart/contracts/payment';
import { errorName } from './errors';
import { sha256Hex } from './hash';

/*
 * A simulated payment provider, deterministic so tests and smoke runs can drive every path with
 * the TEST_PAYMENT_TOKENS of the contracts. Like a real provider it is idempotent: the charge id
 * derives from the order id and the refund id from the charge id, so repeating a call never
 * charges or refunds twice.
 */

interface ChargeRequest {
  readonly orderId: string;
  readonly amountCents: number;
  readonly paymentToken: string;
  /** How many times the workflow has retried this charge (0 on the first try). */
  readonly attempt: number;
}

/** The provider's answer to a charge: approved, or declined with a decline code. */
export type ChargeResult =
  | { readonly decision: 'APPROVED'; readonly chargeId: string }
  | { readonly decision: 'DECLINED'; readonly chargeId: string; readonly declineCode: 'card_declined' };

/** The provider answered with an HTTP error status. */
export class ProviderHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderHttpError';
  }
}

/** How many attempts `tok_transient` fails before it approves. */
const TRANSIENT_FAILURES = 2;

export const chargeIdFor = (orderId: string): string => `ch_${sha256Hex(orderId).slice(0, 20)}`;
export const refundIdFor = (chargeId: string): string => `re_${sha256Hex(chargeId).slice(0, 20)}`;

/** A promise that never resolves; it rejects with the signal's reason when the signal aborts. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export async function charge(request: ChargeRequest, signal: AbortSignal): Promise<ChargeResult> {
  signal.throwIfAborted();
  const chargeId = chargeIdFor(request.orderId);
  switch (request.paymentToken) {
    case TEST_PAYMENT_TOKENS.decline:
      return { decision: 'DECLINED', chargeId, declineCode: 'card_declined' };
    case TEST_PAYMENT_TOKENS.transientTwice:
      if (request.attempt < TRANSIENT_FAILURES) throw new ProviderHttpError(503, 'Service Unavailable');
      return { decision: 'APPROVED', chargeId };
    case TEST_PAYMENT_TOKENS.timeout:
      return untilAborted(signal);
    default:
      return { decision: 'APPROVED', chargeId };
  }
}

/** Refunds a charge in full. Idempotent by charge id: the same refund id every time. */
export async function refund(
  request: { chargeId: string; amountCents: number },
  signal: AbortSignal,
): Promise<{ refundId: string }> {
  signal.throwIfAborted();
  return { refundId: refundIdFor(request.chargeId) };
}

/** A short reason for a provider failure, for error messages. */
export function providerFailureReason(error: unknown, timeoutMs: number): string {
  if (error instanceof ProviderHttpError) return `HTTP ${error.statusCode} ${error.message}`;
  if (errorName(error) === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return String((error as { message?: unknown })?.message ?? error);
}

/**
 * True when a provider call failed in a way worth retrying: a 5xx answer, or no answer (the call
 * timed out or was aborted).
 */
export function isProviderUnavailable(error: unknown): boolean {
  if (error instanceof ProviderHttpError) return error.statusCode >= 500;
  const name = errorName(error);
  return name === 'TimeoutError' || name === 'AbortError';
}

/** Client-side timeout for provider calls when PAYMENT_PROVIDER_TIMEOUT_MS is not set. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 3000;
