/**
 * Business error names. Handlers throw errors with these names; the workflow catches them by name
 * (Lambda reports `error.name` as the error type). Transient errors are retried with backoff;
 * business errors go straight to Catch.
 */
export const BUSINESS_ERRORS = {
  invalidOrder: 'InvalidOrder',
  paymentDeclined: 'PaymentDeclined',
  outOfStock: 'OutOfStock',
  shipmentFailed: 'ShipmentFailed',
} as const;

export const TRANSIENT_ERRORS = {
  /** The payment provider answered 5xx or timed out; safe to retry (charges are idempotent by order id). */
  paymentProviderUnavailable: 'PaymentProviderUnavailable',
  carrierUnavailable: 'CarrierUnavailable',
} as const;

/** Lambda service errors worth retrying (throttles, service hiccups). */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;
