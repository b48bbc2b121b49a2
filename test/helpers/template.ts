import { Template } from 'aws-cdk-lib/assertions';

/** A resource of a synthesized template, loosely typed for assertions. */
export type Resource = { Type: string; Properties: any; Metadata?: any; DependsOn?: string[] };
export type Resources = Record<string, Resource>;

/** The resources of a template, by logical id. */
export const resourcesOf = (template: Template): Resources => template.toJSON().Resources;

/** The resources of one type, as [logical id, resource] pairs. */
export function ofType(resources: Resources, type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** The one resource of a type whose construct path contains `fragment`; throws unless exactly one. */
export function oneAtPath(resources: Resources, type: string, fragment = ''): [string, Resource] {
  const found = ofType(resources, type).filter(([, r]) => String(r.Metadata?.['aws:cdk:path']).includes(fragment));
  if (found.length !== 1) throw new Error(`expected one ${type} at *${fragment}*, found ${found.length}`);
  return found[0];
}

/** An S3 bucket's PublicAccessBlockConfiguration with every block on. */
export const BLOCK_ALL_PUBLIC_ACCESS = {
  BlockPublicAcls: true,
  BlockPublicPolicy: true,
  IgnorePublicAcls: true,
  RestrictPublicBuckets: true,
} as const;

/** Every policy statement attached to the role with logical id `roleId`. */
export function roleStatements(resources: Resources, roleId: string): any[] {
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

/** The statements and sorted actions of the role under the construct path `fragment` (`<fragment>/Role`). */
export function roleAt(resources: Resources, fragment: string): { statements: any[]; actions: string[] } {
  const [roleId] = oneAtPath(resources, 'AWS::IAM::Role', `${fragment}/Role`);
  const statements = roleStatements(resources, roleId);
  return { statements, actions: statements.flatMap((s: any) => [s.Action].flat()).sort() };
}
