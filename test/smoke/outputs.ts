import { readFileSync } from 'node:fs';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { Stack } from '@aws-sdk/client-cloudformation';
import type { Clients } from './aws';
import { CheckFailure } from './report';
import { isRecord } from './util';

/** Outputs of the Pipeline stack the suite reads (see lib/stacks/pipeline-stack.ts). */
export const REQUIRED_OUTPUTS = [
  'OrdersQueueUrl',
  'OrdersDlqUrl',
  'OrderStatusQueueUrl',
  'NotificationsQueueUrl',
  'AnalyticsQueueUrl',
  'EventTargetsDlqUrl',
  'OrderEventsTopicArn',
  'EventBusName',
  'StateMachineArn',
  'CatalogTableName',
  'IdempotencyTableName',
] as const;
export type OutputName = (typeof REQUIRED_OUTPUTS)[number];
export type StackOutputs = Readonly<Record<OutputName, string>>;

export interface FoundOutputs {
  readonly stackName: string;
  readonly outputs: StackOutputs;
  readonly source: string;
}

export const pipelineStackName = (profile: string) => `SecureCart-${profile}-Pipeline`;

/**
 * Reads the outputs of `stackName` from a file in the `cdk deploy --outputs-file` format
 * (`{ "<stack>": { "<OutputKey>": "<value>" } }`, which the emulator's `deploy` prints too).
 */
export function outputsFromFile(path: string, stackName: string): FoundOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CheckFailure(`cannot read outputs file ${path}: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new CheckFailure(`${path} is not a JSON object of stacks`);
  const stack = parsed[stackName];
  if (!isRecord(stack)) {
    throw new CheckFailure(`${path} has no stack ${stackName} (stacks: ${Object.keys(parsed).join(', ') || 'none'})`);
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(stack)) if (typeof value === 'string') values[key] = value;
  return { stackName, outputs: requireOutputs(values, stackName), source: path };
}

/** Finds the outputs with CloudFormation DescribeStacks (after `cdklocal deploy` or `cdk deploy`). */
export async function outputsFromStack(clients: Clients, stackName: string): Promise<FoundOutputs> {
  let stack: Stack | undefined;
  try {
    stack = (await clients.cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    throw new CheckFailure(
      `DescribeStacks ${stackName} failed (${(error as Error).name}: ${(error as Error).message}); deploy first (npm run local:deploy) or pass --outputs FILE`,
    );
  }
  if (!stack) throw new CheckFailure(`stack ${stackName} not found`);
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (!/_COMPLETE$/.test(status) || /ROLLBACK|DELETE/.test(status)) {
    throw new CheckFailure(`stack ${stackName} is ${status}, expected CREATE_COMPLETE or UPDATE_COMPLETE`);
  }
  const values: Record<string, string> = {};
  for (const o of stack.Outputs ?? [])
    if (o.OutputKey && o.OutputValue !== undefined) values[o.OutputKey] = o.OutputValue;
  return { stackName, outputs: requireOutputs(values, stackName), source: `DescribeStacks (${status})` };
}

function requireOutputs(values: Record<string, string>, stackName: string): StackOutputs {
  const missing = REQUIRED_OUTPUTS.filter((k) => !values[k]);
  if (missing.length > 0) throw new CheckFailure(`${stackName} lacks outputs: ${missing.join(', ')}`);
  // A value that is still an intrinsic (e.g. an unresolved Fn::GetStackOutput) is not usable.
  const unresolved = REQUIRED_OUTPUTS.filter((k) => /^\s*[{[]|Fn::|\$\{Token/.test(values[k]));
  if (unresolved.length > 0)
    throw new CheckFailure(
      `${stackName} has unresolved outputs: ${unresolved.map((k) => `${k}=${values[k]}`).join(', ')}`,
    );
  return Object.fromEntries(REQUIRED_OUTPUTS.map((k) => [k, values[k]])) as StackOutputs;
}
