import { RemovalPolicy } from 'aws-cdk-lib';
import { CLICKSTREAM_LIMITS } from '@securecart/contracts/clickstream';
import type { Profile } from './profile-types';

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
  if (!Number.isInteger(p.screening.highValueThresholdCents) || p.screening.highValueThresholdCents <= 0) {
    problems.push('screening.highValueThresholdCents must be a positive integer');
  }
  if (p.screening.allowedShippingCountries.some((c) => !/^[A-Z]{2}$/.test(c))) {
    problems.push('screening.allowedShippingCountries must be ISO 3166-1 alpha-2 codes');
  }
  if (p.tiers.frontend && !p.tiers.api) problems.push('tiers.frontend needs the api tier');
  problems.push(...workflowProblems(p));
  problems.push(
    ...checkoutProblems(p),
    ...apiProblems(p),
    ...identityProblems(p),
    ...frontendProblems(p),
    ...auditProblems(p),
    ...prodProblems(p),
    ...clickstreamProblems(p),
  );
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

/** A Step Functions retrier with backoff rate 2 and full jitter (seconds). */
export interface JitteredRetry {
  readonly intervalSeconds: number;
  readonly maxDelaySeconds: number;
  readonly maxAttempts: number;
}

/**
 * The capped delays of a retrier (backoff rate 2), in seconds: the longest it can wait in all.
 * Full jitter waits a uniform share of each delay, so the mean total wait is half of this.
 */
export function cappedRetryDelays(r: JitteredRetry): number {
  let total = 0;
  for (let k = 0; k < r.maxAttempts; k++) total += Math.min(r.maxDelaySeconds, r.intervalSeconds * 2 ** k);
  return total;
}

/** The profile's outage retry in seconds. */
export const outageRetrySeconds = (p: Profile, maxAttempts = p.workflow.outageRetry.maxAttempts): JitteredRetry => ({
  intervalSeconds: p.workflow.outageRetry.interval.toSeconds(),
  maxDelaySeconds: p.workflow.outageRetry.maxDelay.toSeconds(),
  maxAttempts,
});

/** The workflow's waits ride out the outage the profile names: mean jittered wait at least twice it. */
function workflowProblems(p: Profile): string[] {
  const problems: string[] = [];
  const w = p.workflow;
  const r = w.outageRetry;
  const outage = w.ridesOutOutage.toSeconds();
  if (!(outage > 0)) problems.push('workflow.ridesOutOutage must be positive');
  if (!(r.interval.toSeconds() >= 1) || r.maxDelay.toSeconds() < r.interval.toSeconds())
    problems.push('workflow.outageRetry needs interval >= 1 s and maxDelay >= interval');
  if (!isPositiveInt(r.maxAttempts) || r.maxAttempts > 99)
    problems.push('workflow.outageRetry.maxAttempts must be 1-99');
  if (!isPositiveInt(w.compensationMaxAttempts) || w.compensationMaxAttempts > 99)
    problems.push('workflow.compensationMaxAttempts must be 1-99');
  for (const [what, attempts] of [
    ['outageRetry', r.maxAttempts],
    ['compensationMaxAttempts', w.compensationMaxAttempts],
  ] as const) {
    const mean = cappedRetryDelays(outageRetrySeconds(p, attempts)) / 2;
    if (mean < 2 * outage)
      problems.push(
        `workflow.${what} waits ${mean} s on average, less than twice workflow.ridesOutOutage (${outage} s)`,
      );
  }
  return problems;
}

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

/** A shard takes 1,000 records/s (Kinesis quotas); a request puts up to CLICKSTREAM_LIMITS.maxEventsPerBatch. */
const RECORDS_PER_SHARD_PER_SECOND = 1000;
const MAX_EVENTS_PER_REQUEST = CLICKSTREAM_LIMITS.maxEventsPerBatch;

function clickstreamProblems({ clickstream, api }: Profile): string[] {
  const problems: string[] = [];
  const { stream, putThrottle } = clickstream;
  if (!isPositiveInt(putThrottle.rateLimit) || !isPositiveInt(putThrottle.burstLimit)) {
    problems.push('clickstream.putThrottle.rateLimit and burstLimit must be positive integers');
  }
  if (putThrottle.rateLimit > api.throttle.rateLimit || putThrottle.burstLimit > api.throttle.burstLimit) {
    problems.push('clickstream.putThrottle must not be higher than api.throttle (it is a method-level limit)');
  }
  if (stream.mode === 'provisioned') {
    if (!isPositiveInt(stream.shards)) problems.push('clickstream.stream.shards must be a positive integer');
    else if (putThrottle.rateLimit * MAX_EVENTS_PER_REQUEST > stream.shards * RECORDS_PER_SHARD_PER_SECOND) {
      problems.push(
        `clickstream.putThrottle.rateLimit × ${MAX_EVENTS_PER_REQUEST} events must fit the shards' ${RECORDS_PER_SHARD_PER_SECOND} records/s each (${stream.shards} shard(s))`,
      );
    }
  }
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
  problems.push(...backendTlsProblems(api));
  // WAF rate-based rules accept 10 to 2,000,000,000 requests per evaluation window.
  if (!Number.isInteger(api.wafRateLimitPer5Min) || api.wafRateLimitPer5Min < 10) {
    problems.push(`api.wafRateLimitPer5Min must be an integer of at least 10 (got ${api.wafRateLimitPer5Min})`);
  }
  return problems;
}

const DNS_NAME = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;
const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]{1,128}$/;

function backendTlsProblems(api: Profile['api']): string[] {
  const domain = api.internalDomain;
  if (!domain) {
    return api.backendTls
      ? [
          'api.backendTls needs api.internalDomain: { domainName (e.g. api-internal.shop.example.com), zoneName, hostedZoneId } for the ALB certificate',
        ]
      : [];
  }
  const problems: string[] = [];
  if (!DNS_NAME.test(domain.zoneName))
    problems.push(`api.internalDomain.zoneName must be a DNS name (got ${domain.zoneName})`);
  if (!DNS_NAME.test(domain.domainName) || !domain.domainName.endsWith(`.${domain.zoneName}`)) {
    problems.push(
      `api.internalDomain.domainName must be a name under zoneName ${domain.zoneName} (got ${domain.domainName})`,
    );
  }
  if (!/^Z[A-Z0-9]{1,31}$/.test(domain.hostedZoneId)) {
    problems.push(`api.internalDomain.hostedZoneId must be a Route 53 hosted zone id (got ${domain.hostedZoneId})`);
  }
  if (domain.certificateArn !== undefined && !ACM_CERTIFICATE_ARN.test(domain.certificateArn)) {
    problems.push(
      `api.internalDomain.certificateArn must be an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id> (got ${domain.certificateArn})`,
    );
  }
  return problems;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True for a loopback host as the URL parser normalises it: `localhost` (and `*.localhost`),
 * 127.0.0.0/8 (also written as one number, `http://2130706433`), `[::1]` and IPv4-mapped
 * `[::ffff:127.x.y.z]`.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === '[::1]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host)
  );
}

function identityProblems({ identity }: Profile): string[] {
  const problems: string[] = [];
  if (identity.storefrontOrigins.length === 0) problems.push('identity.storefrontOrigins needs at least one origin');
  if (identity.accountTakeoverProtection && !identity.waf) {
    problems.push(
      'identity.accountTakeoverProtection needs identity.waf (the rule group lives in the user pool web ACL)',
    );
  }
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

function frontendProblems({ frontend }: Profile): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(frontend.wafRateLimitPer5Min) || frontend.wafRateLimitPer5Min < 10) {
    problems.push(
      `frontend.wafRateLimitPer5Min must be an integer of at least 10 (got ${frontend.wafRateLimitPer5Min})`,
    );
  }
  const orders = frontend.createOrderRateLimitPer5Min;
  if (orders !== undefined) {
    if (!frontend.waf)
      problems.push('frontend.createOrderRateLimitPer5Min needs frontend.waf (a rule of the edge web ACL)');
    if (!Number.isInteger(orders) || orders < 10) {
      problems.push(`frontend.createOrderRateLimitPer5Min must be an integer of at least 10 (got ${orders})`);
    }
  }
  const domain = frontend.customDomain;
  if (domain) {
    if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(domain.domainName)) {
      problems.push(`frontend.customDomain.domainName must be a DNS name (got ${domain.domainName})`);
    }
    // CloudFront only uses certificates from us-east-1.
    if (!/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(domain.certificateArn)) {
      problems.push(
        `frontend.customDomain.certificateArn must be an ACM certificate in us-east-1 (got ${domain.certificateArn})`,
      );
    }
  }
  return problems;
}

function auditProblems({ audit, tiers }: Profile): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(audit.retentionDays) || audit.retentionDays < 1 || audit.retentionDays > 3653) {
    problems.push(`audit.retentionDays must be an integer from 1 to 3653 (got ${audit.retentionDays})`);
  }
  if (audit.cloudTrail) {
    // The trail lives in the Monitoring stack.
    if (!tiers.monitoring) problems.push('audit.cloudTrail needs the monitoring tier');
    // CloudTrail's own event history keeps management events 90 days: the trail keeps at least that.
    if (audit.retentionDays < 90) {
      problems.push(`audit.retentionDays must be at least 90 when audit.cloudTrail is on (got ${audit.retentionDays})`);
    }
  } else if (audit.objectLock) {
    problems.push('audit.objectLock locks the trail bucket: it needs audit.cloudTrail');
  }
  return problems;
}

/** The storefront's domain and certificate in the prod example (placeholders: see README, "Deploying to production"). */
const CUSTOM_DOMAIN_EXAMPLE =
  "frontend.customDomain: { domainName: 'shop.example.com', certificateArn: 'arn:aws:acm:us-east-1:<account>:certificate/<id>' }";

/**
 * What prod must never run with (issue 19): the simulated payment provider, CloudFront's default
 * certificate (TLS 1.0 accepted), and Cognito callback or sign-out URLs on a loopback address.
 */
function prodProblems(p: Profile): string[] {
  if (p.name !== 'prod') return [];
  const problems: string[] = [];
  if (p.payments.provider !== 'stripe') {
    problems.push(
      `payments.provider must be 'stripe' in prod (got '${p.payments.provider}': the simulator approves any tok_* token); set payments: { provider: 'stripe' } and, after the first deployment, put the Stripe secret key into the secret securecart/prod/payments/stripe-secret-key`,
    );
  }
  if (p.tiers.frontend && !p.frontend.customDomain) {
    problems.push(
      `frontend.customDomain is required in prod (without it CloudFront serves its default certificate, which accepts TLS 1.0); set ${CUSTOM_DOMAIN_EXAMPLE}, an ACM certificate in us-east-1 for that name, so the distribution serves TLSv1.2_2021 with SNI`,
    );
  }
  const loopback = p.identity.storefrontOrigins.filter((origin) => {
    try {
      return isLoopbackHost(new URL(origin).hostname);
    } catch {
      return false; // reported by identityProblems
    }
  });
  if (loopback.length > 0) {
    const domain = p.frontend.customDomain?.domainName ?? 'shop.example.com';
    problems.push(
      `identity.storefrontOrigins must not name a loopback address in prod (got ${loopback.join(', ')}): the Cognito client would accept sign-in callbacks and sign-out redirects to it; set identity.storefrontOrigins: ['https://${domain}'] (the storefront's own origin)`,
    );
  }
  return problems;
}
