import { Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PROFILE_NAMES, ProfileName } from '../lib/config/profiles';
import { listNagAcknowledgements, readNagFindings } from './helpers/nag';
import { cleanUp, newApp, synthesize, Synthesized } from './helpers/synth';

test('the nag harness reports a non-compliant resource and counts its acknowledgement', () => {
  const app = newApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Bad');
  new sqs.Queue(stack, 'NoDlq', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  const acked = new sqs.Queue(stack, 'Acked', { encryption: sqs.QueueEncryption.KMS_MANAGED, enforceSSL: true });
  Validations.of(acked).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'negative control: a queue without DLQ on purpose',
  });
  expect(() => app.synth()).toThrow(/validation-report\.json/);
  const rules = readNagFindings(app.outdir)
    .filter((f) => f.path.startsWith('Bad/NoDlq'))
    .map((f) => f.rule);
  expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  expect(readNagFindings(app.outdir).filter((f) => f.path.startsWith('Bad/Acked'))).toEqual([]);
  expect(listNagAcknowledgements(app)).toEqual([
    { path: 'Bad/Acked', rule: 'AwsSolutions-SQS3', reason: expect.any(String) },
  ]);
  cleanUp(app);
});

/**
 * The acknowledgement budget per profile. Every entry is a reviewed, resource-level exception
 * with a reason. Raising a number needs a reason in the pull request; lower it when you can.
 */
// 16 × L1 (nodejs22.x pinned), 16 × IAM5 X-Ray (redeliver-status, carrier-pickup, commit-shipment, cancel-shipment, clickstream-consumer and
// cart-reminder included), OrderFulfillment: 6 × IAM5 lambda ARN:*, IAM5 log delivery/X-Ray, IAM5 its ShipOrder executions (sync:2's
// DescribeExecution/StopExecution), IAM5 DescribeShipOrder on `<ShipOrder>:*` (a taken child name, read; ADR 29); ShipOrder (ADR 29): 3 × IAM5 lambda ARN:* (create, commit, cancel), IAM5 log delivery/X-Ray; SQS3 (event-targets DLQ),
// SQS3 (the clickstream's on-failure queue), SQS3 (compliance forwarding DLQ, ADR 28), KDS3 (the clickstream on the pipeline CMK, ADR 25)
const PIPELINE_ACKS = 49;
/**
 * The Api stack's own budget (ADR 13), counted separately below.
 * Both profiles: COG2 (optional MFA), SMG4 (origin secret rotated from the Frontend stack, ADR 21), S1 (the ALB log
 * bucket), ECS2 x2 (environment without secrets: service, bootstrap task), IAM5 x2 (the execution
 * roles of the service and of the bootstrap task, which runs the service image since ADR 22:
 * ecr:GetAuthorizationToken), APIG6 (no execution logs: account-wide role), APIG4 + COG4 for each
 * public method: the catalog (2), the live health check, the recommendations (2) and POST
 * /api/events (a beacon, ADR 25) = 12, IAM4 x2 (AWSLambdaBasicExecutionRole: AwsCustomResource provider,
 * build trigger), and the deploy-time image build: L1 (nodejs22.x), CB3 (privileged for docker),
 * CB4 (no artifacts), IAM4 (ECR Public read-only), IAM5 x7 (CodeBuild's log group, report groups and
 * ecr:GetAuthorizationToken; CDK's asset read grant: 3 actions and the asset bucket), and IAM5 x1
 * (the task role: X-Ray for the CloudWatch agent sidecar, ADR 15) = 34.
 * Sandbox also: COG8 (Essentials plan, no threat protection), APIG3 (no REGIONAL WAF), ECS4 (Container
 * Insights off, ADR 27) = 37.
 */
const API_ACKS: Record<ProfileName, number> = { sandbox: 37, prod: 34, localstack: 0 };
/**
 * The Frontend stack's own budget. Both profiles: S1 (the access-log bucket itself), CFR1 (no geo
 * restriction), CFR4 (default *.cloudfront.net certificate without a custom domain), and
 * BucketDeployment's library-owned function: IAM5 x8 (its S3 copy and invalidation grants), IAM4,
 * L1; IAM4 (the AwsCustomResource provider); the origin secret's rotation function (ADR 21): L1
 * (nodejs22.x), IAM5 (X-Ray, GetRandomPassword, DescribeRules) = 16. Sandbox also: CFR2 (no edge
 * WAF) = 17. Prod also: IAM5 (UpdateWebACL on the AWS managed rule groups the ACL references) = 17.
 * EdgeSecurity (prod only) needs none.
 */
const FRONTEND_ACKS: Record<ProfileName, number> = { sandbox: 17, prod: 17, localstack: 0 };
/**
 * The Monitoring and EdgeMonitoring stacks' own budget (ADR 15). Prod: S1 (the audit bucket's
 * server access log bucket itself) = 1. Sandbox has no audit trail: 0. The dashboard, the alarms
 * and the edge alarm topic need none.
 */
const MONITORING_ACKS: Record<ProfileName, number> = { sandbox: 0, prod: 1, localstack: 0 };
/** The Audit stack's own budget (ADR 28), every profile: SQS3 (the audit log DLQ is itself a dead-letter queue) = 1. */
const AUDIT_ACKS = 1;
const ACKNOWLEDGEMENT_BUDGET: Record<ProfileName, number> = {
  // Data: RDS11, RDS3 (single-AZ), RDS10 (no deletion protection), IAM4 (Enhanced Monitoring role);
  // Network: EC28 (basic monitoring), EC29 (no termination protection) on the NAT instance (ADR 27).
  sandbox: 4 + 2 + PIPELINE_ACKS + API_ACKS.sandbox + FRONTEND_ACKS.sandbox + MONITORING_ACKS.sandbox + AUDIT_ACKS,
  prod: 6 + PIPELINE_ACKS + API_ACKS.prod + FRONTEND_ACKS.prod + MONITORING_ACKS.prod + AUDIT_ACKS, // Data: RDS11 x2, IAM4 x2 (Enhanced Monitoring roles), RDS3 + RDS2 (read replica)
  localstack: PIPELINE_ACKS + MONITORING_ACKS.localstack + AUDIT_ACKS,
};

describe.each(PROFILE_NAMES.map((p) => [p]))('cdk-nag AwsSolutionsChecks, profile %s', (profileName) => {
  let synthesized: Synthesized | undefined;
  let synthError: Error | undefined;
  let outdir: string;
  beforeAll(() => {
    try {
      synthesized = synthesize(profileName, { nag: true });
      outdir = synthesized.outdir;
    } catch (e) {
      synthError = e as Error;
      outdir = /found in: (\S+)validation-report\.json/.exec(synthError.message)?.[1] ?? '';
    }
  });
  afterAll(() => cleanUp({ outdir }));

  test('has no unacknowledged findings', () => {
    const findings = outdir ? readNagFindings(outdir) : [];
    expect(findings).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  test('every acknowledgement sits on a resource, carries a reason and fits the budget', () => {
    const app = synthesized!.app;
    const acks = listNagAcknowledgements(app);
    for (const ack of acks) {
      const holder = app.node.findAll().find((c) => c.node.path === ack.path);
      expect({ ack, onStackOrApp: holder === app || Stack.isStack(holder) }).toEqual({ ack, onStackOrApp: false });
      expect(ack.reason.length).toBeGreaterThanOrEqual(40);
    }
    expect(acks.length).toBeLessThanOrEqual(ACKNOWLEDGEMENT_BUDGET[profileName]);
  });

  test('the Api stack keeps to its own budget', () => {
    const api = synthesized!.stacks.api;
    const acks = api ? listNagAcknowledgements(api) : [];
    expect(acks.length).toBeLessThanOrEqual(API_ACKS[profileName]);
    expect(api === undefined).toBe(API_ACKS[profileName] === 0);
  });

  test('the Frontend and EdgeSecurity stacks keep to their own budget', () => {
    const { frontend, edgeSecurity } = synthesized!.stacks;
    expect(frontend ? listNagAcknowledgements(frontend).length : 0).toBeLessThanOrEqual(FRONTEND_ACKS[profileName]);
    expect(edgeSecurity ? listNagAcknowledgements(edgeSecurity) : []).toEqual([]);
    expect(frontend === undefined).toBe(FRONTEND_ACKS[profileName] === 0);
  });

  test('the Audit stack keeps to its own budget', () => {
    expect(listNagAcknowledgements(synthesized!.stacks.audit).length).toBeLessThanOrEqual(AUDIT_ACKS);
  });

  test('the Monitoring and EdgeMonitoring stacks keep to their own budget', () => {
    const { monitoring, edgeMonitoring } = synthesized!.stacks;
    const acks = [monitoring, edgeMonitoring].flatMap((s) => (s ? listNagAcknowledgements(s) : []));
    expect(acks.length).toBeLessThanOrEqual(MONITORING_ACKS[profileName]);
    expect(monitoring === undefined).toBe(profileName === 'localstack');
  });
});
