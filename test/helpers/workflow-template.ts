/**
 * Reading the synthesized pipeline template for the workflow harness
 * (test/helpers/workflow-harness.ts): CloudFormation tokens resolved to plain strings for local
 * runs, function ARNs, and the function a Lambda task state invokes.
 */
import { ACCOUNT, REGION } from './workflow-environment';

export type Resources = Record<string, { Type: string; Properties: any; Metadata?: any }>;

/** Resolves the CloudFormation tokens of a template value to plain strings for local runs. */
export function resolveTokens(value: any, names: Record<string, string>): any {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null)
    return value;
  if (Array.isArray(value)) return value.map((v) => resolveTokens(v, names));
  if ('Fn::Join' in value)
    return value['Fn::Join'][1].map((p: any) => resolveTokens(p, names)).join(value['Fn::Join'][0]);
  if ('Ref' in value)
    return (
      names[value.Ref] ??
      (
        {
          'AWS::Partition': 'aws',
          'AWS::Region': REGION,
          'AWS::AccountId': ACCOUNT,
          'AWS::URLSuffix': 'amazonaws.com',
        } as Record<string, string>
      )[value.Ref] ??
      `ref-${value.Ref}`
    );
  if ('Fn::GetAtt' in value)
    return (
      names[`${value['Fn::GetAtt'][0]}.${value['Fn::GetAtt'][1]}`] ??
      `arn:aws:local:${REGION}:${ACCOUNT}:${value['Fn::GetAtt'][0]}`
    );
  if ('Fn::GetStackOutput' in value)
    return names[value['Fn::GetStackOutput'].OutputName] ?? `output-${value['Fn::GetStackOutput'].OutputName}`;
  if ('Fn::ImportValue' in value) return `import-${JSON.stringify(value['Fn::ImportValue'])}`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTokens(v, names)]));
}

/** The local names of the template's resources, for `resolveTokens`. */
export function localNames(resources: Resources): Record<string, string> {
  const names: Record<string, string> = {};
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::Events::EventBus') names[id] = r.Properties.Name;
    if (r.Type === 'AWS::StepFunctions::StateMachine')
      names[id] = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${r.Properties.StateMachineName}`;
    if (r.Type === 'AWS::Lambda::Function') names[`${id}.Arn`] = functionArn(id);
    if (r.Type === 'AWS::SQS::Queue') {
      names[id] = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${r.Properties.QueueName ?? id}`;
      names[`${id}.Arn`] = `arn:aws:sqs:${REGION}:${ACCOUNT}:${r.Properties.QueueName ?? id}`;
    }
  }
  return names;
}

export const functionArn = (logicalId: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;

/** A Lambda task's function ARN: `lambda:invoke` names it in Parameters, the optimised form in Resource. */
export function lambdaTaskTarget(state: any): { arn: string; invoke: boolean } | undefined {
  if (state.Type !== 'Task' || typeof state.Resource !== 'string') return undefined;
  if (/:states:::lambda:invoke$/.test(state.Resource))
    return { arn: String(state.Parameters?.FunctionName ?? '').replace(/:\$LATEST$/, ''), invoke: true };
  if (/^arn:aws:lambda:/.test(state.Resource)) return { arn: state.Resource, invoke: false };
  return undefined;
}
