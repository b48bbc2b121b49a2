import { TEST_PAYMENT_TOKENS } from '@securecart/contracts/payment';
import { errorName } from './errors';
import { sha256Hex } from './hash';

/*
 * A simulated payment provider, deterministic so tests and smoke runs can drive every path with
 * the TEST_PAYMENT_TOKENS of the contracts. It behaves like a real processor:
 *
 * - Charges are idempotent by idempotency key (process-payment uses the order's payment record id):
 *   repeating a charge with the same key returns the first answer and never charges twice.
 * - A charge can be taken while its answer never reaches the caller (`tok_timeout`), or land only
 *   after the caller gave up (`tok_late`), so the caller cannot tell "not charged" from "no answer".
 * - `retrieve` answers what happened to an idempotency key; `cancel` voids a key that has no charge
 *   yet (a charge arriving later with that key is refused) or returns the charge it already has.
 * - Refunds are idempotent by charge id and never exceed what was charged.
 *
 * Its ledger lives in the module (one per Lambda instance; in tests, one per test file), and tests
 * read it through `providerLedger`.
 */

export interface ChargeRequest {
  /** The caller's idempotency key: one payment per key. */
  readonly idempotencyKey: string;
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

/** What the provider holds for an idempotency key. */
export type PaymentLookup =
  | { readonly status: 'NOT_FOUND' }
  | { readonly status: 'CANCELED' }
  | { readonly status: 'DECLINED'; readonly chargeId: string }
  | {
      readonly status: 'CHARGED';
      readonly chargeId: string;
      readonly amountCents: number;
      readonly refundedCents: number;
    };

/** An order's payment as the saga knows it from its PENDING record: enough to ask the provider about it. */
export interface PaymentRef {
  /** The payment's idempotency key (the record id). */
  readonly idempotencyKey: string;
  readonly orderId: string;
  /** The amount the attempt was recorded for. */
  readonly amountCents: number;
}

/**
 * What a payment provider offers the payment steps (process-payment, refund-payment). Two
 * implementations: the simulator in this file and the Stripe adapter (stripe-provider.ts); the
 * profile chooses (payment-providers.ts, ADR 20).
 */
export interface PaymentProvider {
  /** Charges once per idempotency key; a repeat answers as the first charge did. */
  charge(request: ChargeRequest, signal: AbortSignal): Promise<ChargeResult>;
  /** What happened to the payment with this key, without charging. */
  retrieve(payment: PaymentRef, signal: AbortSignal): Promise<PaymentLookup>;
  /** Voids the key when nothing was charged (no charge can land after), else answers what was. */
  cancel(payment: PaymentRef, signal: AbortSignal): Promise<PaymentLookup>;
  /** Refunds a charge in full; idempotent by charge id. */
  refund(request: { chargeId: string; amountCents: number }, signal: AbortSignal): Promise<{ refundId: string }>;
}

/** The provider answered with an HTTP error status. */
export class ProviderHttpError extends Error {
  /** Worth retrying: by default a 5xx answer; an adapter may say otherwise (a 429, a 409 lock). */
  readonly retryable: boolean;
  constructor(
    readonly statusCode: number,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderHttpError';
    this.retryable = options.retryable ?? statusCode >= 500;
  }
}

/** The provider could not be reached or did not answer (a connection error or a client time-out). */
export class ProviderUnreachable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderUnreachable';
  }
}

/** How many attempts `tok_transient` fails before it approves. */
const TRANSIENT_FAILURES = 2;
/** How many refund calls fail with a 503 for a charge made with `tok_refund_transient`. */
const REFUND_TRANSIENT_FAILURES = 2;

export const chargeIdFor = (orderId: string): string => `ch_${sha256Hex(orderId).slice(0, 20)}`;
export const refundIdFor = (chargeId: string): string => `re_${sha256Hex(chargeId).slice(0, 20)}`;

// --- the ledger ------------------------------------------------------------------------------------

interface LedgerEntry {
  status: 'CHARGED' | 'DECLINED' | 'CANCELED';
  readonly idempotencyKey: string;
  readonly chargeId?: string;
  readonly amountCents: number;
  readonly paymentToken?: string;
  refunds: Array<{ readonly refundId: string; readonly amountCents: number }>;
  failedRefunds: number;
}
const ledger = new Map<string, LedgerEntry>();

/** Read-only view of the simulated provider's ledger, for tests. */
export const providerLedger = {
  /** What the provider holds for a key: charged and refunded amounts (0 when nothing). */
  entry(idempotencyKey: string) {
    const e = ledger.get(idempotencyKey);
    if (!e) return undefined;
    return {
      status: e.status,
      chargeId: e.chargeId,
      chargedCents: e.status === 'CHARGED' ? e.amountCents : 0,
      refundedCents: e.refunds.reduce((sum, r) => sum + r.amountCents, 0),
      refunds: e.refunds.length,
      failedRefunds: e.failedRefunds,
    };
  },
  /** Charged minus refunded for a key: what the customer is still out of pocket. */
  netCents(idempotencyKey: string): number {
    const e = this.entry(idempotencyKey);
    return e ? e.chargedCents - e.refundedCents : 0;
  },
  /** Forgets everything (tests). */
  reset(): void {
    ledger.clear();
  },
};

function take(request: ChargeRequest, chargeId: string): void {
  if (ledger.has(request.idempotencyKey)) return;
  ledger.set(request.idempotencyKey, {
    status: 'CHARGED',
    idempotencyKey: request.idempotencyKey,
    chargeId,
    amountCents: request.amountCents,
    paymentToken: request.paymentToken,
    refunds: [],
    failedRefunds: 0,
  });
}

/** A promise that never resolves; it rejects with the signal's reason when the signal aborts. */
function untilAborted(signal: AbortSignal, onAbort?: () => void): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener(
      'abort',
      () => {
        reject(signal.reason);
        onAbort?.();
      },
      { once: true },
    );
  });
}

export async function charge(request: ChargeRequest, signal: AbortSignal): Promise<ChargeResult> {
  signal.throwIfAborted();
  const chargeId = chargeIdFor(request.orderId);
  const existing = ledger.get(request.idempotencyKey);
  if (existing?.status === 'CANCELED') throw new ProviderHttpError(409, 'Payment for this key was canceled');
  if (existing && existing.amountCents !== request.amountCents)
    throw new ProviderHttpError(409, 'Idempotency key reused with a different amount');
  switch (request.paymentToken) {
    case TEST_PAYMENT_TOKENS.decline:
      if (!existing) ledger.set(request.idempotencyKey, { ...declined(request), chargeId });
      return { decision: 'DECLINED', chargeId, declineCode: 'card_declined' };
    case TEST_PAYMENT_TOKENS.transientTwice:
      if (request.attempt < TRANSIENT_FAILURES && !existing) throw new ProviderHttpError(503, 'Service Unavailable');
      take(request, chargeId);
      return { decision: 'APPROVED', chargeId };
    case TEST_PAYMENT_TOKENS.timeout:
      // The charge is taken; its answer never arrives.
      take(request, chargeId);
      return untilAborted(signal);
    case TEST_PAYMENT_TOKENS.lateCharge:
      // Not charged yet when the caller gives up; the charge lands right after (unless canceled by then).
      return untilAborted(signal, () => {
        if (ledger.get(request.idempotencyKey)?.status !== 'CANCELED') take(request, chargeId);
      });
    default:
      take(request, chargeId);
      return { decision: 'APPROVED', chargeId };
  }
}

function declined(request: ChargeRequest): LedgerEntry {
  return {
    status: 'DECLINED',
    idempotencyKey: request.idempotencyKey,
    amountCents: request.amountCents,
    refunds: [],
    failedRefunds: 0,
  };
}

function lookup(entry: LedgerEntry | undefined): PaymentLookup {
  if (!entry) return { status: 'NOT_FOUND' };
  if (entry.status === 'CANCELED') return { status: 'CANCELED' };
  if (entry.status === 'DECLINED') return { status: 'DECLINED', chargeId: entry.chargeId! };
  return {
    status: 'CHARGED',
    chargeId: entry.chargeId!,
    amountCents: entry.amountCents,
    refundedCents: entry.refunds.reduce((sum, r) => sum + r.amountCents, 0),
  };
}

/** What happened to the payment with this idempotency key. */
export async function retrieve(idempotencyKey: string, signal: AbortSignal): Promise<PaymentLookup> {
  signal.throwIfAborted();
  return lookup(ledger.get(idempotencyKey));
}

/**
 * Voids an idempotency key that has no charge: any charge with it later is refused, and the answer
 * is CANCELED. A key that already has a charge (or a decline) is left alone and that is the answer.
 * Atomic at the provider, so a charge either landed before (refund it) or never will.
 */
export async function cancel(idempotencyKey: string, signal: AbortSignal): Promise<PaymentLookup> {
  signal.throwIfAborted();
  if (!ledger.has(idempotencyKey)) {
    ledger.set(idempotencyKey, { status: 'CANCELED', idempotencyKey, amountCents: 0, refunds: [], failedRefunds: 0 });
  }
  return lookup(ledger.get(idempotencyKey));
}

/** Refunds a charge in full. Idempotent by charge id: the same refund id every time, one refund at most. */
export async function refund(
  request: { chargeId: string; amountCents: number },
  signal: AbortSignal,
): Promise<{ refundId: string }> {
  signal.throwIfAborted();
  const refundId = refundIdFor(request.chargeId);
  const entry = [...ledger.values()].find((e) => e.status === 'CHARGED' && e.chargeId === request.chargeId);
  if (!entry) return { refundId }; // a charge this provider instance never saw (another Lambda instance)
  if (entry.refunds.length > 0) return { refundId: entry.refunds[0].refundId };
  if (request.amountCents > entry.amountCents)
    throw new ProviderHttpError(400, 'Refund amount exceeds the charged amount');
  if (entry.paymentToken === TEST_PAYMENT_TOKENS.refundTransient && entry.failedRefunds < REFUND_TRANSIENT_FAILURES) {
    entry.failedRefunds += 1;
    throw new ProviderHttpError(503, 'Service Unavailable');
  }
  entry.refunds.push({ refundId, amountCents: request.amountCents });
  return { refundId };
}

/** A short reason for a provider failure, for error messages. */
export function providerFailureReason(error: unknown, timeoutMs: number): string {
  if (error instanceof ProviderHttpError) return `HTTP ${error.statusCode} ${error.message}`;
  if (error instanceof ProviderUnreachable) return error.message;
  if (errorName(error) === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return String((error as { message?: unknown })?.message ?? error);
}

/**
 * True when a provider call failed in a way worth retrying: a 5xx answer (or another the adapter
 * marks retryable), or no answer (the call timed out, was aborted, or never connected).
 */
export function isProviderUnavailable(error: unknown): boolean {
  if (error instanceof ProviderHttpError) return error.retryable;
  if (error instanceof ProviderUnreachable) return true;
  const name = errorName(error);
  return name === 'TimeoutError' || name === 'AbortError';
}

/** Client-side timeout for provider calls when PAYMENT_PROVIDER_TIMEOUT_MS is not set. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 3000;
