/**
 * Abandoned-cart reminders in the templates (issue 22, ADR 30): the delayed cart-reminders queue
 * and its consumer, least privilege on the Carts table, the CartAbandoned rule to notifications,
 * the checkout service's grant and environment, and the profiles' delays.
 */
import { Duration } from 'aws-cdk-lib';
import { CART_ABANDONED_DETAIL_TYPE, CART_EVENT_SOURCE, CART_REMINDER_MAX_BYTES } from '@securecart/contracts';
import { PROFILES } from '../lib/config/profiles';
import { validateProfile } from '../lib/config/validate-profile';
import { PROJECTED_ATTRIBUTES } from '../lambda/cart-reminder';
import { CART_REMINDER_READABLE_ATTRIBUTES } from '../lib/constructs/pipeline/cart-reminders';
import { synthesizeForFile } from './helpers/synth';
import { ofType, oneAtPath, resourcesOf, roleAt, roleStatements } from './helpers/template';
import type { Resources } from './helpers/template';

describe('cart reminders', () => {
  const { sandbox, localstack } = synthesizeForFile(['sandbox', 'localstack']);
  let pipeline: Resources;
  let api: Resources;
  beforeAll(() => {
    pipeline = resourcesOf(sandbox.template(sandbox.stacks.pipeline));
    api = resourcesOf(sandbox.template(sandbox.stacks.api!));
  });

  test('cart-reminders: a standard queue on the pipeline key, TLS only, its own DLQ after 3 receives, 1 KiB messages', () => {
    const [, q] = oneAtPath(pipeline, 'AWS::SQS::Queue', 'CartReminders/Queue/Queue');
    expect(q.Properties).toMatchObject({
      QueueName: 'securecart-sandbox-cart-reminders',
      KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
      MaximumMessageSize: CART_REMINDER_MAX_BYTES,
      VisibilityTimeout: 60,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
    // Standard: a FIFO queue ignores per-message DelaySeconds.
    expect(q.Properties.FifoQueue).toBeUndefined();
    const [dlqId] = oneAtPath(pipeline, 'AWS::SQS::Queue', 'CartReminders/Queue/Dlq/Queue');
    expect(q.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
    const tlsDenied = ofType(pipeline, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
      JSON.stringify(p.Properties.Queues).includes('CartRemindersQueue'),
    );
    expect(JSON.stringify(tlsDenied)).toContain('"aws:SecureTransport":"false"');
  });

  test('cart-reminder consumes it in batches with partial batch responses', () => {
    const [, mapping] = oneAtPath(pipeline, 'AWS::Lambda::EventSourceMapping', 'CartReminders');
    expect(mapping.Properties).toMatchObject({
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^CartRemindersQueue/), 'Arn'] },
    });
    const [, fn] = oneAtPath(pipeline, 'AWS::Lambda::Function', 'CartReminders/CartReminder/Function');
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
      ['CARTS_TABLE_NAME', 'EVENT_BUS_NAME', 'NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME'].sort(),
    );
  });

  test('least privilege: GetItem on the Carts table for the projected attributes only, PutEvents on the bus, no writes', () => {
    const { statements, actions } = roleAt(pipeline, 'CartReminders/CartReminder');
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
    expect(actions).toContain('events:PutEvents');
    expect(
      actions.filter((a) => /^(dynamodb:(Put|Update|Delete|BatchWrite|Scan|Query))|sqs:SendMessage/.test(a)),
    ).toEqual([]);
    const get = statements.find((s) => s.Action === 'dynamodb:GetItem');
    expect(get.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': CART_REMINDER_READABLE_ATTRIBUTES },
      StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
    });
    // What the handler projects is exactly what the role may read (besides the key).
    expect([...PROJECTED_ATTRIBUTES].sort()).toEqual(
      CART_REMINDER_READABLE_ATTRIBUTES.filter((a) => a !== 'cartId').sort(),
    );
    const kms = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
    expect(
      kms.flatMap((s) => [s.Action].flat()).filter((a) => /Encrypt$|GenerateDataKey/.test(a) && a !== 'kms:Decrypt'),
    ).toEqual([]);
  });

  test('CartAbandoned is routed to the notifications queue, which admits that rule only; failures go to the alarmed targets DLQ', () => {
    const [ruleId, rule] = oneAtPath(pipeline, 'AWS::Events::Rule', 'CartReminders/CartAbandonedRule');
    expect(rule.Properties).toMatchObject({
      Name: 'securecart-sandbox-CartAbandoned',
      EventPattern: { source: [CART_EVENT_SOURCE], 'detail-type': [CART_ABANDONED_DETAIL_TYPE] },
    });
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^OrderEventsNotificationsQueue(?!Dlq)/), 'Arn'],
    });
    expect(target.DeadLetterConfig.Arn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^EventRoutingEventTargetsDlq/), 'Arn'],
    });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 });
    const policies = ofType(pipeline, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
      JSON.stringify(p.Properties.Queues).includes('OrderEventsNotificationsQueue'),
    );
    const fromEvents = policies
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: { Principal?: { Service?: string } }) => s.Principal?.Service === 'events.amazonaws.com');
    expect(fromEvents).toEqual([
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      }),
    ]);
  });

  test('alarms: the DLQ, the oldest message (delay plus 10 minutes), the service failing to send', () => {
    const alarms = ofType(pipeline, 'AWS::CloudWatch::Alarm')
      .filter(([id]) => id.startsWith('CartReminders'))
      .map(([, a]) => a.Properties);
    expect(alarms.map((a) => a.MetricName ?? a.Metrics?.[0]?.MetricStat?.Metric?.MetricName).sort()).toEqual(
      ['ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible', 'CartReminderSendFailures'].sort(),
    );
    const age = alarms.find((a) => a.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(age.Threshold).toBe(900 + 600);
    for (const a of alarms)
      expect(a.AlarmDescription).toMatch(/Runbook: docs\/runbooks\/(cart-reminders|queue-backlog|dlq-redrive)\.md$/);
  });

  test('the checkout service sends to it: SendMessage and the key to encrypt, the URL and the profile delay in its environment', () => {
    const [taskRoleId] = oneAtPath(api, 'AWS::IAM::Role', 'Checkout/TaskDefinition/TaskRole');
    const statements = roleStatements(api, taskRoleId);
    const send = statements.filter((s) => JSON.stringify(s.Resource).includes('CartRemindersQueue'));
    expect(send.flatMap((s) => [s.Action].flat())).toEqual(['sqs:SendMessage']);
    const [, task] = oneAtPath(api, 'AWS::ECS::TaskDefinition', 'Checkout/TaskDefinition/Resource');
    const env = Object.fromEntries(
      task.Properties.ContainerDefinitions[0].Environment.map((e: { Name: string; Value: unknown }) => [
        e.Name,
        e.Value,
      ]),
    );
    expect(env.CART_REMINDER_DELAY_SECONDS).toBe('900');
    expect(JSON.stringify(env.CART_REMINDERS_QUEUE_URL)).toContain('CartRemindersQueue');
    // The cart is now written with UpdateItem (its version is an atomic ADD); PutItem is no longer needed.
    const cartActions = statements
      .filter((s) => JSON.stringify(s.Resource).includes('CartsTable'))
      .flatMap((s) => [s.Action].flat());
    expect(cartActions.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  });

  test('the profiles: 15 minutes (SQS maximum) in sandbox and prod, 5 s in localstack (the smoke suite); outputs for the suite', () => {
    expect(PROFILES.sandbox.cartReminders.delay.toSeconds()).toBe(900);
    expect(PROFILES.prod.cartReminders.delay.toSeconds()).toBe(900);
    expect(PROFILES.localstack.cartReminders.delay.toSeconds()).toBe(5);
    const outputs = localstack.template(localstack.stacks.pipeline).toJSON().Outputs;
    expect(outputs.CartReminderDelaySeconds.Value).toBe('5');
    expect(JSON.stringify(outputs.CartRemindersQueueUrl.Value)).toContain('CartRemindersQueue');
    for (const delay of [Duration.seconds(901), Duration.millis(1500), Duration.minutes(16)]) {
      expect(() => validateProfile({ ...PROFILES.sandbox, cartReminders: { delay } })).toThrow(
        /cartReminders\.delay must be whole seconds from 0 to 900/,
      );
    }
  });
});
