import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  CHECKOUT_METRIC_DIMENSIONS,
  CHECKOUT_SERVICE_NAME,
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
} from '@securecart/contracts/metrics';

/** A handler's custom metric (contracts/metrics.ts), summed: dimension `service` = its step name. */
export function handlerMetric(step: string, metricName: string, label: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [METRIC_DIMENSIONS.service]: step },
    statistic: 'Sum',
    period,
    label,
  });
}

/** A checkout service metric (contracts/metrics.ts): dimension `Service` = checkout-api, plus `extra`. */
export function checkoutServiceMetric(
  metricName: string,
  extra: Record<string, string>,
  statistic: string,
  label: string,
  period: Duration,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [CHECKOUT_METRIC_DIMENSIONS.service]: CHECKOUT_SERVICE_NAME, ...extra },
    statistic,
    period,
    label,
  });
}

/** An EventBridge rule's metric (AWS/Events: FailedInvocations, MatchedEvents, …) on `busName`, summed per `period`. */
export function eventRuleMetric(
  busName: string,
  ruleName: string,
  metricName: string,
  label: string,
  period = Duration.minutes(1),
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: { EventBusName: busName, RuleName: ruleName },
    statistic: 'Sum',
    period,
    label,
  });
}
