/** Environment variables the Pipeline stack sets and the handlers read. */
export const HANDLER_ENV = {
  catalogTable: 'CATALOG_TABLE_NAME',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  eventBusName: 'EVENT_BUS_NAME',
  highValueThresholdCents: 'HIGH_VALUE_THRESHOLD_CENTS',
  /** Comma-separated ISO 3166-1 alpha-2 codes. */
  allowedShippingCountries: 'ALLOWED_SHIPPING_COUNTRIES',
  /** Client-side timeout for calls to the (simulated) payment provider. */
  paymentProviderTimeoutMs: 'PAYMENT_PROVIDER_TIMEOUT_MS',
  /** start-fulfillment sidelines messages that can never succeed into this queue (the orders DLQ). */
  ordersDlqUrl: 'ORDERS_DLQ_URL',
} as const;

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
