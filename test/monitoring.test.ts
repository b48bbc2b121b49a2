import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { METRIC_NAMES, METRICS_NAMESPACE, OUTCOME_REASONS } from '@securecart/contracts';
import {
  AUDIT_METRICS_NAMESPACE,
  auditEventSelectors,
  SECURITY_METRIC_FILTERS,
} from '../lib/constructs/monitoring/audit-trail';
import { OUTCOMES } from '../lib/constructs/monitoring/business-metrics';
import { DASHBOARD_FLOWS, SECTION_MARKER } from '../lib/constructs/monitoring/order-dashboard';
import { RUNBOOKS } from '../lib/constructs/ops-alarms';
import { estimatedMaxConnections, instanceMemoryGiB, lowStorageBytes } from '../lib/constructs/postgres-database';
import { profileBanner } from '../lib/app';
import { PROFILES } from '../lib/config/profiles';
import { validateProfile } from '../lib/config/validate-profile';
import { synthesizeForFile, Synthesized } from './helpers/synth';
import { BLOCK_ALL_PUBLIC_ACCESS, ofType, resourcesOf } from './helpers/template';

const ROOT = join(__dirname, '..');

describe('Monitoring', () => {
  const { sandbox, prod, localstack } = synthesizeForFile(['sandbox', 'prod', 'localstack']);

  const stacksOf = (s: Synthesized): Stack[] => s.app.node.children.filter((c): c is Stack => Stack.isStack(c));
  const resources = (s: Synthesized, stack: Stack) => resourcesOf(s.template(stack));
  const byType = (s: Synthesized, stack: Stack, type: string) => ofType(resources(s, stack), type);

  /** The dashboard body with every token replaced by a placeholder: readable JSON. */
  const dashboardBody = (s: Synthesized) => {
    const [[, dashboard]] = byType(s, s.stacks.monitoring!, 'AWS::CloudWatch::Dashboard');
    const parts: unknown[] = dashboard.Properties.DashboardBody['Fn::Join'][1];
    const text = parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
    return JSON.parse(text) as { widgets: { type: string; properties: any }[] };
  };

  test('is SecureCart-<profile>-Monitoring in sandbox and prod; localstack leaves it out and says so', () => {
    expect(sandbox.stacks.monitoring!.stackName).toBe('SecureCart-sandbox-Monitoring');
    expect(prod.stacks.monitoring!.stackName).toBe('SecureCart-prod-Monitoring');
    expect(localstack.stacks.monitoring).toBeUndefined();
    expect(localstack.stacks.edgeMonitoring).toBeUndefined();
    expect(profileBanner(PROFILES.localstack)).toContain('Monitoring (the dashboard');
    expect(profileBanner(PROFILES.sandbox)).toContain('the CloudTrail audit trail');
    expect(profileBanner(PROFILES.prod)).not.toMatch(/Monitoring|CloudTrail/);
    // us-east-1 holds the edge alarms wherever there is a storefront.
    for (const s of [sandbox, prod]) {
      expect(s.stacks.edgeMonitoring!.stackName).toBe(`SecureCart-${s.profile.name}-EdgeMonitoring`);
      expect(s.stacks.edgeMonitoring!.region).toBe('us-east-1');
    }
  });

  describe('alarms', () => {
    /** Every alarm of every stack of the profile, with the stack it is in. */
    const allAlarms = (s: Synthesized) =>
      stacksOf(s).flatMap((stack) =>
        byType(s, stack, 'AWS::CloudWatch::Alarm').map(([id, a]) => ({ stack, id, props: a.Properties })),
      );

    test.each(['sandbox', 'prod', 'localstack'] as const)(
      '%s: every alarm notifies the ops topic (us-east-1: the edge topic) and names a runbook that exists',
      (name) => {
        const s = { sandbox, prod, localstack }[name];
        const alarms = allAlarms(s);
        expect(alarms.length).toBeGreaterThan(0);
        const pipeline = s.stacks.pipeline.stackName;
        for (const { stack, id, props } of alarms) {
          const inEdge = stack === s.stacks.edgeMonitoring;
          // The Audit stack is the security team's (another account in prod): its own topic (ADR 28).
          const expected = inEdge
            ? [{ Ref: expect.stringMatching(/^AlarmTopic/) }]
            : stack === s.stacks.audit
              ? [{ Ref: expect.stringMatching(/^AuditBusAlarmTopic/) }]
              : stack === s.stacks.pipeline
                ? [{ Ref: expect.stringMatching(/^AlarmTopic/) }]
                : [
                    s.profile.features.strongCrossStackReferences
                      ? { 'Fn::ImportValue': expect.stringContaining('AlarmTopic') }
                      : {
                          'Fn::GetStackOutput': expect.objectContaining({
                            StackName: pipeline,
                            OutputName: expect.stringContaining('AlarmTopic'),
                          }),
                        },
                  ];
          expect({ id, actions: props.AlarmActions }).toEqual({ id, actions: expected });
          if (inEdge) expect(stack.region).toBe('us-east-1');
          const runbook = /Runbook: (docs\/runbooks\/[a-z-]+\.md)$/.exec(props.AlarmDescription)?.[1];
          expect({ id, runbook, exists: runbook !== undefined && existsSync(join(ROOT, runbook)) }).toEqual({
            id,
            runbook: expect.any(String),
            exists: true,
          });
        }
        // Every runbook in RUNBOOKS exists, whether or not this profile uses it.
        for (const file of Object.values(RUNBOOKS))
          expect({ file, exists: existsSync(join(ROOT, file)) }).toEqual({ file, exists: true });
      },
    );

    test('every DLQ has an alarm on its depth', () => {
      for (const s of [sandbox, prod, localstack]) {
        const pipeline = s.stacks.pipeline;
        const dlqs = byType(s, pipeline, 'AWS::SQS::Queue').filter(([, q]) =>
          /-dlq(\.fifo)?$/.test(q.Properties.QueueName),
        );
        expect(dlqs).toHaveLength(9); // orders, order-status, notifications, analytics, status-redelivery, cart-reminders, event targets, the clickstream's on-failure queue, compliance forwarding
        const alarms = byType(s, pipeline, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
        for (const [id] of dlqs) {
          expect({
            dlq: id,
            alarmed: alarms.some(
              (a) =>
                a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
                a.Threshold === 1 &&
                JSON.stringify(a.Dimensions).includes(id),
            ),
          }).toEqual({ dlq: id, alarmed: true });
        }
      }
    });

    test('every failure that loses or delays an order has its alarm', () => {
      for (const s of [sandbox, prod]) {
        const text = JSON.stringify(allAlarms(s).map((a) => a.props));
        for (const metric of [
          'ApproximateNumberOfMessagesVisible', // any DLQ not empty
          'ApproximateAgeOfOldestMessage', // orders.fifo backlog
          'ExecutionsFailed',
          'ExecutionsTimedOut',
          'ExecutionThrottled',
          '5XXError', // API 5xx rate
          'Latency', // API p99
          // no running task: Container Insights in prod, the service's own CPU samples in the sandbox (ADR 27)
          s === prod ? 'RunningTaskCount' : 'CPUUtilization',
          METRIC_NAMES.outboxLag,
          'FreeStorageSpace',
          'DatabaseConnections',
          '5xxErrorRate', // CloudFront (us-east-1)
        ]) {
          expect({ metric, alarmed: text.includes(`"${metric}"`) }).toEqual({ metric, alarmed: true });
        }
      }
      // The edge WAF (prod only) has its alarm in us-east-1 too.
      const edge = JSON.stringify(resources(prod, prod.stacks.edgeMonitoring!));
      expect(edge).toContain('"BlockedRequests"');
      expect(JSON.stringify(resources(sandbox, sandbox.stacks.edgeMonitoring!))).not.toContain('AWS/WAFV2');
    });

    test('database alarms: free storage and connections per instance, from PostgresDatabase, in Monitoring', () => {
      const alarms = (s: Synthesized) =>
        byType(s, s.stacks.monitoring!, 'AWS::CloudWatch::Alarm')
          .map(([, a]) => a.Properties)
          .filter((a) => a.Namespace !== AUDIT_METRICS_NAMESPACE) // the audit trail's (prod), tested below
          .filter((a) => !String(a.AlarmDescription).includes('shared-cache.md')); // test/shared-cache.test.ts
      expect(alarms(sandbox)).toHaveLength(2); // primary
      expect(alarms(prod)).toHaveLength(4); // primary and read replica
      const storage = alarms(sandbox).find((a) => JSON.stringify(a).includes('FreeStorageSpace'))!;
      expect(storage.Metrics[0].Expression).toBe(`IF(free < ${lowStorageBytes(20)}, 1, 0)`);
      expect(storage.EvaluationPeriods).toBe(3);
      const connections = alarms(sandbox).find((a) => a.MetricName === 'DatabaseConnections')!;
      expect(connections.Threshold).toBe(Math.floor(estimatedMaxConnections('t4g.micro') * 0.7));
      // The Data stack itself has no alarm (the ops topic is deployed after it).
      expect(byType(prod, prod.stacks.data, 'AWS::CloudWatch::Alarm')).toEqual([]);
    });

    test('the edge topic: encrypted with its own key in us-east-1, which CloudWatch may use; e-mail like the ops topic', () => {
      for (const s of [sandbox, prod]) {
        const edge = s.stacks.edgeMonitoring!;
        const [[, topic]] = byType(s, edge, 'AWS::SNS::Topic');
        expect(topic.Properties).toMatchObject({
          TopicName: `securecart-${s.profile.name}-edge-alarms`,
          KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^EdgeAlarmsKey/), 'Arn'] },
        });
        const [[, key]] = byType(s, edge, 'AWS::KMS::Key');
        expect(JSON.stringify(key.Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
        // The CloudFront alarm reads the distribution id from Frontend across regions.
        expect(JSON.stringify(resources(s, edge))).toContain(`"StackName":"SecureCart-${s.profile.name}-Frontend"`);
      }
    });

    test('instance memory and max_connections estimates', () => {
      expect(instanceMemoryGiB('t4g.micro')).toBe(1);
      expect(instanceMemoryGiB('m7g.large')).toBe(8);
      expect(instanceMemoryGiB('r7g.2xlarge')).toBe(64);
      expect(estimatedMaxConnections('t4g.micro')).toBe(112);
      expect(estimatedMaxConnections('r7g.16xlarge')).toBe(5000);
      expect(() => instanceMemoryGiB('x2g.large')).toThrow(/instanceMemoryGiB/);
      expect(lowStorageBytes(20)).toBe(2 * 1024 ** 3);
      expect(lowStorageBytes(100)).toBe(10 * 1024 ** 3);
    });
  });

  describe('the dashboard', () => {
    test('one dashboard, with a section for each flow of an order, in the order an order meets them', () => {
      for (const s of [sandbox, prod]) {
        expect(byType(s, s.stacks.monitoring!, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
        for (const stack of stacksOf(s).filter((x) => x !== s.stacks.monitoring)) {
          expect(byType(s, stack, 'AWS::CloudWatch::Dashboard')).toEqual([]);
        }
        const widgets = dashboardBody(s).widgets;
        const markdown = widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown as string);
        const order = DASHBOARD_FLOWS.map((flow) => markdown.findIndex((m) => m.includes(SECTION_MARKER(flow))));
        expect(order.every((i) => i >= 0)).toBe(true);
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        // Every section has at least one metric widget before the next heading.
        const headings = widgets
          .map((w, i) => [w, i] as const)
          .filter(([w]) => w.type === 'text' && /flow:/.test(w.properties.markdown));
        for (const [k, [w, i]] of headings.entries()) {
          const end = k + 1 < headings.length ? headings[k + 1][1] : widgets.length;
          const inSection = widgets.slice(i + 1, end).filter((x) => x.type === 'metric');
          expect({ section: w.properties.markdown.split('\n')[0], metrics: inSection.length > 0 }).toEqual({
            section: w.properties.markdown.split('\n')[0],
            metrics: true,
          });
        }
      }
    });

    test('an alarm-status widget lists every alarm of the region: the flows’ and the database’s', () => {
      for (const s of [sandbox, prod]) {
        const status = dashboardBody(s).widgets.filter((w) => w.type === 'alarm');
        expect(status).toHaveLength(1);
        // Not the Audit stack's: the security team's, in its own account in prod (ADR 28).
        const regional = stacksOf(s)
          .filter((stack) => stack !== s.stacks.edgeMonitoring && stack !== s.stacks.audit)
          .flatMap((stack) => byType(s, stack, 'AWS::CloudWatch::Alarm'));
        expect(status[0].properties.alarms).toHaveLength(regional.length);
        expect(s.stacks.monitoring!.dashboard.alarms).toHaveLength(regional.length);
      }
    });

    test('it shows what follows an order, from the edge to the data tier', () => {
      for (const s of [sandbox, prod]) {
        const text = JSON.stringify(dashboardBody(s));
        for (const [what, needle] of [
          ['API requests', '"Count"'],
          ['API 4xx/5xx', '"5XXError"'],
          ['API latency p99', '"Latency"'],
          ['service CPU', '"CPUUtilization"'],
          ['service memory', '"MemoryUtilization"'],
          ['running tasks', s === prod ? '"RunningTaskCount"' : '"HealthyHostCount"'],
          ['outbox lag', `"${METRIC_NAMES.outboxLag}"`],
          ['orders.fifo depth', '"ApproximateNumberOfMessagesVisible"'],
          ['orders.fifo oldest age', '"ApproximateAgeOfOldestMessage"'],
          ['executions started', '"ExecutionsStarted"'],
          ['executions succeeded', '"ExecutionsSucceeded"'],
          ['executions failed', '"ExecutionsFailed"'],
          ['executions timed out', '"ExecutionsTimedOut"'],
          ['terminal statuses by reason', `"${METRIC_NAMES.orderOutcomes}"`],
          ['SNS delivery failures', '"NumberOfNotificationsFailed"'],
          ['EventBridge failed invocations', '"FailedInvocations"'],
          ['Lambda errors', '"Errors"'],
          ['Lambda throttles', '"Throttles"'],
          ['Lambda duration', '"Duration"'],
          ['DynamoDB throttles', '"WriteThrottleEvents"'],
          ['RDS CPU', '"AWS/RDS","CPUUtilization"'],
          ['RDS connections', '"DatabaseConnections"'],
          ['RDS free storage', '"FreeStorageSpace"'],
          ['orders accepted', `"${METRIC_NAMES.ordersAccepted}"`],
          ['payment declines', `"${METRIC_NAMES.paymentDeclines}"`],
          ['fraud rejections', `"${METRIC_NAMES.fraudRejections}"`],
          ['time to outcome', `"${METRIC_NAMES.timeToOutcome}"`],
          ['sidelined messages', `"${METRIC_NAMES.sidelinedMessages}"`],
          ['abandoned carts', `"${METRIC_NAMES.cartsAbandoned}"`],
          ['reminder send failures', `"${METRIC_NAMES.cartReminderSendFailures}"`],
          ['CloudFront 5xx rate (us-east-1)', '"5xxErrorRate"'],
        ] as const) {
          expect({ what, shown: text.includes(needle) }).toEqual({ what, shown: true });
        }
        expect(text).toContain(`"${METRICS_NAMESPACE}"`);
        // Every DLQ's depth: nine DLQ widgets (the compliance forwarding DLQ included, ADR 28).
        const dlqWidgets = dashboardBody(s).widgets.filter((w) => / depth$/.test(w.properties.title ?? ''));
        expect(dlqWidgets.filter((w) => /-dlq/.test(w.properties.title))).toHaveLength(9);
      }
    });

    test('terminal outcomes cover every status and reason the workflow can end with', () => {
      const reasons = OUTCOMES.map(([, r]) => r).filter(Boolean);
      expect(new Set(reasons)).toEqual(new Set(Object.values(OUTCOME_REASONS)));
      expect(OUTCOMES.filter(([status]) => status === 'FULFILLED')).toEqual([['FULFILLED', undefined]]);
    });
  });

  test('X-Ray: the API stage, the state machine and every handler trace; the service task carries the agent', () => {
    for (const s of [sandbox, prod]) {
      const api = s.stacks.api!;
      expect(byType(s, api, 'AWS::ApiGateway::Stage').map(([, r]) => r.Properties.TracingEnabled)).toEqual([true]);
      const pipeline = s.stacks.pipeline;
      const stateMachines = byType(s, pipeline, 'AWS::StepFunctions::StateMachine');
      expect(stateMachines).toHaveLength(2); // OrderFulfillment and ShipOrder, its shipping sub-workflow
      for (const [, sm] of stateMachines) {
        expect(sm.Properties.TracingConfiguration).toEqual({ Enabled: true });
      }
      const handlers = byType(s, pipeline, 'AWS::Lambda::Function').filter(
        ([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
      );
      expect(handlers).toHaveLength(16); // carrier-pickup, commit-shipment and cancel-shipment: ShipOrder's (docs/adr/0029); clickstream-consumer (ADR 25); cart-reminder (ADR 30)
      for (const [id, f] of handlers)
        expect({ id, tracing: f.Properties.TracingConfig }).toEqual({ id, tracing: { Mode: 'Active' } });
      const [, task] = byType(s, api, 'AWS::ECS::TaskDefinition').find(([, t]) =>
        JSON.stringify(t.Properties.ContainerDefinitions).includes('checkout-api'),
      )!;
      const names = task.Properties.ContainerDefinitions.map((c: any) => c.Name);
      expect(names).toEqual(['checkout-api', 'cloudwatch-agent']);
    }
  });

  describe('the audit trail', () => {
    const trails = (s: Synthesized) => stacksOf(s).flatMap((stack) => byType(s, stack, 'AWS::CloudTrail::Trail'));

    test('only in prod: management events and the data events of orders.fifo and OrderEvents', () => {
      expect(trails(sandbox)).toEqual([]);
      expect(trails(localstack)).toEqual([]);
      const [[, trail]] = trails(prod);
      expect(trail.Properties).toMatchObject({
        EnableLogFileValidation: true,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        IsLogging: true,
        KMSKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^AuditTrailKey/), 'Arn'] },
      });
      expect(trail.Properties.EventSelectors).toBeUndefined(); // advanced selectors only
      const fromPipeline = (fragment: string) => ({
        'Fn::GetStackOutput': expect.objectContaining({
          StackName: 'SecureCart-prod-Pipeline',
          OutputName: expect.stringContaining(fragment),
        }),
      });
      expect(trail.Properties.AdvancedEventSelectors).toEqual([
        { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
        {
          Name: 'Data events of the order queue',
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::SQS::Queue'] },
            { Field: 'resources.ARN', Equals: [fromPipeline('OrderIntakeOrdersQueue')] },
          ],
        },
        {
          Name: 'Data events of the order topics',
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::SNS::Topic'] },
            { Field: 'resources.ARN', Equals: [fromPipeline('OrderEventsTopic')] },
          ],
        },
      ]);
      expect(auditEventSelectors(['q'], ['t']).map((sel) => sel.Name)).toHaveLength(3);
    });

    test('its bucket: KMS (the trail key), TLS only, public access blocked, versioned, access-logged', () => {
      const monitoring = prod.stacks.monitoring!;
      const buckets = byType(prod, monitoring, 'AWS::S3::Bucket');
      const [bucketId, bucket] = buckets.find(([id]) => /^AuditTrailBucket/.test(id))!;
      const [logsId, logs] = buckets.find(([id]) => /^AuditTrailAccessLogs/.test(id))!;
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^AuditTrailKey/), 'Arn'] },
              },
            },
          ],
        },
        PublicAccessBlockConfiguration: BLOCK_ALL_PUBLIC_ACCESS,
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
      });
      expect(logs.Properties.PublicAccessBlockConfiguration.BlockPublicAcls).toBe(true);
      const policies = byType(prod, monitoring, 'AWS::S3::BucketPolicy').map(([, p]) => p.Properties);
      for (const id of [bucketId, logsId]) {
        const policy = policies.find((p) => p.Bucket.Ref === id)!;
        expect(policy.PolicyDocument.Statement).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        );
      }
      // CloudTrail may write only as this trail, and encrypt only for it.
      const [[, key]] = byType(prod, monitoring, 'AWS::KMS::Key');
      const statements = key.Properties.KeyPolicy.Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Sid: 'AllowCloudTrailToEncryptLogFiles',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 'kms:GenerateDataKey*',
        }),
      );
      expect(prod.template(monitoring).toJSON().Outputs).toHaveProperty('AuditTrailBucketName');
    });

    test('prod locks every log file (Object Lock, GOVERNANCE) for the profile retention', () => {
      const monitoring = prod.stacks.monitoring!;
      const [, bucket] = byType(prod, monitoring, 'AWS::S3::Bucket').find(([id]) => /^AuditTrailBucket/.test(id))!;
      expect(PROFILES.prod.audit.objectLock).toBe('GOVERNANCE');
      expect(bucket.Properties).toMatchObject({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: PROFILES.prod.audit.retentionDays } },
        },
      });
      expect(() =>
        validateProfile({ ...PROFILES.sandbox, audit: { ...PROFILES.sandbox.audit, objectLock: 'COMPLIANCE' } }),
      ).toThrow('audit.objectLock locks the trail bucket: it needs audit.cloudTrail');
    });

    test('the trail delivers to an encrypted log group; CIS-style metric filters alarm on the ops topic', () => {
      const monitoring = prod.stacks.monitoring!;
      const [[, trail]] = trails(prod);
      const [groupId, group] = byType(prod, monitoring, 'AWS::Logs::LogGroup').find(([id]) =>
        /^AuditTrailLogs/.test(id),
      )!;
      expect(trail.Properties.CloudWatchLogsLogGroupArn).toEqual({ 'Fn::GetAtt': [groupId, 'Arn'] });
      expect(trail.Properties.CloudWatchLogsRoleArn).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/LogsRole/), 'Arn'],
      });
      expect(group.Properties).toMatchObject({
        KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^AuditTrailKey/), 'Arn'] },
        RetentionInDays: PROFILES.prod.audit.retentionDays,
      });
      const filters = byType(prod, monitoring, 'AWS::Logs::MetricFilter').map(([, f]) => f.Properties);
      expect(filters.map((f) => f.MetricTransformations[0].MetricName).sort()).toEqual(
        Object.keys(SECURITY_METRIC_FILTERS).sort(),
      );
      for (const name of [
        'RootAccountUsage',
        'UnauthorizedApiCalls',
        'IamPolicyChanges',
        'KmsKeyDisabledOrScheduledForDeletion',
        'ConsoleSignInFailures',
      ]) {
        const filter = filters.find((f) => f.MetricTransformations[0].MetricName === name)!;
        expect(filter).toMatchObject({
          LogGroupName: { Ref: groupId },
          FilterPattern: SECURITY_METRIC_FILTERS[name].pattern,
          MetricTransformations: [{ MetricNamespace: AUDIT_METRICS_NAMESPACE, MetricValue: '1' }],
        });
      }
      expect(SECURITY_METRIC_FILTERS.KmsKeyDisabledOrScheduledForDeletion.pattern).toMatch(/ScheduleKeyDeletion/);
      const alarms = byType(prod, monitoring, 'AWS::CloudWatch::Alarm')
        .map(([, a]) => a.Properties)
        .filter((a) => a.Namespace === AUDIT_METRICS_NAMESPACE);
      expect(alarms).toHaveLength(Object.keys(SECURITY_METRIC_FILTERS).length);
      for (const alarm of alarms) {
        expect(alarm).toMatchObject({
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          Statistic: 'Sum',
          TreatMissingData: 'notBreaching',
          AlarmActions: [expect.anything()],
        });
        expect(alarm.AlarmDescription).toContain('docs/runbooks/audit-security-event.md');
      }
    });
  });
});
