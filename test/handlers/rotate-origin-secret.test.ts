/**
 * rotate-origin-secret (ADR 21) against an in-memory model of Secrets Manager, the REGIONAL web ACL,
 * the ALB listener rule and the CloudFront distribution (aws-sdk-client-mock). After EVERY write the
 * model checks the one property that matters: each value an edge location may be sending is
 * accepted by every acceptor — a request through CloudFront never meets a 403.
 */
import {
  CloudFrontClient,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  PreconditionFailed,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import type { DistributionConfig } from '@aws-sdk/client-cloudfront';
import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { GetWebACLCommand, UpdateWebACLCommand, WAFOptimisticLockException, WAFV2Client } from '@aws-sdk/client-wafv2';
import type { Rule } from '@aws-sdk/client-wafv2';
import type { SecretsManagerRotationEventStep } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/rotate-origin-secret';
import { acceptedByStatement, LOCK_ATTEMPTS, originStatement } from '../../lambda/rotate-origin-secret/parties';
import { captureLogs } from './support/logs';

const HEADER = 'x-origin-verify';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:securecart/prod/api/origin-verify-AbCdEf';
const RULE_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/1/2/3';
const ACL = { name: 'securecart-prod-api', id: 'acl-id-1' };
const TOKEN = 'version-new';
const OLDER = 'O'.repeat(48);
const OLD = 'P'.repeat(48);
const NEW = 'N'.repeat(48);
const STEPS: SecretsManagerRotationEventStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

const sm = mockClient(SecretsManagerClient);
const wafMock = mockClient(WAFV2Client);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
const cfMock = mockClient(CloudFrontClient);
const logs = captureLogs();

/** The deployed world after one earlier rotation: acceptors take [OLDER, OLD], CloudFront sends OLD. */
class World {
  versions = new Map<string, { value?: string; stages: string[] }>([
    ['version-older', { value: OLDER, stages: ['AWSPREVIOUS'] }],
    ['version-old', { value: OLD, stages: ['AWSCURRENT'] }],
  ]);
  wafRules: Rule[] = [
    {
      Name: 'OriginVerifyHeader',
      Priority: 0,
      Action: { Block: {} },
      Statement: originStatement(HEADER, [OLDER, OLD]),
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: 'origin' },
    },
    {
      Name: 'RatePerClientIp',
      Priority: 1,
      Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: 'rate' },
    },
  ];
  lockToken = 1;
  /** Writes by someone else that land between our read and our write, one per pending conflict. */
  wafConflicts = 0;
  cfConflicts = 0;
  ruleConditions: RuleCondition[] = [
    { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: HEADER, Values: [OLDER, OLD] }, Values: [] },
  ];
  distribution: DistributionConfig = {
    CallerReference: 'ref',
    Comment: 'storefront',
    Enabled: true,
    DefaultCacheBehavior: { TargetOriginId: 'site', ViewerProtocolPolicy: 'redirect-to-https' },
    Origins: {
      Quantity: 2,
      Items: [
        { Id: 'site', DomainName: 'bucket.s3.amazonaws.com' },
        {
          Id: 'api',
          DomainName: 'abc.execute-api.us-east-1.amazonaws.com',
          CustomHeaders: { Quantity: 1, Items: [{ HeaderName: HEADER, HeaderValue: OLD }] },
        },
      ],
    },
  };
  etag = 1;
  status: 'Deployed' | 'InProgress' = 'Deployed';
  /** What edge locations may be sending: the old value too while a distribution change propagates. */
  edgeValues = new Set([OLD]);
  /** Every write, in order; and every moment an edge value was not accepted. */
  writes: string[] = [];
  violations: string[] = [];

  sent = () => this.distribution.Origins!.Items![1].CustomHeaders!.Items![0].HeaderValue!;
  wafAccepts = () => acceptedByStatement(this.wafRules[0].Statement);
  albAccepts = () => this.ruleConditions[0].HttpHeaderConfig!.Values!;
  stageOf = (stage: string) => [...this.versions.values()].find((v) => v.stages.includes(stage))?.value;
  /** CloudFront finished propagating: every edge sends the configured value. */
  propagate() {
    this.status = 'Deployed';
    this.edgeValues = new Set([this.sent()]);
  }

  write(what: string) {
    this.writes.push(what);
    for (const value of this.edgeValues) {
      for (const [acceptor, accepted] of [
        ['waf', this.wafAccepts()],
        ['alb', this.albAccepts()],
      ] as const) {
        if (!accepted.includes(value)) this.violations.push(`${what}: ${acceptor} refuses ${value.slice(0, 1)}…`);
      }
    }
  }

  install() {
    sm.on(DescribeSecretCommand).callsFake(() => ({
      RotationEnabled: true,
      VersionIdsToStages: Object.fromEntries([...this.versions].map(([id, v]) => [id, [...v.stages]])),
    }));
    sm.on(GetSecretValueCommand).callsFake(({ VersionId, VersionStage }) => {
      const entry = VersionId
        ? this.versions.get(VersionId)
        : [...this.versions.values()].find((v) => v.stages.includes(VersionStage));
      if (!entry?.value || (VersionStage && !entry.stages.includes(VersionStage))) {
        throw new ResourceNotFoundException({ message: 'no such version', $metadata: {} });
      }
      return { SecretString: entry.value };
    });
    sm.on(GetRandomPasswordCommand).resolves({ RandomPassword: NEW });
    sm.on(PutSecretValueCommand).callsFake(({ ClientRequestToken, SecretString, VersionStages }) => {
      this.versions.set(ClientRequestToken, { value: SecretString, stages: VersionStages });
      this.write('secret:put');
      return {};
    });
    sm.on(UpdateSecretVersionStageCommand).callsFake(({ VersionStage, MoveToVersionId, RemoveFromVersionId }) => {
      for (const v of this.versions.values()) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
      const from = this.versions.get(RemoveFromVersionId)!;
      from.stages = [...from.stages.filter((s) => s !== VersionStage), 'AWSPREVIOUS'];
      const to = this.versions.get(MoveToVersionId)!;
      to.stages = [...to.stages.filter((s) => s !== 'AWSPENDING'), VersionStage];
      this.write('secret:stage');
      return {};
    });

    wafMock.on(GetWebACLCommand).callsFake(({ Name, Id, Scope }) => {
      expect({ Name, Id, Scope }).toEqual({ Name: ACL.name, Id: ACL.id, Scope: 'REGIONAL' });
      return {
        WebACL: {
          Name,
          Id,
          ARN: 'arn',
          DefaultAction: { Allow: {} },
          Description: 'api',
          Rules: structuredClone(this.wafRules),
          VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: 'api' },
        },
        LockToken: `lock-${this.lockToken}`,
      };
    });
    wafMock.on(UpdateWebACLCommand).callsFake((input) => {
      if (this.wafConflicts > 0) {
        this.wafConflicts--;
        this.lockToken++; // someone else updated the ACL after our read
      }
      if (input.LockToken !== `lock-${this.lockToken}`) {
        throw new WAFOptimisticLockException({ message: 'stale lock token', $metadata: {} });
      }
      expect(input).toMatchObject({
        DefaultAction: { Allow: {} },
        Description: 'api',
        VisibilityConfig: expect.any(Object),
      });
      this.wafRules = structuredClone(input.Rules!);
      this.lockToken++;
      this.write('waf:update');
      return { NextLockToken: `lock-${this.lockToken}` };
    });

    elbMock.on(DescribeRulesCommand).callsFake(({ RuleArns }) => {
      expect(RuleArns).toEqual([RULE_ARN]);
      return { Rules: [{ RuleArn: RULE_ARN, Conditions: structuredClone(this.ruleConditions) }] };
    });
    elbMock.on(ModifyRuleCommand).callsFake(({ RuleArn, Conditions }) => {
      expect(RuleArn).toBe(RULE_ARN);
      this.ruleConditions = structuredClone(Conditions!);
      this.write('alb:modify');
      return {};
    });

    cfMock.on(GetDistributionCommand).callsFake(() => ({
      Distribution: { Status: this.status, DistributionConfig: structuredClone(this.distribution) },
    }));
    cfMock.on(GetDistributionConfigCommand).callsFake(() => ({
      DistributionConfig: structuredClone(this.distribution),
      ETag: `etag-${this.etag}`,
    }));
    cfMock.on(UpdateDistributionCommand).callsFake(({ IfMatch, DistributionConfig: config }) => {
      if (this.cfConflicts > 0) {
        this.cfConflicts--;
        this.etag++;
      }
      if (IfMatch !== `etag-${this.etag}`) throw new PreconditionFailed({ message: 'stale ETag', $metadata: {} });
      this.distribution = structuredClone(config!);
      this.etag++;
      this.status = 'InProgress';
      this.edgeValues.add(this.sent());
      this.write('cloudfront:update');
      return {};
    });
    return this;
  }
}

const ENV = {
  ORIGIN_HEADER_NAME: HEADER,
  ORIGIN_LISTENER_RULE_ARN: RULE_ARN,
  ORIGIN_WEB_ACL: `${ACL.name}|${ACL.id}`,
  ORIGIN_WEB_ACL_RULE: 'OriginVerifyHeader',
  ORIGIN_DISTRIBUTION_ID: 'E2EXAMPLE',
};
const saved = { ...process.env };
let world: World;

beforeEach(() => {
  for (const m of [sm, wafMock, elbMock, cfMock]) m.reset();
  Object.assign(process.env, ENV);
  world = new World().install();
});
afterEach(() => {
  process.env = { ...saved };
});

/** One step as Secrets Manager invokes it; RotateSecret stages the new version id AWSPENDING (no value yet) first. */
function step(Step: SecretsManagerRotationEventStep, token = TOKEN) {
  if (Step === 'createSecret' && !world.versions.has(token)) world.versions.set(token, { stages: ['AWSPENDING'] });
  return handler({ Step, SecretId: SECRET_ARN, ClientRequestToken: token });
}

async function rotate(steps = STEPS) {
  for (const s of steps) await step(s);
}

describe('a whole rotation', () => {
  test('acceptors take the new value before CloudFront sends it; an edge value is never refused', async () => {
    await step('createSecret');
    expect(world.stageOf('AWSPENDING')).toBe(NEW);
    for (const s of ['setSecret', 'testSecret'] as const) {
      await step(s);
      expect(world.sent()).toBe(OLD); // the sender has not moved
    }
    expect(world.wafAccepts().sort()).toEqual([NEW, OLD].sort());
    expect(world.albAccepts().sort()).toEqual([NEW, OLD].sort());
    await step('finishSecret');

    expect(world.writes).toEqual(['secret:put', 'waf:update', 'alb:modify', 'cloudfront:update', 'secret:stage']);
    expect(world.violations).toEqual([]);
    expect(world.sent()).toBe(NEW);
    expect(world.stageOf('AWSCURRENT')).toBe(NEW);
    expect(world.stageOf('AWSPREVIOUS')).toBe(OLD);
    // While the edges switch, both are accepted; OLDER, which no edge sends, is not.
    expect(world.edgeValues).toEqual(new Set([OLD, NEW]));
    expect(world.wafAccepts()).not.toContain(OLDER);
    expect(world.albAccepts()).not.toContain(OLDER);
    // The other WAF rule came back untouched.
    expect(world.wafRules[1]).toMatchObject({
      Name: 'RatePerClientIp',
      Statement: { RateBasedStatement: { Limit: 2000 } },
    });
  });

  test('two rotations in a row, the edges settling in between: the window moves by one each time', async () => {
    await rotate();
    world.propagate();
    const second = 'S'.repeat(48);
    sm.on(GetRandomPasswordCommand).resolves({ RandomPassword: second });
    for (const s of STEPS) await step(s, 'version-second');
    expect(world.violations).toEqual([]);
    expect(world.sent()).toBe(second);
    expect(world.albAccepts().sort()).toEqual([NEW, second].sort());
  });

  test('no WAF (sandbox): the listener rule is the only acceptor', async () => {
    delete process.env.ORIGIN_WEB_ACL;
    await rotate();
    expect(wafMock.calls()).toHaveLength(0);
    expect(world.writes).toEqual(['secret:put', 'alb:modify', 'cloudfront:update', 'secret:stage']);
    expect(world.albAccepts().sort()).toEqual([NEW, OLD].sort());
    expect(world.sent()).toBe(NEW);
  });

  test('the values never reach the logs', async () => {
    await rotate();
    const text = JSON.stringify(logs());
    expect(logs().length).toBeGreaterThan(3);
    for (const value of [OLDER, OLD, NEW]) expect(text).not.toContain(value);
  });
});

describe('locks and refusals', () => {
  test('a stale WAF lock token or CloudFront ETag is read again and retried', async () => {
    world.wafConflicts = 2;
    world.cfConflicts = 1;
    await rotate();
    expect(wafMock.commandCalls(UpdateWebACLCommand)).toHaveLength(3);
    expect(cfMock.commandCalls(UpdateDistributionCommand)).toHaveLength(2);
    expect(world.violations).toEqual([]);
    expect(world.sent()).toBe(NEW);
  });

  test(`after ${LOCK_ATTEMPTS} lost races the rotation fails before CloudFront is touched`, async () => {
    world.wafConflicts = LOCK_ATTEMPTS;
    await step('createSecret');
    await expect(step('setSecret')).rejects.toBeInstanceOf(WAFOptimisticLockException);
    expect(wafMock.commandCalls(UpdateWebACLCommand)).toHaveLength(LOCK_ATTEMPTS);
    await expect(step('testSecret')).rejects.toThrow(/does not accept both/);
    await expect(step('finishSecret')).rejects.toThrow(/does not accept both/);
    expect(cfMock.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
    expect(world.sent()).toBe(OLD);
    expect(world.stageOf('AWSCURRENT')).toBe(OLD);
    expect(world.violations).toEqual([]);
  });

  test('setSecret waits while CloudFront is still deploying: OLDER may still be on an edge', async () => {
    world.status = 'InProgress';
    world.edgeValues = new Set([OLDER, OLD]);
    await step('createSecret');
    await expect(step('setSecret')).rejects.toThrow(/still deploying/);
    expect(world.wafAccepts()).toEqual([OLDER, OLD]);
    expect(world.albAccepts()).toEqual([OLDER, OLD]);
    expect(world.violations).toEqual([]);
  });

  test('an acceptor narrowed after testSecret (a deployment resolving only AWSCURRENT) stops finishSecret', async () => {
    await rotate(['createSecret', 'setSecret', 'testSecret']);
    world.ruleConditions = [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: HEADER, Values: [OLD] } }];
    await expect(step('finishSecret')).rejects.toThrow(/listener rule .* does not accept both/);
    expect(world.sent()).toBe(OLD);
    expect(world.stageOf('AWSCURRENT')).toBe(OLD);
  });

  test('steps run again are harmless: one pending value, and a finished version is left alone', async () => {
    await step('createSecret');
    await step('createSecret');
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    await rotate(['setSecret', 'setSecret', 'testSecret', 'finishSecret']);
    const writes = world.writes.length;
    await step('finishSecret'); // the token is AWSCURRENT now
    expect(world.writes).toHaveLength(writes);
    expect(world.violations).toEqual([]);
  });

  test('a rotation retried after CloudFront already switched still completes', async () => {
    await rotate(['createSecret', 'setSecret', 'testSecret']);
    sm.on(UpdateSecretVersionStageCommand).rejectsOnce(new Error('throttled'));
    await expect(step('finishSecret')).rejects.toThrow('throttled');
    expect(world.sent()).toBe(NEW);
    world.install(); // Secrets Manager retries the rotation from the start
    await rotate();
    expect(world.stageOf('AWSCURRENT')).toBe(NEW);
    expect(world.violations).toEqual([]);
  });

  test('refuses a version that is not pending, and a secret without rotation', async () => {
    await expect(step('setSecret', 'version-older')).rejects.toThrow(/not AWSPENDING/);
    sm.on(DescribeSecretCommand).resolves({ RotationEnabled: false });
    await expect(step('createSecret')).rejects.toThrow(/not enabled/);
  });
});
