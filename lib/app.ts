import { App, Tags } from 'aws-cdk-lib';
import { Profile } from './config/profiles';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';
import { NetworkStack } from './stacks/network-stack';
import { PipelineStack } from './stacks/pipeline-stack';

export interface SecureCartStacks {
  readonly network?: NetworkStack;
  readonly data: DataStack;
  readonly pipeline: PipelineStack;
  /** Undefined where the profile has no api tier (localstack: no ECS on LocalStack's free plan). */
  readonly api?: ApiStack;
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
  // The checkout tasks' security group lives in Network, so Data can admit it without depending on Api.
  const data = new DataStack(app, id('Data'), {
    profile,
    vpc: network?.vpc,
    databaseClients: profile.tiers.api && network ? [network.checkoutServiceSecurityGroup] : [],
    description: description('data tier'),
  });
  const pipeline = new PipelineStack(app, id('Pipeline'), {
    profile,
    catalogTable: data.catalogTable,
    idempotencyTable: data.idempotencyTable,
    description: description('order pipeline'),
  });
  const api = profile.tiers.api ? buildApi(app, profile, { network, data, pipeline }) : undefined;

  Tags.of(app).add('app', 'securecart');
  Tags.of(app).add('profile', profile.name);
  return { network, data, pipeline, api };
}

function buildApi(app: App, profile: Profile, { network, data, pipeline }: Omit<SecureCartStacks, 'api'>): ApiStack {
  if (!network || !data.database)
    throw new Error(`Profile "${profile.name}": the api tier needs the network and the database`);
  return new ApiStack(app, stackName(profile, 'Api'), {
    profile,
    vpc: network.vpc,
    serviceSecurityGroup: network.checkoutServiceSecurityGroup,
    catalogTable: data.catalogTable,
    cartsTable: data.cartsTable,
    database: data.database,
    ordersQueue: pipeline.intake.orders.queue,
    orderStatusQueue: pipeline.orderEvents.queues.orderStatus.queue,
    alarms: pipeline.alarms,
    description: `SecureCart ${profile.name}: application tier (Cognito, checkout service on ECS Fargate, REST API)`,
  });
}

/** One line for the person running synth: which profile, and what it leaves out. */
export function profileBanner(profile: Profile): string {
  const left = [
    profile.tiers.network ? undefined : 'Network (VPC)',
    profile.tiers.relationalDatabase ? undefined : 'RDS PostgreSQL',
    profile.tiers.api ? undefined : 'Api (Cognito, the checkout service on ECS Fargate, API Gateway)',
    profile.features.schemaRegistry ? undefined : 'the EventBridge schema registry',
    profile.features.eventArchive ? undefined : 'the EventBridge archive',
  ].filter((x) => x !== undefined);
  const skipped = left.length ? ` Not deployed with this profile: ${left.join(', ')}.` : '';
  return `SecureCart profile "${profile.name}": ${profile.description}${skipped}`;
}
