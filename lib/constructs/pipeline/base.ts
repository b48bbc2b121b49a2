import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
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

/** p99 duration (ms) of each handler, per minute: how close it runs to its timeout. */
function durationMetrics(functions: readonly PipelineFunction[]): cloudwatch.IMetric[] {
  return functions.map((f) =>
    f.fn.metricDuration({ period: Duration.minutes(1), statistic: 'p99', label: `${f.step} p99` }),
  );
}

/** A graph of the handlers' p99 durations, with each distinct timeout drawn as a horizontal line. */
export function durationWidget(
  title: string,
  functions: readonly PipelineFunction[],
  width = 12,
): cloudwatch.GraphWidget {
  const timeouts = functions.flatMap((f) => (f.fn.timeout ? [f.fn.timeout.toMilliseconds()] : []));
  return new cloudwatch.GraphWidget({
    title,
    left: durationMetrics(functions),
    leftAnnotations: [...new Set(timeouts)].map((ms) => ({
      value: ms,
      label: `timeout ${ms / 1000} s`,
      color: '#d62728',
    })),
    leftYAxis: { min: 0, label: 'ms', showUnits: false },
    width,
  });
}

/**
 * What a caller that hands data to an execution (StartExecution, SendTaskSuccess/Failure) needs
 * of the key that encrypts its history: kms:GenerateDataKey and kms:Decrypt, in that state
 * machine's encryption context only (Step Functions guide, "Data at rest encryption").
 */
export function grantExecutionDataKey(stateMachine: sfn.StateMachine, key: TierKey, grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [key.key.keyArn],
      conditions: {
        StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': stateMachine.stateMachineArn },
      },
    }),
  );
}
