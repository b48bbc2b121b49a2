import { Duration, RemovalPolicy } from 'aws-cdk-lib';

import { Profile, PROFILE_NAMES, ProfileName } from './profile-types';
import { ProfileError, validateProfile } from './validate-profile';

export * from './profile-types';
export { ProfileError, validateProfile } from './validate-profile';

const commonScreening = {
  fraudScreenTimeout: Duration.minutes(5),
  allowedShippingCountries: [
    'AT',
    'BE',
    'CA',
    'CH',
    'DE',
    'DK',
    'ES',
    'FR',
    'GB',
    'IE',
    'IT',
    'NL',
    'NO',
    'PT',
    'SE',
    'US',
  ],
} as const;

/** The storefront's dev server (web/vite.config.ts): the default until the Frontend stack sets its domain. */
export const LOCAL_STOREFRONT_ORIGIN = 'http://localhost:5173';

const smallCheckout = {
  cpu: 256,
  memoryMiB: 512,
  desiredTasks: 1,
  minTasks: 1,
  maxTasks: 2,
  targetCpuPercent: 60,
  targetRequestsPerTask: 600,
} as const;

/**
 * A small API: low throttling and no REGIONAL WAF (a web ACL and its managed rule groups cost
 * about $10 a month idle, ADR 13).
 */
const smallApi = {
  throttle: { rateLimit: 50, burstLimit: 100 },
  createOrderThrottle: { rateLimit: 5, burstLimit: 10 },
  waf: false,
  wafRateLimitPer5Min: 1000,
} as const;

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  sandbox: {
    name: 'sandbox',
    description: 'Cheap, disposable deployment into a sandbox account (default).',
    tiers: { network: true, relationalDatabase: true, api: true, frontend: true, monitoring: true },
    // No trail: data events cost per event, and a sandbox is disposable.
    audit: { cloudTrail: false, retentionDays: 90 },
    features: { schemaRegistry: true, eventArchive: true, strongCrossStackReferences: false },
    network: { cidr: '10.40.0.0/16', maxAzs: 2, natGateways: 1, flowLogRetentionDays: 14 },
    database: {
      instanceType: 't4g.micro',
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 50,
      multiAz: false,
      readReplica: false,
      backupRetentionDays: 1,
      rotationDays: 30,
    },
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logRetentionDays: 14,
    screening: { ...commonScreening, highValueThresholdCents: 50_000 },
    checkout: smallCheckout,
    api: smallApi,
    identity: {
      threatProtection: false,
      waf: false,
      accountTakeoverProtection: false,
      storefrontOrigins: [LOCAL_STOREFRONT_ORIGIN],
    },
    // No edge WAF either (a web ACL with managed rules costs about $10 a month idle).
    frontend: { waf: false, wafRateLimitPer5Min: 2000 },
  },
  prod: {
    name: 'prod',
    description: 'Production shape: NAT and database per AZ, retained data, deletion protection.',
    tiers: { network: true, relationalDatabase: true, api: true, frontend: true, monitoring: true },
    audit: { cloudTrail: true, retentionDays: 365, objectLock: 'GOVERNANCE' },
    features: { schemaRegistry: true, eventArchive: true, strongCrossStackReferences: false },
    network: { cidr: '10.50.0.0/16', maxAzs: 2, natGateways: 2, flowLogRetentionDays: 365 },
    database: {
      instanceType: 'm7g.large',
      allocatedStorageGiB: 100,
      maxAllocatedStorageGiB: 500,
      multiAz: true,
      readReplica: true,
      backupRetentionDays: 14,
      rotationDays: 30,
    },
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    logRetentionDays: 365,
    screening: { ...commonScreening, highValueThresholdCents: 100_000 },
    checkout: {
      cpu: 1024,
      memoryMiB: 2048,
      desiredTasks: 2,
      minTasks: 2,
      maxTasks: 10,
      targetCpuPercent: 60,
      targetRequestsPerTask: 1000,
    },
    api: {
      throttle: { rateLimit: 500, burstLimit: 1000 },
      createOrderThrottle: { rateLimit: 50, burstLimit: 100 },
      waf: true,
      wafRateLimitPer5Min: 2000,
    },
    identity: {
      threatProtection: true,
      waf: true,
      accountTakeoverProtection: true,
      storefrontOrigins: [LOCAL_STOREFRONT_ORIGIN],
    },
    frontend: { waf: true, wafRateLimitPer5Min: 2000, createOrderRateLimitPer5Min: 100 },
  },
  localstack: {
    name: 'localstack',
    description: "Only what LocalStack's free plan hosts: KMS, DynamoDB and the order pipeline (no VPC, no RDS).",
    // No Monitoring stack: LocalStack's free plan has no CloudWatch dashboards or CloudTrail.
    tiers: { network: false, relationalDatabase: false, api: false, frontend: false, monitoring: false },
    audit: { cloudTrail: false, retentionDays: 90 },
    features: { schemaRegistry: false, eventArchive: false, strongCrossStackReferences: true },
    network: { cidr: '10.60.0.0/16', maxAzs: 2, natGateways: 0, flowLogRetentionDays: 1 },
    database: {
      instanceType: 't4g.micro',
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 20,
      multiAz: false,
      readReplica: false,
      backupRetentionDays: 1,
      rotationDays: 30,
    },
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logRetentionDays: 1,
    // Short fraud timeout so the smoke suite can observe the manual-review outcome.
    screening: { ...commonScreening, highValueThresholdCents: 50_000, fraudScreenTimeout: Duration.seconds(60) },
    // Not deployed (no ECS on LocalStack's free plan); kept valid so the profile type stays uniform.
    checkout: smallCheckout,
    api: smallApi,
    identity: {
      threatProtection: false,
      waf: false,
      accountTakeoverProtection: false,
      storefrontOrigins: [LOCAL_STOREFRONT_ORIGIN],
    },
    frontend: { waf: false, wafRateLimitPer5Min: 2000 },
  },
};

/**
 * Resolves `-c profile=NAME` (default `sandbox`) and an optional `-c alarmEmail=ADDRESS`.
 * Fails at once, listing the valid names, for anything else.
 */
export function resolveProfile(name: unknown, overrides: { alarmEmail?: unknown } = {}): Profile {
  const chosen = name === undefined || name === '' ? 'sandbox' : name;
  if (typeof chosen !== 'string' || !(PROFILE_NAMES as readonly string[]).includes(chosen)) {
    throw new ProfileError(
      `Unknown profile "${String(chosen)}". Valid profiles: ${PROFILE_NAMES.join(', ')} (choose one with -c profile=NAME).`,
    );
  }
  const base = PROFILES[chosen as ProfileName];
  const email = overrides.alarmEmail;
  if (email !== undefined && typeof email !== 'string') throw new ProfileError('alarmEmail must be a string');
  return validateProfile(email ? { ...base, alarmEmail: email } : base);
}
