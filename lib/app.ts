import { App, Stack, Tags } from 'aws-cdk-lib';
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
  const stack = <T extends Stack>(name: string, make: (id: string) => T): T => make(stackName(profile, name));

  const network = profile.tiers.network
    ? stack('Network', (id) => new NetworkStack(app, id, { profile, description: `SecureCart ${profile.name}: network tier` }))
    : undefined;
  const data = stack('Data', (id) => new DataStack(app, id, { profile, vpc: network?.vpc, description: `SecureCart ${profile.name}: data tier` }));

  const pipeline = stack('Pipeline', (id) =>
    new PipelineStack(app, id, {
      profile,
      catalogTable: data.catalogTable,
      idempotencyTable: data.idempotencyTable,
      description: `SecureCart ${profile.name}: order pipeline`,
    }),
  );

  Tags.of(app).add('app', 'securecart');
  Tags.of(app).add('profile', profile.name);
  return { network, data, pipeline };
}

/** One line for the person running synth: which profile, and what it leaves out. */
export function profileBanner(profile: Profile): string {
  const skipped = profile.tiers.network ? '' : ' Not deployed with this profile: Network (VPC) and RDS PostgreSQL.';
  return `SecureCart profile "${profile.name}": ${profile.description}${skipped}`;
}
