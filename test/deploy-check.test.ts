import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CognitoIdentityProviderClient, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  assetFiles,
  bucketDeployments,
  dependencyOrder,
  readAssembly,
  regionOf,
  replaceMarkers,
  retainedResources,
} from '../scripts/deploy-check/assembly';
import { bucketContents, clientsFor, inventory, normaliseId, stackStatus } from '../scripts/deploy-check/aws';
import { synthesizeForFile } from './helpers/synth';
import {
  cdkDeploymentTimes,
  compareFiles,
  countByType,
  creationSeconds,
  Deployed,
  failedStacks,
  leftoverMarkers,
  leftovers,
  resolveValue,
  runtimeConfigProblems,
  stackTable,
} from '../scripts/deploy-check/checks';

/*
 * npm run deploy:check's logic, offline: what it reads from a cloud assembly, how it resolves the
 * deployed values, its table, and its checks of the site bucket and of what destroy leaves;
 * the AWS calls against mocked clients.
 */

const MARKER = '<<marker:0xbaba:0>>';
let dir: string;

/** A small assembly: an edge stack in us-east-1, an env-agnostic one depending on it, assets. */
function writeAssembly(root: string) {
  const edge = {
    Resources: {
      Key: { Type: 'AWS::KMS::Key', DeletionPolicy: 'Retain' },
      Logs: { Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Delete' },
    },
  };
  const site = {
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'RetainExceptOnCreate' },
      Pool: { Type: 'AWS::Cognito::UserPool' },
      Deploy: {
        Type: 'Custom::CDKBucketDeployment',
        Properties: {
          SourceObjectKeys: ['build.zip', 'config.zip'],
          SourceMarkers: [{}, { [MARKER]: { 'Fn::GetStackOutput': { StackName: 'Edge', OutputName: 'Arn' } } }],
          SourceMarkersConfig: [{}, { jsonEscape: true }],
          DestinationBucketName: { Ref: 'Bucket' },
        },
      },
    },
  };
  const assets = {
    files: {
      a: { source: { path: 'asset.build', packaging: 'zip' }, destinations: { d: { objectKey: 'build.zip' } } },
      b: { source: { path: 'asset.config', packaging: 'zip' }, destinations: { d: { objectKey: 'config.zip' } } },
    },
  };
  const manifest = {
    artifacts: {
      'Site.assets': { type: 'cdk:asset-manifest' },
      Site: {
        type: 'aws:cloudformation:stack',
        environment: 'aws://unknown-account/unknown-region',
        dependencies: ['Edge', 'Site.assets'],
        properties: { templateFile: 'Site.template.json', stackName: 'App-Site' },
      },
      Edge: {
        type: 'aws:cloudformation:stack',
        environment: 'aws://unknown-account/us-east-1',
        properties: { templateFile: 'Edge.template.json' },
      },
      Tree: { type: 'cdk:tree' },
    },
  };
  writeFileSync(path.join(root, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(path.join(root, 'Edge.template.json'), JSON.stringify(edge));
  writeFileSync(path.join(root, 'Site.template.json'), JSON.stringify(site));
  writeFileSync(path.join(root, 'Site.assets.json'), JSON.stringify(assets));
  mkdirSync(path.join(root, 'asset.build', 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'asset.build', 'index.html'), '<!doctype html>');
  writeFileSync(path.join(root, 'asset.build', 'assets', 'app.js'), 'console.log(1)');
  mkdirSync(path.join(root, 'asset.config'));
  writeFileSync(path.join(root, 'asset.config', 'config.json'), `{"acl":"${MARKER}"}`);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'deploy-check-test-'));
  writeAssembly(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the cloud assembly', () => {
  test('stacks in dependency order, with their regions (env-agnostic ones get the default)', () => {
    const stacks = readAssembly(dir, 'eu-west-1');
    expect(stacks.map((s) => [s.id, s.stackName, s.region, s.dependencies])).toEqual([
      ['Edge', 'Edge', 'us-east-1', []],
      ['Site', 'App-Site', 'eu-west-1', ['Edge']],
    ]);
    expect(regionOf(undefined, 'eu-central-1')).toBe('eu-central-1');
    expect(regionOf('aws://123456789012/ap-south-1', 'x')).toBe('ap-south-1');
  });

  describe("the app's own assemblies", () => {
    const { sandbox, prod } = synthesizeForFile(['sandbox', 'prod']);
    test('deploy:check deploys the Audit stack with every profile; in sandbox before the Pipeline, whose rule targets its bus (ADR 28)', () => {
      const order = (outdir: string) => readAssembly(outdir, 'eu-west-1').map((s) => s.stackName);
      const sb = order(sandbox.outdir);
      expect(sb).toContain('SecureCart-sandbox-Audit');
      expect(sb.indexOf('SecureCart-sandbox-Audit')).toBeLessThan(sb.indexOf('SecureCart-sandbox-Pipeline'));
      expect(order(prod.outdir)).toContain('SecureCart-prod-Audit');
    });
  });

  test('dependency order is stable and refuses a cycle', () => {
    const s = (id: string, ...dependencies: string[]) => ({ id, dependencies });
    expect(dependencyOrder([s('c', 'b'), s('a'), s('b', 'a'), s('d')]).map((x) => x.id)).toEqual(['a', 'd', 'b', 'c']);
    expect(() => dependencyOrder([s('a', 'b'), s('b', 'a')])).toThrow('dependency cycle among a, b');
  });

  test('retained resources are those whose DeletionPolicy keeps them', () => {
    expect(retainedResources(readAssembly(dir, 'eu-west-1'))).toEqual([
      { stackName: 'Edge', region: 'us-east-1', logicalId: 'Key', type: 'AWS::KMS::Key' },
      { stackName: 'App-Site', region: 'eu-west-1', logicalId: 'Bucket', type: 'AWS::S3::Bucket' },
    ]);
  });

  test('a BucketDeployment: its sources as assembly assets, with their markers', () => {
    const [spec] = bucketDeployments(readAssembly(dir, 'eu-west-1'));
    expect(spec).toMatchObject({ stackName: 'App-Site', logicalId: 'Deploy', destinationBucket: { Ref: 'Bucket' } });
    expect(spec.sources.map((s) => [path.basename(s.assetPath), s.jsonEscape, Object.keys(s.markers)])).toEqual([
      ['asset.build', false, []],
      ['asset.config', true, [MARKER]],
    ]);
    expect([...assetFiles(spec.sources[0].assetPath).keys()]).toEqual(['assets/app.js', 'index.html']);
  });

  test('markers are replaced as BucketDeployment does, JSON-escaped where asked', () => {
    expect(replaceMarkers(`{"a":"${MARKER}","b":"${MARKER}"}`, { [MARKER]: 'x"y' }, true)).toBe(
      '{"a":"x\\"y","b":"x\\"y"}',
    );
    expect(replaceMarkers(`v=${MARKER}`, { [MARKER]: 'x"y' }, false)).toBe('v=x"y');
  });
});

describe('values of the deployment', () => {
  const deployed: Deployed = {
    outputs: new Map([['Edge', { Arn: 'arn:acl' }]]),
    resources: new Map([['App-Site', { Bucket: 'site-bucket-123' }]]),
    exports: { SharedName: 'exported' },
    account: '123456789012',
  };
  const resolve = (v: unknown) => resolveValue(v, 'App-Site', 'eu-west-1', deployed);

  test('Ref, pseudo parameters, weak references, exports, Join, Select and Sub', () => {
    expect(resolve({ Ref: 'Bucket' })).toBe('site-bucket-123');
    expect(resolve({ 'Fn::GetStackOutput': { StackName: 'Edge', Region: 'us-east-1', OutputName: 'Arn' } })).toBe(
      'arn:acl',
    );
    expect(resolve({ 'Fn::ImportValue': 'SharedName' })).toBe('exported');
    expect(resolve({ 'Fn::Join': ['-', [{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, 'x']] })).toBe(
      'eu-west-1-123456789012-x',
    );
    expect(resolve({ 'Fn::Select': [1, ['a', { Ref: 'Bucket' }]] })).toBe('site-bucket-123');
    expect(resolve({ 'Fn::Sub': 'cdk-${AWS::AccountId}-${AWS::Region}' })).toBe('cdk-123456789012-eu-west-1');
  });

  test('what cannot be resolved is named, never guessed', () => {
    expect(() => resolve({ Ref: 'Nope' })).toThrow('cannot resolve Ref Nope in App-Site');
    expect(() => resolve({ 'Fn::GetStackOutput': { StackName: 'Edge', OutputName: 'Other' } })).toThrow(
      'cannot resolve output Other of Edge',
    );
    expect(() => resolve({ 'Fn::GetAtt': ['Bucket', 'Arn'] })).toThrow('cannot resolve {"Fn::GetAtt"');
    expect(() => resolve({ 'Fn::Sub': ['${X}', { X: 'y' }] })).toThrow('Fn::Sub with variables');
  });
});

describe('the per-stack table', () => {
  test("cdk's deployment time per stack, also when concurrent stacks interleave", () => {
    const log = [
      'A: deploying... [1/3]',
      '✅  App-A',
      '',
      '✨  Deployment time: 5.72s',
      '✅  App-B',
      'App-C | 1/4 | CREATE_IN_PROGRESS',
      '✨  Deployment time: 0.3s',
      '✅  App-C',
      'a',
      'b',
      'c',
      '✨  Deployment time: 9s',
      '✨  Total time: 21.82s',
    ].join('\n');
    expect([...cdkDeploymentTimes(log)]).toEqual([
      ['App-A', 5.72],
      ['App-B', 0.3],
    ]);
  });

  test("a stack's own events give its creation time when cdk's is missing", () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const events = [
      { status: 'CREATE_COMPLETE', timestamp: at(9), logicalId: 'S', type: 'AWS::CloudFormation::Stack' },
      { status: 'CREATE_COMPLETE', timestamp: at(30), logicalId: 'Bucket', type: 'AWS::S3::Bucket' },
      { status: 'CREATE_IN_PROGRESS', timestamp: at(2), logicalId: 'S', type: 'AWS::CloudFormation::Stack' },
    ];
    expect(creationSeconds(events, 'S')).toBe(7);
    expect(creationSeconds(events.slice(1), 'S')).toBeUndefined();
  });

  test('stack, region, status, seconds, aligned; failures are the rows not CREATE_COMPLETE', () => {
    const rows = [
      { stack: 'SecureCart-prod-Network', region: 'eu-west-1', status: 'CREATE_COMPLETE', seconds: 5.72 },
      { stack: 'SecureCart-prod-Api', region: 'eu-west-1', status: 'CREATE_FAILED', seconds: undefined },
      { stack: 'Edge', region: 'us-east-1', status: 'DOES_NOT_EXIST' },
    ];
    expect(stackTable(rows)).toBe(
      [
        'stack                    region     status           seconds',
        '-----------------------  ---------  ---------------  -------',
        'SecureCart-prod-Network  eu-west-1  CREATE_COMPLETE  5.7',
        'SecureCart-prod-Api      eu-west-1  CREATE_FAILED    -',
        'Edge                     us-east-1  DOES_NOT_EXIST   -',
      ].join('\n'),
    );
    expect(failedStacks(rows).map((r) => r.stack)).toEqual(['SecureCart-prod-Api', 'Edge']);
  });
});

describe('the site bucket', () => {
  const b = (s: string) => Buffer.from(s);

  test('every file of the assembly, byte for byte; extra files (older builds) are allowed', () => {
    const expected = new Map([
      ['index.html', b('<html>')],
      ['assets/app.js', b('x')],
      ['config.json', b('{}')],
    ]);
    const actual = new Map([
      ['index.html', b('<html>')],
      ['assets/app.js', b('y')],
      ['assets/old.js', b('old')],
    ]);
    expect(compareFiles(expected, actual)).toEqual([
      'assets/app.js: differs from the assembly (1 bytes, expected 1)',
      'config.json: missing',
    ]);
    expect(compareFiles(expected, new Map(expected))).toEqual([]);
  });

  test('an unreplaced marker is a failure', () => {
    expect(leftoverMarkers(new Map([['config.json', b(`{"a":"${MARKER}"}`)]]))).toEqual([
      'config.json: unreplaced marker',
    ]);
  });

  test("config.json must name this deployment's user pool and app client", () => {
    const identity = { userPoolIds: ['us-east-1_abc'], clientIds: ['client1'] };
    expect(
      runtimeConfigProblems(
        { authority: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc', clientId: 'client1' },
        identity,
      ),
    ).toEqual([]);
    expect(runtimeConfigProblems({ authority: 'https://x/us-east-1_abcd', clientId: 'other' }, identity)).toEqual([
      'config.json clientId "other" is not this deployment\'s app client (client1)',
      'config.json authority "https://x/us-east-1_abcd" does not name this deployment\'s user pool (us-east-1_abc)',
    ]);
    expect(runtimeConfigProblems(null, { userPoolIds: [], clientIds: [] })).toHaveLength(2);
  });
});

describe('what destroy leaves', () => {
  const r = (type: string, id: string, region = 'us-east-1') => ({
    stackName: 'S',
    logicalId: `L-${id}`,
    region,
    type,
    id,
  });
  const i = (type: string, id: string, region = 'us-east-1') => ({ type, region, id });
  const listed = new Set(['AWS::S3::Bucket|us-east-1', 'AWS::Logs::LogGroup|us-east-1']);

  test('exactly the retained resources: kept, lost, strays, unlistable types, and Lambda log groups', () => {
    const before = [i('AWS::S3::Bucket', 'cdk-assets')];
    const after = [
      i('AWS::S3::Bucket', 'cdk-assets'),
      i('AWS::S3::Bucket', 'site'),
      i('AWS::S3::Bucket', 'stray'),
      i('AWS::Logs::LogGroup', '/aws/lambda/fn-1'),
      i('AWS::Logs::LogGroup', '/aws/lambda/not-ours'),
    ];
    const retained = [
      r('AWS::S3::Bucket', 'site'),
      r('AWS::S3::Bucket', 'logs'),
      r('AWS::KMS::Key', 'key-1'),
      r('AWS::S3::Bucket', 'elsewhere', 'eu-west-1'),
    ];
    const report = leftovers(before, after, retained, listed, ['fn-1']);
    expect(report.kept.map((x) => x.id)).toEqual(['site']);
    expect(report.lost.map((x) => x.id)).toEqual(['logs']);
    expect(report.unchecked.map((x) => x.id)).toEqual(['key-1', 'elsewhere']);
    expect(report.strays).toEqual([i('AWS::S3::Bucket', 'stray'), i('AWS::Logs::LogGroup', '/aws/lambda/not-ours')]);
    expect(report.lambdaLogGroups).toEqual([i('AWS::Logs::LogGroup', '/aws/lambda/fn-1')]);
  });

  test('nothing retained and nothing left is clean', () => {
    const report = leftovers([], [], [], listed, []);
    expect([report.kept, report.lost, report.unchecked, report.strays, report.lambdaLogGroups]).toEqual([
      [],
      [],
      [],
      [],
      [],
    ]);
  });

  test('counts by type for the summary', () => {
    expect(countByType([{ type: 'B' }, { type: 'A' }, { type: 'B' }])).toBe('A ×1, B ×2');
    expect(countByType([])).toBe('');
  });
});

describe('AWS calls (mocked clients)', () => {
  const mocks = [
    CloudFormationClient,
    S3Client,
    CloudWatchLogsClient,
    CognitoIdentityProviderClient,
    DynamoDBClient,
    ECRClient,
    KMSClient,
    LambdaClient,
    RDSClient,
    SecretsManagerClient,
    SFNClient,
    SNSClient,
    SQSClient,
  ].map((c) => mockClient(c as never));
  afterEach(() => mocks.forEach((m) => m.reset()));
  const [cfn, s3, logs, cognito, ddb, ecr, kms, lambda, rds, secrets, sfn, sns, sqs] = mocks;

  test('a stack that does not exist is DOES_NOT_EXIST; other errors are not hidden', async () => {
    const client = clientsFor('us-east-1').cloudformation;
    cfn.on(DescribeStacksCommand, { StackName: 'gone' }).rejects(new Error('Stack with id gone does not exist'));
    cfn
      .on(DescribeStacksCommand, { StackName: 'here' })
      .resolves({ Stacks: [{ StackStatus: 'CREATE_COMPLETE' }] as never });
    cfn.on(DescribeStacksCommand, { StackName: 'broken' }).rejects(new Error('Throttling'));
    expect(await stackStatus(client, 'gone')).toBe('DOES_NOT_EXIST');
    expect(await stackStatus(client, 'here')).toBe('CREATE_COMPLETE');
    await expect(stackStatus(client, 'broken')).rejects.toThrow('Throttling');
  });

  test("a bucket's objects with their content, across pages", async () => {
    s3.on(ListObjectsV2Command, { Bucket: 'b', Prefix: undefined, ContinuationToken: undefined }).resolves({
      Contents: [{ Key: 'index.html' }],
      NextContinuationToken: 't',
    });
    s3.on(ListObjectsV2Command, { Bucket: 'b', ContinuationToken: 't' }).resolves({
      Contents: [{ Key: 'config.json' }],
    });
    for (const [Key, text] of [
      ['index.html', '<html>'],
      ['config.json', '{}'],
    ])
      s3.on(GetObjectCommand, { Bucket: 'b', Key }).resolves({
        Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(text)) } as never,
      });
    const files = await bucketContents(clientsFor('us-east-1').s3, 'b');
    expect([...files].map(([k, v]) => [k, v.toString()])).toEqual([
      ['index.html', '<html>'],
      ['config.json', '{}'],
    ]);
  });

  test('the inventory: ids as CloudFormation names them, keys pending deletion left out, an unlistable type reported', async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'site' }] });
    ddb.on(ListTablesCommand).resolves({ TableNames: ['t1'] });
    sqs.on(ListQueuesCommand).resolves({ QueueUrls: ['http://127.0.0.1:4566/123456789012/orders.fifo'] });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: '/aws/lambda/f' }] });
    cognito.on(ListUserPoolsCommand).resolves({ UserPools: [{ Id: 'us-east-1_x' }] });
    secrets.on(ListSecretsCommand).resolves({ SecretList: [{ ARN: 'arn:secret' }] });
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: 'repo' }] });
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [{ stateMachineArn: 'arn:sm' }] as never });
    sns.on(ListTopicsCommand).resolves({ Topics: [{ TopicArn: 'arn:topic' }] });
    lambda.on(ListFunctionsCommand).resolves({ Functions: [{ FunctionName: 'f' }] });
    rds.on(DescribeDBSubnetGroupsCommand).resolves({ DBSubnetGroups: [{ DBSubnetGroupName: 'Data-Subnets' }] });
    rds.on(DescribeDBInstancesCommand).rejects(new Error('@aws-sdk XML parse error\nmore'));
    kms.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'live' }, { KeyId: 'deleted' }] });
    kms
      .on(DescribeKeyCommand, { KeyId: 'live' })
      .resolves({ KeyMetadata: { KeyId: 'live', KeyState: 'Enabled' } as never });
    kms
      .on(DescribeKeyCommand, { KeyId: 'deleted' })
      .resolves({ KeyMetadata: { KeyId: 'deleted', KeyState: 'PendingDeletion' } as never });

    const found = await inventory(['us-east-1'], clientsFor);
    const ids = (type: string) => found.items.filter((x) => x.type === type).map((x) => x.id);
    expect(ids('AWS::SQS::Queue')).toEqual(['orders.fifo']);
    expect(ids('AWS::RDS::DBSubnetGroup')).toEqual(['data-subnets']);
    expect(ids('AWS::KMS::Key')).toEqual(['live']);
    expect(ids('AWS::S3::Bucket')).toEqual(['site']);
    expect(found.listed.has('AWS::RDS::DBInstance|us-east-1')).toBe(false);
    expect(found.listed.has('AWS::KMS::Key|us-east-1')).toBe(true);
    expect(found.errors).toEqual(['AWS::RDS::DBInstance in us-east-1: Error: @aws-sdk XML parse error']);
    expect(normaliseId('AWS::SQS::Queue', 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo')).toBe(
      'orders.fifo',
    );
  });
});
