import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand, GetDashboardCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { BatchGetTracesCommand, GetTraceSummariesCommand } from '@aws-sdk/client-xray';
import type { XRayClient } from '@aws-sdk/client-xray';
import { CHECKOUT_SERVICE_NAME } from '@securecart/contracts/metrics';
import { CheckFailure } from '../../../test/smoke/report';
import { pollUntil } from '../../../test/smoke/util';

/*
 * What an operator relies on: one X-Ray trace per order, the dashboard, and alarms that are quiet
 * and would tell someone.
 */

/** The three hops of an order's trace and how X-Ray names each. */
export const TRACE_HOPS = {
  'API Gateway': (s: SegmentDoc) => s.origin === 'AWS::ApiGateway::Stage',
  'the checkout service': (s: SegmentDoc) => s.name === CHECKOUT_SERVICE_NAME,
  'the state machine': (s: SegmentDoc) => s.origin === 'AWS::StepFunctions::StateMachine',
  // The service's status consumer applying a status: SNS passed the header on to the order-status queue.
  'the status consumer': (s: SegmentDoc) =>
    s.name === CHECKOUT_SERVICE_NAME && s.annotations?.operation === 'ApplyOrderStatus',
} as const;

interface SegmentDoc {
  readonly name?: string;
  readonly origin?: string;
  readonly annotations?: Record<string, unknown>;
}

/**
 * X-Ray holds one trace for the order (the service annotates its segments with the order id) with a
 * segment of API Gateway, of the service and of the state machine. Polls until `deadline` (X-Ray
 * indexes traces within about a minute).
 */
export async function checkOrderTrace(
  xray: XRayClient,
  orderId: string,
  since: Date,
  deadline: number,
  intervalMs = 5000,
): Promise<string> {
  let lastProblem = 'no trace annotated with this order id';
  const found = await pollUntil(deadline, intervalMs, async () => {
    const summaries = await xray.send(
      new GetTraceSummariesCommand({
        StartTime: since,
        EndTime: new Date(),
        FilterExpression: `annotation.orderId = "${orderId}"`,
      }),
    );
    const ids = [...new Set((summaries.TraceSummaries ?? []).map((t) => t.Id).filter((id): id is string => !!id))];
    if (ids.length === 0) return undefined;
    const traces = await xray.send(new BatchGetTracesCommand({ TraceIds: ids.slice(0, 5) }));
    const hopsByTrace = (traces.Traces ?? []).map((t) => {
      const docs = (t.Segments ?? []).map((s) => JSON.parse(s.Document ?? '{}') as SegmentDoc);
      const present = Object.entries(TRACE_HOPS)
        .filter(([, test]) => docs.some(test))
        .map(([hop]) => hop);
      return { id: t.Id ?? '?', present };
    });
    const complete = hopsByTrace.find((t) => t.present.length === Object.keys(TRACE_HOPS).length);
    if (ids.length === 1 && complete) return `trace ${complete.id}: ${complete.present.join(' → ')}`;
    lastProblem =
      ids.length > 1
        ? `the order is in ${ids.length} traces (${hopsByTrace.map((t) => `${t.id}: ${t.present.join(', ') || 'none'}`).join('; ')}): the trace header is lost on the way`
        : `trace ${ids[0]} lacks ${Object.keys(TRACE_HOPS)
            .filter((h) => !hopsByTrace[0]?.present.includes(h))
            .join(' and ')}`;
    return undefined;
  });
  if (!found) throw new CheckFailure(lastProblem);
  return found;
}

/** The order dashboard exists and has widgets. */
export async function checkDashboard(cloudwatch: CloudWatchClient, name: string): Promise<string> {
  let body: string | undefined;
  try {
    body = (await cloudwatch.send(new GetDashboardCommand({ DashboardName: name }))).DashboardBody;
  } catch (error) {
    throw new CheckFailure(`dashboard ${name}: ${(error as Error).name}: ${(error as Error).message}`);
  }
  const widgets = (JSON.parse(body ?? '{}') as { widgets?: unknown[] }).widgets ?? [];
  if (widgets.length === 0) throw new CheckFailure(`dashboard ${name} has no widgets`);
  return `${name}: ${widgets.length} widgets`;
}

/** The alarms (metric and composite) a stack created: their names. */
export async function stackAlarmNames(cfn: CloudFormationClient, stackName: string): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
    for (const r of page.StackResourceSummaries ?? [])
      if (/^AWS::CloudWatch::(Composite)?Alarm$/.test(r.ResourceType ?? '') && r.PhysicalResourceId)
        names.push(r.PhysicalResourceId);
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

const QUIET_STATES = new Set(['OK', 'INSUFFICIENT_DATA']);

/**
 * Every alarm of the stacks is OK or INSUFFICIENT_DATA and notifies someone (an alarm action).
 * `stacks`: each stack's name with the CloudFormation and CloudWatch clients of its region.
 */
export async function checkAlarms(
  stacks: readonly { name: string; cfn: CloudFormationClient; cloudwatch: CloudWatchClient }[],
): Promise<string> {
  const problems: string[] = [];
  let total = 0;
  for (const stack of stacks) {
    const names = await stackAlarmNames(stack.cfn, stack.name);
    for (let i = 0; i < names.length; i += 100) {
      const batch = names.slice(i, i + 100);
      const answer = await stack.cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: batch, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
      );
      const alarms = [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])];
      const seen = new Set(alarms.map((a) => a.AlarmName));
      for (const name of batch) if (!seen.has(name)) problems.push(`${name} (${stack.name}) not found`);
      for (const a of alarms) {
        total++;
        if (!QUIET_STATES.has(a.StateValue ?? ''))
          problems.push(`${a.AlarmName} is ${a.StateValue}: ${a.StateReason ?? ''}`);
        if (!a.AlarmActions?.length) problems.push(`${a.AlarmName} has no alarm action`);
      }
    }
  }
  if (problems.length) throw new CheckFailure(`${problems.length} problems: ${problems.join('; ')}`);
  if (total === 0) throw new CheckFailure(`no alarms in ${stacks.map((s) => s.name).join(', ')}`);
  return `${total} alarms in ${stacks.length} stacks, all OK or INSUFFICIENT_DATA, each with an action`;
}

/**
 * Namespaces whose metrics exist on a deployed system that has served a few requests and two
 * orders: an alarm on one of them that matches no metric has the wrong name or dimensions (the
 * Container Insights and WAF dimensions ADRs 13 and 15 could not confirm). Other namespaces (the
 * service's and handlers' own metrics) publish with their first event, so a missing one is noted only.
 */
export const ALWAYS_PUBLISHED = [
  'ECS/ContainerInsights',
  // The sandbox's no-running-task alarm (Container Insights off, ADR 27): published while a task runs.
  'AWS/ECS',
  'AWS/WAFV2',
  'AWS/CloudFront',
  'AWS/ApiGateway',
  'AWS/ApplicationELB',
  'AWS/SQS',
  'AWS/States',
  'AWS/RDS',
];

type MetricRef = { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] };

const sameDimensions = (a: MetricRef['Dimensions'] = [], b: MetricRef['Dimensions'] = []) =>
  a.length === b.length && a.every((d) => b.some((e) => e.Name === d.Name && e.Value === d.Value));

const describeMetric = (m: MetricRef) =>
  `${m.Namespace} ${m.MetricName} {${(m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(', ')}}`;

/**
 * Every metric an alarm of the stacks watches exists in CloudWatch with exactly the alarm's
 * dimensions (ListMetrics). Missing ones in ALWAYS_PUBLISHED fail, naming the dimensions the
 * metric does have; the rest are counted in the detail.
 */
export async function checkAlarmMetrics(
  stacks: readonly { name: string; cfn: CloudFormationClient; cloudwatch: CloudWatchClient }[],
): Promise<string> {
  const problems: string[] = [];
  let found = 0;
  const notYet: string[] = [];
  for (const stack of stacks) {
    const names = await stackAlarmNames(stack.cfn, stack.name);
    for (let i = 0; i < names.length; i += 100) {
      const { MetricAlarms = [] } = await stack.cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ['MetricAlarm'] }),
      );
      for (const alarm of MetricAlarms) {
        const refs: MetricRef[] = alarm.MetricName
          ? [alarm]
          : (alarm.Metrics ?? []).flatMap((q) => (q.MetricStat?.Metric ? [q.MetricStat.Metric] : []));
        for (const ref of refs) {
          const { Metrics = [] } = await stack.cloudwatch.send(
            new ListMetricsCommand({
              Namespace: ref.Namespace,
              MetricName: ref.MetricName,
              Dimensions: (ref.Dimensions ?? []).map((d) => ({ Name: d.Name, Value: d.Value })),
            }),
          );
          if (Metrics.some((m) => sameDimensions(m.Dimensions, ref.Dimensions))) {
            found++;
            continue;
          }
          if (!ALWAYS_PUBLISHED.includes(ref.Namespace ?? '')) {
            notYet.push(`${alarm.AlarmName}`);
            continue;
          }
          // What the metric does carry, by name alone: the dimensions to compare with.
          const { Metrics: byName = [] } = await stack.cloudwatch.send(
            new ListMetricsCommand({ Namespace: ref.Namespace, MetricName: ref.MetricName }),
          );
          const seen = [
            ...new Set(
              byName.map(
                (m) =>
                  `{${(m.Dimensions ?? [])
                    .map((d) => d.Name)
                    .sort()
                    .join(', ')}}`,
              ),
            ),
          ];
          problems.push(
            `${alarm.AlarmName} watches ${describeMetric(ref)}, which does not exist${seen.length ? ` (the metric has dimensions ${seen.slice(0, 3).join(' ')})` : ''}`,
          );
        }
      }
    }
  }
  if (problems.length) throw new CheckFailure(problems.join('; '));
  return `${found} alarm metrics exist with the alarms' dimensions${notYet.length ? `; ${notYet.length} publish with their first event (${notYet.slice(0, 4).join(', ')}${notYet.length > 4 ? ', …' : ''})` : ''}`;
}
