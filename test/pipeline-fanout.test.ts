/**
 * The Pipeline stack's queues and fan-out (split from pipeline.test.ts): ReliableQueue's defaults
 * and the OrderEvents topic with its three subscriber queues.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DELIVERY, STATUS_SUBSCRIPTIONS } from '@securecart/contracts';
import { buildSecureCart } from '../lib/app';
import { resolveProfile } from '../lib/config/profiles';
import { OpsAlarms } from '../lib/constructs/ops-alarms';
import { ReliableQueue } from '../lib/constructs/reliable-queue';
import { scratchApps, synthesizeForFile } from './helpers/synth';
import { ofType, oneAtPath, Resources, resourcesOf } from './helpers/template';

describe('Pipeline stack: queues and the OrderEvents fan-out', () => {
  const { sandbox } = synthesizeForFile(['sandbox']);
  const scratchApp = scratchApps();
  let resources: Resources;
  beforeAll(() => {
    resources = resourcesOf(sandbox.template(sandbox.stacks.pipeline));
  });

  const byType = (type: string) => ofType(resources, type);
  const byPath = (type: string, fragment: string) => oneAtPath(resources, type, fragment);
  describe('ReliableQueue', () => {
    test('without overrides it takes DELIVERY.defaults: 3 receives, 30 s visibility timeout', () => {
      const stack = new Stack(scratchApp(), 'Queues');
      const key = new kms.Key(stack, 'Key');
      const alarms = new OpsAlarms(stack, 'Alarms', { topicName: 'alarms', masterKey: key });
      new ReliableQueue(stack, 'Plain', {
        queueName: 'plain',
        key,
        alarms,
        removalPolicy: RemovalPolicy.DESTROY,
        maxMessageSizeBytes: 1024,
      });
      const [, q] = oneAtPath(resourcesOf(Template.fromStack(stack)), 'AWS::SQS::Queue', 'Plain/Queue');
      expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(DELIVERY.defaults.maxReceiveCount);
      expect(q.Properties.VisibilityTimeout).toBe(DELIVERY.defaults.visibilityTimeoutSeconds);
      expect([q.Properties.RedrivePolicy.maxReceiveCount, q.Properties.VisibilityTimeout]).toEqual([3, 30]);
    });
  });

  describe('OrderEvents fan-out', () => {
    test('the topic is encrypted with its own key and TLS-only', () => {
      const [topicId, topic] = byPath('AWS::SNS::Topic', 'OrderEvents');
      expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TopicKey/), 'Arn'] });
      const policy = byType('AWS::SNS::TopicPolicy').find(([, p]) =>
        p.Properties.Topics.some((r: any) => r.Ref === topicId),
      )!;
      expect(JSON.stringify(policy[1].Properties.PolicyDocument)).toContain('aws:SecureTransport');
    });

    test('three queue subscriptions, each with a filter policy, a DLQ; analytics uses raw delivery', () => {
      const subs = byType('AWS::SNS::Subscription').map(([, s]) => s.Properties);
      expect(subs).toHaveLength(3);
      for (const s of subs) {
        expect(s.Protocol).toBe('sqs');
        expect(s.RedrivePolicy.deadLetterTargetArn).toBeDefined();
        expect(Object.keys(s.FilterPolicy)).toEqual(['status']);
      }
      const raw = subs.filter((s) => s.RawMessageDelivery === true);
      expect(raw).toHaveLength(1);
      expect(raw[0].Endpoint['Fn::GetAtt'][0]).toMatch(/^OrderEventsAnalyticsQueue/);
    });

    test('each subscription queue redrives after 5 receives (DELIVERY.statusEvents), visible again after 30 s (DELIVERY.defaults)', () => {
      for (const name of ['order-status', 'notifications', 'analytics']) {
        const [, q] = byType('AWS::SQS::Queue').find(
          ([, queue]) => queue.Properties.QueueName === `securecart-sandbox-${name}`,
        )!;
        expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(5);
        expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(DELIVERY.statusEvents.maxReceiveCount);
        expect(q.Properties.VisibilityTimeout).toBe(DELIVERY.defaults.visibilityTimeoutSeconds);
      }
    });

    test('an e-mail subscription for notifications exists only when the profile names an address', () => {
      expect(byType('AWS::SNS::Subscription').some(([, s]) => s.Properties.Protocol === 'email')).toBe(false);
      const app = scratchApp();
      const stacks = buildSecureCart(app, resolveProfile('sandbox', { alarmEmail: 'ops@example.com' }));
      const emails = Object.values<any>(Template.fromStack(stacks.pipeline).toJSON().Resources).filter(
        (r) => r.Type === 'AWS::SNS::Subscription' && r.Properties.Protocol === 'email',
      );
      // One for customer-facing order statuses (filtered like the notifications queue), one for alarms.
      expect(emails).toHaveLength(2);
      expect(emails.map((e) => e.Properties.Endpoint)).toEqual(['ops@example.com', 'ops@example.com']);
      const filtered = emails.filter((e) => e.Properties.FilterPolicy);
      expect(filtered).toHaveLength(1);
      expect(filtered[0].Properties.FilterPolicy).toEqual({ status: [...STATUS_SUBSCRIPTIONS.notifications] });
    });
  });
});
