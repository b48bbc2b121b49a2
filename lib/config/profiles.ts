import { Duration, RemovalPolicy } from 'aws-cdk-lib';

/** Names of the deployment profiles, chosen with `-c profile=NAME`. */
export const PROFILE_NAMES = ['sandbox', 'prod', 'localstack'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/**
 * Everything that differs between deployments lives in one typed object.
 * Stacks read it; nothing else branches on the profile name.
 */
export interface Profile {
  readonly name: ProfileName;
  readonly description: string;
  /** Tiers this profile deploys. `localstack` hosts only what LocalStack's free plan can. */
  readonly tiers: {
    readonly network: boolean;
    readonly relationalDatabase: boolean;
  };
  /** Optional services and compatibility switches. */
  readonly features: {
    /** The EventBridge schema registry is not in LocalStack's free plan. */
    readonly schemaRegistry: boolean;
    /** An archive of every SecureCart event, for replay. LocalStack has no CloudFormation provider for it. */
    readonly eventArchive: boolean;
    /**
     * Cross-stack references as Export/ImportValue instead of cdk.json's default
     * (`Fn::GetStackOutput`), which local CloudFormation implementations do not resolve.
     */
    readonly strongCrossStackReferences: boolean;
  };
  readonly network: {
    readonly cidr: string;
    readonly maxAzs: number;
    readonly natGateways: number;
    readonly flowLogRetentionDays: number;
  };
  readonly database: {
    /** Instance class and size, e.g. `t4g.micro` (Graviton burstable). */
    readonly instanceType: string;
    readonly allocatedStorageGiB: number;
    readonly maxAllocatedStorageGiB: number;
    readonly multiAz: boolean;
    readonly readReplica: boolean;
    readonly backupRetentionDays: number;
    readonly rotationDays: number;
  };
  /** sandbox/localstack: destroy everything with the stack; prod: retain and protect. */
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly logRetentionDays: number;
  readonly pipeline: {
    /** Orders whose recomputed total (in cents) is at or above this are fraud-screened. */
    readonly highValueThresholdCents: number;
    /** How long the workflow waits for the fraud screen before the manual-review outcome. */
    readonly fraudScreenTimeout: Duration;
    /** ISO 3166-1 alpha-2 shipping countries that are not flagged as suspicious. */
    readonly allowedShippingCountries: readonly string[];
  };
  /** E-mail address for alarms and order notifications; none means no e-mail subscription. */
  readonly alarmEmail?: string;
}

const commonPipeline = {
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

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  sandbox: {
    name: 'sandbox',
    description: 'Cheap, disposable deployment into a sandbox account (default).',
    tiers: { network: true, relationalDatabase: true },
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
    pipeline: { ...commonPipeline, highValueThresholdCents: 50_000 },
  },
  prod: {
    name: 'prod',
    description: 'Production shape: NAT and database per AZ, retained data, deletion protection.',
    tiers: { network: true, relationalDatabase: true },
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
    pipeline: { ...commonPipeline, highValueThresholdCents: 100_000 },
  },
  localstack: {
    name: 'localstack',
    description: "Only what LocalStack's free plan hosts: KMS, DynamoDB and the order pipeline (no VPC, no RDS).",
    tiers: { network: false, relationalDatabase: false },
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
    pipeline: { ...commonPipeline, highValueThresholdCents: 50_000, fraudScreenTimeout: Duration.seconds(60) },
  },
};

export class ProfileError extends Error {}

/** Checks the invariants a profile must keep; throws a ProfileError naming every problem. */
export function validateProfile(p: Profile): Profile {
  const problems: string[] = [];
  const n = p.network;
  if (p.tiers.relationalDatabase && !p.tiers.network) problems.push('relationalDatabase needs the network tier');
  if (n.maxAzs < 2) problems.push(`network.maxAzs must be at least 2 (got ${n.maxAzs})`);
  if (p.tiers.network && (n.natGateways < 1 || n.natGateways > n.maxAzs)) {
    problems.push(`network.natGateways must be between 1 and maxAzs=${n.maxAzs} (got ${n.natGateways})`);
  }
  if (!/^10\.\d{1,3}\.0\.0\/16$/.test(n.cidr))
    problems.push(`network.cidr must be a 10.x.0.0/16 block (got ${n.cidr})`);
  if (!/^[a-z0-9]+\.[a-z0-9]+$/.test(p.database.instanceType)) {
    problems.push(`database.instanceType must look like "t4g.micro" (got ${p.database.instanceType})`);
  }
  if (p.database.readReplica && !p.database.multiAz) problems.push('database.readReplica needs multiAz');
  if (p.database.maxAllocatedStorageGiB < p.database.allocatedStorageGiB)
    problems.push('database.maxAllocatedStorageGiB < allocatedStorageGiB');
  if (p.deletionProtection && p.removalPolicy !== RemovalPolicy.RETAIN)
    problems.push('deletionProtection needs removalPolicy RETAIN');
  if (!Number.isInteger(p.pipeline.highValueThresholdCents) || p.pipeline.highValueThresholdCents <= 0) {
    problems.push('pipeline.highValueThresholdCents must be a positive integer');
  }
  if (p.pipeline.allowedShippingCountries.some((c) => !/^[A-Z]{2}$/.test(c))) {
    problems.push('pipeline.allowedShippingCountries must be ISO 3166-1 alpha-2 codes');
  }
  if (p.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(p.alarmEmail)) {
    problems.push(`alarmEmail is not an e-mail address (got ${p.alarmEmail})`);
  }
  if (problems.length > 0) throw new ProfileError(`Profile "${p.name}" is invalid: ${problems.join('; ')}`);
  return p;
}

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
