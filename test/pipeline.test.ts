import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { DELIVERY, DETAIL_TYPES, EVENT_SOURCES } from '@securecart/contracts';
import { TierKey } from '../lib/constructs/encryption';
import { OpsAlarms } from '../lib/constructs/ops-alarms';
import { FulfillmentSteps } from '../lib/constructs/pipeline/fulfillment-steps';
import { OrderClaims } from '../lib/constructs/pipeline/order-claims';
import { INTAKE_TIMEOUT } from '../lib/constructs/pipeline/order-intake';
import { allStates, definitionOf, stateMachineOf } from './helpers/asl';
import { resolveProfile } from '../lib/config/profiles';
import { scratchApps, synthesizeForFile } from './helpers/synth';
import { ofType, oneAtPath, Resources, resourcesOf, roleAt } from './helpers/template';

const ROOT = join(__dirname, '..');

describe('Pipeline stack', () => {
  const { sandbox } = synthesizeForFile(['sandbox']);
  const scratchApp = scratchApps();
  let t: Template;
  let resources: Resources;
  beforeAll(() => {
    t = sandbox.template(sandbox.stacks.pipeline);
    resources = resourcesOf(t);
  });

  const byType = (type: string) => ofType(resources, type);
  const byPath = (type: string, fragment: string) => oneAtPath(resources, type, fragment);
  const keyRef = (fragment: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${fragment}`), 'Arn'] });
  const definition = () => definitionOf(resources);
  const statementsOf = (fragment: string) => roleAt(resources, fragment).statements;
  const actionsOf = (fragment: string) => roleAt(resources, fragment).actions;

  describe('orders.fifo and its DLQ', () => {
    test('high-throughput FIFO, encrypted with the pipeline key, explicit deduplication', () => {
      const [, q] = byPath('AWS::SQS::Queue', 'OrdersQueue/Queue');
      expect(q.Properties).toMatchObject({
        QueueName: 'securecart-sandbox-orders.fifo',
        FifoQueue: true,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        ContentBasedDeduplication: false,
        KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
      });
    });

    test('redrives to a FIFO DLQ after 3 receives (DELIVERY.orders); the DLQ keeps messages 14 days', () => {
      const [, q] = byPath('AWS::SQS::Queue', 'OrdersQueue/Queue');
      const [dlqId, dlq] = byPath('AWS::SQS::Queue', 'OrdersQueue/Dlq/Queue');
      expect(q.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: 3,
      });
      expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(DELIVERY.orders.maxReceiveCount);
      expect(dlq.Properties).toMatchObject({
        FifoQueue: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
        QueueName: 'securecart-sandbox-orders-dlq.fifo',
      });
    });

    test('visibility timeout is at least six times the intake Lambda timeout: DELIVERY.orders says how many', () => {
      const [, q] = byPath('AWS::SQS::Queue', 'OrdersQueue/Queue');
      const [, fn] = byPath('AWS::Lambda::Function', 'StartFulfillment/Function');
      expect(fn.Properties.Timeout).toBe(INTAKE_TIMEOUT.toSeconds());
      expect(q.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout);
      expect(q.Properties.VisibilityTimeout).toBe(
        DELIVERY.orders.visibilityTimeoutPerConsumerTimeout * fn.Properties.Timeout,
      );
    });

    test('every queue is KMS-encrypted and denies requests without TLS', () => {
      const queues = byType('AWS::SQS::Queue');
      expect(queues.length).toBe(15); // orders, 3 subscriptions, status-redelivery, cart-reminders, each with a DLQ, the event-targets DLQ, the clickstream's on-failure queue and the compliance forwarding DLQ
      for (const [, q] of queues)
        expect(q.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] });
      const denied = byType('AWS::SQS::QueuePolicy').flatMap(([, p]) =>
        p.Properties.PolicyDocument.Statement.filter(
          (s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
        ).flatMap(() => p.Properties.Queues.map((qr: any) => qr.Ref)),
      );
      for (const [id] of queues) expect(denied).toContain(id);
    });

    test('alarms on DLQ depth and on the age of the oldest order, to the ops topic', () => {
      const alarms = byType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const dlqAlarm = alarms.find(
        (a) =>
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Dimensions).includes('OrdersQueueDlq'),
      );
      expect(dlqAlarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: expect.stringMatching(/^AlarmTopic/) }],
      });
      const ageAlarm = alarms.find(
        (a) => a.MetricName === 'ApproximateAgeOfOldestMessage' && JSON.stringify(a.Dimensions).includes('OrderIntake'),
      );
      expect(ageAlarm).toMatchObject({ Threshold: 300, AlarmActions: [{ Ref: expect.stringMatching(/^AlarmTopic/) }] });
      expect(ageAlarm.Threshold).toBe(DELIVERY.orders.maxMessageAgeMinutes * 60);
      // Every DLQ has its alarm.
      const dlqs = byType('AWS::SQS::Queue').filter(([, q]) => /dlq/.test(q.Properties.QueueName));
      expect(dlqs).toHaveLength(9); // … cart-reminders', the clickstream's on-failure queue and the compliance forwarding DLQ
      for (const [id] of dlqs) {
        expect(
          alarms.some(
            (a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(a.Dimensions).includes(id),
          ),
        ).toBe(true);
      }
    });

    test('start-fulfillment consumes batches of up to 10 (DELIVERY.orders) with partial batch failures', () => {
      const mappings = byType('AWS::Lambda::EventSourceMapping').filter(([id]) => id.startsWith('OrderIntake'));
      const [mapping, ...others] = mappings;
      expect(others).toHaveLength(0);
      expect(mapping[1].Properties.BatchSize).toBe(DELIVERY.orders.batchSize);
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrderIntakeOrdersQueue'), 'Arn'] },
      });
    });

    test('payload limits are stated: 256 KiB where the consumer forwards into Step Functions or SNS, 1 MiB for DLQs', () => {
      const sizes = Object.fromEntries(
        byType('AWS::SQS::Queue').map(([, q]) => [q.Properties.QueueName, q.Properties.MaximumMessageSize]),
      );
      expect(sizes['securecart-sandbox-orders.fifo']).toBe(262_144);
      for (const name of ['order-status', 'notifications', 'analytics']) {
        expect(sizes[`securecart-sandbox-${name}`]).toBe(262_144);
      }
      for (const [name, size] of Object.entries(sizes)) {
        if (name.endsWith('-cart-reminders')) continue; // its own 1 KiB limit: test/cart-reminders.test.ts
        expect({ name, size }).toEqual({ name, size: /-dlq(\.fifo)?$/.test(name) ? 1_048_576 : 262_144 });
      }
    });

    test('start-fulfillment may sideline into the orders DLQ: its URL, SendMessage on it and the key to encrypt', () => {
      const [fnId, fn] = byPath('AWS::Lambda::Function', 'StartFulfillment/Function');
      const [dlqId] = byPath('AWS::SQS::Queue', 'OrdersQueue/Dlq/Queue');
      expect(fn.Properties.Environment.Variables.ORDERS_DLQ_URL).toEqual({ Ref: dlqId });
      const sends = statementsOf('StartFulfillment').filter((st: any) =>
        [st.Action].flat().includes('sqs:SendMessage'),
      );
      expect(sends).toEqual([
        expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [dlqId, 'Arn'] } }),
      ]);
      expect(actionsOf('StartFulfillment')).toEqual(expect.arrayContaining(['kms:GenerateDataKey']));
      expect(fnId).toMatch(/^OrderIntake/);
    });
  });

  describe('handlers', () => {
    const handlers = () => byType('AWS::Lambda::Function').filter(([, f]) => f.Properties.Handler === 'index.handler');

    test('sixteen handlers on nodejs22.x, ARM64, X-Ray, JSON logs to their own encrypted log group', () => {
      expect(handlers()).toHaveLength(16);
      for (const [, f] of handlers()) {
        expect(f.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/Logs/) } },
        });
        expect(f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toMatch(/^[a-z-]+$/);
      }
      const logGroups = byType('AWS::Logs::LogGroup');
      expect(logGroups).toHaveLength(18); // sixteen handlers and the two state machines
      for (const [, lg] of logGroups)
        expect(lg.Properties).toMatchObject({
          KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
          RetentionInDays: 14,
        });
    });

    test('roles grant exact actions: no wildcard actions anywhere', () => {
      const policies = byType('AWS::IAM::Policy');
      expect(policies.length).toBeGreaterThan(0);
      for (const [, p] of policies) {
        for (const s of p.Properties.PolicyDocument.Statement) {
          for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
        }
      }
    });

    test.each([
      ['StartFulfillment', ['states:StartExecution', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'kms:Decrypt']],
      ['ScreenFraud', ['states:SendTaskSuccess', 'states:SendTaskFailure']],
      ['ValidateOrder', ['dynamodb:BatchGetItem', 'kms:Decrypt']],
      ['ReserveInventory', ['dynamodb:UpdateItem', 'dynamodb:GetItem', 'events:PutEvents']],
      ['ProcessPayment', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
      ['Restock', ['dynamodb:UpdateItem']],
    ])('%s can do what it needs', (fn, needed) => {
      expect(actionsOf(fn)).toEqual(expect.arrayContaining(needed));
    });

    test('handlers that only read the catalog cannot write it; only intake starts OrderFulfillment, only OrderFulfillment starts ShipOrder', () => {
      expect(actionsOf('ValidateOrder')).not.toContain('dynamodb:UpdateItem');
      expect(actionsOf('ValidateOrder')).not.toContain('dynamodb:PutItem');
      const starters = byType('AWS::IAM::Policy').filter(([, p]) =>
        JSON.stringify(p.Properties.PolicyDocument).includes('states:StartExecution'),
      );
      expect(starters).toHaveLength(2); // intake → OrderFulfillment → ShipOrder: test/workflow/ship-order.test.ts
    });

    test("cancel-shipment (ShipOrder's compensation) may only record label voids: GetItem/PutItem on the idempotency table", () => {
      const dynamo = actionsOf('CancelShipment').filter((a: string) => a.startsWith('dynamodb:'));
      expect(dynamo.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
      expect(actionsOf('CancelShipment').some((a: string) => /^(states|events|sqs|sns):/.test(a))).toBe(false);
    });

    test('OrderFulfillment may describe only ShipOrder executions for a taken child name (DescribeShipOrder)', () => {
      const describes = statementsOf('OrderFulfillment/StateMachine')
        .filter((st: any) => [st.Action].flat().includes('states:DescribeExecution'))
        .map((st: any) => JSON.stringify(st.Resource));
      expect(describes).toHaveLength(2); // sync:2's grant (CDK), and the aws-sdk:sfn:describeExecution task's
      expect(describes.some((r: string) => r.includes(':execution:securecart-sandbox-ShipOrder:*'))).toBe(true);
      for (const r of describes) {
        expect(r).not.toBe('"*"');
        expect(r).not.toContain('OrderFulfillment');
      }
    });

    test('readers get read-only key actions on the data key; writers may also encrypt', () => {
      const keyActions = (fragment: string) =>
        statementsOf(fragment)
          .filter((st: any) => JSON.stringify(st.Resource).includes('DataKey'))
          .flatMap((st: any) => [st.Action].flat())
          .sort();
      expect(keyActions('ValidateOrder')).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
      expect(keyActions('ReserveInventory')).toEqual([
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
      ]);
    });
  });

  describe('payment provider (ADR 20)', () => {
    const paymentEnv = (fragment: string) =>
      byPath('AWS::Lambda::Function', `${fragment}/Function`)[1].Properties.Environment.Variables;

    test('sandbox: the simulator, no secret', () => {
      expect(paymentEnv('ProcessPayment').PAYMENT_PROVIDER).toBe('simulator');
      expect(paymentEnv('RefundPayment').PAYMENT_PROVIDER).toBe('simulator');
      expect(paymentEnv('ProcessPayment').PAYMENT_PROVIDER_SECRET_ARN).toBeUndefined();
      expect(byType('AWS::SecretsManager::Secret')).toHaveLength(0);
    });

    test('stripe: a secret encrypted with the pipeline key, named to the payment steps and readable only by them', () => {
      const stack = new Stack(scratchApp(), 'Payments');
      const removalPolicy = RemovalPolicy.RETAIN;
      const key = new TierKey(stack, 'PipelineKey', { aliasName: 'p', description: 'p', removalPolicy });
      const table = (id: string) =>
        new dynamodb.Table(stack, id, { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
      const base = { key, alarms: new OpsAlarms(stack, 'Alarms', { topicName: 'alarms', masterKey: key.key }) };
      new FulfillmentSteps(stack, 'FulfillmentSteps', {
        ...base,
        prefix: 'securecart-prod',
        logRetentionDays: 365,
        removalPolicy,
        catalogTable: table('Catalog'),
        idempotencyTable: table('Idempotency'),
        bus: new events.EventBus(stack, 'Bus'),
        screening: resolveProfile('prod').screening,
        payments: { provider: 'stripe' },
        profileName: 'prod',
        claims: new OrderClaims(stack, 'OrderClaims', { ...base, prefix: 'p', logRetentionDays: 1, removalPolicy }),
      });
      const r = resourcesOf(Template.fromStack(stack));
      const [secretId, secret] = oneAtPath(r, 'AWS::SecretsManager::Secret', 'PaymentProviderSecret');
      expect(secret.Properties).toMatchObject({
        Name: 'securecart/prod/payments/stripe-secret-key',
        KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
      });
      expect((secret as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
      const env = (fragment: string) =>
        oneAtPath(r, 'AWS::Lambda::Function', `${fragment}/Function`)[1].Properties.Environment.Variables;
      for (const step of ['ProcessPayment', 'RefundPayment']) {
        expect(env(step)).toMatchObject({ PAYMENT_PROVIDER: 'stripe', PAYMENT_PROVIDER_SECRET_ARN: { Ref: secretId } });
        expect(roleAt(r, step).actions).toEqual(
          expect.arrayContaining(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']),
        );
      }
      const readers = ofType(r, 'AWS::IAM::Policy').filter(([, p]) =>
        JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'),
      );
      expect(readers.map(([id]) => id).sort()).toEqual([
        expect.stringMatching(/^FulfillmentStepsProcessPayment/),
        expect.stringMatching(/^FulfillmentStepsRefundPayment/),
      ]);
      // The key policy lets exactly these two roles decrypt with the pipeline key, only through Secrets Manager.
      const [, keyResource] = oneAtPath(r, 'AWS::KMS::Key', 'PipelineKey');
      const decrypters = keyResource.Properties.KeyPolicy.Statement.filter(
        (st: any) => JSON.stringify(st.Principal).includes('Fn::GetAtt') && [st.Action].flat().includes('kms:Decrypt'),
      );
      const principals = decrypters.flatMap((st: any) => [st.Principal.AWS].flat().map((p: any) => p['Fn::GetAtt'][0]));
      expect(principals.sort()).toEqual([
        expect.stringMatching(/^FulfillmentStepsProcessPaymentRole/),
        expect.stringMatching(/^FulfillmentStepsRefundPaymentRole/),
      ]);
      for (const st of decrypters) expect(JSON.stringify(st.Condition)).toContain('secretsmanager.');
    });
  });

  describe('OrderFulfillment state machine', () => {
    test('Standard, logs ALL without execution data to an encrypted log group, history on the pipeline key, X-Ray on', () => {
      const sm = stateMachineOf(Object.fromEntries(byType('AWS::StepFunctions::StateMachine')));
      expect(sm.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        StateMachineName: 'securecart-sandbox-OrderFulfillment',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
        EncryptionConfiguration: {
          Type: 'CUSTOMER_MANAGED_KMS_KEY',
          KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
          KmsDataKeyReusePeriodSeconds: 300,
        },
      });
      t.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/vendedlogs/states/securecart-sandbox-OrderFulfillment',
        KmsKeyId: keyRef('PipelineKey'),
      });
    });

    test('has every step of the design', () => {
      const names = Object.keys(allStates(definition()));
      for (const step of [
        'ValidateOrder',
        'ScreenForFraud',
        'ProcessPayment',
        'ReserveAndInvoice',
        'ReserveInventory',
        'CreateInvoice',
        'CreateShipments',
        'ShipOrder',
        'RefundPayment',
        'ReleaseInventory',
        'PublishOutcome',
      ]) {
        expect(names).toContain(step);
      }
    });

    test('fraud screening waits for a task token with the profile timeout', () => {
      const s = allStates(definition()).ScreenForFraud;
      expect(s.Resource).toMatch(/events:putEvents\.waitForTaskToken$/);
      expect(s.TimeoutSeconds).toBe(sandbox.profile.screening.fraudScreenTimeout.toSeconds());
      expect(s.Parameters.Entries[0]).toMatchObject({
        Source: EVENT_SOURCES.fulfillment,
        DetailType: DETAIL_TYPES.screeningRequested,
      });
      expect(s.Parameters.Entries[0].Detail['taskToken.$']).toBe('$$.Task.Token');
      expect(s.Catch.map((c: any) => c.ErrorEquals[0])).toEqual(['FraudRejected', 'States.Timeout', 'States.ALL']);
    });

    test('payment retries transient errors only, with backoff and full jitter; a decline is caught', () => {
      const s = allStates(definition()).ProcessPayment;
      expect(s.Retry).toHaveLength(2);
      // Lambda's and AWS's transient errors: for minutes (docs/adr/0017); the provider's: 3 times.
      expect(s.Retry[0]).toMatchObject({
        BackoffRate: 2,
        MaxAttempts: 25,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
      });
      expect(s.Retry[0].ErrorEquals).toEqual(
        expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']),
      );
      expect(s.Retry[1]).toMatchObject({ BackoffRate: 2, MaxAttempts: 3, JitterStrategy: 'FULL' });
      expect(s.Retry[1].ErrorEquals).toContain('PaymentProviderUnavailable');
      for (const r of s.Retry) {
        expect(r.ErrorEquals).not.toContain('PaymentDeclined');
        expect(r.ErrorEquals).not.toContain('States.ALL');
      }
      expect(s.Catch[0].ErrorEquals).toEqual(['PaymentDeclined']);
      expect(s.Parameters['attempt.$']).toBe('$$.State.RetryCount');
    });

    test('reserve and invoice run in parallel, shipments in a Map with a concurrency limit', () => {
      const states = allStates(definition());
      expect(states.ReserveAndInvoice.Type).toBe('Parallel');
      expect(states.ReserveAndInvoice.Branches).toHaveLength(2);
      expect(states.CreateShipments).toMatchObject({
        Type: 'Map',
        MaxConcurrency: 2,
        ItemsPath: '$.validation.shipments',
      });
    });

    test('every status change is published to OrderEvents with a status attribute', () => {
      const publishers = Object.entries(allStates(definition())).filter(([, s]) =>
        /sns:publish$/.test(s.Resource ?? ''),
      );
      expect(publishers.map(([n]) => n).sort()).toEqual([
        'PublishAccepted',
        'PublishOutcome',
        'PublishPaid',
        'PublishScreening',
        'PublishValidated',
      ]);
      for (const [, s] of publishers) {
        expect(Object.keys(s.Parameters.MessageAttributes)).toEqual(['status']);
        expect(s.Parameters['Message.$']).toBe('States.JsonToString($.statusEvent)');
      }
    });

    test('after payment, every failure path runs RefundPayment then ReleaseInventory', () => {
      const states = allStates(definition());
      for (const step of ['ReserveAndInvoice', 'CreateShipments']) {
        for (const c of states[step].Catch) expect(states[states[c.Next].Next]).toBe(states.RefundPayment);
      }
      expect(states.RefundPayment.Next).toBe('ReleaseInventory');
      expect(states.ReleaseInventory.Next).toBe('PublishOutcomeEvent');
    });

    test('failed, timed-out, aborted and throttled executions raise alarms', () => {
      const metrics = byType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.MetricName);
      expect(metrics).toEqual(
        expect.arrayContaining(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionThrottled']),
      );
    });

    test('every alarm notifies the ops topic and names a runbook that exists', () => {
      const alarms = byType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      expect(alarms).toHaveLength(28); // DLQs, the orders, redelivery and cart-reminders ages, events recorded for redelivery, screen-fraud and restock errors, reminder send failures, 4 on executions, 4 of the clickstream (test/clickstream.test.ts); ShipOrder: failed, timed out, carrier-pickup errors; compliance forwarding failures and events not sent
      for (const a of alarms) {
        expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
        const runbook = /Runbook: (docs\/runbooks\/[a-z-]+\.md)$/.exec(a.AlarmDescription)?.[1];
        expect({ alarm: a.AlarmDescription, exists: runbook !== undefined && existsSync(join(ROOT, runbook)) }).toEqual(
          {
            alarm: a.AlarmDescription,
            exists: true,
          },
        );
      }
    });
  });
});
