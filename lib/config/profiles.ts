import { Duration, RemovalPolicy } from 'aws-cdk-lib';

import { Profile, PROFILE_NAMES, ProfileName } from './profile-types';
import { ProfileError, validateProfile } from './validate-profile';

export * from './profile-types';
export { cappedRetryDelays, ProfileError, validateProfile } from './validate-profile';

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

/**
 * The real waits (docs/adr/0017): backoff from 2 s, capped at 60 s, 25 retries. The capped delays
 * add up to 1,262 s; full jitter waits a uniform share of each, about 10.5 minutes on average and
 * under 5 minutes with a probability below 1e-4, so a 5-minute outage is ridden out.
 */
const realWorkflowWaits = {
  ridesOutOutage: Duration.minutes(5),
  outageRetry: { interval: Duration.seconds(2), maxDelay: Duration.seconds(60), maxAttempts: 25 },
  compensationMaxAttempts: 30,
} as const;

/** The storefront's dev server (web/vite.config.ts): the default until the Frontend stack sets its domain. */
export const LOCAL_STOREFRONT_ORIGIN = 'http://localhost:5173';

/** prod's storefront domain: an EXAMPLE to replace with yours (README, "Deploying to production"). */
export const PROD_EXAMPLE_DOMAIN = 'shop.example.com';
/**
 * prod's CloudFront certificate: a PLACEHOLDER ARN (account 123456789012, an all-zero id) to replace
 * with an ACM certificate for your domain, issued in us-east-1. Deploying with it fails at CloudFront.
 */
export const PROD_EXAMPLE_CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000';
const PROD_STOREFRONT_ORIGIN = `https://${PROD_EXAMPLE_DOMAIN}`;

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
  // Plain HTTP inside the VPC: a sandbox has no domain to issue the ALB's certificate for (ADR 21).
  backendTls: false,
} as const;

/**
 * One provisioned shard (about $11 a month; 1,000 records/s of writes): the cheapest stream. 20
 * requests/s of up to 25 events stays within it (500 records/s) with room for a burst.
 */
const smallClickstream = {
  stream: { mode: 'provisioned', shards: 1 },
  putThrottle: { rateLimit: 20, burstLimit: 40 },
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
    payments: { provider: 'simulator' },
    workflow: realWorkflowWaits,
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
    clickstream: smallClickstream,
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
    payments: { provider: 'stripe' },
    workflow: realWorkflowWaits,
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
      // TLS on every hop (ADR 21). Set your own name, zone and zone id before deploying.
      backendTls: true,
      internalDomain: {
        domainName: 'api-internal.shop.example.com',
        zoneName: 'shop.example.com',
        hostedZoneId: 'Z0123456789EXAMPLE0AB',
      },
    },
    // EXAMPLE VALUES TO REPLACE before deploying (README, "Deploying to production"): your
    // storefront's domain and an ACM certificate for it in us-east-1. They are valid-looking
    // placeholders so prod synthesizes offline; validateProfile refuses prod without a custom
    // domain or with a loopback origin (issue 19).
    identity: {
      threatProtection: true,
      waf: true,
      accountTakeoverProtection: true,
      storefrontOrigins: [PROD_STOREFRONT_ORIGIN],
    },
    frontend: {
      waf: true,
      wafRateLimitPer5Min: 2000,
      createOrderRateLimitPer5Min: 100,
      customDomain: { domainName: PROD_EXAMPLE_DOMAIN, certificateArn: PROD_EXAMPLE_CERTIFICATE_ARN },
    },
    // On-demand: no shard count to plan; the stream follows the traffic (ADR 25).
    clickstream: { stream: { mode: 'on-demand' }, putThrottle: { rateLimit: 200, burstLimit: 400 } },
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
    // The smoke suite drives every payment path with the simulator's test tokens.
    payments: { provider: 'simulator' },
    // Waits shortened five-fold so the chaos suite's outage matrix runs in minutes (npm run
    // test:chaos -- --matrix): a 60 s outage ridden out with the margin prod has for 5 minutes.
    // Backoff from 1 s capped at 10 s, 28 retries: capped delays 255 s, about 128 s on average.
    workflow: {
      ridesOutOutage: Duration.seconds(60),
      outageRetry: { interval: Duration.seconds(1), maxDelay: Duration.seconds(10), maxAttempts: 28 },
      compensationMaxAttempts: 30,
    },
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
    clickstream: smallClickstream,
  },
};

/**
 * Resolves `-c profile=NAME` (default `sandbox`) and an optional `-c alarmEmail=ADDRESS`.
 * Fails at once, listing the valid names, for anything else.
 */
export function resolveProfile(
  name: unknown,
  overrides: { alarmEmail?: unknown; apiCertificateArn?: unknown } = {},
): Profile {
  const chosen = name === undefined || name === '' ? 'sandbox' : name;
  if (typeof chosen !== 'string' || !(PROFILE_NAMES as readonly string[]).includes(chosen)) {
    throw new ProfileError(
      `Unknown profile "${String(chosen)}". Valid profiles: ${PROFILE_NAMES.join(', ')} (choose one with -c profile=NAME).`,
    );
  }
  const base = PROFILES[chosen as ProfileName];
  const email = overrides.alarmEmail;
  if (email !== undefined && typeof email !== 'string') throw new ProfileError('alarmEmail must be a string');
  const certificateArn = overrides.apiCertificateArn;
  if (certificateArn !== undefined && (typeof certificateArn !== 'string' || !base.api.internalDomain)) {
    throw new ProfileError(
      `apiCertificateArn must be a string, for a profile with api.internalDomain (${chosen} has none)`,
    );
  }
  if (!certificateArn && !email) return validateProfile(base);
  const api = certificateArn
    ? { ...base.api, internalDomain: { ...base.api.internalDomain!, certificateArn } }
    : base.api;
  return validateProfile({ ...base, api, ...(email ? { alarmEmail: email } : {}) });
}
