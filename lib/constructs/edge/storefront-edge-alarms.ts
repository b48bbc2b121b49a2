import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Observable, OpsAlarms, RUNBOOKS } from '../ops-alarms';

/** 5xx share (%) of the storefront's CloudFront requests at or above which the alarm fires. */
export const STOREFRONT_5XX_ALARM_PERCENT = 5;

export interface StorefrontEdgeAlarmsProps {
  /** `securecart-<profile>`. */
  readonly prefix: string;
  /** The storefront distribution (Frontend stack; read here through a cross-region reference). */
  readonly distributionId: string;
  /** The us-east-1 alarm topic. */
  readonly alarms: OpsAlarms;
}

/**
 * The storefront distribution's alarm, in us-east-1 where CloudFront publishes its metrics (an
 * alarm's metric must be in its own region): 5xx error rate at or above 5 % of at least 20
 * requests for 10 minutes (the storefront or /api/* failing for customers).
 */
export class StorefrontEdgeAlarms extends Construct implements Observable {
  readonly alarms: cloudwatch.IAlarm[];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: StorefrontEdgeAlarmsProps) {
    super(scope, id);
    if (Stack.of(this).region !== 'us-east-1') {
      throw new Error('CloudFront metrics (and so their alarms) are in us-east-1');
    }
    const period = Duration.minutes(5);
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/CloudFront',
        metricName,
        dimensionsMap: { DistributionId: props.distributionId, Region: 'Global' },
        statistic,
        period,
        label: metricName,
      });
    const requests = metric('Requests', 'Sum');
    const rate5xx = metric('5xxErrorRate', 'Average');
    const errorRate = new cloudwatch.MathExpression({
      // Below 20 requests in 5 minutes a percentage says little.
      expression: 'IF(requests >= 20, rate, 0)',
      usingMetrics: { requests, rate: rate5xx },
      period,
      label: '5xx rate (%)',
    });
    this.alarms = [
      props.alarms.alarm(this, 'ServerErrorRate', {
        metric: errorRate,
        summary: `${props.prefix} storefront (CloudFront): ${STOREFRONT_5XX_ALARM_PERCENT} % or more of the requests answered with a 5xx for 10 minutes`,
        runbook: RUNBOOKS.storefrontErrors,
        threshold: STOREFRONT_5XX_ALARM_PERCENT,
        evaluationPeriods: 2,
      }),
    ];
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'Storefront (CloudFront): requests and 5xx rate',
        left: [requests],
        right: [errorRate],
        width: 12,
      }),
    ];
  }
}
