/**
 * Custom metrics, written by the handlers as CloudWatch embedded metric format (EMF) log lines
 * through Powertools Metrics: no API calls, CloudWatch extracts them from the function's logs.
 * The stacks build alarms and dashboard widgets from the same names.
 */
export const METRICS_NAMESPACE = 'SecureCart';

/** Dimensions. `service` is the handler's POWERTOOLS_SERVICE_NAME, i.e. its step name. */
export const METRIC_DIMENSIONS = {
  service: 'service',
  /** A SIDELINE_REASONS code. */
  reason: 'reason',
} as const;

export const METRIC_NAMES = {
  /**
   * Order messages start-fulfillment moved to the orders DLQ at once because they can never
   * succeed (unit Count). Emitted per message with the dimension sets [service] (the total, for
   * alarms) and [service, reason].
   */
  sidelinedMessages: 'SidelinedMessages',
} as const;
