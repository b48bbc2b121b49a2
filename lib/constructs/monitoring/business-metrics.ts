import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  CHECKOUT_METRIC_DIMENSIONS as CD,
  METRIC_NAMES,
  NO_REASON_DIMENSION,
  OUTCOME_REASONS,
  OutcomeReason,
  TerminalStatus,
} from '@securecart/contracts';
import { checkoutServiceMetric, handlerMetric as stepMetric } from '../custom-metrics';

const PERIOD = Duration.minutes(5);

/** Every terminal status with the reasons it can carry (docs/architecture.md, "Pipeline rules"). */
export const OUTCOMES: ReadonlyArray<readonly [TerminalStatus, OutcomeReason | undefined]> = [
  ['FULFILLED', undefined],
  ...(
    [
      'invalidOrder',
      'fraudRejected',
      'fraudReviewTimeout',
      'paymentDeclined',
      'paymentUnavailable',
      'outOfStock',
      'shipmentFailed',
    ] as const
  ).map((r) => ['CANCELLED', OUTCOME_REASONS[r]] as const),
  ['FAILED', OUTCOME_REASONS.unexpectedError],
  ['FAILED', OUTCOME_REASONS.compensationFailed],
];

/** A handler's custom metric per 5 minutes (dimension `service` = its step name). */
const handlerMetric = (step: string, metricName: string, label: string) => stepMetric(step, metricName, label, PERIOD);

/** A checkout service metric per 5 minutes (dimension `Service` = checkout-api, plus `extra`). */
const serviceMetric = (metricName: string, extra: Record<string, string>, statistic: string, label: string) =>
  checkoutServiceMetric(metricName, extra, statistic, label, PERIOD);

/**
 * The business row of the dashboard, from the metric contract (contracts/metrics.ts): orders
 * accepted against orders reaching an outcome, outcomes by status and reason, the time from
 * acceptance to outcome, payment declines and fraud rejections, sidelined messages.
 */
export function businessWidgets(): cloudwatch.IWidget[] {
  const outcome = (status: string, reason: OutcomeReason | undefined) =>
    serviceMetric(
      METRIC_NAMES.orderOutcomes,
      { [CD.status]: status, [CD.reason]: reason ?? NO_REASON_DIMENSION },
      'Sum',
      reason ? `${status} ${reason}` : status,
    );
  const byStatus = (status: string) =>
    serviceMetric(METRIC_NAMES.orderOutcomes, { [CD.status]: status }, 'Sum', status);
  const time = (statistic: string) =>
    serviceMetric(METRIC_NAMES.timeToOutcome, {}, statistic, `time to outcome ${statistic} (s)`);
  return [
    new cloudwatch.GraphWidget({
      title: 'Orders accepted and their outcomes (per 5 minutes)',
      left: [
        handlerMetric('start-fulfillment', METRIC_NAMES.ordersAccepted, 'accepted (execution started)'),
        byStatus('FULFILLED'),
        byStatus('CANCELLED'),
        byStatus('FAILED'),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Outcomes by status and reason',
      left: OUTCOMES.map(([status, reason]) => outcome(status, reason)),
      stacked: true,
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Time from acceptance to outcome (s)',
      left: ['p50', 'p90', 'p99'].map(time),
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Payment declines, fraud rejections, sidelined messages',
      left: [
        handlerMetric('process-payment', METRIC_NAMES.paymentDeclines, 'payment declines'),
        handlerMetric('screen-fraud', METRIC_NAMES.fraudRejections, 'fraud rejections'),
        handlerMetric('start-fulfillment', METRIC_NAMES.sidelinedMessages, 'sidelined (can never succeed)'),
      ],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Abandoned carts (CartAbandoned published, per 5 minutes)',
      left: [handlerMetric('cart-reminder', METRIC_NAMES.cartsAbandoned, 'carts abandoned')],
      width: 12,
    }),
    new cloudwatch.SingleValueWidget({
      title: 'Last 24 hours',
      metrics: [
        handlerMetric('start-fulfillment', METRIC_NAMES.ordersAccepted, 'accepted').with({ period: Duration.days(1) }),
        byStatus('FULFILLED').with({ period: Duration.days(1) }),
        byStatus('CANCELLED').with({ period: Duration.days(1) }),
        byStatus('FAILED').with({ period: Duration.days(1) }),
      ],
      width: 12,
    }),
  ];
}
