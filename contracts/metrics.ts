/**
 * Custom metrics, written as CloudWatch embedded metric format (EMF) lines: no API calls.
 * - The handlers write them through Powertools Metrics; Lambda's log agent hands them to CloudWatch.
 * - The checkout service (services/checkout-api/src/metrics.ts) sends them to the CloudWatch agent
 *   sidecar of its task (ECS's awslogs driver does not extract EMF; docs/adr/0015-monitoring.md).
 * The stacks build alarms and dashboard widgets from the same names.
 */
export const METRICS_NAMESPACE = 'SecureCart';

/** Dimensions of the handlers' metrics. `service` is the handler's POWERTOOLS_SERVICE_NAME, i.e. its step name. */
export const METRIC_DIMENSIONS = {
  service: 'service',
  /** Why it happened: a SIDELINE_REASONS code, a payment decline code. */
  reason: 'reason',
} as const;

/**
 * Dimensions of the checkout service's metrics (its EMF lines have always named the service
 * `Service`; kept so existing metrics and alarms keep their identity).
 */
export const CHECKOUT_METRIC_DIMENSIONS = {
  /** Always CHECKOUT_SERVICE_NAME. */
  service: 'Service',
  /** A terminal status: FULFILLED, CANCELLED or FAILED. */
  status: 'Status',
  /** An OUTCOME_REASONS value, or NO_REASON_DIMENSION for FULFILLED. */
  reason: 'Reason',
} as const;

/** The checkout service's `Service` dimension value. */
export const CHECKOUT_SERVICE_NAME = 'checkout-api';

/** The `Reason` of an outcome that has none (FULFILLED). */
export const NO_REASON_DIMENSION = 'NONE';

export const METRIC_NAMES = {
  /**
   * Order messages start-fulfillment moved to the orders DLQ at once because they can never
   * succeed (unit Count). Emitted per message with the dimension sets [service] (the total, for
   * alarms) and [service, reason].
   */
  sidelinedMessages: 'SidelinedMessages',
  /**
   * Orders whose fulfillment execution start-fulfillment started (a duplicate delivery of a started
   * order is not counted). Unit Count, one line per batch, dimension set [service].
   */
  ordersAccepted: 'OrdersAccepted',
  /**
   * Charges the payment provider declined (process-payment; a replayed decline is not counted).
   * Unit Count, dimension sets [service] and [service, reason] (the decline code).
   */
  paymentDeclines: 'PaymentDeclines',
  /** Screening requests screen-fraud rejected and delivered to the waiting workflow. Unit Count, [service]. */
  fraudRejections: 'FraudRejections',
  /**
   * Orders reaching their terminal status, counted once per order by the checkout service's status
   * consumer (when it applies the terminal status). Unit Count, dimension sets [Service, Status]
   * and [Service, Status, Reason].
   */
  orderOutcomes: 'OrderOutcomes',
  /**
   * For each order counted in OrderOutcomes: seconds from the checkout service accepting it
   * (POST /api/orders committed: the order's created_at) to its terminal status (the event's
   * occurredAt). Unit Seconds, dimension sets [Service] and [Service, Status].
   */
  timeToOutcome: 'TimeToOutcomeSeconds',
  /** Age in seconds of the oldest order the outbox relay has not sent yet (0 when none). [Service]. */
  outboxLag: 'OutboxLagSeconds',
  /** Outbox rows not sent yet. Unit Count, [Service]. */
  outboxUnsent: 'OutboxUnsent',
  /**
   * Outbox rows SQS refused for good (a sender fault: the message itself is unacceptable); their
   * orders were cancelled with INVALID_ORDER. Unit Count, [Service]; alarmed (any is a defect).
   */
  outboxRejected: 'OutboxRejected',
  /** Sent outbox rows the checkout service's outbox pruner deleted in one run (0 included). Unit Count, [Service]. */
  outboxPruned: 'OutboxPruned',
  /**
   * Clickstream records the consumer skipped because they can never be counted (not JSON, not a
   * ClickEventSchema event, a partition key that is not a session id). Unit Count, dimension sets
   * [service] and [service, reason]; one line per batch.
   */
  invalidClickEvents: 'InvalidClickEvents',
  /** product_viewed records the clickstream consumer counted (a replayed record is not counted again). Unit Count, [service]. */
  clickViewsCounted: 'ClickViewsCounted',
} as const;
