import * as z from './zod';

/**
 * Order statuses, in the order an order moves through them. PENDING is written by the checkout
 * service; the fulfillment workflow publishes every other status to the OrderEvents topic.
 */
export const ORDER_STATUSES = [
  'PENDING',
  'ACCEPTED',
  'VALIDATED',
  'SCREENING',
  'PAID',
  'FULFILLED',
  'CANCELLED',
  'FAILED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES = ['FULFILLED', 'CANCELLED', 'FAILED'] as const satisfies readonly OrderStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** True for FULFILLED, CANCELLED and FAILED: the order will not change any more. */
export function isTerminalStatus(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Statuses the workflow publishes (everything but PENDING). */
export const PUBLISHED_STATUSES = ORDER_STATUSES.filter((s) => s !== 'PENDING');

/** Subscriptions of the OrderEvents topic and the statuses each one receives. */
export const STATUS_SUBSCRIPTIONS = {
  /** The checkout service mirrors every status into RDS. */
  orderStatus: PUBLISHED_STATUSES,
  /** Customer notifications: only what a customer should hear about. */
  notifications: ['ACCEPTED', 'PAID', 'FULFILLED', 'CANCELLED'],
  /** Analytics: money and outcomes. */
  analytics: ['PAID', 'FULFILLED', 'CANCELLED', 'FAILED'],
} as const satisfies Record<string, readonly OrderStatus[]>;

/**
 * Why an order was CANCELLED or FAILED. An order's *outcome* is its terminal status with this
 * reason (FULFILLED has none): the one meaning of "outcome" in SecureCart (the OrderOutcomes and
 * TimeToOutcomeSeconds metrics, the dashboard's outcome row, the workflow's outcome states).
 */
export const OUTCOME_REASONS = {
  invalidOrder: 'INVALID_ORDER',
  fraudRejected: 'FRAUD_REJECTED',
  /** No fraud decision within the timeout: cancelled before any payment, for manual review. */
  fraudReviewTimeout: 'FRAUD_REVIEW_TIMEOUT',
  paymentDeclined: 'PAYMENT_DECLINED',
  paymentUnavailable: 'PAYMENT_UNAVAILABLE',
  outOfStock: 'OUT_OF_STOCK',
  shipmentFailed: 'SHIPMENT_FAILED',
  unexpectedError: 'UNEXPECTED_ERROR',
  /** A refund or release could not be completed: an operator must finish the compensation. */
  compensationFailed: 'COMPENSATION_FAILED',
} as const;
export type OutcomeReason = (typeof OUTCOME_REASONS)[keyof typeof OUTCOME_REASONS];

/** Rank of a status: consumers apply an update only if it moves the order forward. */
function statusRank(status: OrderStatus): number {
  return isTerminalStatus(status) ? ORDER_STATUSES.length : ORDER_STATUSES.indexOf(status);
}

/** True when `next` may replace `current` (status only moves forward; terminal is final). */
export function isForwardTransition(current: OrderStatus | undefined, next: OrderStatus): boolean {
  if (current === undefined) return true;
  return statusRank(next) > statusRank(current);
}

/** The body of every message on the OrderEvents topic. */
export const OrderStatusEventSchema = z.object({
  schemaVersion: z.literal(1),
  orderId: z.string(),
  customerId: z.string(),
  status: z.enum(ORDER_STATUSES),
  /** Why an order ended CANCELLED or FAILED; absent (or null) for every other status. */
  reason: z.optional(z.nullable(z.enum(Object.values(OUTCOME_REASONS) as [OutcomeReason, ...OutcomeReason[]]))),
  occurredAt: z.string(),
  executionId: z.string(),
});
export type OrderStatusEvent = z.infer<typeof OrderStatusEventSchema>;

/** SNS message attributes set on every OrderEvents message (filter policies use them). */
export const SNS_ATTRIBUTES = { status: 'status' } as const;
