import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { RUNBOOKS } from '../lib/constructs/ops-alarms';
import { CACHE_PORT, SERVICE_ACCESS_STRING } from '../lib/constructs/shared-cache';
import { synthesizeForFile, Synthesized } from './helpers/synth';
import { ofType, resourcesOf } from './helpers/template';

/** The shared cache (ADR 26): ElastiCache Serverless for Valkey in the Data stack. */
describe('shared cache', () => {
  const { sandbox, prod, localstack } = synthesizeForFile(['sandbox', 'prod', 'localstack']);
  const data = (s: Synthesized) => s.template(s.stacks.data);
  const one = (s: Synthesized, type: string) => {
    const found = ofType(resourcesOf(data(s)), type);
    expect(found).toHaveLength(1);
    return found[0];
  };

  test('Valkey, serverless, encrypted with the data key, in the data subnets, no snapshots', () => {
    for (const s of [sandbox, prod]) {
      const [, cache] = one(s, 'AWS::ElastiCache::ServerlessCache');
      expect(cache.Properties).toMatchObject({
        ServerlessCacheName: `securecart-${s.profile.name}-cache`,
        Engine: 'valkey',
        MajorEngineVersion: '8',
        KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
        SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^SharedCacheSecurityGroup/), 'GroupId'] }],
        UserGroupId: { Ref: expect.stringMatching(/^SharedCacheUserGroup/) },
        SnapshotRetentionLimit: 0,
      });
      // One subnet per AZ of the Network stack's isolated data subnets.
      expect(cache.Properties.SubnetIds).toHaveLength(s.profile.network.maxAzs);
      expect(JSON.stringify(cache.Properties.SubnetIds)).toMatch(/VpcdataSubnet/);
    }
  });

  test('usage limits from the profile: the sandbox keeps the serverless minimum (1 GB, 1000 ECPU/s), prod more', () => {
    expect(one(sandbox, 'AWS::ElastiCache::ServerlessCache')[1].Properties.CacheUsageLimits).toEqual({
      DataStorage: { Maximum: 1, Unit: 'GB' },
      ECPUPerSecond: { Maximum: 1000 },
    });
    expect(one(prod, 'AWS::ElastiCache::ServerlessCache')[1].Properties.CacheUsageLimits).toEqual({
      DataStorage: { Maximum: prod.profile.cache.maxDataStorageGb, Unit: 'GB' },
      ECPUPerSecond: { Maximum: prod.profile.cache.maxEcpuPerSecond },
    });
    expect(prod.profile.cache.maxEcpuPerSecond).toBeGreaterThan(1000);
  });

  test('reachable only from the checkout tasks, on 6379; the group has no egress', () => {
    for (const s of [sandbox, prod]) {
      const t = data(s);
      const rules = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'))
        .map((r) => r.Properties)
        .filter((r) => JSON.stringify(r.GroupId).includes('SharedCache'));
      expect(rules).toEqual([
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: CACHE_PORT,
          ToPort: CACHE_PORT,
          SourceSecurityGroupId: {
            'Fn::GetStackOutput': expect.objectContaining({
              StackName: `SecureCart-${s.profile.name}-Network`,
              OutputName: expect.stringContaining('CheckoutServiceSecurityGroup'),
            }),
          },
        }),
      ]);
      const [, sg] = ofType(resourcesOf(t), 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('SharedCache'))!;
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
      ]);
    }
  });

  test('IAM authentication: the service user has no password and only its own keys; the default user is off', () => {
    for (const s of [sandbox, prod]) {
      const users = ofType(resourcesOf(data(s)), 'AWS::ElastiCache::User').map(([, u]) => u.Properties);
      expect(users).toEqual(
        expect.arrayContaining([
          {
            UserId: `securecart-${s.profile.name}-checkout`,
            UserName: `securecart-${s.profile.name}-checkout`,
            Engine: 'valkey',
            AuthenticationMode: { Type: 'iam' },
            AccessString: SERVICE_ACCESS_STRING,
            Tags: expect.any(Array),
          },
          expect.objectContaining({ UserName: 'default', AccessString: 'off -@all' }),
        ]),
      );
      expect(users).toHaveLength(2);
      expect(JSON.stringify(users)).not.toMatch(/Passwords/);
      expect(SERVICE_ACCESS_STRING).toMatch(/^on ~sc:\* -@all .*-@dangerous/);
      data(s).hasResourceProperties('AWS::ElastiCache::UserGroup', {
        Engine: 'valkey',
        UserIds: [
          { Ref: Match.stringLikeRegexp('^SharedCacheServiceUser') },
          { Ref: Match.stringLikeRegexp('^SharedCacheDisabledDefaultUser') },
        ],
      });
    }
  });

  test('alarms (runbook included): fallbacks, fail-open rate limits, throttled commands; two widgets', () => {
    expect(existsSync(join(__dirname, '..', RUNBOOKS.sharedCache))).toBe(true);
    for (const s of [sandbox, prod]) {
      const alarms = ofType(resourcesOf(s.template(s.stacks.monitoring!)), 'AWS::CloudWatch::Alarm')
        .map(([, a]) => a.Properties)
        .filter((a) => String(a.AlarmDescription).includes(RUNBOOKS.sharedCache));
      const metricOf = (a: { Metrics: { MetricStat?: { Metric: { MetricName: string } } }[] }) =>
        a.Metrics[0].MetricStat!.Metric.MetricName;
      expect(alarms.map(metricOf).sort()).toEqual(['CacheFallbacks', 'RateLimitFailOpen', 'ThrottledCmds']);
      const throttled = alarms.find((a) => metricOf(a) === 'ThrottledCmds')!;
      expect(throttled.Metrics[0].MetricStat.Metric.Dimensions).toEqual([
        { Name: 'clusterId', Value: `securecart-${s.profile.name}-cache` },
      ]);
      expect(alarms.find((a) => metricOf(a) === 'RateLimitFailOpen')!.Threshold).toBe(1);
      const dashboard = JSON.stringify(s.template(s.stacks.monitoring!).toJSON());
      expect(dashboard).toContain('Shared cache: hits, misses and fallbacks');
      expect(dashboard).toContain('Shared cache: ECPUs and throttled commands');
    }
  });

  test('localstack: the serverless cache only (the emulator answers its endpoint), no users, no placement', () => {
    const [, cache] = one(localstack, 'AWS::ElastiCache::ServerlessCache');
    expect(cache.Properties.UserGroupId).toBeUndefined();
    expect(cache.Properties.SubnetIds).toBeUndefined();
    expect(ofType(resourcesOf(data(localstack)), 'AWS::ElastiCache::User')).toEqual([]);
    const outputs = data(localstack).toJSON().Outputs;
    expect(outputs.CacheEndpoint.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^SharedCache[0-9A-F]{8}$/), 'Endpoint.Address'],
    });
    expect(outputs.CachePort.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^SharedCache[0-9A-F]{8}$/), 'Endpoint.Port'],
    });
  });
});
