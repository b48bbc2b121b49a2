import { BUSINESS_ERRORS, TRANSIENT_ERRORS } from '@securecart/contracts/errors';

/*
 * Step Functions catches Lambda errors by their `errorType`, which the Node.js runtime takes from
 * `error.name`. Names are set explicitly (from the contracts) because minification renames classes.
 */

/** Business: the order is malformed or refers to unknown/inactive products. */
export class InvalidOrder extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = BUSINESS_ERRORS.invalidOrder;
  }
}

/** Business: the payment provider declined the charge. */
export class PaymentDeclined extends Error {
  constructor(
    message: string,
    readonly declineCode: string,
  ) {
    super(message);
    this.name = BUSINESS_ERRORS.paymentDeclined;
  }
}

/** Business: not enough stock for a product. */
export class OutOfStock extends Error {
  constructor(
    message: string,
    readonly productId: string,
  ) {
    super(message);
    this.name = BUSINESS_ERRORS.outOfStock;
  }
}

/** Business: the carrier refused the shipment (for example, an undeliverable address). */
export class ShipmentFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = BUSINESS_ERRORS.shipmentFailed;
  }
}

/**
 * Business: the order's payment claim is missing or expired (docs/adr/0019). Nothing can be
 * charged without it; the workflow cancels the order and settles any earlier attempt (refund-payment).
 */
export class PaymentClaimMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = BUSINESS_ERRORS.paymentClaimMissing;
  }
}

/** Transient: the payment provider answered 5xx or did not answer in time. Safe to retry. */
export class PaymentProviderUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = TRANSIENT_ERRORS.paymentProviderUnavailable;
  }
}

/** Transient: the carrier could not be reached. Safe to retry. */
export class CarrierUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = TRANSIENT_ERRORS.carrierUnavailable;
  }
}

/**
 * A handler received input that breaks its contract with the workflow (a wiring bug, not a
 * customer error). Not in the contracts on purpose: the workflow does not catch it by name, so it
 * falls into the catch-all and the order ends FAILED instead of being half-processed.
 */
export class InvalidInput extends Error {
  constructor(
    handlerName: string,
    readonly problems: readonly string[],
  ) {
    super(`${handlerName}: invalid input: ${problems.join('; ')}`);
    this.name = 'InvalidInput';
  }
}

/**
 * The `name` of anything thrown. Not `instanceof Error`: DOMException (AbortSignal timeouts) and
 * errors from another realm are not instances of this realm's Error.
 */
export function errorName(error: unknown): string | undefined {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}
