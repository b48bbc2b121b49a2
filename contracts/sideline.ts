/**
 * Sidelining: an order message that can never succeed (see SIDELINE_REASONS) is moved to the
 * orders DLQ by start-fulfillment at once, body unchanged, instead of failing three receives
 * and holding up the customer's later orders (its message group) meanwhile.
 */

/** Message attributes of a sidelined message in the orders DLQ. */
export const SIDELINE_ATTRIBUTES = {
  /** `<CODE>: <readable text>`, CODE one of SIDELINE_REASONS. */
  reason: 'SidelineReason',
  /** The message id the message had on orders.fifo (also its deduplication id in the DLQ). */
  originalMessageId: 'OriginalMessageId',
} as const;

/** Why a message was sidelined. Few and fixed: also the `reason` dimension of the metric. */
export const SIDELINE_REASONS = {
  /** The body is larger than ORDER_MESSAGE_MAX_BYTES (UTF-8). */
  bodyTooLarge: 'BODY_TOO_LARGE',
  notJson: 'NOT_JSON',
  /** Valid JSON, but not an order of the contract's schema. */
  schemaInvalid: 'SCHEMA_INVALID',
  /** The message group id is not the order's customer id (or missing). */
  groupMismatch: 'GROUP_MISMATCH',
} as const;
export type SidelineReasonCode = (typeof SIDELINE_REASONS)[keyof typeof SIDELINE_REASONS];

/** Message group id in the DLQ for a message that had none (never the case on a FIFO queue). */
export const SIDELINE_FALLBACK_GROUP_ID = 'sidelined-without-group';
