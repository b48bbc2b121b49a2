/**
 * Catalog entries by product id, for pages that only know the ids (an order stores
 * `{ productId, quantity }` per item). Uses the app's Api client (GET /api/products/{id}); each id
 * is asked for once per Api instance and shared by every page that needs it. A product the
 * catalog does not know (404) is remembered as unknown; any other failure is forgotten, so a later
 * visit asks again. Lookups never throw: callers fall back to showing the id.
 */
import { useEffect, useState } from 'react';
import { ApiError } from './api';
import type { Api } from './api';
import type { ProductView } from './contracts';
import { useApi } from './app-context';

const caches = new WeakMap<Api, Map<string, Promise<ProductView | null>>>();

/** The catalog entry for `productId`, or null when it is unknown or could not be loaded. */
export function lookupProduct(api: Api, productId: string): Promise<ProductView | null> {
  let cache = caches.get(api);
  if (!cache) caches.set(api, (cache = new Map()));
  const cached = cache.get(productId);
  if (cached) return cached;
  // No abort signal: the answer is shared, and one page leaving must not cancel it for another.
  const pending = api.getProduct(productId).then(
    (product) => product,
    (error: unknown) => {
      if (!(error instanceof ApiError && error.status === 404)) cache.delete(productId);
      return null;
    },
  );
  cache.set(productId, pending);
  return pending;
}

/** The catalog entries found for `productIds` (empty at first; unknown ids are left out). */
export function useProductLookup(productIds: readonly string[]): ReadonlyMap<string, ProductView> {
  const api = useApi();
  // A stable key, so a re-render with the same ids (e.g. each status poll) asks nothing again.
  const key = JSON.stringify([...new Set(productIds)].sort());
  const [found, setFound] = useState<ReadonlyMap<string, ProductView>>(() => new Map());
  useEffect(() => {
    let live = true;
    const ids = JSON.parse(key) as string[];
    void Promise.all(ids.map((id) => lookupProduct(api, id))).then((products) => {
      if (!live) return;
      setFound(new Map(products.flatMap((p, i) => (p ? [[ids[i], p] as const] : []))));
    });
    return () => {
      live = false;
    };
  }, [api, key]);
  return found;
}
