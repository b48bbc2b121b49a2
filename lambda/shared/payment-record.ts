/** The `payment#<orderId>` record in the Idempotency table, shared by process-payment and refund-payment. */
type PaymentStatus = 'CHARGED' | 'DECLINED' | 'REFUNDED';

export interface PaymentRecord {
  readonly id: string;
  readonly kind: 'payment';
  readonly orderId: string;
  readonly customerId: string;
  readonly status: PaymentStatus;
  readonly chargeId: string;
  readonly amountCents: number;
  readonly declineCode?: string;
  readonly chargedAt?: string;
  readonly declinedAt?: string;
  readonly refundId?: string;
  readonly refundedAt?: string;
  /** TTL, epoch seconds. */
  readonly expiration: number;
}
