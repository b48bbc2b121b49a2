/** The shared cache's settings of the service's configuration (config.ts; ADR 26). */
import { CHECKOUT_ENV } from '@securecart/contracts/env';
import type { EnvReader } from '@securecart/contracts/env';

const E = CHECKOUT_ENV;

/** The shared cache (CACHE_HOST and the rest; cache/shared-cache.ts). */
export interface CacheConfig {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** IAM authentication as this user of this serverless cache; none: no AUTH (local, tests). */
  readonly iam?: { readonly cacheName: string; readonly userId: string; readonly region: string };
  readonly commandTimeoutMs: number;
}

/** The cache-related fields of CheckoutConfig. */
export interface SharedCacheSettings {
  /** Undefined: no shared cache. */
  readonly cache?: CacheConfig;
  readonly orderCacheTtlSeconds: number;
  /** POST /api/orders per customer (with the shared cache); undefined: no limit. */
  readonly orderRateLimit?: { readonly capacity: number; readonly perMinute: number };
}

function cache(env: EnvReader): CacheConfig | undefined {
  const host = env.get(E.cacheHost);
  const userId = env.get(E.cacheUserId);
  const commandTimeoutMs = env.int(E.cacheCommandTimeoutMs, 100, 10, 5000);
  const port = env.int(E.cachePort, 6379, 1, 65535);
  const tls = env.bool(E.cacheTls, userId !== undefined);
  if (!host) {
    if (userId) env.problems.push(`${E.cacheUserId} needs ${E.cacheHost}`);
    return undefined;
  }
  if (!userId) return { host, port, tls, commandTimeoutMs };
  if (!tls) env.problems.push(`${E.cacheUserId} (IAM authentication) needs ${E.cacheTls}=true`);
  const region = env.get(E.region) ?? env.get('AWS_DEFAULT_REGION') ?? env.required(E.region);
  return { host, port, tls, iam: { cacheName: env.required(E.cacheName), userId, region }, commandTimeoutMs };
}

function orderRateLimit(env: EnvReader): SharedCacheSettings['orderRateLimit'] {
  const perMinute = env.int(E.orderRateLimitPerMinute, 10, 0, 10_000);
  const capacity = env.int(E.orderRateLimitBurst, 10, 1, 10_000);
  return perMinute === 0 ? undefined : { capacity, perMinute };
}

/** The cache-related fields of CheckoutConfig. */
export function sharedCacheConfig(env: EnvReader): SharedCacheSettings {
  return {
    cache: cache(env),
    orderCacheTtlSeconds: env.int(E.orderCacheTtlSeconds, 300, 1, 86_400),
    orderRateLimit: orderRateLimit(env),
  };
}
