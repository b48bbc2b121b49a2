/**
 * Compliance events (issue 22, docs/adr/0028-compliance-events-to-a-central-audit-bus.md): what a
 * security team must be able to reconstruct about money, fraud and access without reading
 * SecureCart's own logs. Each says what happened, when, and who (ids only): never a payment token,
 * an address, a name or free text a customer wrote. Every detail schema is strict, so a field not
 * listed here makes an event invalid instead of travelling to the audit account.
 *
 * Emitters: the fulfillment workflow (fraud rejection, fraud-review time-out, payment declined,
 * order FAILED), refund-payment (refund issued or failed), start-fulfillment (message sidelined to
 * the orders DLQ), the checkout service (repeated authorisation failures). A rule on the SecureCart
 * bus (COMPLIANCE_PATTERN) forwards exactly these to the audit account's bus.
 */
import * as z from './zod';
import { ORDER_ID_PATTERN } from './order';
import { SIDELINE_REASONS } from './sideline';
import { OUTCOME_REASONS } from './status';
import type { OutcomeReason } from './status';

/** The one source of compliance events; the audit bus admits only this source. */
export const COMPLIANCE_SOURCE = 'securecart.compliance';

export const COMPLIANCE_DETAIL_TYPES = {
  fraudRejected: 'Fraud Rejected',
  fraudReviewTimedOut: 'Fraud Review Timed Out',
  paymentDeclined: 'Payment Declined',
  orderFailed: 'Order Failed',
  refundIssued: 'Refund Issued',
  refundFailed: 'Refund Failed',
  messageSidelined: 'Message Sidelined',
  authorizationFailuresRepeated: 'Authorization Failures Repeated',
} as const;
export type ComplianceDetailType = (typeof COMPLIANCE_DETAIL_TYPES)[keyof typeof COMPLIANCE_DETAIL_TYPES];

export const COMPLIANCE_SCHEMA_VERSION = 1;

/** Customer ids (Cognito `sub`), principal ids and provider ids: short, no spaces, no markup. */
export const COMPLIANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** A client address, never sent as it is: the SHA-256 of it, hex (64 characters). */
export const CLIENT_HASH_PATTERN = /^[0-9a-f]{64}$/;

const id = () => z.string().check(z.regex(COMPLIANCE_ID_PATTERN));
const orderId = () => z.string().check(z.regex(ORDER_ID_PATTERN));
/** ISO 8601 with a zone: `Z` (AWS's `$$.State.EnteredTime`, the handlers) or an offset (some local engines). */
const when = () => z.iso.datetime({ offset: true });
const count = (min = 0) => z.number().check(z.int(), z.minimum(min));
const version = () => z.literal(COMPLIANCE_SCHEMA_VERSION);

const reasons = Object.values(OUTCOME_REASONS) as [OutcomeReason, ...OutcomeReason[]];

/**
 * A terminal outcome the workflow recorded (Fraud Rejected, Fraud Review Timed Out, Payment
 * Declined, Order Failed): built by the workflow from its state data, ids only.
 */
export const OrderOutcomeComplianceDetailSchema = z.strictObject({
  schemaVersion: version(),
  orderId: orderId(),
  customerId: id(),
  status: z.enum(['CANCELLED', 'FAILED']),
  reason: z.enum(reasons),
  occurredAt: when(),
  /** The workflow execution's ARN: where the full (CMK-encrypted) history is. */
  executionId: z.string().check(z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[\w.:-]+$/)),
});
export type OrderOutcomeComplianceDetail = z.infer<typeof OrderOutcomeComplianceDetailSchema>;

export const RefundIssuedDetailSchema = z.strictObject({
  schemaVersion: version(),
  orderId: orderId(),
  amountCents: count(1),
  /** The provider's refund id. */
  refundId: id(),
  occurredAt: when(),
});
export type RefundIssuedDetail = z.infer<typeof RefundIssuedDetailSchema>;

export const RefundFailedDetailSchema = z.strictObject({
  schemaVersion: version(),
  orderId: orderId(),
  /** The error's name (a class name such as `StripeInvalidRequestError`), never its message. */
  errorName: id(),
  occurredAt: when(),
});
export type RefundFailedDetail = z.infer<typeof RefundFailedDetailSchema>;

export const MessageSidelinedDetailSchema = z.strictObject({
  schemaVersion: version(),
  /** The queue the message was taken off. */
  queue: z.literal('orders'),
  reason: z.enum(Object.values(SIDELINE_REASONS) as [string, ...string[]]),
  /** Its SQS message id on orders.fifo. */
  messageId: id(),
  /** The order id, when the body had a well-formed one. */
  orderId: z.optional(orderId()),
  occurredAt: when(),
});
export type MessageSidelinedDetail = z.infer<typeof MessageSidelinedDetailSchema>;

/** Who failed authorisation: a signed-in customer (403) or, without a valid token, a client (401). */
export const AuthPrincipalSchema = z.union([
  z.strictObject({ kind: z.literal('customer'), customerId: id() }),
  z.strictObject({ kind: z.literal('client'), clientHash: z.string().check(z.regex(CLIENT_HASH_PATTERN)) }),
]);
export type AuthPrincipal = z.infer<typeof AuthPrincipalSchema>;

export const AuthorizationFailuresDetailSchema = z.strictObject({
  schemaVersion: version(),
  principal: AuthPrincipalSchema,
  /** 401s and 403s of this principal within the window (the report is sent when they reach the threshold). */
  unauthorized: count(),
  forbidden: count(),
  windowSeconds: count(1),
  threshold: count(1),
  occurredAt: when(),
});
export type AuthorizationFailuresDetail = z.infer<typeof AuthorizationFailuresDetailSchema>;

/** Each detail-type's schema: what an emitter must produce and the audit account may rely on. */
export const COMPLIANCE_DETAIL_SCHEMAS = {
  [COMPLIANCE_DETAIL_TYPES.fraudRejected]: OrderOutcomeComplianceDetailSchema,
  [COMPLIANCE_DETAIL_TYPES.fraudReviewTimedOut]: OrderOutcomeComplianceDetailSchema,
  [COMPLIANCE_DETAIL_TYPES.paymentDeclined]: OrderOutcomeComplianceDetailSchema,
  [COMPLIANCE_DETAIL_TYPES.orderFailed]: OrderOutcomeComplianceDetailSchema,
  [COMPLIANCE_DETAIL_TYPES.refundIssued]: RefundIssuedDetailSchema,
  [COMPLIANCE_DETAIL_TYPES.refundFailed]: RefundFailedDetailSchema,
  [COMPLIANCE_DETAIL_TYPES.messageSidelined]: MessageSidelinedDetailSchema,
  [COMPLIANCE_DETAIL_TYPES.authorizationFailuresRepeated]: AuthorizationFailuresDetailSchema,
} as const satisfies Record<ComplianceDetailType, z.ZodMiniType>;

/**
 * The workflow outcomes that are compliance events, in the order the workflow's Choice tests
 * them: every FAILED order, then the CANCELLED ones by reason.
 */
export const COMPLIANCE_OUTCOMES: ReadonlyArray<{
  readonly detailType: ComplianceDetailType;
  readonly status: 'CANCELLED' | 'FAILED';
  /** Only this reason; any reason when absent. */
  readonly reason?: OutcomeReason;
}> = [
  { detailType: COMPLIANCE_DETAIL_TYPES.orderFailed, status: 'FAILED' },
  { detailType: COMPLIANCE_DETAIL_TYPES.fraudRejected, status: 'CANCELLED', reason: OUTCOME_REASONS.fraudRejected },
  {
    detailType: COMPLIANCE_DETAIL_TYPES.fraudReviewTimedOut,
    status: 'CANCELLED',
    reason: OUTCOME_REASONS.fraudReviewTimeout,
  },
  { detailType: COMPLIANCE_DETAIL_TYPES.paymentDeclined, status: 'CANCELLED', reason: OUTCOME_REASONS.paymentDeclined },
];

/** The compliance detail-type of a terminal outcome, or undefined when the outcome is not one. */
export function complianceTypeOfOutcome(status: string, reason: string | null): ComplianceDetailType | undefined {
  return COMPLIANCE_OUTCOMES.find((o) => o.status === status && (o.reason === undefined || o.reason === reason))
    ?.detailType;
}

/** Checks a detail against its detail-type's schema; returns the problems (empty when valid). */
export function complianceProblems(detailType: string, detail: unknown): string[] {
  const schema = (COMPLIANCE_DETAIL_SCHEMAS as Record<string, z.ZodMiniType>)[detailType];
  if (!schema) return [`unknown compliance detail-type '${detailType}'`];
  const result = schema.safeParse(detail);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || 'detail'}: ${i.message}`);
}

/** The rule pattern that forwards compliance events to the audit account, and the audit bus's own rules. */
export const COMPLIANCE_PATTERN = () => ({
  source: [COMPLIANCE_SOURCE],
  'detail-type': Object.values(COMPLIANCE_DETAIL_TYPES),
});

/** A PutEvents entry for a compliance event; throws when the detail breaks its schema (never sent). */
export function complianceEntry<T extends ComplianceDetailType>(
  eventBusName: string,
  detailType: T,
  detail: unknown,
): { EventBusName: string; Source: string; DetailType: T; Detail: string } {
  const problems = complianceProblems(detailType, detail);
  if (problems.length > 0) throw new Error(`Invalid '${detailType}' compliance event: ${problems.join('; ')}`);
  return {
    EventBusName: eventBusName,
    Source: COMPLIANCE_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
  };
}
