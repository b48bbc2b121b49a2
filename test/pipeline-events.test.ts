/**
 * The Pipeline stack's events (split from pipeline.test.ts): the EventBridge bus, rules and
 * targets, the contracts checked against the synthesized rule patterns and filter policies, and the
 * queues of the OrderEvents fan-out (ReliableQueue's defaults, the topic and its subscribers). One
 * file, so the sandbox is synthesized once for all of them.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  CART_ABANDONED_DETAIL_TYPE,
  CART_EVENT_SOURCE,
  COMPLIANCE_DETAIL_TYPES,
  COMPLIANCE_PATTERN,
  COMPLIANCE_SOURCE,
  DELIVERY,
  DETAIL_TYPES,
  EVENT_SOURCES,
  ORDER_STATUSES,
  PICKUP_REQUESTED_DETAIL_TYPE,
  publishedSchemas,
  screeningReasons,
  STATUS_SUBSCRIPTIONS,
} from '@securecart/contracts';
import { buildSecureCart } from '../lib/app';
import { resolveProfile } from '../lib/config/profiles';
import { OpsAlarms } from '../lib/constructs/ops-alarms';
import { ReliableQueue } from '../lib/constructs/reliable-queue';
import { matchesEventPattern, matchesFilterPolicy } from './helpers/event-matchers';
import {
  labelledEventSamples,
  MessageSample,
  RULES,
  RuleName,
  screeningGrid,
  statusMessages,
} from './helpers/match-grid';
import { scratchApps, synthesizeForFile } from './helpers/synth';
import { ofType, oneAtPath, Resources, resourcesOf } from './helpers/template';

describe('Pipeline stack: events and their contracts', () => {
  const { sandbox, localstack, prod } = synthesizeForFile(['sandbox', 'localstack', 'prod']);
  let t: Template;
  let resources: Resources;
  beforeAll(() => {
    t = sandbox.template(sandbox.stacks.pipeline);
    resources = resourcesOf(t);
  });

  const scratchApp = scratchApps();
  const byType = (type: string) => ofType(resources, type);
  const byPath = (type: string, fragment: string) => oneAtPath(resources, type, fragment);
  describe('EventBridge', () => {
    test('a securecart bus with an archive of every SecureCart event', () => {
      t.hasResourceProperties('AWS::Events::EventBus', { Name: 'securecart-sandbox' });
      t.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: Object.values(EVENT_SOURCES) } });
    });

    test('compliance events go to the audit bus by its ARN, through a role that may only put events there, with a DLQ', () => {
      const [[, rule]] = byType('AWS::Events::Rule').filter(
        ([, r]) => r.Properties.Name === 'securecart-sandbox-ComplianceToAudit',
      );
      expect(rule.Properties.EventPattern).toEqual(COMPLIANCE_PATTERN());
      const [target] = rule.Properties.Targets;
      expect(rule.Properties.Targets).toHaveLength(1);
      // sandbox: the audit bus in this account and region (the Audit stack alongside).
      expect(JSON.stringify(target.Arn)).toContain(':event-bus/securecart-sandbox-audit');
      expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^ComplianceForwardingDlq/);
      const roleId = target.RoleArn['Fn::GetAtt'][0];
      const policies = byType('AWS::IAM::Policy').filter(([, p]) =>
        p.Properties.Roles.some((r: any) => r.Ref === roleId),
      );
      expect(policies).toHaveLength(1);
      expect(policies[0][1].Properties.PolicyDocument.Statement).toEqual([
        { Action: 'events:PutEvents', Effect: 'Allow', Resource: target.Arn },
      ]);
    });

    test('prod forwards to the audit account named in its profile', () => {
      const rule = Object.values<any>(prod.template(prod.stacks.pipeline).toJSON().Resources).find(
        (r) => r.Type === 'AWS::Events::Rule' && r.Properties.Name === 'securecart-prod-ComplianceToAudit',
      );
      const arn = JSON.stringify(rule.Properties.Targets[0].Arn);
      expect(arn).toContain(`:${prod.profile.audit.compliance.accountId}:event-bus/securecart-audit`);
    });

    test('the localstack profile has no archive (LocalStack has no CloudFormation provider for it)', () => {
      for (const stack of Object.values(localstack.stacks)) {
        if (stack) localstack.template(stack).resourceCountIs('AWS::Events::Archive', 0);
      }
    });

    test('every rule target has a retry policy and a dead-letter queue', () => {
      const rules = byType('AWS::Events::Rule');
      expect(rules).toHaveLength(6); // HighValueOrder, SuspiciousOrder, InventoryLow, ShipOrder's PickupRequested, CartAbandoned, ComplianceToAudit
      for (const [, r] of rules) {
        if (r.Properties.Name === 'securecart-sandbox-ComplianceToAudit') continue; // the next test
        for (const target of r.Properties.Targets) {
          expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 });
          expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^EventRoutingEventTargetsDlq/);
        }
      }
    });

    test('the schema registry publishes every contract (not on the localstack profile)', () => {
      const schemas = byType('AWS::EventSchemas::Schema').map(([, s]) => s.Properties);
      expect(schemas.map((s) => s.SchemaName).sort()).toEqual(
        publishedSchemas()
          .map((s) => s.name)
          .sort(),
      );
      for (const s of schemas) {
        expect(s.Type).toBe('JSONSchemaDraft4');
        expect(JSON.parse(s.Content).$schema).toBe('http://json-schema.org/draft-04/schema#');
      }
      // Every event SecureCart puts on its bus has its schema, pinned to its source and detail-type.
      const envelopes = schemas
        .map((s) => JSON.parse(s.Content).properties)
        .filter((p) => p?.source && p['detail-type'])
        .map((p) => `${p.source.const ?? p.source.enum?.[0]}|${p['detail-type'].const ?? p['detail-type'].enum?.[0]}`);
      expect(envelopes.sort()).toEqual(
        [
          ...Object.values(COMPLIANCE_DETAIL_TYPES).map((t) => `${COMPLIANCE_SOURCE}|${t}`),
          `${CART_EVENT_SOURCE}|${CART_ABANDONED_DETAIL_TYPE}`,
          `${EVENT_SOURCES.fulfillment}|${PICKUP_REQUESTED_DETAIL_TYPE}`,
          `${EVENT_SOURCES.fulfillment}|${DETAIL_TYPES.screeningRequested}`,
          `${EVENT_SOURCES.inventory}|${DETAIL_TYPES.inventoryLow}`,
        ].sort(),
      );
      const ls = localstack.template(localstack.stacks.pipeline).toJSON().Resources;
      expect(Object.values<any>(ls).filter((r) => r.Type.startsWith('AWS::EventSchemas::'))).toEqual([]);
    });
  });

  describe('contracts against the synthesized patterns and filter policies', () => {
    // Samples: test/helpers/match-grid.ts (shared with `npm run test:matchers`, where moto referees
    // the TypeScript matcher on the same grid).
    const policy = () => sandbox.profile.screening;
    const prefix = () => `securecart-${sandbox.profile.name}`;
    /** A rule by its name on the bus (`securecart-<profile>-<Rule>`), not by construct path or logical id. */
    const rulePattern = (name: RuleName) => {
      const found = byType('AWS::Events::Rule').filter(([, r]) => r.Properties.Name === `${prefix()}-${name}`);
      if (found.length !== 1) throw new Error(`expected one rule named ${prefix()}-${name}, found ${found.length}`);
      return found[0][1].Properties.EventPattern;
    };
    const matchedRules = (event: unknown) => RULES.filter((r) => matchesEventPattern(rulePattern(r), event));

    test('rule patterns match the events they must and no others', () => {
      const samples = labelledEventSamples(policy());
      expect(samples.length).toBeGreaterThan(0);
      for (const { label, event, rules } of samples) {
        expect({ label, matched: matchedRules(event) }).toEqual({ label, matched: rules });
      }
    });

    test('a screening request reaches screen-fraud exactly when the workflow screens it, exactly once', () => {
      const grid = screeningGrid(policy());
      expect(grid.length).toBeGreaterThanOrEqual(24);
      for (const { label, event } of grid) {
        const { totalCents, shippingCountry } = (event as { detail: { totalCents: number; shippingCountry: string } })
          .detail;
        const screened = screeningReasons(totalCents, shippingCountry, policy()).length > 0;
        const matches = matchedRules(event).filter((r) => r === 'HighValueOrder' || r === 'SuspiciousOrder').length;
        expect({ label, matches }).toEqual({ label, matches: screened ? 1 : 0 });
      }
    });

    test('each subscription receives exactly the statuses the contract gives it', () => {
      const queueNames: Record<keyof typeof STATUS_SUBSCRIPTIONS, string> = {
        orderStatus: 'order-status',
        notifications: 'notifications',
        analytics: 'analytics',
      };
      /** The filter policy of the subscription that delivers to the queue of that name. */
      const subscriptionOf = (queueName: string) => {
        const queues = byType('AWS::SQS::Queue').filter(([, q]) => q.Properties.QueueName === queueName);
        if (queues.length !== 1) throw new Error(`expected one queue named ${queueName}, found ${queues.length}`);
        const subs = byType('AWS::SNS::Subscription').filter(
          ([, s]) => s.Properties.Endpoint['Fn::GetAtt']?.[0] === queues[0][0],
        );
        if (subs.length !== 1) throw new Error(`expected one subscription of ${queueName}, found ${subs.length}`);
        return subs[0][1].Properties;
      };
      for (const [name, queueName] of Object.entries(queueNames) as Array<
        [keyof typeof STATUS_SUBSCRIPTIONS, string]
      >) {
        const sub = subscriptionOf(`${prefix()}-${queueName}`);
        const allowed: readonly string[] = STATUS_SUBSCRIPTIONS[name];
        const receives = (m: MessageSample) =>
          matchesFilterPolicy(sub.FilterPolicy, m, sub.FilterPolicyScope ?? 'MessageAttributes');
        const messages = statusMessages();
        const received = ORDER_STATUSES.filter((status) =>
          receives(messages.find((m) => m.label === `status ${status}`)!),
        );
        expect({ name, received }).toEqual({ name, received: [...STATUS_SUBSCRIPTIONS[name]] });
        // No status attribute, another attribute, another case or type: received only for a listed status.
        for (const m of messages) {
          expect({ name, message: m.label, received: receives(m) }).toEqual({
            name,
            message: m.label,
            received: m.statusValues.some((v) => allowed.includes(v)),
          });
        }
      }
    });
  });

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
