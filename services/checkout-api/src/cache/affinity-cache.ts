/**
 * The recommendations' reads through the shared cache (ADR 26, issue 21): cache-aside over the
 * ProductAffinity counts, keyed by the question (co-views of one product, or popularity) and the
 * window's newest day and length, so a new UTC day starts new keys and old ones expire. The
 * counts change with every view, so the TTL is short (the catalog's): a recommendation is at most
 * that much older than the table, and every task shares one read per key and TTL instead of eight
 * Queries per request. Product ids of any shape are safe in keys (keys.ts hashes odd parts).
 */
import type { AffinityCounts, ViewCount } from '../recommendations';
import type { Cache } from './cache';
import { cacheKey } from './keys';

export class CachedAffinityCounts implements AffinityCounts {
  constructor(
    private readonly source: AffinityCounts,
    private readonly cache: Cache,
    private readonly ttlSeconds: number,
  ) {}

  coViewed(productId: string, days: readonly string[]): Promise<ViewCount[]> {
    const key = cacheKey('affinity', 'coview', productId, days[0] ?? '-', days.length);
    return this.cache.cacheAside(key, this.ttlSeconds, () => this.source.coViewed(productId, days));
  }

  popular(days: readonly string[]): Promise<ViewCount[]> {
    const key = cacheKey('affinity', 'popular', days[0] ?? '-', days.length);
    return this.cache.cacheAside(key, this.ttlSeconds, () => this.source.popular(days));
  }
}
