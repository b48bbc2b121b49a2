/**
 * Deterministic payment tokens understood by the simulated payment provider, for tests and
 * smoke runs. Any other `tok_*` token is approved.
 */
export const TEST_PAYMENT_TOKENS = {
  approve: 'tok_approve',
  decline: 'tok_decline',
  /** Fails with a transient provider error on the first two attempts, then approves. */
  transientTwice: 'tok_transient',
  /** The provider never answers: every attempt times out. */
  timeout: 'tok_timeout',
} as const;
