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
