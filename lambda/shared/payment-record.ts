import { idempotencyKey } from '@securecart/contracts/tables';

/**
 * The `payment#<orderId>` record in the Idempotency table, shared by process-payment and
 * refund-payment. Its id is also the idempotency key of the payment at the provider.
 *
 * - PENDING: written before the provider is called; the outcome is not known yet (or never
 *   arrived: a time-out). Only the provider can tell, by the idempotency key.
 * - CHARGED / DECLINED: the provider's answer.
 * - REFUNDED: the charge was refunded (compensation).
 * - NOTHING_TO_REFUND: compensation found no charge and voided the key at the provider (or the
 *   provider was never called), so no charge can land for this order any more.
 */
export type PaymentStatus = 'PENDING' | 'CHARGED' | 'DECLINED' | 'REFUNDED' | 'NOTHING_TO_REFUND';

export interface PaymentRecord {
  readonly id: string;
  readonly kind: 'payment';
  readonly orderId: string;
  readonly customerId?: string;
  readonly status: PaymentStatus;
  /** Set once the provider named the charge (not on PENDING or NOTHING_TO_REFUND). */
  readonly chargeId?: string;
  readonly amountCents?: number;
  readonly declineCode?: string;
  readonly attemptedAt?: string;
  readonly chargedAt?: string;
  readonly declinedAt?: string;
  readonly refundId?: string;
  readonly refundedAt?: string;
  readonly settledAt?: string;
  /** TTL, epoch seconds. */
  readonly expiration: number;
}

/** The record id of an order's payment, and the payment's idempotency key at the provider. */
export const paymentKey = (orderId: string): string => idempotencyKey('payment', orderId);
