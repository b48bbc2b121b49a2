import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CHECKOUT_ENV } from '@securecart/contracts/env';
import { METRIC_NAMES } from '@securecart/contracts/metrics';
import type { CacheProfile } from '../config/profile-types';
import { checkoutServiceMetric } from './custom-metrics';
import { Observable, OpsAlarms, RUNBOOKS } from './ops-alarms';

/** The serverless cache's (primary) endpoint port; 6380, its reader endpoint, is not used. */
export const CACHE_PORT = 6379;

/** The access string of the service's ElastiCache user: its own keys (`sc:*`, src/cache/keys.ts), no admin commands. */
export const SERVICE_ACCESS_STRING = 'on ~sc:* -@all +@read +@write +@scripting +@connection +@fast -@dangerous +info';

export interface SharedCacheProps {
  /** `securecart-<profile>`: the cache, user and user group names derive from it. */
  readonly prefix: string;
  readonly profileName: string;
  /** The data subnets (with a VPC); none where the profile has no network (localstack: the emulator ignores placement). */
  readonly placement?: { readonly vpc: ec2.IVpc; readonly subnets: ec2.SubnetSelection };
  /** Only these security groups may reach the cache (the checkout tasks'). */
  readonly clients: ec2.ISecurityGroup[];
  /** The data tier's key: the cache's data at rest. */
  readonly key: kms.IKey;
  readonly limits: CacheProfile;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The shared cache (ADR 26): ElastiCache Serverless for Valkey in the data subnets, TLS only
 * (serverless caches accept no plain connections), encrypted with the data key, reachable only
 * from the client security groups on 6379, with usage limits from the profile (the sandbox keeps
 * the minimum). Clients authenticate with IAM: an ElastiCache user (authentication mode iam) in
 * the cache's user group, whose `elasticache:Connect` `grantConnect` gives to a role; no password
 * exists. Its alarms and widgets (`observe`): the service's fallbacks and fail-open rate limits,
 * the cache's throttled commands and ECPU use.
 */
export class SharedCache extends Construct {
  readonly cache: elasticache.CfnServerlessCache;
  readonly securityGroup?: ec2.SecurityGroup;
  /** The service's user (IAM authentication); undefined where the profile turns users off (localstack). */
  readonly user?: elasticache.CfnUser;
  readonly cacheName: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: SharedCacheProps,
  ) {
    super(scope, id);
    this.cacheName = `${props.prefix}-cache`;
    const { placement } = props;
    if (placement) {
      this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: placement.vpc,
        description: `SecureCart ${props.profileName} shared cache: ${CACHE_PORT} from approved client security groups only`,
        allowAllOutbound: false,
      });
      for (const client of props.clients) {
        this.securityGroup.addIngressRule(client, ec2.Port.tcp(CACHE_PORT), 'Valkey from an approved client');
      }
    }
    const userGroup = props.limits.iamAuthentication ? this.users() : undefined;
    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      serverlessCacheName: this.cacheName,
      description: `SecureCart ${props.profileName}: catalog and order-status reads, the order rate limit (ADR 26)`,
      engine: 'valkey',
      majorEngineVersion: '8',
      kmsKeyId: props.key.keyArn,
      securityGroupIds: this.securityGroup ? [this.securityGroup.securityGroupId] : undefined,
      subnetIds: placement ? placement.vpc.selectSubnets(placement.subnets).subnetIds : undefined,
      userGroupId: userGroup?.ref,
      cacheUsageLimits: {
        dataStorage: { maximum: props.limits.maxDataStorageGb, unit: 'GB' },
        ecpuPerSecond: { maximum: props.limits.maxEcpuPerSecond },
      },
      // Everything in it is derived from the databases and expires within minutes: no snapshots.
      snapshotRetentionLimit: 0,
    });
    this.cache.applyRemovalPolicy(
      props.removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.DESTROY : props.removalPolicy,
    );
    new CfnOutput(this, 'Endpoint', { key: 'CacheEndpoint', value: this.cache.attrEndpointAddress });
    new CfnOutput(this, 'Port', { key: 'CachePort', value: this.cache.attrEndpointPort });
  }

  /**
   * The service's user and the cache's user group. Valkey user groups need no `default` user;
   * one is still there, disabled (`off`), so the group is valid for either engine family.
   */
  private users(): elasticache.CfnUserGroup {
    const { prefix } = this.props;
    const serviceUserId = `${prefix}-checkout`;
    const service = new elasticache.CfnUser(this, 'ServiceUser', {
      userId: serviceUserId,
      // IAM authentication requires the user name to equal the user id.
      userName: serviceUserId,
      engine: 'valkey',
      authenticationMode: { Type: 'iam' },
      accessString: SERVICE_ACCESS_STRING,
    });
    const disabledDefault = new elasticache.CfnUser(this, 'DisabledDefaultUser', {
      userId: `${prefix}-default-off`,
      userName: 'default',
      engine: 'valkey',
      authenticationMode: { Type: 'no-password-required' },
      accessString: 'off -@all',
    });
    const group = new elasticache.CfnUserGroup(this, 'UserGroup', {
      userGroupId: `${prefix}-cache-users`,
      engine: 'valkey',
      // Refs (the user ids) order the deployment: users first.
      userIds: [service.ref, disabledDefault.ref],
    });
    (this as { user?: elasticache.CfnUser }).user = service;
    return group;
  }

  /** `elasticache:Connect` as the service's user to this cache (IAM authentication). */
  grantConnect(grantee: iam.IGrantable): void {
    if (!this.user) return;
    const arn = (type: string, name: string) =>
      `arn:${Aws.PARTITION}:elasticache:${Stack.of(this).region}:${Stack.of(this).account}:${type}:${name}`;
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['elasticache:Connect'],
      resourceArns: [arn('serverlesscache', this.cacheName), arn('user', this.user.userId)],
    });
  }

  /** The checkout container's variables for this cache (CHECKOUT_ENV). */
  containerEnvironment(): Record<string, string> {
    const E = CHECKOUT_ENV;
    const { limits } = this.props;
    return {
      [E.cacheHost]: this.cache.attrEndpointAddress,
      [E.cachePort]: this.cache.attrEndpointPort,
      [E.cacheTls]: 'true',
      [E.cacheName]: this.cacheName,
      ...(this.user ? { [E.cacheUserId]: this.user.userId } : {}),
      [E.orderCacheTtlSeconds]: String(limits.orderTtlSeconds),
      [E.orderRateLimitBurst]: String(limits.orderRateLimit.burst),
      [E.orderRateLimitPerMinute]: String(limits.orderRateLimit.perMinute),
    };
  }

  /**
   * Alarms and widgets, created in `scope` (the Monitoring stack, like the database's): reads
   * falling back to their source and orders admitted without a rate-limit decision (the service's
   * metrics), commands the cache throttled, and ECPU use against the profile's limit.
   */
  observe(scope: Construct, alarms: OpsAlarms): Observable {
    const construct = new Construct(scope, 'SharedCache');
    const period = Duration.minutes(5);
    const service = (name: string, label: string) => checkoutServiceMetric(name, {}, 'Sum', label, period);
    const cacheMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ElastiCache',
        metricName,
        // Serverless caches publish their metrics by `clusterId` (the cache's name).
        dimensionsMap: { clusterId: this.cacheName },
        statistic,
        period,
        label,
      });
    const fallbacks = service(METRIC_NAMES.cacheFallbacks, 'reads from the source (cache failed)');
    const failOpen = service(METRIC_NAMES.rateLimitFailOpen, 'orders admitted without a rate limit');
    const throttled = cacheMetric('ThrottledCmds', 'Sum', 'throttled commands');
    const ecpu = cacheMetric('ElastiCacheProcessingUnits', 'Sum', 'ECPUs');
    const name = `${this.props.prefix}-cache`;
    return {
      alarms: [
        alarms.alarm(construct, 'CacheFallbacks', {
          metric: fallbacks,
          summary: `${name}: the checkout service answered 50 or more reads in 5 minutes from the databases because the shared cache failed or timed out`,
          runbook: RUNBOOKS.sharedCache,
          threshold: 50,
        }),
        alarms.alarm(construct, 'RateLimitFailOpen', {
          metric: failOpen,
          summary: `${name}: POST /api/orders admitted orders without the per-customer rate limit (cache unreachable; fail open, ADR 26)`,
          runbook: RUNBOOKS.sharedCache,
        }),
        alarms.alarm(construct, 'ThrottledCommands', {
          metric: throttled,
          summary: `${name}: ElastiCache throttled commands (the workload grew faster than the cache scales, or hit the profile's ECPU limit)`,
          runbook: RUNBOOKS.sharedCache,
        }),
      ],
      widgets: [
        new cloudwatch.GraphWidget({
          title: 'Shared cache: hits, misses and fallbacks (checkout service)',
          left: [
            service(METRIC_NAMES.cacheHits, 'hits'),
            service(METRIC_NAMES.cacheMisses, 'misses'),
            fallbacks,
            service(METRIC_NAMES.cacheWriteErrors, 'write errors'),
          ],
          right: [service(METRIC_NAMES.rateLimited, 'orders refused (429)'), failOpen],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Shared cache: ECPUs and throttled commands',
          left: [ecpu],
          leftAnnotations: [
            { value: this.props.limits.maxEcpuPerSecond * period.toSeconds(), label: 'ECPU limit', color: '#d62728' },
          ],
          right: [throttled],
          width: 12,
        }),
      ],
    };
  }
}
