import { App, Environment, Tags } from 'aws-cdk-lib';
import { Profile } from './config/profiles';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';
import { EdgeMonitoringStack } from './stacks/edge-monitoring-stack';
import { EdgeSecurityStack } from './stacks/edge-security-stack';
import { FrontendStack } from './stacks/frontend-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';
import { PipelineStack } from './stacks/pipeline-stack';

export interface SecureCartStacks {
  readonly network?: NetworkStack;
  readonly data: DataStack;
  readonly pipeline: PipelineStack;
  /** Undefined where the profile has no api tier (localstack: no ECS on LocalStack's free plan). */
  readonly api?: ApiStack;
  /** The storefront (S3 + CloudFront), where the profile has the frontend tier. */
  readonly frontend?: FrontendStack;
  /** us-east-1: the storefront's CLOUDFRONT-scope web ACL, where the profile enables the edge WAF. */
  readonly edgeSecurity?: EdgeSecurityStack;
  /** The dashboard, the data tier's alarms and the audit trail, where the profile has the monitoring tier. */
  readonly monitoring?: MonitoringStack;
  /** us-east-1: CloudFront and edge WAF alarms and their topic, with the monitoring and frontend tiers. */
  readonly edgeMonitoring?: EdgeMonitoringStack;
}

/** Where stacks go when neither `-c region=` nor the CDK CLI (CDK_DEFAULT_REGION) names a region. */
const FALLBACK_REGION = 'eu-west-1';

/**
 * The region of the app's stacks. A profile with the frontend tier references us-east-1 (the edge
 * web ACL) across regions, which CDK allows only between stacks with explicit regions: they get
 * `-c region=`, else the CLI's region (CDK_DEFAULT_REGION, from your AWS configuration), else
 * FALLBACK_REGION. Accounts stay unresolved, so synth needs no credentials. Other profiles stay
 * environment-agnostic.
 */
function appRegion(app: App): string {
  return app.node.tryGetContext('region') ?? process.env.CDK_DEFAULT_REGION ?? FALLBACK_REGION;
}

export const stackName = (profile: Profile, name: string) => `SecureCart-${profile.name}-${name}`;
const stackDescription = (profile: Profile, tier: string) => `SecureCart ${profile.name}: ${tier}`;

/** Builds every stack the profile deploys. Typed props between stacks; no context lookups. */
export function buildSecureCart(app: App, profile: Profile): SecureCartStacks {
  if (profile.features.strongCrossStackReferences) {
    app.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
  }
  const id = (name: string) => stackName(profile, name);
  const env = profile.tiers.frontend ? { region: appRegion(app) } : undefined;
  // CloudFront's web ACLs and metrics exist only in us-east-1: the edge stacks live there.
  const edgeEnv = { region: 'us-east-1' };
  const description = (tier: string) => stackDescription(profile, tier);

  const network = profile.tiers.network
    ? new NetworkStack(app, id('Network'), { profile, env, description: description('network tier') })
    : undefined;
  // The checkout tasks' security group lives in Network, so Data can admit it without depending on Api.
  const data = new DataStack(app, id('Data'), {
    profile,
    env,
    vpc: network?.vpc,
    databaseClients: profile.tiers.api && network ? [network.checkoutServiceSecurityGroup] : [],
    description: description('data tier'),
  });
  const pipeline = new PipelineStack(app, id('Pipeline'), {
    profile,
    env,
    catalogTable: data.catalogTable,
    idempotencyTable: data.idempotencyTable,
    productAffinityTable: data.productAffinityTable,
    description: description('order pipeline'),
  });
  const api = profile.tiers.api ? buildApi(app, profile, { network, data, pipeline }, env) : undefined;
  const edgeSecurity =
    profile.tiers.frontend && profile.frontend.waf
      ? new EdgeSecurityStack(app, id('EdgeSecurity'), {
          profile,
          env: edgeEnv,
          description: description('edge security (CloudFront web ACL, us-east-1)'),
        })
      : undefined;
  const frontend =
    profile.tiers.frontend && api
      ? new FrontendStack(app, id('Frontend'), {
          profile,
          env,
          api,
          webAclArn: edgeSecurity?.webAcl.webAcl.attrArn,
          description: description('storefront (S3 + CloudFront)'),
        })
      : undefined;

  const monitoring = profile.tiers.monitoring
    ? new MonitoringStack(app, id('Monitoring'), {
        profile,
        env,
        data,
        pipeline,
        api,
        frontend,
        description: description('monitoring (the order dashboard, data tier alarms, audit trail)'),
      })
    : undefined;
  const edgeMonitoring =
    profile.tiers.monitoring && frontend
      ? new EdgeMonitoringStack(app, id('EdgeMonitoring'), {
          profile,
          env: edgeEnv,
          distributionId: frontend.site.distribution.distributionId,
          webAclMetricName: edgeSecurity?.webAcl.metricName,
          description: description('edge monitoring (CloudFront and edge WAF alarms, us-east-1)'),
        })
      : undefined;

  Tags.of(app).add('app', 'securecart');
  Tags.of(app).add('profile', profile.name);
  return { network, data, pipeline, api, frontend, edgeSecurity, monitoring, edgeMonitoring };
}

function buildApi(
  app: App,
  profile: Profile,
  { network, data, pipeline }: Pick<SecureCartStacks, 'network' | 'data' | 'pipeline'>,
  env: Environment | undefined,
): ApiStack {
  if (!network || !data.database)
    throw new Error(`Profile "${profile.name}": the api tier needs the network and the database`);
  return new ApiStack(app, stackName(profile, 'Api'), {
    profile,
    env,
    vpc: network.vpc,
    serviceSecurityGroup: network.checkoutServiceSecurityGroup,
    catalogTable: data.catalogTable,
    cartsTable: data.cartsTable,
    database: data.database,
    ordersQueue: pipeline.intake.orders.queue,
    orderStatusQueue: pipeline.orderEvents.queues.orderStatus.queue,
    alarms: pipeline.alarms,
    clickstream: pipeline.clickstream.stream,
    productAffinityTable: data.productAffinityTable,
    description: stackDescription(profile, 'application tier (Cognito, checkout service on ECS Fargate, REST API)'),
  });
}

/** One line for the person running synth: which profile, and what it leaves out. */
export function profileBanner(profile: Profile): string {
  const left = [
    profile.tiers.network ? undefined : 'Network (VPC)',
    profile.tiers.relationalDatabase ? undefined : 'RDS PostgreSQL',
    profile.tiers.api ? undefined : 'Api (Cognito, the checkout service on ECS Fargate, API Gateway)',
    profile.tiers.frontend ? undefined : 'Frontend (the storefront on S3 + CloudFront)',
    profile.tiers.frontend && !profile.frontend.waf
      ? 'EdgeSecurity (the CloudFront WAF; this profile has none)'
      : undefined,
    profile.tiers.monitoring ? undefined : 'Monitoring (the dashboard, the database and edge alarms, the audit trail)',
    profile.tiers.monitoring && !profile.audit.cloudTrail ? 'the CloudTrail audit trail' : undefined,
    profile.features.schemaRegistry ? undefined : 'the EventBridge schema registry',
    profile.features.eventArchive ? undefined : 'the EventBridge archive',
  ].filter((x) => x !== undefined);
  const skipped = left.length ? ` Not deployed with this profile: ${left.join(', ')}.` : '';
  return `SecureCart profile "${profile.name}": ${profile.description}${skipped}`;
}
