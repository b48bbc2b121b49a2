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
    /** The Api stack: Cognito, the checkout service on ECS Fargate, the ALB and the REST API. */
    readonly api: boolean;
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
  /** The checkout service (ECS Fargate, ARM64) behind the internal ALB. */
  readonly checkout: {
    /** Fargate task CPU units (256, 512, 1024, 2048, 4096). */
    readonly cpu: number;
    /** Fargate task memory in MiB; must be a valid combination with `cpu`. */
    readonly memoryMiB: number;
    readonly desiredTasks: number;
    readonly minTasks: number;
    readonly maxTasks: number;
    /** Target average CPU utilisation (%) for scaling. */
    readonly targetCpuPercent: number;
    /** Target ALB requests per task per minute for scaling. */
    readonly targetRequestsPerTask: number;
  };
  /** The REST API in front of the service. */
  readonly api: {
    /** Stage-wide steady-state requests per second and burst. */
    readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
    /** A lower limit on `POST /api/orders`. */
    readonly createOrderThrottle: { readonly rateLimit: number; readonly burstLimit: number };
    /** A REGIONAL WAF web ACL on the stage (managed rule groups, a rate limit, the origin header). */
    readonly waf: boolean;
    /** Requests per IP per 5 minutes before the REGIONAL WAF blocks. */
    readonly wafRateLimitPer5Min: number;
  };
  /** The customer user pool and the storefront's app client. */
  readonly identity: {
    /** Cognito threat protection (Plus feature plan, billed per MAU): adaptive authentication, compromised credentials. */
    readonly threatProtection: boolean;
    /**
     * Storefront origins allowed to receive the authorization code until the Frontend stack
     * replaces them with its CloudFront domain (ADR 13). Callback: `<origin>/auth/callback`,
     * sign-out: `<origin>/signed-out`.
     */
    readonly storefrontOrigins: readonly string[];
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

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  sandbox: {
    name: 'sandbox',
    description: 'Cheap, disposable deployment into a sandbox account (default).',
    tiers: { network: true, relationalDatabase: true, api: true },
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
    checkout: smallCheckout,
    // No WAF: a web ACL and its managed rule groups cost about $10 a month idle (ADR 13).
    api: {
      throttle: { rateLimit: 50, burstLimit: 100 },
      createOrderThrottle: { rateLimit: 5, burstLimit: 10 },
      waf: false,
      wafRateLimitPer5Min: 1000,
    },
    identity: { threatProtection: false, storefrontOrigins: [LOCAL_STOREFRONT_ORIGIN] },
  },
  prod: {
    name: 'prod',
    description: 'Production shape: NAT and database per AZ, retained data, deletion protection.',
    tiers: { network: true, relationalDatabase: true, api: true },
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
    identity: { threatProtection: true, storefrontOrigins: [LOCAL_STOREFRONT_ORIGIN] },
  },
  localstack: {
    name: 'localstack',
    description: "Only what LocalStack's free plan hosts: KMS, DynamoDB and the order pipeline (no VPC, no RDS).",
    tiers: { network: false, relationalDatabase: false, api: false },
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
    // Not deployed (no ECS on LocalStack's free plan); kept valid so the profile type stays uniform.
    checkout: smallCheckout,
    api: {
      throttle: { rateLimit: 50, burstLimit: 100 },
      createOrderThrottle: { rateLimit: 5, burstLimit: 10 },
      waf: false,
      wafRateLimitPer5Min: 1000,
    },
    identity: { threatProtection: false, storefrontOrigins: [LOCAL_STOREFRONT_ORIGIN] },
  },
};

export class ProfileError extends Error {}

/** Checks the invariants a profile must keep; throws a ProfileError naming every problem. */
export function validateProfile(p: Profile): Profile {
  const problems: string[] = [];
  const n = p.network;
  if (p.tiers.relationalDatabase && !p.tiers.network) problems.push('relationalDatabase needs the network tier');
  if (p.tiers.api && !(p.tiers.network && p.tiers.relationalDatabase)) {
    problems.push('tiers.api needs the network and relationalDatabase tiers');
  }
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
  problems.push(...checkoutProblems(p), ...apiProblems(p), ...identityProblems(p));
  if (p.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(p.alarmEmail)) {
    problems.push(`alarmEmail is not an e-mail address (got ${p.alarmEmail})`);
  }
  if (problems.length > 0) throw new ProfileError(`Profile "${p.name}" is invalid: ${problems.join('; ')}`);
  return p;
}

const range = (min: number, max: number, step: number) =>
  Array.from({ length: (max - min) / step + 1 }, (_, i) => min + i * step);

/** Fargate's CPU units and the memory sizes (MiB) each allows (Linux, up to 4 vCPU). */
const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
};

const isPositiveInt = (n: number) => Number.isInteger(n) && n > 0;

function checkoutProblems({ checkout: c }: Profile): string[] {
  const problems: string[] = [];
  const memory = FARGATE_MEMORY[c.cpu];
  if (!memory) {
    problems.push(`checkout.cpu must be one of ${Object.keys(FARGATE_MEMORY).join(', ')} (got ${c.cpu})`);
  } else if (!memory.includes(c.memoryMiB)) {
    problems.push(
      `checkout.memoryMiB must be a Fargate size for cpu ${c.cpu}: ${memory[0]} to ${memory[memory.length - 1]} (got ${c.memoryMiB})`,
    );
  }
  if (![c.desiredTasks, c.minTasks, c.maxTasks].every(isPositiveInt)) {
    problems.push('checkout.desiredTasks, minTasks and maxTasks must be positive integers');
  } else if (!(c.minTasks <= c.desiredTasks && c.desiredTasks <= c.maxTasks)) {
    problems.push(
      `checkout tasks must satisfy minTasks <= desiredTasks <= maxTasks (got ${c.minTasks}, ${c.desiredTasks}, ${c.maxTasks})`,
    );
  }
  if (!(c.targetCpuPercent >= 10 && c.targetCpuPercent <= 90)) {
    problems.push(`checkout.targetCpuPercent must be from 10 to 90 (got ${c.targetCpuPercent})`);
  }
  if (!isPositiveInt(c.targetRequestsPerTask))
    problems.push('checkout.targetRequestsPerTask must be a positive integer');
  return problems;
}

function apiProblems({ api }: Profile): string[] {
  const problems: string[] = [];
  const limits = { 'api.throttle': api.throttle, 'api.createOrderThrottle': api.createOrderThrottle };
  for (const [name, t] of Object.entries(limits)) {
    if (!isPositiveInt(t.rateLimit) || !isPositiveInt(t.burstLimit)) {
      problems.push(`${name}.rateLimit and burstLimit must be positive integers`);
    }
  }
  if (
    api.createOrderThrottle.rateLimit > api.throttle.rateLimit ||
    api.createOrderThrottle.burstLimit > api.throttle.burstLimit
  ) {
    problems.push('api.createOrderThrottle must not be higher than api.throttle (it is the lower, method-level limit)');
  }
  // WAF rate-based rules accept 10 to 2,000,000,000 requests per evaluation window.
  if (!Number.isInteger(api.wafRateLimitPer5Min) || api.wafRateLimitPer5Min < 10) {
    problems.push(`api.wafRateLimitPer5Min must be an integer of at least 10 (got ${api.wafRateLimitPer5Min})`);
  }
  return problems;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function identityProblems({ identity }: Profile): string[] {
  const problems: string[] = [];
  if (identity.storefrontOrigins.length === 0) problems.push('identity.storefrontOrigins needs at least one origin');
  for (const origin of identity.storefrontOrigins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    // Cognito accepts plain http only for localhost; the storefront checks the same (web/src/config.ts).
    const secure = url && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)));
    if (!url || !secure || url.origin !== origin) {
      problems.push(
        `identity.storefrontOrigins must be origins like https://shop.example.com (http only for localhost), without a path (got ${origin})`,
      );
    }
  }
  return problems;
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
