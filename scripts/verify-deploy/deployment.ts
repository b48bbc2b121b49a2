import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CheckFailure } from '../../test/smoke/report';
import { errorName } from '../../test/smoke/util';
import type { VerifyClients } from './clients';

/** The stacks of a SecureCart deployment (lib/app.ts), by their short name. */
export const STACKS = [
  'Network',
  'Data',
  'Pipeline',
  'Api',
  'EdgeSecurity',
  'Frontend',
  'Monitoring',
  'EdgeMonitoring',
] as const;
export type StackKey = (typeof STACKS)[number];
/** Deployed in us-east-1 (CloudFront's region), whatever the app's region. */
export const EDGE_STACKS: readonly StackKey[] = ['EdgeSecurity', 'EdgeMonitoring'];

export const stackName = (profile: string, key: StackKey) => `SecureCart-${profile}-${key}`;

/** The outputs verify:deploy reads (lib/stacks/*.ts), by stack. */
export const REQUIRED_OUTPUTS = {
  Data: ['CatalogTableName', 'CartsTableName', 'IdempotencyTableName'],
  Pipeline: ['OrdersQueueUrl', 'OrderStatusQueueUrl', 'StateMachineArn', 'CatalogTableName', 'AlarmTopicArn'],
  Api: [
    'ApiUrl',
    'UserPoolId',
    'UserPoolClientId',
    'UserPoolDomain',
    'LoadBalancerDnsName',
    'CheckoutClusterName',
    'CheckoutServiceName',
  ],
  Frontend: ['StorefrontUrl', 'DistributionId'],
  Monitoring: ['DashboardUrl'],
} as const satisfies Partial<Record<StackKey, readonly string[]>>;

export interface DeployedStack {
  readonly name: string;
  readonly status: string;
  readonly outputs: Readonly<Record<string, string>>;
}

/** What DescribeStacks found: the deployed stacks (those that do not exist are absent). */
export interface Deployment {
  readonly profile: string;
  readonly stacks: Partial<Record<StackKey, DeployedStack>>;
}

/** An output of a stack of the deployment; throws a readable failure when it is missing. */
export function output(d: Deployment, key: StackKey, name: string): string {
  const value = d.stacks[key]?.outputs[name];
  if (!value) throw new CheckFailure(`${stackName(d.profile, key)} has no output ${name}`);
  return value;
}

async function describe(cfn: CloudFormationClient, name: string): Promise<DeployedStack | undefined> {
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
    if (!stack) return undefined;
    const outputs: Record<string, string> = {};
    for (const o of stack.Outputs ?? [])
      if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
    return { name, status: stack.StackStatus ?? 'UNKNOWN', outputs };
  } catch (error) {
    // CloudFormation answers ValidationError "Stack with id X does not exist".
    if (errorName(error) === 'ValidationError' && /does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** Reads every stack of the profile (the Edge stacks in us-east-1). */
export async function readDeployment(
  clients: Pick<VerifyClients, 'cfn' | 'cfnEdge'>,
  profile: string,
): Promise<Deployment> {
  const stacks: Partial<Record<StackKey, DeployedStack>> = {};
  for (const key of STACKS) {
    const found = await describe(EDGE_STACKS.includes(key) ? clients.cfnEdge : clients.cfn, stackName(profile, key));
    if (found) stacks[key] = found;
  }
  return { profile, stacks };
}

/**
 * The `stack outputs` check: each expected stack is deployed and complete and has the outputs
 * verify:deploy reads. Returns the PASS detail; throws what is wrong.
 */
export function checkDeployment(d: Deployment, expected: readonly StackKey[]): string {
  const problems: string[] = [];
  for (const key of expected) {
    const stack = d.stacks[key];
    const name = stackName(d.profile, key);
    if (!stack) {
      problems.push(`${name} is not deployed`);
      continue;
    }
    if (!/_COMPLETE$/.test(stack.status) || /ROLLBACK|DELETE/.test(stack.status))
      problems.push(`${name} is ${stack.status} (expected CREATE_COMPLETE or UPDATE_COMPLETE)`);
    const required: readonly string[] = (REQUIRED_OUTPUTS as Partial<Record<StackKey, readonly string[]>>)[key] ?? [];
    const missing = required.filter((o) => !stack.outputs[o]);
    if (missing.length) problems.push(`${name} lacks outputs ${missing.join(', ')}`);
  }
  if (problems.length) throw new CheckFailure(problems.join('; '));
  const count = expected.reduce((n, key) => n + Object.keys(d.stacks[key]?.outputs ?? {}).length, 0);
  return `${expected.length} stacks complete (${expected.join(', ')}), ${count} outputs`;
}
