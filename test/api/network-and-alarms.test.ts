import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKOUT_CONTAINER_PORT } from '../../lib/constructs/api/checkout-service';
import { ORIGIN_VERIFY_HEADER } from '../../lib/constructs/api/origin-verify';
import { synthesizeForFile, Synthesized } from '../helpers/synth';
import { BLOCK_ALL_PUBLIC_ACCESS } from '../helpers/template';
import { byType, fromStack, getAtt, idOf, one, ROOT } from './helpers';

/** The Api stack (test/api/): the network path (security groups, the internal ALB), the alarms and widgets. */
describe('Api stack', () => {
  const { sandbox, prod } = synthesizeForFile(['sandbox', 'prod']);

  describe('security groups: ALB only from the VPC link, tasks only from the ALB, the database only from the tasks', () => {
    const rules = (s: Synthesized, type: string) => byType(s, type).map(([, r]) => r.Properties);
    test('the chain, rule by rule', () => {
      for (const s of [sandbox, prod]) {
        const albSg = idOf(s, 'AWS::EC2::SecurityGroup', 'LoadBalancerSecurityGroup');
        const linkSg = idOf(s, 'AWS::EC2::SecurityGroup', 'VpcLinkSecurityGroup');
        const tasksSg = fromStack(`SecureCart-${s.profile.name}-Network`, 'CheckoutServiceSecurityGroup');
        const ingress = rules(s, 'AWS::EC2::SecurityGroupIngress');
        expect(ingress).toHaveLength(2);
        expect(ingress).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              GroupId: getAtt(albSg, 'GroupId'),
              SourceSecurityGroupId: getAtt(linkSg, 'GroupId'),
              IpProtocol: 'tcp',
              FromPort: 80,
              ToPort: 80,
            }),
            expect.objectContaining({
              GroupId: tasksSg,
              SourceSecurityGroupId: getAtt(albSg, 'GroupId'),
              IpProtocol: 'tcp',
              FromPort: CHECKOUT_CONTAINER_PORT,
              ToPort: CHECKOUT_CONTAINER_PORT,
            }),
          ]),
        );
        const egress = rules(s, 'AWS::EC2::SecurityGroupEgress');
        expect(egress).toHaveLength(2);
        expect(egress).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              GroupId: getAtt(linkSg, 'GroupId'),
              DestinationSecurityGroupId: getAtt(albSg, 'GroupId'),
              FromPort: 80,
            }),
            expect.objectContaining({
              GroupId: getAtt(albSg, 'GroupId'),
              DestinationSecurityGroupId: tasksSg,
              FromPort: CHECKOUT_CONTAINER_PORT,
            }),
          ]),
        );
        for (const [, sg] of byType(s, 'AWS::EC2::SecurityGroup')) {
          expect(sg.Properties.SecurityGroupIngress).toBeUndefined(); // no inline (e.g. 0.0.0.0/0) rules
          expect(JSON.stringify(sg.Properties.SecurityGroupEgress ?? [])).not.toContain('0.0.0.0/0');
        }
      }
    });

    test('the ALB forwards only requests carrying the origin header value; anything else gets 403', () => {
      const s = sandbox;
      const [, listener] = one(s, 'AWS::ElasticLoadBalancingV2::Listener');
      expect(listener.Properties).toMatchObject({
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [
          { Type: 'fixed-response', FixedResponseConfig: expect.objectContaining({ StatusCode: '403' }) },
        ],
      });
      const [, rule] = one(s, 'AWS::ElasticLoadBalancingV2::ListenerRule');
      const secretId = idOf(s, 'AWS::SecretsManager::Secret', 'OriginVerify');
      expect(rule.Properties).toMatchObject({
        Actions: [
          { Type: 'forward', TargetGroupArn: { Ref: idOf(s, 'AWS::ElasticLoadBalancingV2::TargetGroup', '') } },
        ],
        Conditions: [
          {
            Field: 'http-header',
            HttpHeaderConfig: {
              HttpHeaderName: ORIGIN_VERIFY_HEADER,
              Values: [{ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] }],
            },
          },
        ],
      });
      const [, secret] = one(s, 'AWS::SecretsManager::Secret', 'OriginVerify');
      expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48, ExcludePunctuation: true });
      expect(secret.Properties.KmsKeyId).toEqual(getAtt(idOf(s, 'AWS::KMS::Key', 'ApiKey'), 'Arn'));
    });
  });

  describe('internal ALB', () => {
    test('internal, invalid header fields dropped, deletion protection in prod, access logs on', () => {
      for (const s of [sandbox, prod]) {
        const [, alb] = one(s, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
        expect(alb.Properties.Scheme).toBe('internal');
        const attributes = Object.fromEntries(alb.Properties.LoadBalancerAttributes.map((a: any) => [a.Key, a.Value]));
        expect(attributes).toMatchObject({
          'routing.http.drop_invalid_header_fields.enabled': 'true',
          'deletion_protection.enabled': String(s.profile.deletionProtection),
          'access_logs.s3.enabled': 'true',
          'access_logs.s3.bucket': { Ref: idOf(s, 'AWS::S3::Bucket', 'Checkout/AccessLogs') },
        });
      }
    });

    test('the access log bucket: SSE-S3 (what ALB logs support), public access blocked, TLS only, ELB may write', () => {
      for (const s of [sandbox, prod]) {
        const [bucketId, bucket] = one(s, 'AWS::S3::Bucket', 'Checkout/AccessLogs');
        expect(bucket.Properties).toMatchObject({
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
          PublicAccessBlockConfiguration: BLOCK_ALL_PUBLIC_ACCESS,
        });
        const [, policy] = byType(s, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === bucketId)!;
        const statements = policy.Properties.PolicyDocument.Statement;
        expect(statements).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            expect.objectContaining({
              Effect: 'Allow',
              Action: 's3:PutObject',
              Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
            }),
          ]),
        );
      }
    });
  });

  describe('alarms and widgets', () => {
    test('API 5xx rate, p99 latency, no running task, unhealthy targets, outbox lag, rejected outbox rows: to the ops topic, each with a runbook', () => {
      for (const s of [sandbox, prod]) {
        const alarms = byType(s, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
        expect(alarms).toHaveLength(6);
        for (const a of alarms) {
          expect(a.AlarmActions).toEqual([fromStack(`SecureCart-${s.profile.name}-Pipeline`, 'AlarmTopic')]);
          const runbook = /Runbook: (docs\/runbooks\/[a-z-]+\.md)$/.exec(a.AlarmDescription)?.[1];
          expect({
            alarm: a.AlarmDescription,
            exists: runbook !== undefined && existsSync(join(ROOT, runbook)),
          }).toEqual({ alarm: a.AlarmDescription, exists: true });
        }
        const metrics = JSON.stringify(alarms);
        for (const m of [
          '5XXError',
          'Latency',
          'RunningTaskCount',
          'UnHealthyHostCount',
          'OutboxLagSeconds',
          'OutboxRejected',
        ])
          expect(metrics).toContain(m);
        // The relay reports its lag every minute: silence (relay or agent stopped) counts as breaching.
        // A stuck relay alarms within minutes: three one-minute periods at 3 minutes of lag or more.
        const lag = alarms.find((a) => a.Metrics?.[0]?.MetricStat?.Metric?.MetricName === 'OutboxLagSeconds')!;
        expect(lag).toMatchObject({
          Threshold: 180,
          EvaluationPeriods: 3,
          TreatMissingData: 'breaching',
          Metrics: [
            {
              MetricStat: {
                Metric: { Namespace: 'SecureCart', Dimensions: [{ Name: 'Service', Value: 'checkout-api' }] },
                Period: 60,
                Stat: 'Maximum',
              },
            },
          ],
        });
        expect(lag.EvaluationPeriods * lag.Metrics[0].MetricStat.Period).toBeLessThanOrEqual(300);
        // Any row SQS refuses for good is a defect: one is enough; no rejection reported is no incident.
        const rejected = alarms.find((a) => a.Metrics?.[0]?.MetricStat?.Metric?.MetricName === 'OutboxRejected')!;
        expect(rejected).toMatchObject({
          Threshold: 1,
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
          Metrics: [{ MetricStat: { Stat: 'Sum', Period: 300 } }],
        });
        const noTask = alarms.find((a) => JSON.stringify(a).includes('RunningTaskCount'))!;
        expect(noTask.Metrics[0].Expression).toBe('IF(FILL(running, 0) < 1, 1, 0)');
        expect(JSON.stringify(noTask.Metrics[1].MetricStat.Metric.Namespace)).toBe('"ECS/ContainerInsights"');
      }
      expect(sandbox.stacks.api!.alarms).toHaveLength(6);
      expect(sandbox.stacks.api!.widgets.length).toBeGreaterThanOrEqual(6);
      expect(prod.stacks.api!.widgets.length).toBe(sandbox.stacks.api!.widgets.length + 1); // the WAF's
    });

    test('every log group is encrypted with the Api key', () => {
      for (const s of [sandbox, prod]) {
        const key = getAtt(idOf(s, 'AWS::KMS::Key', 'ApiKey'), 'Arn');
        const groups = byType(s, 'AWS::Logs::LogGroup');
        expect(groups.length).toBeGreaterThan(0);
        for (const [id, group] of groups) {
          expect({ id, key: group.Properties.KmsKeyId }).toEqual({ id, key });
        }
      }
    });
  });
});
