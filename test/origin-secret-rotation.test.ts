/**
 * The origin secret's rotation (ADR 21) as synthesized: the schedule on the Api stack's secret,
 * the rotate-origin-secret function in the Frontend stack, and a role that can touch exactly this
 * secret, its key (through Secrets Manager), this web ACL, this listener rule and this distribution.
 */
import { ORIGIN_VERIFY_HEADER } from '../lib/constructs/api/origin-verify';
import { synthesizeForFile, Synthesized } from './helpers/synth';
import { oneAtPath, resourcesOf, roleAt } from './helpers/template';

const { sandbox, prod } = synthesizeForFile(['sandbox', 'prod']);
const frontend = (s: Synthesized) => resourcesOf(s.template(s.stacks.frontend!));
const api = (s: Synthesized) => resourcesOf(s.template(s.stacks.api!));
const fromApi = (s: Synthesized) => ({
  'Fn::GetStackOutput': expect.objectContaining({ StackName: `SecureCart-${s.profile.name}-Api` }),
});
const fn = (s: Synthesized) => oneAtPath(frontend(s), 'AWS::Lambda::Function', 'OriginSecretRotation/Handler');

describe.each([
  ['sandbox', sandbox],
  ['prod', prod],
] as const)('profile %s', (name, s) => {
  test('every 30 days, never on a deployment, by the rotate-origin-secret function', () => {
    const [, schedule] = oneAtPath(frontend(s), 'AWS::SecretsManager::RotationSchedule', 'OriginSecretRotation');
    const [fnId] = fn(s);
    expect(schedule.Properties).toEqual({
      SecretId: fromApi(s),
      RotationLambdaARN: { 'Fn::GetAtt': [fnId, 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    const [, permission] = oneAtPath(frontend(s), 'AWS::Lambda::Permission', 'OriginSecretRotation');
    expect(permission.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    // The schedule is the Api stack's secret (the one CloudFront's header and the acceptors resolve).
    expect(oneAtPath(api(s), 'AWS::SecretsManager::Secret', 'OriginVerify')).toBeDefined();
  });

  test('the function knows the header, the listener rule, the distribution and (prod) the web ACL rule', () => {
    const [, f] = fn(s);
    const env = f.Properties.Environment.Variables;
    const [distributionId] = oneAtPath(frontend(s), 'AWS::CloudFront::Distribution');
    expect(env).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'rotate-origin-secret',
      ORIGIN_HEADER_NAME: ORIGIN_VERIFY_HEADER,
      ORIGIN_LISTENER_RULE_ARN: fromApi(s),
      ORIGIN_DISTRIBUTION_ID: { Ref: distributionId },
    });
    if (name === 'prod') {
      expect(env).toMatchObject({ ORIGIN_WEB_ACL: expect.anything(), ORIGIN_WEB_ACL_RULE: 'OriginVerifyHeader' });
    } else {
      expect(env.ORIGIN_WEB_ACL).toBeUndefined();
    }
  });

  test('least privilege: each action on its one resource; only actions without resource-level permissions on *', () => {
    const { statements } = roleAt(frontend(s), 'OriginSecretRotation/Handler');
    const byAction = new Map<string, unknown[]>();
    for (const st of statements) {
      expect(st.Effect).toBe('Allow');
      for (const action of [st.Action].flat()) {
        byAction.set(action, [...(byAction.get(action) ?? []), ...[st.Resource].flat()]);
      }
    }
    const secret = [expect.objectContaining({ 'Fn::GetStackOutput': expect.anything() })];
    const distribution = [
      {
        'Fn::Join': [
          '',
          expect.arrayContaining([
            ':cloudfront::',
            ':distribution/',
            { Ref: oneAtPath(frontend(s), 'AWS::CloudFront::Distribution')[0] },
          ]),
        ],
      },
    ];
    const expected: Record<string, unknown> = {
      'secretsmanager:DescribeSecret': secret,
      'secretsmanager:GetSecretValue': secret,
      'secretsmanager:PutSecretValue': secret,
      'secretsmanager:UpdateSecretVersionStage': secret,
      'secretsmanager:GetRandomPassword': ['*'],
      'kms:Decrypt': [fromApi(s)],
      'kms:GenerateDataKey': [fromApi(s)],
      'elasticloadbalancing:DescribeRules': ['*'],
      'elasticloadbalancing:ModifyRule': [fromApi(s)],
      'cloudfront:GetDistribution': distribution,
      'cloudfront:GetDistributionConfig': distribution,
      'cloudfront:UpdateDistribution': distribution,
      'logs:CreateLogStream': expect.any(Array),
      'logs:PutLogEvents': expect.any(Array),
      'xray:PutTraceSegments': ['*'],
      'xray:PutTelemetryRecords': ['*'],
      ...(name === 'prod'
        ? {
            'wafv2:GetWebACL': [fromApi(s)],
            'wafv2:UpdateWebACL': [
              fromApi(s),
              {
                'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(/:regional\/managedruleset\/\*\/\*$/)])],
              },
            ],
          }
        : {}),
    };
    expect(Object.fromEntries(byAction)).toEqual(expected);
    // The key is used only through Secrets Manager.
    const kms = statements.find((st) => [st.Action].flat().includes('kms:Decrypt'));
    expect(kms.Condition).toEqual({
      StringEquals: { 'kms:ViaService': `secretsmanager.${s.stacks.frontend!.region}.amazonaws.com` },
    });
  });
});
