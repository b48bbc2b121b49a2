/**
 * The Audit stack (ADR 28): the central audit bus for compliance events, its admission policy,
 * archive, encrypted log group and alarms; and the profile settings that place it.
 */
import { COMPLIANCE_PATTERN, COMPLIANCE_SOURCE, complianceProblems } from '@securecart/contracts';
import { PROD_EXAMPLE_AUDIT_ACCOUNT_ID, PROD_EXAMPLE_ORGANIZATION_ID, PROFILES } from '../lib/config/profiles';
import { validateProfile } from '../lib/config/validate-profile';
import { synthesizeForFile } from './helpers/synth';
import { ofType, resourcesOf } from './helpers/template';

describe('Audit stack', () => {
  const { sandbox, prod } = synthesizeForFile(['sandbox', 'prod']);
  const resources = (s: typeof sandbox) => resourcesOf(s.template(s.stacks.audit));
  const policyOf = (s: typeof sandbox) => {
    const policies = ofType(resources(s), 'AWS::Events::EventBusPolicy');
    expect(policies).toHaveLength(1);
    return policies[0][1].Properties.Statement;
  };

  test('is SecureCart-<profile>-Audit in every profile, and the sandbox pipeline waits for it', () => {
    expect(sandbox.stacks.audit.stackName).toBe('SecureCart-sandbox-Audit');
    expect(prod.stacks.audit.stackName).toBe('SecureCart-prod-Audit');
    // sandbox: the forwarding rule targets a bus in the same account, deployed first.
    expect(sandbox.stacks.pipeline.dependencies).toContain(sandbox.stacks.audit);
    // prod: the audit stack is the security team's, in another account: no dependency.
    expect(prod.stacks.pipeline.dependencies).not.toContain(prod.stacks.audit);
  });

  test('sandbox: the bus admits only its own account, only for the compliance source', () => {
    const st = policyOf(sandbox);
    expect(st).toMatchObject({
      Sid: 'cdk-AdmitSecureCartComplianceEvents',
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'events:source': [COMPLIANCE_SOURCE] } },
    });
    expect(JSON.stringify(st.Principal)).toContain('AWS::AccountId');
  });

  test('prod: the bus admits the organisation (aws:PrincipalOrgID), only for the compliance source', () => {
    const st = policyOf(prod);
    expect(st.Principal).toEqual({ AWS: '*' });
    expect(st.Condition).toEqual({
      StringEquals: { 'aws:PrincipalOrgID': PROD_EXAMPLE_ORGANIZATION_ID, 'events:source': [COMPLIANCE_SOURCE] },
    });
  });

  test('a rule writes every compliance event to the CMK log group, retrying, then into an alarmed DLQ', () => {
    const r = resources(prod);
    const [[, rule]] = ofType(r, 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual(COMPLIANCE_PATTERN());
    const [target] = rule.Properties.Targets;
    expect(JSON.stringify(target.Arn)).toContain(':log-group:');
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 });
    expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^AuditBusDlq/);
    const [[, logGroup]] = ofType(r, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties.KmsKeyId['Fn::GetAtt'][0]).toMatch(/^AuditBusKey/);
    expect(logGroup.Properties.RetentionInDays).toBe(2557);
    const [[, logPolicy]] = ofType(r, 'AWS::Logs::ResourcePolicy');
    const logPolicyText = JSON.stringify(logPolicy.Properties.PolicyDocument);
    expect(logPolicyText).toContain('logs:PutLogEvents');
    expect(logPolicyText).toContain('events.amazonaws.com');
    const alarms = ofType(r, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmDescription);
    expect(alarms).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /could not be written to the audit log group.*Runbook: docs\/runbooks\/compliance-forwarding\.md/,
        ),
      ]),
    );
  });
});

describe('the checkout service reports repeated authorisation failures (ADR 28)', () => {
  const { sandbox } = synthesizeForFile(['sandbox']);
  test('its task knows the SecureCart bus and its role may put events there', () => {
    const r = resourcesOf(sandbox.template(sandbox.stacks.api!));
    const env = ofType(r, 'AWS::ECS::TaskDefinition').flatMap(([, t]) =>
      t.Properties.ContainerDefinitions.flatMap((c: any) => c.Environment ?? []),
    );
    expect(env.filter((e: any) => e.Name === 'EVENT_BUS_NAME')).toHaveLength(1);
    const statements = ofType(r, 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(statements.filter((st: any) => st.Action === 'events:PutEvents')).toHaveLength(1);
  });
});

describe('profile: audit.compliance', () => {
  const withCompliance = (base: (typeof PROFILES)['sandbox'], compliance: object) => ({
    ...base,
    audit: { ...base.audit, compliance: { ...base.audit.compliance, ...compliance } },
  });

  test('prod names an audit account and organisation (example placeholders to replace), sandbox and localstack none', () => {
    expect(PROFILES.prod.audit.compliance).toMatchObject({
      accountId: PROD_EXAMPLE_AUDIT_ACCOUNT_ID,
      organizationId: PROD_EXAMPLE_ORGANIZATION_ID,
    });
    expect(PROFILES.sandbox.audit.compliance.accountId).toBeUndefined();
    expect(PROFILES.localstack.audit.compliance.accountId).toBeUndefined();
  });

  test('prod without an audit account is refused', () => {
    const { accountId: _drop, ...rest } = PROFILES.prod.audit.compliance;
    void _drop;
    expect(() => validateProfile({ ...PROFILES.prod, audit: { ...PROFILES.prod.audit, compliance: rest } })).toThrow(
      /audit\.compliance\.accountId is required in prod/,
    );
  });

  test('malformed ids, another account without anyone to admit, and both admission kinds are refused', () => {
    const message = (compliance: object) => {
      try {
        validateProfile(withCompliance(PROFILES.sandbox, compliance));
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(message({ accountId: '12345' })).toContain('accountId must be a 12-digit AWS account id');
    expect(message({ accountId: '111122223333' })).toContain('set organizationId (o-…) or sourceAccountIds');
    expect(message({ organizationId: 'org-1' })).toContain('organizationId must be an AWS Organizations id');
    expect(message({ organizationId: 'o-abcdefghij', sourceAccountIds: ['111122223333'] })).toContain('not both');
    expect(message({ busName: 'default' })).toContain('busName must be a custom event bus name');
    expect(message({ logRetentionDays: 0 })).toContain('logRetentionDays must be an integer from 1 to 3653');
    expect(message({ accountId: '111122223333', sourceAccountIds: ['444455556666'] })).toBe('');
  });
});

describe('compliance contract', () => {
  const base = { schemaVersion: 1, orderId: 'o-1', errorName: 'E', occurredAt: '2026-12-07T10:00:00.000Z' };
  test('strict: a field the contract does not list makes the event invalid', () => {
    expect(complianceProblems('Refund Failed', base)).toEqual([]);
    expect(complianceProblems('Refund Failed', { ...base, paymentToken: 'tok_visa' })).not.toEqual([]);
    expect(complianceProblems('Nope', base)).toEqual(["unknown compliance detail-type 'Nope'"]);
  });
  test('times need a zone (Z or an offset)', () => {
    expect(complianceProblems('Refund Failed', { ...base, occurredAt: '2026-12-07T10:00:00.123456+00:00' })).toEqual(
      [],
    );
    expect(complianceProblems('Refund Failed', { ...base, occurredAt: '2026-12-07T10:00:00' })).not.toEqual([]);
  });
});
