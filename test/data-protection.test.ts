/**
 * docs/data-protection.md lists every store the stacks create: a log group, table, queue, bucket,
 * database, archive, topic, state machine or secret that the page does not name fails this test,
 * and so does a name on the page that no profile creates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { DETAIL_TYPES } from '@securecart/contracts';
import { synthesizeForFile } from './helpers/synth';

const STORES = new Set([
  'AWS::Logs::LogGroup',
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::S3::Bucket',
  'AWS::RDS::DBInstance',
  'AWS::Events::Archive',
  'AWS::SNS::Topic',
  'AWS::StepFunctions::StateMachine',
  'AWS::SecretsManager::Secret',
  'AWS::Kinesis::Stream',
]);
const PAGE = readFileSync(join(__dirname, '..', 'docs', 'data-protection.md'), 'utf8');

/** `Stack/construct/path` without the profile: how the page names a store. */
const storeName = (cdkPath: string) =>
  cdkPath
    .replace(/^SecureCart-[a-z]+-/, '')
    .replace(/\/Resource$/, '')
    .replace(/securecart-(sandbox|prod|localstack)-/g, 'securecart-<profile>-');

describe('docs/data-protection.md', () => {
  const apps = synthesizeForFile(['sandbox', 'prod', 'localstack']);
  /** Every store of every profile, by the name the page gives it. */
  const synthesized = () => {
    const names = new Set<string>();
    for (const app of [apps.sandbox, apps.prod, apps.localstack]) {
      for (const stack of Object.values(app.stacks).filter((x): x is Stack => x instanceof Stack)) {
        for (const resource of Object.values<any>(app.template(stack).toJSON().Resources ?? {})) {
          if (STORES.has(resource.Type)) names.add(storeName(resource.Metadata['aws:cdk:path']));
        }
      }
    }
    return names;
  };
  const section = PAGE.split('## What is stored where')[1].split('\n## ')[0];
  const listed = new Set([...section.matchAll(/`([A-Z][A-Za-z]+\/[^`]+)`/g)].map((m) => m[1]));

  test('lists every store of every profile', () => {
    const names = synthesized();
    expect(names.size).toBeGreaterThan(40);
    expect([...names].filter((name) => !listed.has(name)).sort()).toEqual([]);
  });

  /** Every resource of a type in every profile, with its profile and logical id. */
  const resourcesOfType = (type: string) =>
    (['sandbox', 'prod', 'localstack'] as const).flatMap((profile) =>
      Object.values(apps[profile].stacks)
        .filter((x): x is Stack => x instanceof Stack)
        .flatMap((stack) =>
          Object.entries<any>(apps[profile].template(stack).toJSON().Resources ?? {})
            .filter(([, r]) => r.Type === type)
            .map(([id, r]) => ({ profile, id, resource: r })),
        ),
    );

  test('no state machine of any profile logs execution data or keeps its history without a customer-managed key', () => {
    const machines = resourcesOfType('AWS::StepFunctions::StateMachine');
    expect(machines.map((m) => m.profile).sort()).toEqual(['localstack', 'prod', 'sandbox']);
    for (const { profile, id, resource } of machines) {
      const { LoggingConfiguration: logging, EncryptionConfiguration: encryption } = resource.Properties;
      expect({ profile, id, includeExecutionData: logging?.IncludeExecutionData ?? false }).toEqual({
        profile,
        id,
        includeExecutionData: false,
      });
      expect({ profile, id, type: encryption?.Type, key: encryption?.KmsKeyId }).toEqual({
        profile,
        id,
        type: 'CUSTOMER_MANAGED_KMS_KEY',
        key: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
      });
    }
  });

  test('the event bus and its archive are on the pipeline key; the archive keeps no screening request (task token)', () => {
    const buses = resourcesOfType('AWS::Events::EventBus');
    expect(buses).toHaveLength(3);
    for (const { profile, resource } of buses) {
      expect({ profile, key: resource.Properties.KmsKeyIdentifier }).toEqual({
        profile,
        key: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
      });
    }
    const archives = resourcesOfType('AWS::Events::Archive');
    expect(archives.map((a) => a.profile).sort()).toEqual(['prod', 'sandbox']);
    for (const { profile, resource } of archives) {
      expect({ profile, key: resource.Properties.KmsKeyIdentifier }).toEqual({
        profile,
        key: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] },
      });
      expect(resource.Properties.EventPattern['detail-type']).toEqual([
        { 'anything-but': [DETAIL_TYPES.screeningRequested] },
      ]);
    }
  });

  test('every service principal the pipeline key trusts is held to this account and named source ARNs', () => {
    for (const { profile, id, resource } of resourcesOfType('AWS::KMS::Key').filter((k) =>
      k.id.startsWith('PipelineKey'),
    )) {
      const services = resource.Properties.KeyPolicy.Statement.filter(
        (st: any) => st.Effect === 'Allow' && st.Principal?.Service,
      );
      expect(services.length).toBeGreaterThan(0);
      for (const st of services) {
        const service = JSON.stringify(st.Principal.Service);
        // CloudWatch Logs is held to this account's log groups by its encryption context; the log
        // delivery statement is the one the Step Functions guide documents (Decrypt only).
        if (/logs\./.test(service) && !/delivery\.logs/.test(service)) {
          expect(st.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBeDefined();
          continue;
        }
        if (/delivery\.logs/.test(service)) {
          expect({ profile, id, actions: st.Action }).toEqual({ profile, id, actions: 'kms:Decrypt*' });
          continue;
        }
        const conditions: Record<string, unknown> = Object.assign({}, ...Object.values(st.Condition ?? {}));
        // A source ARN that is one resource of this stack (SNS's subscription statement) names the account itself.
        const ownResource = JSON.stringify(conditions['aws:SourceArn'] ?? '').startsWith('{"Ref"');
        expect({ profile, service, sid: st.Sid, account: ownResource || 'aws:SourceAccount' in conditions }).toEqual({
          profile,
          service,
          sid: st.Sid,
          account: true,
        });
        expect({ profile, service, sid: st.Sid, arn: 'aws:SourceArn' in conditions }).toEqual({
          profile,
          service,
          sid: st.Sid,
          arn: true,
        });
      }
    }
  });

  test('lists no store that no profile creates', () => {
    const names = synthesized();
    expect([...listed].filter((name) => !names.has(name)).sort()).toEqual([]);
  });
});
