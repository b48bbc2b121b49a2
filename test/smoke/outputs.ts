import { readFileSync } from 'node:fs';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { Stack } from '@aws-sdk/client-cloudformation';
import type { Clients } from './aws';
import { CheckFailure } from './report';
import { isRecord } from './util';

/** The Pipeline stack's queues (their URLs), each of which the resource checks inspect. */
export const QUEUE_OUTPUTS = [
  'OrdersQueueUrl',
  'OrdersDlqUrl',
  'OrderStatusQueueUrl',
  'NotificationsQueueUrl',
  'AnalyticsQueueUrl',
  'EventTargetsDlqUrl',
] as const;
export type QueueOutput = (typeof QUEUE_OUTPUTS)[number];

/** Outputs of the Pipeline stack the suite reads (see lib/stacks/pipeline-stack.ts). */
export const REQUIRED_OUTPUTS = [
  ...QUEUE_OUTPUTS,
  'OrderEventsTopicArn',
  'EventBusName',
  'StateMachineArn',
  'CatalogTableName',
  'IdempotencyTableName',
  'OrderClaimsTableName',
  // The clickstream (ADR 25): the stream and the consumer's table.
  'ClickstreamStreamName',
  'ProductAffinityTableName',
] as const;
/** Outputs of the Data stack the suite reads (see lib/stacks/data-stack.ts): the checkout service's carts. */
export const REQUIRED_DATA_OUTPUTS = ['CartsTableName'] as const;

export type OutputName = (typeof REQUIRED_OUTPUTS)[number] | (typeof REQUIRED_DATA_OUTPUTS)[number];
export type StackOutputs = Readonly<Record<OutputName, string>>;

export interface FoundOutputs {
  readonly stackNames: readonly string[];
  readonly outputs: StackOutputs;
  readonly count: number;
  readonly source: string;
}

export const pipelineStackName = (profile: string) => `SecureCart-${profile}-Pipeline`;

/** The Data stack next to a Pipeline stack: `--data-stack`, else the same name with `-Data`. */
export const dataStackName = (pipelineStack: string, profile: string) =>
  pipelineStack.endsWith('-Pipeline') ? pipelineStack.replace(/-Pipeline$/, '-Data') : `SecureCart-${profile}-Data`;

/**
 * Reads the outputs of both stacks from a file in the `cdk deploy --outputs-file` format
 * (`{ "<stack>": { "<OutputKey>": "<value>" } }`, which the emulator's `deploy` prints too).
 */
export function outputsFromFile(path: string, pipelineStack: string, dataStack: string): FoundOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CheckFailure(`cannot read outputs file ${path}: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new CheckFailure(`${path} is not a JSON object of stacks`);
  const read = (stackName: string) => {
    const stack = parsed[stackName];
    if (!isRecord(stack)) {
      throw new CheckFailure(`${path} has no stack ${stackName} (stacks: ${Object.keys(parsed).join(', ') || 'none'})`);
    }
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(stack)) if (typeof value === 'string') values[key] = value;
    return values;
  };
  return combine(read(pipelineStack), read(dataStack), [pipelineStack, dataStack], path);
}

/** Finds the outputs with CloudFormation DescribeStacks (after `cdklocal deploy` or `cdk deploy`). */
export async function outputsFromStack(
  clients: Clients,
  pipelineStack: string,
  dataStack: string,
): Promise<FoundOutputs> {
  const statuses: string[] = [];
  const read = async (stackName: string) => {
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
    statuses.push(status);
    const values: Record<string, string> = {};
    for (const o of stack.Outputs ?? [])
      if (o.OutputKey && o.OutputValue !== undefined) values[o.OutputKey] = o.OutputValue;
    return values;
  };
  const pipeline = await read(pipelineStack);
  const data = await read(dataStack);
  return combine(pipeline, data, [pipelineStack, dataStack], `DescribeStacks (${[...new Set(statuses)].join(', ')})`);
}

function combine(
  pipeline: Record<string, string>,
  data: Record<string, string>,
  stackNames: [string, string],
  source: string,
): FoundOutputs {
  const p = requireOutputs(pipeline, stackNames[0], REQUIRED_OUTPUTS);
  const d = requireOutputs(data, stackNames[1], REQUIRED_DATA_OUTPUTS);
  return {
    stackNames,
    outputs: { ...p, ...d } as StackOutputs,
    count: Object.keys(p).length + Object.keys(d).length,
    source,
  };
}

function requireOutputs<K extends string>(
  values: Record<string, string>,
  stackName: string,
  required: readonly K[],
): Record<K, string> {
  const missing = required.filter((k) => !values[k]);
  if (missing.length > 0) throw new CheckFailure(`${stackName} lacks outputs: ${missing.join(', ')}`);
  // A value that is still an intrinsic (e.g. an unresolved Fn::GetStackOutput) is not usable.
  const unresolved = required.filter((k) => /^\s*[{[]|Fn::|\$\{Token/.test(values[k]));
  if (unresolved.length > 0)
    throw new CheckFailure(
      `${stackName} has unresolved outputs: ${unresolved.map((k) => `${k}=${values[k]}`).join(', ')}`,
    );
  return Object.fromEntries(required.map((k) => [k, values[k]])) as Record<K, string>;
}
