/**
 * The AWS calls of `npm run deploy:check`, against the local endpoint (AWS_ENDPOINT_URL): stack
 * status, events, resources and outputs; the site bucket's objects; and an inventory of the
 * resource types the profiles retain or create in numbers, to see what destroy leaves behind.
 */
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ListExportsCommand,
} from '@aws-sdk/client-cloudformation';
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
import { Item } from './checks';

/** Clients for one region (the tests pass mocked ones). */
export interface Clients {
  readonly cloudformation: CloudFormationClient;
  readonly s3: S3Client;
  readonly logs: CloudWatchLogsClient;
  readonly cognito: CognitoIdentityProviderClient;
  readonly dynamodb: DynamoDBClient;
  readonly ecr: ECRClient;
  readonly kms: KMSClient;
  readonly lambda: LambdaClient;
  readonly rds: RDSClient;
  readonly secrets: SecretsManagerClient;
  readonly sfn: SFNClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

export function clientsFor(region: string): Clients {
  const config = { region, maxAttempts: 3 };
  return {
    cloudformation: new CloudFormationClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    logs: new CloudWatchLogsClient(config),
    cognito: new CognitoIdentityProviderClient(config),
    dynamodb: new DynamoDBClient(config),
    ecr: new ECRClient(config),
    kms: new KMSClient(config),
    lambda: new LambdaClient(config),
    rds: new RDSClient(config),
    secrets: new SecretsManagerClient(config),
    sfn: new SFNClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: false }),
  };
}

/** The stack's status, or `DOES_NOT_EXIST`. */
export async function stackStatus(cfn: CloudFormationClient, stackName: string): Promise<string> {
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0]?.StackStatus ?? 'DOES_NOT_EXIST';
  } catch (e) {
    if (/does not exist/i.test((e as Error).message)) return 'DOES_NOT_EXIST';
    throw e;
  }
}

export async function stackOutputs(cfn: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

export async function stackEvents(cfn: CloudFormationClient, stackName: string) {
  const events = [];
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName, NextToken }));
    events.push(...(page.StackEvents ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return events.map((e) => ({
    status: e.ResourceStatus ?? '',
    timestamp: e.Timestamp ?? new Date(0),
    logicalId: e.LogicalResourceId ?? '',
    type: e.ResourceType ?? '',
    reason: e.ResourceStatusReason ?? '',
  }));
}

/** Physical ids by logical id, and the types. */
export async function stackResources(cfn: CloudFormationClient, stackName: string) {
  const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return (StackResources ?? []).map((r) => ({
    logicalId: r.LogicalResourceId ?? '',
    physicalId: r.PhysicalResourceId ?? '',
    type: r.ResourceType ?? '',
  }));
}

export async function exportsOf(cfn: CloudFormationClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new ListExportsCommand({ NextToken }));
    for (const e of page.Exports ?? []) out[e.Name ?? ''] = e.Value ?? '';
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/** Every object under `prefix` with its content. */
export async function bucketContents(s3: S3Client, bucket: string, prefix = ''): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken }),
    );
    for (const o of page.Contents ?? []) {
      const key = o.Key ?? '';
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      files.set(key.slice(prefix.length), Buffer.from(await object.Body!.transformToByteArray()));
    }
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return files;
}

/** A physical id as the inventory lists it (queue URLs differ by endpoint: the name is kept). */
export function normaliseId(type: string, physicalId: string): string {
  if (type === 'AWS::SQS::Queue') return physicalId.split('/').pop() ?? physicalId;
  if (type === 'AWS::RDS::DBSubnetGroup' || type === 'AWS::RDS::DBInstance') return physicalId.toLowerCase();
  return physicalId;
}

type Lister = (c: Clients) => Promise<string[]>;

async function pages<T>(fetch: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    all.push(...page.items);
    token = page.next;
  } while (token);
  return all;
}

/** One lister per CloudFormation type the inventory covers, returning normalised ids. */
export const LISTERS: Readonly<Record<string, Lister>> = {
  'AWS::S3::Bucket': async (c) =>
    ((await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? ''),
  'AWS::DynamoDB::Table': (c) =>
    pages(async (ExclusiveStartTableName) => {
      const r = await c.dynamodb.send(new ListTablesCommand({ ExclusiveStartTableName }));
      return { items: r.TableNames ?? [], next: r.LastEvaluatedTableName };
    }),
  'AWS::SQS::Queue': (c) =>
    pages(async (NextToken) => {
      const r = await c.sqs.send(new ListQueuesCommand({ NextToken, MaxResults: 1000 }));
      return { items: (r.QueueUrls ?? []).map((u) => normaliseId('AWS::SQS::Queue', u)), next: r.NextToken };
    }),
  'AWS::Logs::LogGroup': (c) =>
    pages(async (nextToken) => {
      const r = await c.logs.send(new DescribeLogGroupsCommand({ nextToken }));
      return { items: (r.logGroups ?? []).map((g) => g.logGroupName ?? ''), next: r.nextToken };
    }),
  'AWS::Cognito::UserPool': (c) =>
    pages(async (NextToken) => {
      const r = await c.cognito.send(new ListUserPoolsCommand({ NextToken, MaxResults: 60 }));
      return { items: (r.UserPools ?? []).map((p) => p.Id ?? ''), next: r.NextToken };
    }),
  'AWS::SecretsManager::Secret': (c) =>
    pages(async (NextToken) => {
      const r = await c.secrets.send(new ListSecretsCommand({ NextToken }));
      return { items: (r.SecretList ?? []).map((s) => s.ARN ?? ''), next: r.NextToken };
    }),
  'AWS::ECR::Repository': (c) =>
    pages(async (nextToken) => {
      const r = await c.ecr.send(new DescribeRepositoriesCommand({ nextToken }));
      return { items: (r.repositories ?? []).map((x) => x.repositoryName ?? ''), next: r.nextToken };
    }),
  'AWS::StepFunctions::StateMachine': (c) =>
    pages(async (nextToken) => {
      const r = await c.sfn.send(new ListStateMachinesCommand({ nextToken }));
      return { items: (r.stateMachines ?? []).map((m) => m.stateMachineArn ?? ''), next: r.nextToken };
    }),
  'AWS::SNS::Topic': (c) =>
    pages(async (NextToken) => {
      const r = await c.sns.send(new ListTopicsCommand({ NextToken }));
      return { items: (r.Topics ?? []).map((t) => t.TopicArn ?? ''), next: r.NextToken };
    }),
  'AWS::Lambda::Function': (c) =>
    pages(async (Marker) => {
      const r = await c.lambda.send(new ListFunctionsCommand({ Marker }));
      return { items: (r.Functions ?? []).map((f) => f.FunctionName ?? ''), next: r.NextMarker };
    }),
  'AWS::RDS::DBSubnetGroup': (c) =>
    pages(async (Marker) => {
      const r = await c.rds.send(new DescribeDBSubnetGroupsCommand({ Marker }));
      return {
        items: (r.DBSubnetGroups ?? []).map((g) => normaliseId('AWS::RDS::DBSubnetGroup', g.DBSubnetGroupName ?? '')),
        next: r.Marker,
      };
    }),
  'AWS::RDS::DBInstance': (c) =>
    pages(async (Marker) => {
      const r = await c.rds.send(new DescribeDBInstancesCommand({ Marker }));
      return {
        items: (r.DBInstances ?? []).map((d) => normaliseId('AWS::RDS::DBInstance', d.DBInstanceIdentifier ?? '')),
        next: r.Marker,
      };
    }),
  // A deleted key stays listed, pending deletion: only the keys still usable count.
  'AWS::KMS::Key': async (c) => {
    const keys = await pages(async (Marker) => {
      const r = await c.kms.send(new ListKeysCommand({ Marker }));
      return { items: (r.Keys ?? []).map((k) => k.KeyId ?? ''), next: r.NextMarker };
    });
    const live: string[] = [];
    for (const KeyId of keys) {
      const { KeyMetadata } = await c.kms.send(new DescribeKeyCommand({ KeyId }));
      if (KeyMetadata?.KeyState !== 'PendingDeletion' && KeyMetadata?.KeyState !== 'PendingReplicaDeletion')
        live.push(KeyId);
    }
    return live;
  },
};

export interface Inventory {
  readonly items: Item[];
  /** `type|region` pairs that were listed. */
  readonly listed: Set<string>;
  /** Types the endpoint could not list, with its answer. */
  readonly errors: string[];
}

/** Lists every covered type in every region; a type the endpoint cannot list is reported, not fatal. */
export async function inventory(regions: readonly string[], clients: (region: string) => Clients): Promise<Inventory> {
  const result: Inventory = { items: [], listed: new Set(), errors: [] };
  for (const region of regions) {
    const c = clients(region);
    for (const [type, list] of Object.entries(LISTERS)) {
      try {
        for (const id of await list(c)) result.items.push({ type, region, id });
        result.listed.add(`${type}|${region}`);
      } catch (e) {
        result.errors.push(
          `${type} in ${region}: ${(e as Error).name}: ${(e as Error).message.split('\n')[0].slice(0, 160)}`,
        );
      }
    }
  }
  return result;
}
