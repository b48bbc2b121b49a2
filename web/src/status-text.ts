import { OUTCOME_REASONS } from './contracts';
import type { OrderStatus, OutcomeReason } from './contracts';

/** What a customer calls each status. */
export const STATUS_LABELS: Record<OrderStatus, string> = {
  PENDING: 'Order received',
  ACCEPTED: 'Accepted',
  VALIDATED: 'Order checked',
  SCREENING: 'Security review',
  PAID: 'Payment taken',
  FULFILLED: 'Fulfilled — on its way',
  CANCELLED: 'Cancelled',
  FAILED: 'Could not be completed',
};

export const statusLabel = (status: string): string => STATUS_LABELS[status as OrderStatus] ?? status;

/** Why an order was cancelled or failed, in words. */
export const REASON_TEXT: Record<OutcomeReason, string> = {
  [OUTCOME_REASONS.invalidOrder]:
    'The order could not be accepted (for example a product is no longer sold, or we do not deliver to that address).',
  [OUTCOME_REASONS.fraudRejected]: 'The order did not pass our security checks. You have not been charged.',
  [OUTCOME_REASONS.fraudReviewTimeout]: 'The order could not be reviewed in time. You have not been charged.',
  [OUTCOME_REASONS.paymentDeclined]: 'The payment was declined. You have not been charged.',
  [OUTCOME_REASONS.paymentUnavailable]: 'The payment provider did not answer. You have not been charged.',
  [OUTCOME_REASONS.outOfStock]: 'An item went out of stock. Any payment has been refunded.',
  [OUTCOME_REASONS.shipmentFailed]: 'The shipment could not be arranged. Any payment has been refunded.',
  [OUTCOME_REASONS.unexpectedError]: 'Something unexpected went wrong. Our team has been alerted.',
  [OUTCOME_REASONS.compensationFailed]: 'A refund could not be completed automatically. Our team will complete it.',
};

export const reasonText = (reason: string | null | undefined): string | null =>
  reason ? (REASON_TEXT[reason as OutcomeReason] ?? reason) : null;

/** What an order is called on the page and in the tab: the first 8 characters of its id, upper-case. */
export const shortOrderNumber = (orderId: string): string => orderId.slice(0, 8).toUpperCase();

/** What the customer can do after an order ended without being delivered. */
export function nextStepText(reason: string | null | undefined): string {
  switch (reason) {
    case OUTCOME_REASONS.paymentDeclined:
    case OUTCOME_REASONS.paymentUnavailable:
      return 'You can put the items back in your cart and pay with another card.';
    case OUTCOME_REASONS.outOfStock:
      return 'You can put the items back in your cart; the product pages show what is in stock.';
    case OUTCOME_REASONS.invalidOrder:
      return 'You can put the items back in your cart and check the products and the address.';
    default:
      return 'You can put the items back in your cart and try again.';
  }
}
