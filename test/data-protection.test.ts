/**
 * docs/data-protection.md lists every store the stacks create: a log group, table, queue, bucket,
 * database, archive, topic, state machine or secret that the page does not name fails this test,
 * and so does a name on the page that no profile creates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
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

  test('lists no store that no profile creates', () => {
    const names = synthesized();
    expect([...listed].filter((name) => !names.has(name)).sort()).toEqual([]);
  });
});
