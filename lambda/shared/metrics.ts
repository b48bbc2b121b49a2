import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC_DIMENSIONS, METRICS_NAMESPACE } from '@securecart/contracts/metrics';

/**
 * One Metrics instance per container. It writes CloudWatch embedded metric format (EMF) lines to
 * stdout (no API calls); the `service` dimension is POWERTOOLS_SERVICE_NAME, like the logger's.
 */
export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'securecart',
});

export interface CountOptions {
  /** Adds the dimension set [service, reason] next to [service]. */
  readonly reason?: string;
  /** @default 1 */
  readonly count?: number;
}

/**
 * Counts `name` and flushes it at once, as its own EMF line: dimension set [service] (the total,
 * what an alarm watches) and, with a reason, also [service, reason]. Flushing per call keeps the
 * reasons of one invocation apart and loses nothing if the invocation dies later; anything else
 * buffered in `metrics` would be flushed with it, so handlers count only through this function.
 */
export function countNow(name: string, options: CountOptions = {}): void {
  if (options.reason !== undefined) {
    metrics.addDimension(METRIC_DIMENSIONS.reason, options.reason);
    metrics.addDimensions({}); // a second dimension set: the default dimensions (service) alone
  }
  metrics.addMetric(name, MetricUnit.Count, options.count ?? 1);
  metrics.publishStoredMetrics();
}
