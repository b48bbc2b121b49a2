/**
 * The recommendations' counts through the shared cache (src/cache/affinity-cache.ts): a repeated
 * question is answered from the cache, different questions (product, day, window) never share an
 * entry, and a disabled cache reads the table every time.
 */
import type { Cache } from '../src/cache/cache';
import { disabledCache } from '../src/cache/cache';
import { CachedAffinityCounts } from '../src/cache/affinity-cache';
import type { AffinityCounts, ViewCount } from '../src/recommendations';

/** A cache-aside over a Map that records the TTLs it was asked for. */
function mapCache(): Cache & { readonly ttls: number[] } {
  const entries = new Map<string, unknown>();
  const ttls: number[] = [];
  return {
    ...disabledCache(),
    enabled: true,
    connected: true,
    ttls,
    async cacheAside<T>(key: string, ttl: number, load: () => Promise<T>): Promise<T> {
      ttls.push(ttl);
      if (entries.has(key)) return entries.get(key) as T;
      const value = await load();
      entries.set(key, value);
      return value;
    },
  };
}

/** Counts that answer from the arguments and count their calls. */
function countingSource() {
  const calls: string[] = [];
  const source: AffinityCounts = {
    async coViewed(productId, days): Promise<ViewCount[]> {
      calls.push(`coViewed ${productId} ${days.join(',')}`);
      return [{ productId: `${productId}-other`, views: days.length }];
    },
    async popular(days): Promise<ViewCount[]> {
      calls.push(`popular ${days.join(',')}`);
      return [{ productId: 'top', views: days.length }];
    },
  };
  return { source, calls };
}

const WEEK = ['2026-12-07', '2026-12-06', '2026-12-05'];
const NEXT_DAY = ['2026-12-08', '2026-12-07', '2026-12-06'];

test('a repeated question is read once; another product, day or window is read again', async () => {
  const { source, calls } = countingSource();
  const cache = mapCache();
  const cached = new CachedAffinityCounts(source, cache, 30);

  const first = await cached.coViewed('mug', WEEK);
  expect(await cached.coViewed('mug', WEEK)).toEqual(first);
  expect(await cached.popular(WEEK)).toEqual(await cached.popular(WEEK));
  expect(calls).toEqual([`coViewed mug ${WEEK.join(',')}`, `popular ${WEEK.join(',')}`]);

  await cached.coViewed('tee', WEEK);
  await cached.coViewed('mug', NEXT_DAY);
  await cached.coViewed('mug', WEEK.slice(0, 2));
  await cached.popular(NEXT_DAY);
  expect(calls).toHaveLength(6);
  expect(new Set(cache.ttls)).toEqual(new Set([30]));
});

test('hostile product ids never share an entry with another product', async () => {
  const { source, calls } = countingSource();
  const cached = new CachedAffinityCounts(source, mapCache(), 30);
  for (const id of ['a:=b', 'a', '👩‍💻', 'x'.repeat(200), 'a:=b']) await cached.coViewed(id, WEEK);
  expect(calls).toHaveLength(4);
});

test('without a shared cache every question reads the table', async () => {
  const { source, calls } = countingSource();
  const cached = new CachedAffinityCounts(source, disabledCache(), 30);
  await cached.popular(WEEK);
  await cached.popular(WEEK);
  expect(calls).toHaveLength(2);
});
