import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { PROFILES } from '../lib/config/profiles';
import { PipelineStack } from '../lib/stacks/pipeline-stack';
import { definitionFrom, deriveMatrix, MATRIX_SERVICES, MatrixService } from '../scripts/chaos/matrix';
import { scratchApps } from './helpers/synth';
import { ofType, Resources } from './helpers/template';

/*
 * docs/adr/0017, "Which alarm an outage fires": an outage the workflow rides out pages nobody
 * (nothing is lost; a status may arrive late); an outage that outlasts the retries always has a
 * consequence an alarm sees. The local endpoint stores alarms but neither evaluates them nor emits
 * AWS/States or AWS/SQS metrics, so the proof is here, against the synthesized sandbox template:
 * 1. the table outage → consequence → alarm, each alarm asserted whole (metric, dimension,
 *    statistic, period, threshold, evaluation periods, comparison, action on the ops topic);
 * 2. every Task state of the definition, failing past its retries, ends in one of those
 *    consequences (a FAILED execution, or a status recorded for redelivery);
 * 3. every dependency of the outage matrix has a row.
 */

interface AlarmSpec {
  readonly metric: readonly [namespace: string, name: string];
  /** The dimension, and the logical id prefix of the resource it names. */
  readonly dimension: readonly [name: string, resource: string];
  readonly statistic: 'Sum' | 'Maximum';
  readonly threshold: number;
  readonly evaluationPeriods: number;
}

const ALARMS = {
  executionsFailed: {
    metric: ['AWS/States', 'ExecutionsFailed'],
    dimension: ['StateMachineArn', 'OrderFulfillmentStateMachine'],
    statistic: 'Sum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  statusRecorded: {
    metric: ['AWS/SQS', 'NumberOfMessagesSent'],
    dimension: ['QueueName', 'OrderEventsRedeliveryQueue'],
    statistic: 'Sum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  statusWaiting: {
    metric: ['AWS/SQS', 'ApproximateAgeOfOldestMessage'],
    dimension: ['QueueName', 'OrderEventsRedeliveryQueue'],
    statistic: 'Maximum',
    threshold: 600,
    evaluationPeriods: 3,
  },
  redeliveryDlq: {
    metric: ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    dimension: ['QueueName', 'OrderEventsRedeliveryQueueDlqQueue'],
    statistic: 'Maximum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  eventTargetsDlq: {
    metric: ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    dimension: ['QueueName', 'EventRoutingEventTargetsDlqQueue'],
    statistic: 'Maximum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  screenFraudErrors: {
    metric: ['AWS/Lambda', 'Errors'],
    dimension: ['FunctionName', 'EventRoutingScreenFraudFunction'],
    statistic: 'Sum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  restockErrors: {
    metric: ['AWS/Lambda', 'Errors'],
    dimension: ['FunctionName', 'EventRoutingRestockFunction'],
    statistic: 'Sum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  // ShipOrder, the shipping sub-workflow (docs/adr/0029): a package that fails, and its carrier's callback.
  shipOrderFailed: {
    metric: ['AWS/States', 'ExecutionsFailed'],
    dimension: ['StateMachineArn', 'ShipOrderStateMachine'],
    statistic: 'Sum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  carrierPickupErrors: {
    metric: ['AWS/Lambda', 'Errors'],
    dimension: ['FunctionName', 'ShipOrderCarrierPickupFunction'],
    statistic: 'Sum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  ordersWaiting: {
    metric: ['AWS/SQS', 'ApproximateAgeOfOldestMessage'],
    dimension: ['QueueName', 'OrderIntakeOrdersQueue'],
    statistic: 'Maximum',
    threshold: 300,
    evaluationPeriods: 3,
  },
  ordersDlq: {
    metric: ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    dimension: ['QueueName', 'OrderIntakeOrdersQueueDlqQueue'],
    statistic: 'Maximum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  clickstreamBehind: {
    metric: ['AWS/Lambda', 'IteratorAge'],
    dimension: ['FunctionName', 'ClickstreamClickstreamConsumerFunction'],
    statistic: 'Maximum',
    threshold: 600_000,
    evaluationPeriods: 3,
  },
  clickstreamErrors: {
    metric: ['AWS/Lambda', 'Errors'],
    dimension: ['FunctionName', 'ClickstreamClickstreamConsumerFunction'],
    statistic: 'Sum',
    threshold: 1,
    evaluationPeriods: 3,
  },
  clickstreamDlq: {
    metric: ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    dimension: ['QueueName', 'ClickstreamOnFailureQueue'],
    statistic: 'Maximum',
    threshold: 1,
    evaluationPeriods: 1,
  },
  clickstreamThrottledPuts: {
    metric: ['AWS/Kinesis', 'WriteProvisionedThroughputExceeded'],
    dimension: ['StreamName', 'ClickstreamStream'],
    statistic: 'Sum',
    threshold: 1,
    evaluationPeriods: 3,
  },
} as const satisfies Record<string, AlarmSpec>;
type AlarmName = keyof typeof ALARMS;

/** Outage → what happens once it outlasts the retries (ridesOutOutage: 5 minutes in prod) → the alarms. */
const OUTAGES: ReadonlyArray<{
  readonly outage: string;
  readonly services: readonly MatrixService[];
  readonly consequence: string;
  readonly alarms: readonly AlarmName[];
}> = [
  {
    outage: 'SNS down at a status publish',
    services: ['sns'],
    consequence: 'the status is recorded for redelivery; the order goes on',
    alarms: ['statusRecorded'],
  },
  {
    outage: 'SNS still down 10 minutes later',
    services: ['sns'],
    consequence: 'the recorded status waits in the redelivery queue',
    alarms: ['statusWaiting'],
  },
  {
    outage: 'SNS down through every redelivery attempt',
    services: ['sns'],
    consequence: 'the status lands in the redelivery DLQ',
    alarms: ['redeliveryDlq'],
  },
  {
    outage: 'SQS down at a redelivery record (SNS down too)',
    services: ['sqs'],
    consequence: 'FAILED before payment; the saga, then FAILED, after it; OutcomeUndeliverable at the outcome',
    alarms: ['executionsFailed'],
  },
  {
    outage: 'EventBridge down at ScreenForFraud or at ReserveInventory (Inventory Low)',
    services: ['events'],
    consequence: 'FAILED (UNEXPECTED_ERROR); after payment the saga runs first',
    alarms: ['executionsFailed'],
  },
  {
    outage: 'DynamoDB down at a step',
    services: ['dynamodb'],
    consequence: 'FAILED (UNEXPECTED_ERROR); after payment the saga runs first',
    alarms: ['executionsFailed'],
  },
  {
    outage: 'Lambda down at a step (or a compensation failing for good)',
    services: ['lambda'],
    consequence: 'FAILED (UNEXPECTED_ERROR or COMPENSATION_FAILED)',
    alarms: ['executionsFailed'],
  },
  {
    outage: 'Lambda refusing the invocation of screen-fraud (an EventBridge target)',
    services: ['lambda'],
    consequence:
      'EventBridge retries the target 4 times within an hour, then sends the event to the targets DLQ; the order is CANCELLED (FRAUD_REVIEW_TIMEOUT) with no money moved',
    alarms: ['eventTargetsDlq'],
  },
  {
    outage: 'the task-token callback (Step Functions) down for screen-fraud',
    services: ['states'],
    consequence:
      'screen-fraud fails (Lambda retries it twice, then drops the event); the order is CANCELLED (FRAUD_REVIEW_TIMEOUT) with no money moved',
    alarms: ['screenFraudErrors'],
  },
  {
    outage: 'DynamoDB down for restock (the InventoryLow target)',
    services: ['dynamodb'],
    consequence:
      'restock fails (Lambda retries it twice, then drops the event); no order is affected, the reorder waits for the next low-stock event',
    alarms: ['restockErrors'],
  },
  {
    outage: 'Step Functions down at ShipOrder (the parent cannot start, follow or describe a package)',
    services: ['states'],
    consequence: 'the saga runs, then FAILED (UNEXPECTED_ERROR)',
    alarms: ['executionsFailed'],
  },
  {
    outage:
      "Lambda, DynamoDB or EventBridge down at a ShipOrder step (CreateShipment, WaitForPickup's request, CommitShipment, CancelShipment)",
    services: ['lambda', 'dynamodb', 'events'],
    consequence:
      'the package fails (ShipOrder FAILED with the raw error); the parent runs the saga, then FAILED (UNEXPECTED_ERROR)',
    alarms: ['shipOrderFailed', 'executionsFailed'],
  },
  {
    outage: 'Lambda refusing the invocation of carrier-pickup, or its task-token callback (Step Functions) down',
    services: ['lambda', 'states'],
    consequence:
      'no pickup confirmation: the package fails with PickupTimedOut after the heartbeat/timeout; the order is CANCELLED (SHIPMENT_FAILED), refunded and released',
    alarms: ['eventTargetsDlq', 'carrierPickupErrors', 'shipOrderFailed'],
  },
  {
    outage: 'Lambda or Step Functions down at intake (start-fulfillment cannot start executions)',
    services: ['lambda', 'states'],
    consequence: 'orders wait in orders.fifo, then move to its DLQ',
    alarms: ['ordersWaiting', 'ordersDlq'],
  },
  {
    outage: 'DynamoDB down for clickstream-consumer (ProductAffinity)',
    services: ['dynamodb'],
    consequence:
      'the failing record is reported as the batch item failure (not a function error) and retried from, holding its shard; after 5 retries or 6 hours its batch goes to the on-failure queue, uncounted (replayable for the stream’s 24 h); no order is affected',
    alarms: ['clickstreamBehind', 'clickstreamDlq'],
  },
  {
    outage: 'Lambda down or clickstream-consumer crashing',
    services: ['lambda'],
    consequence:
      'whole batches fail, are halved and retried, then go to the on-failure queue; recommendations go stale; no order is affected',
    alarms: ['clickstreamErrors', 'clickstreamBehind', 'clickstreamDlq'],
  },
];
// Kinesis is not a dependency of the order matrix: a stream refusing puts loses browsing events
// only (POST /api/events answers fewer `received`), and pages through clickstreamThrottledPuts.

describe('which alarm an outage fires (synthesized sandbox Pipeline stack)', () => {
  const scratch = scratchApps();
  let resources: Resources;
  beforeAll(() => {
    const app = scratch();
    const data = new Stack(app, 'Data');
    const table = (id: string) => dynamodb.Table.fromTableName(data, id, id);
    const pipeline = new PipelineStack(app, 'SecureCart-sandbox-Pipeline', {
      profile: PROFILES.sandbox,
      catalogTable: table('catalog'),
      idempotencyTable: table('idempotency'),
      productAffinityTable: table('product-affinity'),
      cartsTable: table('carts'),
    });
    resources = Template.fromStack(pipeline).toJSON().Resources;
  });

  /** The alarm's metric, flattened from either form (a plain metric, or one metric in `Metrics`). */
  function describe_(p: any) {
    const stat = p.Metrics?.find((m: any) => m.ReturnData !== false)?.MetricStat;
    const m = stat?.Metric ?? p;
    const dim = (m.Dimensions ?? [])[0];
    const ref = dim?.Value?.Ref ?? dim?.Value?.['Fn::GetAtt']?.[0] ?? '';
    return {
      metric: [m.Namespace, m.MetricName],
      dimension: [dim?.Name, ref],
      statistic: stat?.Stat ?? p.Statistic,
      period: stat?.Period ?? p.Period,
      threshold: p.Threshold,
      evaluationPeriods: p.EvaluationPeriods,
      comparison: p.ComparisonOperator,
      actions: p.AlarmActions,
    };
  }

  test.each(Object.keys(ALARMS).map((k) => [k]))(
    '%s: the alarm exists as specified and pages the ops topic',
    (name) => {
      const spec: AlarmSpec = ALARMS[name as AlarmName];
      const topic = ofType(resources, 'AWS::SNS::Topic').find(([id]) => id.startsWith('AlarmTopic'))![0];
      const found = ofType(resources, 'AWS::CloudWatch::Alarm')
        .map(([, r]) => describe_(r.Properties))
        .filter(
          (a) =>
            a.metric.join('/') === spec.metric.join('/') &&
            a.dimension[0] === spec.dimension[0] &&
            new RegExp(`^${spec.dimension[1]}[0-9A-F]{8}$`).test(a.dimension[1]),
        );
      expect(found).toEqual([
        {
          metric: [...spec.metric],
          dimension: [spec.dimension[0], expect.any(String)],
          statistic: spec.statistic,
          period: 60,
          threshold: spec.threshold,
          evaluationPeriods: spec.evaluationPeriods,
          comparison: 'GreaterThanOrEqualToThreshold',
          actions: [{ Ref: topic }],
        },
      ]);
    },
  );

  test('every Task state failing past its retries ends in an alarmed consequence', () => {
    const definition = definitionFrom(resources);
    const states: Record<string, any> = {};
    const parent: Record<string, string> = {};
    const walk = (s: Record<string, any>, outer?: string) => {
      for (const [n, st] of Object.entries(s)) {
        states[n] = st;
        if (outer) parent[n] = outer;
        for (const b of st.Branches ?? []) walk(b.States, n);
        if (st.ItemProcessor) walk(st.ItemProcessor.States, n);
      }
    };
    walk(definition.States);
    // ShipOrder's states, as the branch of the Task that starts it: a child that fails for good
    // fails that Task (States.TaskFailed), whose Map's catch runs the saga.
    const shipOrder = definitionFrom(resources, 'ShipOrder');
    const starter = Object.keys(states).find((n) => /states:startExecution/.test(String(states[n].Resource)))!;
    walk(shipOrder.States, starter);
    expect(Object.keys(shipOrder.States)).toContain('WaitForPickup');
    const catchAll = (name: string): string | undefined => {
      for (let at: string | undefined = name; at; at = parent[at]) {
        const c = (states[at].Catch ?? []).find((x: any) => x.ErrorEquals.includes('States.ALL'));
        if (c) return c.Next;
      }
      return undefined;
    };
    /** The alarm that sees where a caught failure leads. */
    const alarmOf = (target: string | undefined): AlarmName | 'none' => {
      let s = target ? states[target] : undefined;
      // Through a compensation on the way (ShipOrder's CommitFailed → CancelShipment → its Fail state).
      for (let hops = 0; hops < 3 && s && (s.Type === 'Pass' ? !s.Result?.status : s.Type === 'Task'); hops++) {
        if (s.Type === 'Task' && /:states:::sqs:sendMessage/.test(s.Resource)) break;
        s = states[s.Next];
      }
      if (s?.Type === 'Fail' || (s?.Type === 'Pass' && s.Result?.status === 'FAILED')) return 'executionsFailed';
      if (
        s?.Type === 'Task' &&
        /:states:::sqs:sendMessage/.test(s.Resource) &&
        /Redelivery/.test(s.Parameters.QueueUrl)
      )
        return 'statusRecorded';
      return 'none';
    };
    const tasks = Object.keys(states).filter((n) => states[n].Type === 'Task');
    expect(tasks.length).toBeGreaterThan(18);
    const got = Object.fromEntries(tasks.map((t) => [t, alarmOf(catchAll(t))]));
    const want = Object.fromEntries(
      tasks.map((t) => [
        t,
        /^Publish[A-Za-z]+$/.test(t) && !/ForRedelivery$/.test(t) ? 'statusRecorded' : 'executionsFailed',
      ]),
    );
    expect(got).toEqual(want);
  });

  test('every dependency of the outage matrix has a row in the outage → alarm table', () => {
    const services = new Set(deriveMatrix(resources).map((r) => r.service));
    expect([...services].sort()).toEqual([...MATRIX_SERVICES].sort());
    expect(MATRIX_SERVICES.filter((s) => !OUTAGES.some((o) => o.services.includes(s)))).toEqual([]);
  });
});
