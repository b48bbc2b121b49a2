import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { TierKey } from '../encryption';
import { OpsAlarms } from '../ops-alarms';
import { PipelineFunction } from '../pipeline-function';

/** What every pipeline flow construct gets from the stack. */
export interface PipelineBaseProps {
  /** `securecart-<profile>`: the prefix of every physical name. */
  readonly prefix: string;
  /** The pipeline tier's key: queues, handler and workflow logs. */
  readonly key: TierKey;
  readonly alarms: OpsAlarms;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** A pipeline handler (`lambda/<step>/`) in `scope`, named after its step (`validate-order` → `ValidateOrder`). */
export function pipelineFunction(
  scope: Construct,
  base: PipelineBaseProps,
  step: string,
  description: string,
  environment: Record<string, string> = {},
  timeout?: Duration,
): PipelineFunction {
  return new PipelineFunction(scope, toPascal(step), {
    step,
    description,
    key: base.key,
    logRetentionDays: base.logRetentionDays,
    removalPolicy: base.removalPolicy,
    environment,
    timeout,
  });
}

/** What a ReliableQueue or DeadLetterQueue takes from the base: the pipeline key, alarms, removal. */
export const queueBase = (base: PipelineBaseProps) => ({
  key: base.key.key,
  alarms: base.alarms,
  removalPolicy: base.removalPolicy,
});

export const toPascal = (s: string) =>
  s.replace(/(^|[-_.@\s])(\w)/g, (_m, _sep, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
