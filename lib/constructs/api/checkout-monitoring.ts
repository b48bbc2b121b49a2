import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { API_LIMITS } from '@securecart/contracts/http-api';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import { checkoutServiceMetric } from '../custom-metrics';
import { Observable, RUNBOOKS } from '../ops-alarms';
import type { CheckoutServiceProps, CheckoutServiceResources } from './checkout-service-props';
import { HEALTH_PATHS } from './checkout-task';

/**
 * Outbox lag (seconds) at or above which orders count as delayed — the same threshold at which the
 * service's GET /api/health/relay says `stuck`: a stuck relay is alarmed within about six minutes
 * (three one-minute periods at 3 minutes or more).
 */
export const OUTBOX_LAG_ALARM_SECONDS = API_LIMITS.relayStuckAfterSeconds;

/**
 * The checkout service's alarms, created in `checkout` itself (outbox lag, rejected outbox rows,
 * no running task, unhealthy ALB targets), and its dashboard widgets (tasks, CPU and memory, the internal ALB,
 * the outbox). docs/adr/0013-api-tier.md, docs/adr/0015-monitoring.md.
 */
export function observeCheckoutService(
  checkout: Construct & CheckoutServiceResources,
  props: CheckoutServiceProps,
): Observable {
  const { cluster, service, targetGroup, loadBalancer } = checkout;
  const period = Duration.minutes(1);
  const dimensionsMap = { ClusterName: cluster.clusterName, ServiceName: service.serviceName };
  const insights = (metricName: string, label: string) =>
    new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName,
      dimensionsMap,
      statistic: 'Minimum',
      period,
      label,
    });
  // With Container Insights, its task count. Without (sandbox, ADR 27), the service's own AWS/ECS
  // CPU metric, which ECS publishes only while the service has a RUNNING task: its sample count is
  // at least 1 with a task and missing without one.
  const containerInsights = props.sizing.containerInsights;
  const running = containerInsights
    ? insights('RunningTaskCount', 'running tasks')
    : service.metricCpuUtilization({ statistic: 'SampleCount', period, label: 'CPU samples (any: a task runs)' });
  // Missing data counts as no task: an alarm on "< 1" built from OpsAlarms' ">= threshold".
  const noTask = new cloudwatch.MathExpression({
    expression: 'IF(FILL(running, 0) < 1, 1, 0)',
    usingMetrics: { running },
    period,
    label: 'no running task',
  });
  const unhealthy = targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', period });
  const serviceMetric = (metricName: string, statistic: string, label: string) =>
    checkoutServiceMetric(metricName, {}, statistic, label, period);
  const outboxLag = serviceMetric(METRIC_NAMES.outboxLag, 'Maximum', 'outbox lag (s)');
  const outboxRejected = serviceMetric(METRIC_NAMES.outboxRejected, 'Sum', 'rejected by SQS');
  const alarms = [
    // The relay reports its lag every minute, also when it is 0: silence means the relay, or the
    // agent carrying its metrics, stopped, so missing data breaches.
    props.alarms.alarm(checkout, 'OutboxLag', {
      metric: outboxLag,
      summary: `${props.prefix}-checkout-api: the oldest unsent order in the outbox is ${OUTBOX_LAG_ALARM_SECONDS / 60} minutes old or more (or no lag reported) for 3 minutes; accepted orders are not reaching orders.fifo`,
      runbook: RUNBOOKS.outboxLag,
      threshold: OUTBOX_LAG_ALARM_SECONDS,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }),
    // Any rejected row is a defect: an order the API accepted that SQS can never take (cancelled).
    props.alarms.alarm(checkout, 'OutboxRejected', {
      metric: outboxRejected.with({ period: Duration.minutes(5) }),
      summary: `${props.prefix}-checkout-api: SQS refused an accepted order for good (OutboxRejected); the relay cancelled it (INVALID_ORDER)`,
      runbook: RUNBOOKS.outboxRejected,
    }),
    props.alarms.alarm(checkout, 'NoRunningTask', {
      metric: noTask,
      summary: `${props.prefix}-checkout-api has no running task (${containerInsights ? 'Container Insights RunningTaskCount < 1' : 'no AWS/ECS CPUUtilization sample'}): the API answers 503`,
      runbook: RUNBOOKS.checkoutNoRunningTask,
      threshold: 1,
      evaluationPeriods: 2,
    }),
    props.alarms.alarm(checkout, 'UnhealthyTargets', {
      metric: unhealthy,
      summary: `${props.prefix} internal ALB has unhealthy checkout targets (readiness ${HEALTH_PATHS.ready} failing)`,
      runbook: RUNBOOKS.checkoutUnhealthyTargets,
      threshold: 1,
      evaluationPeriods: 3,
    }),
  ];
  const lb = loadBalancer.metrics;
  const widgets: cloudwatch.IWidget[] = [
    containerInsights
      ? new cloudwatch.GraphWidget({
          title: 'checkout-api: running and desired tasks',
          left: [running, insights('DesiredTaskCount', 'desired tasks')],
          width: 6,
        })
      : new cloudwatch.GraphWidget({
          title: 'checkout-api: tasks (healthy ALB targets)',
          left: [targetGroup.metrics.healthyHostCount({ statistic: 'Minimum', period, label: 'healthy targets' })],
          width: 6,
        }),
    new cloudwatch.GraphWidget({
      title: 'checkout-api: CPU and memory (%)',
      left: [
        service.metricCpuUtilization({ period, label: 'CPU' }),
        service.metricMemoryUtilization({ period, label: 'memory' }),
      ],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'internal ALB: requests, target 5xx, unhealthy targets',
      left: [lb.requestCount({ period, label: 'requests' })],
      right: [
        lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, label: 'target 5xx' }),
        unhealthy.with({ label: 'unhealthy targets' }),
      ],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'internal ALB: target response time p99 (s)',
      left: [lb.targetResponseTime({ period, statistic: 'p99', label: 'p99' })],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'checkout-api outbox: lag (s) and unsent orders',
      left: [outboxLag],
      leftAnnotations: [{ value: OUTBOX_LAG_ALARM_SECONDS, label: 'alarm', color: '#d62728' }],
      right: [serviceMetric(METRIC_NAMES.outboxUnsent, 'Maximum', 'unsent orders'), outboxRejected],
      width: 12,
    }),
  ];
  return { alarms, widgets };
}
