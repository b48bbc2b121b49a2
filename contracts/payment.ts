/**
 * Deterministic payment tokens understood by the simulated payment provider, for tests and
 * smoke runs. Any other `tok_*` token is approved.
 */
export const TEST_PAYMENT_TOKENS = {
  approve: 'tok_approve',
  decline: 'tok_decline',
  /** Fails with a transient provider error on the first two attempts, then approves. */
  transientTwice: 'tok_transient',
  /**
   * The provider takes the charge but its answer never arrives: every attempt times out, and the
   * customer IS charged (the saga finds the charge by its idempotency key and refunds it).
   */
  timeout: 'tok_timeout',
  /**
   * The provider answers too late: every attempt times out, and the charge lands only after the
   * caller gave up (unless the key was canceled by then). The saga refunds it.
   */
  lateCharge: 'tok_late',
  /** Approves; the first two refunds of the charge fail with a transient provider error (503). */
  refundTransient: 'tok_refund_transient',
} as const;

/** The payment providers a profile can choose (`payments.provider`); the handlers read it as PAYMENT_PROVIDER. */
export const PAYMENT_PROVIDER_NAMES = ['simulator', 'stripe'] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDER_NAMES)[number];
