import { Duration } from 'aws-cdk-lib';
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { PaymentProviderName } from '@securecart/contracts/payment';

/** Names of the deployment profiles, chosen with `-c profile=NAME`. */
export const PROFILE_NAMES = ['sandbox', 'prod', 'localstack'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The relational database's sizing, availability and retention (RDS PostgreSQL). */
export interface DatabaseProfile {
  /** Instance class and size, e.g. `t4g.micro` (Graviton burstable). */
  readonly instanceType: string;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  readonly multiAz: boolean;
  readonly readReplica: boolean;
  readonly backupRetentionDays: number;
  readonly rotationDays: number;
}

/**
 * The name API Gateway calls the internal ALB by (`api.internalDomain`). ACM issues its certificate
 * after DNS validation in the public hosted zone `zoneName` (Route 53, in this account); inside the
 * VPC a private hosted zone of the same name points it at the ALB.
 */
export interface InternalDomain {
  /** e.g. `api-internal.shop.example.com`: a name under `zoneName`. */
  readonly domainName: string;
  /** The public hosted zone ACM validates the certificate in, e.g. `shop.example.com`. */
  readonly zoneName: string;
  /** Its Route 53 id, e.g. `Z0123456789ABCDEFGHIJ`. */
  readonly hostedZoneId: string;
  /**
   * An ACM certificate for `domainName` issued outside the stacks (e.g. by a platform team): used
   * as it is instead of one the Api stack requests and validates in `hostedZoneId`. `cdk synth -c
   * apiCertificateArn=arn:…` sets it too (`npm run deploy:check` does, with one it imports).
   */
  readonly certificateArn?: string;
}

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
    /** The Frontend stack (storefront on S3 + CloudFront) and, where WAF is on, EdgeSecurity in us-east-1. */
    readonly frontend: boolean;
    /**
     * The Monitoring stack (the dashboard that follows an order, the database alarms, the audit
     * trail where enabled) and, with the frontend tier, EdgeMonitoring in us-east-1 (CloudFront and
     * edge WAF alarms).
     */
    readonly monitoring: boolean;
  };
  /** The audit trail (Monitoring stack). */
  readonly audit: {
    /**
     * A CloudTrail trail: management events, and data events for orders.fifo and the OrderEvents
     * topic, to an encrypted, access-logged bucket with log file validation.
     */
    readonly cloudTrail: boolean;
    /** Days the trail's log files are kept (at least 90 when the trail is on). */
    readonly retentionDays: number;
    /**
     * S3 Object Lock on the trail's bucket, every log file locked for `retentionDays` (ADR 22).
     * GOVERNANCE: only a principal with s3:BypassGovernanceRetention may delete early; COMPLIANCE:
     * nobody, the root user included, and it cannot be shortened. None: no lock.
     */
    readonly objectLock?: 'GOVERNANCE' | 'COMPLIANCE';
  };
  /** Optional services and compatibility switches. */
  readonly features: {
    /** The EventBridge schema registry is not in LocalStack's free plan. */
    readonly schemaRegistry: boolean;
    /** An archive of SecureCart events (not screening requests: ADR 19), for replay. LocalStack has no CloudFormation provider for it. */
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
  readonly database: DatabaseProfile;
  /** sandbox/localstack: destroy everything with the stack; prod: retain and protect. */
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly logRetentionDays: number;
  /** Fraud screening: which orders are screened and how long the workflow waits for a decision. */
  readonly screening: {
    /** Orders whose recomputed total (in cents) is at or above this are fraud-screened. */
    readonly highValueThresholdCents: number;
    /** How long the workflow waits for the fraud screen before the manual-review outcome. */
    readonly fraudScreenTimeout: Duration;
    /** ISO 3166-1 alpha-2 shipping countries that are not flagged as suspicious. */
    readonly allowedShippingCountries: readonly string[];
  };
  /** Who takes the money (ADR 20). */
  readonly payments: {
    /**
     * `simulator`: the deterministic simulated provider (lambda/shared/payment-provider.ts), which
     * approves any `tok_*` but the test tokens; never for real customers. `stripe`: Stripe's
     * PaymentIntents API, its secret key read from a Secrets Manager secret the Pipeline stack
     * creates (put the key in after the first deployment, README "Deploying to production").
     */
    readonly provider: PaymentProviderName;
  };
  /**
   * The fulfillment workflow's waits (docs/adr/0017): how long its Task states ride out an AWS
   * dependency's errors. sandbox and prod keep the real values (a 5-minute outage); localstack
   * shortens them so the chaos suite's outage matrix runs in minutes, with the same margin.
   */
  readonly workflow: {
    /** The outage every Task state must ride out: the mean jittered retry wait is at least twice it (validateProfile). */
    readonly ridesOutOutage: Duration;
    /** Retries of a dependency's transient errors: exponential backoff (rate 2) from `interval`, capped at `maxDelay`, full jitter. */
    readonly outageRetry: {
      readonly interval: Duration;
      readonly maxDelay: Duration;
      readonly maxAttempts: number;
    };
    /** Retries of every error of a compensation (refund, release), with the same backoff: idempotent, and it gives money back. */
    readonly compensationMaxAttempts: number;
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
    /**
     * TLS on every hop behind API Gateway (ADR 21): API Gateway → internal ALB over HTTPS to
     * `internalDomain` (an ACM certificate the integration verifies), ALB → tasks over HTTPS (the
     * service's self-signed certificate, which the ALB does not verify). Off: plain HTTP inside
     * the VPC (sandbox: no domain to issue a certificate for). Needs `internalDomain`.
     */
    readonly backendTls: boolean;
    /** The internal name of the ALB, with its certificate; required when `backendTls` is on. */
    readonly internalDomain?: InternalDomain;
  };
  /** The customer user pool and the storefront's app client. */
  readonly identity: {
    /** Cognito threat protection (Plus feature plan, billed per MAU): adaptive authentication, compromised credentials. */
    readonly threatProtection: boolean;
    /**
     * A REGIONAL web ACL on the user pool (its sign-in, sign-up and token endpoints): AWS's IP
     * reputation, common and known-bad-inputs rule groups (ADR 22).
     */
    readonly waf: boolean;
    /**
     * Add AWS WAF Fraud Control account takeover prevention (`AWSManagedRulesATPRuleSet`: stolen
     * credentials, credential stuffing) to that web ACL; billed per web ACL and per login request.
     */
    readonly accountTakeoverProtection: boolean;
    /**
     * Storefront origins allowed to receive the authorization code until the Frontend stack
     * replaces them with its CloudFront domain (ADR 13). Callback: `<origin>/auth/callback`,
     * sign-out: `<origin>/signed-out`.
     */
    readonly storefrontOrigins: readonly string[];
  };
  /** The storefront's CloudFront distribution. */
  readonly frontend: {
    /** A CLOUDFRONT-scope web ACL (EdgeSecurity stack, us-east-1): managed rule groups and a rate limit. */
    readonly waf: boolean;
    /** Requests per viewer address per 5 minutes before the edge WAF blocks. */
    readonly wafRateLimitPer5Min: number;
    /**
     * `POST /api/orders` per viewer address per 5 minutes before the edge WAF blocks (a rule of
     * its own, scoped to that method and path; none when unset).
     */
    readonly createOrderRateLimitPer5Min?: number;
    /**
     * Serve on your own domain with an ACM certificate in us-east-1; enables TLS 1.2 or later.
     * Without it the distribution serves *.cloudfront.net with CloudFront's default certificate.
     */
    readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  };
  /** The clickstream (issue 21, ADR 25): the Kinesis data stream and POST /api/events in front of it. */
  readonly clickstream: ClickstreamProfile;
  /** E-mail address for alarms and order notifications; none means no e-mail subscription. */
  readonly alarmEmail?: string;
}

/** The clickstream's capacity and the limit on POST /api/events (docs/adr/0025). */
export interface ClickstreamProfile {
  /**
   * The Kinesis data stream's capacity mode. `provisioned`: a fixed number of shards (each takes
   * 1 MB/s or 1,000 records/s of writes, billed per shard-hour whether used or not); `on-demand`:
   * scales with the traffic, billed per stream-hour and per GB.
   */
  readonly stream: { readonly mode: 'provisioned'; readonly shards: number } | { readonly mode: 'on-demand' };
  /** Method throttling of POST /api/events (a batch of up to 25 events per request). */
  readonly putThrottle: { readonly rateLimit: number; readonly burstLimit: number };
}
