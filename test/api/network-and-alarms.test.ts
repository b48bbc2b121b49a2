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
        const port = s.profile.api.backendTls ? 443 : 80;
        const ingress = rules(s, 'AWS::EC2::SecurityGroupIngress');
        expect(ingress).toHaveLength(2);
        expect(ingress).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              GroupId: getAtt(albSg, 'GroupId'),
              SourceSecurityGroupId: getAtt(linkSg, 'GroupId'),
              IpProtocol: 'tcp',
              FromPort: port,
              ToPort: port,
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
              FromPort: port,
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
    test('prod: one listener, HTTPS with TLS 1.2+ and the ACM certificate for the internal name; no HTTP listener', () => {
      const { domainName, zoneName, hostedZoneId } = prod.profile.api.internalDomain!;
      const listeners = byType(prod, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => l.Properties);
      expect(listeners).toHaveLength(1);
      expect(listeners.filter((l) => l.Protocol === 'HTTP')).toEqual([]);
      const certId = idOf(prod, 'AWS::CertificateManager::Certificate', 'InternalCertificate');
      expect(listeners[0]).toMatchObject({
        Protocol: 'HTTPS',
        Port: 443,
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        Certificates: [{ CertificateArn: { Ref: certId } }],
        DefaultActions: [
          { Type: 'fixed-response', FixedResponseConfig: expect.objectContaining({ StatusCode: '403' }) },
        ],
      });
      const [, cert] = one(prod, 'AWS::CertificateManager::Certificate', 'InternalCertificate');
      expect(cert.Properties).toMatchObject({
        DomainName: domainName,
        ValidationMethod: 'DNS',
        DomainValidationOptions: [{ DomainName: domainName, HostedZoneId: hostedZoneId }],
      });
      expect(domainName.endsWith(`.${zoneName}`)).toBe(true);
      // Inside the VPC the name resolves to the ALB (a private zone of that name, an alias record).
      const [zoneId, zone] = one(prod, 'AWS::Route53::HostedZone', 'InternalZone');
      expect(zone.Properties).toMatchObject({
        Name: `${domainName}.`,
        VPCs: [expect.objectContaining({ VPCId: expect.anything() })],
      });
      const [, record] = one(prod, 'AWS::Route53::RecordSet', 'InternalName');
      const albId = idOf(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer', '');
      expect(record.Properties).toMatchObject({
        Name: `${domainName}.`,
        Type: 'A',
        HostedZoneId: { Ref: zoneId },
        AliasTarget: {
          DNSName: expect.objectContaining({
            'Fn::Join': expect.arrayContaining([expect.arrayContaining([getAtt(albId, 'DNSName')])]),
          }),
        },
      });
    });

    test('sandbox: HTTP inside the VPC, no certificate, no private zone', () => {
      const listeners = byType(sandbox, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => l.Properties);
      expect(listeners).toEqual([expect.objectContaining({ Protocol: 'HTTP', Port: 80 })]);
      expect(byType(sandbox, 'AWS::CertificateManager::Certificate')).toEqual([]);
      expect(byType(sandbox, 'AWS::Route53::HostedZone')).toEqual([]);
    });

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
          s === prod ? 'RunningTaskCount' : 'CPUUtilization',
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
        const noTask = alarms.find((a) => a.Metrics?.[0]?.Expression === 'IF(FILL(running, 0) < 1, 1, 0)')!;
        expect(noTask.Metrics).toHaveLength(2);
        // prod counts tasks with Container Insights; the sandbox has it off (ADR 27) and watches the
        // service's own CPU metric, which ECS publishes only while a task runs.
        expect(noTask.Metrics[1].MetricStat).toMatchObject(
          s === prod
            ? { Metric: { Namespace: 'ECS/ContainerInsights', MetricName: 'RunningTaskCount' }, Stat: 'Minimum' }
            : { Metric: { Namespace: 'AWS/ECS', MetricName: 'CPUUtilization' }, Stat: 'SampleCount' },
        );
        expect(noTask.Metrics[1].MetricStat.Metric.Dimensions.map((d: { Name: string }) => d.Name).sort()).toEqual([
          'ClusterName',
          'ServiceName',
        ]);
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
