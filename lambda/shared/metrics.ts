import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC_DIMENSIONS, METRICS_NAMESPACE } from '../../lib/contracts/metrics';

/**
 * One Metrics instance per container. It writes CloudWatch embedded metric format (EMF) lines to
 * stdout (no API calls); the `service` dimension is POWERTOOLS_SERVICE_NAME, like the logger's.
 */
export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'securecart',
});

/**
 * Counts one occurrence of `name` by `reason` and flushes it at once, as its own EMF line: with the
 * dimension sets [service, reason] and [service] (the total, what an alarm watches). Flushing per
 * occurrence keeps reasons of one invocation apart and loses nothing if the invocation dies later.
 */
export function countNow(name: string, reason: string): void {
  metrics.addDimension(METRIC_DIMENSIONS.reason, reason);
  metrics.addDimensions({}); // a second dimension set: the default dimensions (service) alone
  metrics.addMetric(name, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
