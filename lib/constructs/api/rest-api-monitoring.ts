import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Observable, RUNBOOKS } from '../ops-alarms';
import type { CheckoutRestApiProps } from './rest-api-props';

/**
 * The alarms of `api`, created in `restApi` (the CheckoutRestApi itself: 5xx rate, p99 latency),
 * and its dashboard widgets (requests, 4xx, 5xx; latency and integration latency).
 * docs/adr/0013-api-tier.md.
 */
export function observeRestApi(restApi: Construct, api: apigw.RestApi, props: CheckoutRestApiProps): Observable {
  const period = Duration.minutes(5);
  const count = api.metricCount({ period, statistic: 'Sum' });
  const serverErrors = api.metricServerError({ period, statistic: 'Sum' });
  const errorRate = new cloudwatch.MathExpression({
    // Below 20 requests in 5 minutes a percentage says little: one error would be 5 % or more.
    expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
    usingMetrics: { requests: count, errors: serverErrors },
    period,
    label: '5xx rate (%)',
  });
  const p99 = api.metricLatency({ period, statistic: 'p99', label: 'p99 latency (ms)' });
  const alarms = [
    props.alarms.alarm(restApi, 'ServerErrorRate', {
      metric: errorRate,
      summary: `${props.prefix} API: 5 % or more of the requests failed with a 5xx in 5 minutes`,
      runbook: RUNBOOKS.apiServerErrors,
      threshold: 5,
    }),
    props.alarms.alarm(restApi, 'LatencyP99', {
      metric: p99,
      summary: `${props.prefix} API: p99 latency at or above 2.5 s for 10 minutes`,
      runbook: RUNBOOKS.apiLatency,
      threshold: 2500,
      evaluationPeriods: 2,
    }),
  ];
  const minute = Duration.minutes(1);
  const widgets: cloudwatch.IWidget[] = [
    new cloudwatch.GraphWidget({
      title: 'API: requests, 4xx, 5xx',
      left: [api.metricCount({ period: minute, statistic: 'Sum', label: 'requests' })],
      right: [
        api.metricClientError({ period: minute, statistic: 'Sum', label: '4xx' }),
        api.metricServerError({ period: minute, statistic: 'Sum', label: '5xx' }),
      ],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'API: latency and integration latency (ms)',
      left: [
        api.metricLatency({ period: minute, statistic: 'p50', label: 'p50' }),
        api.metricLatency({ period: minute, statistic: 'p99', label: 'p99' }),
        api.metricIntegrationLatency({ period: minute, statistic: 'p99', label: 'integration p99' }),
      ],
      width: 12,
    }),
  ];
  return { alarms, widgets };
}
