/**
 * What the Api stack's test files (test/api/*.test.ts) share: reading the Api stack's template of
 * a synthesized profile by resource type and construct path.
 */
import { join } from 'node:path';
import { Synthesized } from '../helpers/synth';
import { ofType, oneAtPath, resourcesOf, roleStatements } from '../helpers/template';

export const ROOT = join(__dirname, '..', '..');

export const api = (s: Synthesized) => s.template(s.stacks.api!);
export const byType = (s: Synthesized, type: string) => ofType(resourcesOf(api(s)), type);
export const one = (s: Synthesized, type: string, pathFragment = '') =>
  oneAtPath(resourcesOf(api(s)), type, pathFragment);
export const idOf = (s: Synthesized, type: string, pathFragment: string) => one(s, type, pathFragment)[0];
export const getAtt = (id: string, attr: string) => ({ 'Fn::GetAtt': [id, attr] });
/** A cross-stack reference (weak: Fn::GetStackOutput) to an output whose name contains `fragment`. */
export const fromStack = (stack: string, fragment: string) => ({
  'Fn::GetStackOutput': expect.objectContaining({ StackName: stack, OutputName: expect.stringContaining(fragment) }),
});

/** Methods as "GET /api/products/{id}" → CloudFormation properties. */
export const methods = (s: Synthesized) =>
  Object.fromEntries(
    byType(s, 'AWS::ApiGateway::Method').map(([, r]) => {
      const path = /\/Default(\/.*)\/(GET|PUT|POST)\/Resource$/.exec(r.Metadata['aws:cdk:path'])!;
      return [`${path[2]} ${path[1]}`, r.Properties];
    }),
  );
export const policyActions = (s: Synthesized, roleId: string) => roleStatements(resourcesOf(api(s)), roleId);
