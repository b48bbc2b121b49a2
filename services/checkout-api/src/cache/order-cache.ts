/**
 * GET /api/orders/{id} through the shared cache (ADR 26). The storefront polls an order until it
 * settles, so each poll would be a database read; cached, a poll costs one cache read.
 *
 * - The key holds the customer id and the order id (cacheKey: hostile ids are hashed): a customer
 *   can only ever read entries filled for that customer, from that customer's own database reads.
 * - The version of an order view is the length of its status history: it grows with every change
 *   of the view (a forward transition always adds a history row; a late, stale status adds one
 *   too) and never otherwise. Fills and write-throughs are compare-and-set on it (SET_IF_NEWER):
 *   a reader that read the database before a status change and fills after the status consumer
 *   wrote the new view through cannot put the old view back.
 * - The status consumer writes the new view through after its transaction commits, so a cached
 *   status is never older than the database; if it cannot read the view back, it deletes the key.
 * - Misses (no such order, or another customer's) are not cached.
 */
import type { OrderView } from '@securecart/contracts/http-api';
import { cacheKey } from './keys';
import type { Cache } from './shared-cache';

export const orderKey = (customerId: string, orderId: string): string => cacheKey('order', customerId, orderId);

/** The version compare-and-set writes compare: grows with every change of the view. */
export const orderVersion = (view: OrderView): number => view.statusHistory.length;

export interface OrderCache {
  readonly cache: Cache;
  readonly ttlSeconds: number;
}

/** The order from the cache, else from `read` (then cached when found). */
export async function cachedOrder(
  { cache, ttlSeconds }: OrderCache,
  customerId: string,
  orderId: string,
  read: () => Promise<OrderView | undefined>,
): Promise<OrderView | undefined> {
  if (!cache.enabled) return read();
  const key = orderKey(customerId, orderId);
  const cached = await cache.getVersioned<OrderView>(key);
  if (cached && cached.orderId === orderId) return cached;
  const order = await read();
  // Not awaited: commands on the connection run in order, so a later read of this key sees it.
  if (order) void cache.setIfNewer(key, orderVersion(order), order, ttlSeconds);
  return order;
}

/** After a status change committed: the new view replaces the cached one (unless that one is newer). */
export async function writeThrough(
  { cache, ttlSeconds }: OrderCache,
  customerId: string,
  orderId: string,
  read: () => Promise<OrderView | undefined>,
): Promise<'set' | 'kept' | 'error' | 'skipped'> {
  if (!cache.enabled) return 'skipped';
  const key = orderKey(customerId, orderId);
  let view: OrderView | undefined;
  try {
    view = await read();
  } catch {
    view = undefined;
  }
  if (!view) {
    // Could not read the new view: drop the entry, the next poll reads the database.
    return (await cache.remove(key)) ? 'set' : 'error';
  }
  return cache.setIfNewer(key, orderVersion(view), view, ttlSeconds);
}
