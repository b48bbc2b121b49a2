/**
 * The per-customer rate limit of POST /api/orders, shared by every task: a token bucket in the
 * shared cache (TAKE_TOKEN, one script call per request). Off when the profile sets no rate, or
 * without a shared cache (API Gateway's per-method throttle and the WAF's rate rule still apply).
 *
 * When the cache cannot answer, the order is admitted (fail open, ADR 26) and counted as
 * RateLimitFailOpen, which is alarmed: checkout stays available through a cache outage, and the
 * edge limits stay in force.
 */
import { cacheKey } from './keys';
import type { Cache, TokenBucket } from './shared-cache';

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export class OrderRateLimit {
  constructor(
    private readonly cache: Cache,
    /** Undefined: no limit. */
    private readonly bucket: TokenBucket | undefined,
  ) {}

  get active(): boolean {
    return this.cache.enabled && this.bucket !== undefined;
  }

  async admit(customerId: string): Promise<RateDecision> {
    if (!this.active) return { allowed: true };
    const result = await this.cache.takeToken(cacheKey('rate-orders', customerId), this.bucket!);
    if (result === 'unavailable') {
      this.cache.count('rateLimitFailOpen');
      return { allowed: true };
    }
    if (!result.allowed) this.cache.count('rateLimited');
    return result;
  }
}
