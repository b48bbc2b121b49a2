import { App, Tags } from 'aws-cdk-lib';
import { Profile } from './config/profiles';
import { DataStack } from './stacks/data-stack';
import { NetworkStack } from './stacks/network-stack';
import { PipelineStack } from './stacks/pipeline-stack';

export interface SecureCartStacks {
  readonly network?: NetworkStack;
  readonly data: DataStack;
  readonly pipeline: PipelineStack;
}

export const stackName = (profile: Profile, name: string) => `SecureCart-${profile.name}-${name}`;

/** Builds every stack the profile deploys. Typed props between stacks; no context lookups. */
export function buildSecureCart(app: App, profile: Profile): SecureCartStacks {
  if (profile.features.strongCrossStackReferences) {
    app.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
  }
  const id = (name: string) => stackName(profile, name);
  const description = (tier: string) => `SecureCart ${profile.name}: ${tier}`;

  const network = profile.tiers.network
    ? new NetworkStack(app, id('Network'), { profile, description: description('network tier') })
    : undefined;
  const data = new DataStack(app, id('Data'), { profile, vpc: network?.vpc, description: description('data tier') });
  const pipeline = new PipelineStack(app, id('Pipeline'), {
    profile,
    catalogTable: data.catalogTable,
    idempotencyTable: data.idempotencyTable,
    description: description('order pipeline'),
  });

  Tags.of(app).add('app', 'securecart');
  Tags.of(app).add('profile', profile.name);
  return { network, data, pipeline };
}

/** One line for the person running synth: which profile, and what it leaves out. */
export function profileBanner(profile: Profile): string {
  const left = [
    profile.tiers.network ? undefined : 'Network (VPC)',
    profile.tiers.relationalDatabase ? undefined : 'RDS PostgreSQL',
    profile.features.schemaRegistry ? undefined : 'the EventBridge schema registry',
    profile.features.eventArchive ? undefined : 'the EventBridge archive',
  ].filter((x) => x !== undefined);
  const skipped = left.length ? ` Not deployed with this profile: ${left.join(', ')}.` : '';
  return `SecureCart profile "${profile.name}": ${profile.description}${skipped}`;
}
