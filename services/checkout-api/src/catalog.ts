/**
 * The product catalog, read from the DynamoDB Catalog table and cached in the process for a short
 * TTL (shared by concurrent requests). With the shared cache (ADR 26) a refresh reads the list
 * cache-aside there first (key `catalog` + the catalog version, for the same TTL), so the tasks
 * together scan the table about once per TTL, not once per task; the process then keeps its copy
 * for at most CATALOG_LOCAL_TTL_MS, so a version bump (invalidate) reaches every task quickly.
 * When a refresh fails and a cached copy exists, the stale copy is served and the failure logged.
 */
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { CATALOG_TEXT_LIMITS, DEFAULT_CATEGORY, IMAGE_KEY_PATTERN } from '@securecart/contracts/catalog';
import type { ProductView } from '@securecart/contracts/http-api';
import type { CatalogItem } from '@securecart/contracts/tables';
import { cacheKey } from './cache/keys';
import { disabledCache } from './cache/shared-cache';
import type { Cache } from './cache/shared-cache';

/** With a shared cache, how long a task keeps its own copy of the list. */
export const CATALOG_LOCAL_TTL_MS = 5000;

/** The catalog's version counter: bumped on a catalog change, it is part of the list's key. */
export const CATALOG_VERSION_KEY = cacheKey('catalog-version');

/** What the storefront sees of a product (the contract's ProductView): no stock counts, reservations or reorder settings. */
export type Product = ProductView;

type CatalogRow = Pick<
  CatalogItem,
  'productId' | 'name' | 'priceCents' | 'stock' | 'active' | 'description' | 'imageKey' | 'imageAlt' | 'category'
>;

/** A text attribute as the storefront may show it: a trimmed string within `max`, else ''. */
const words = (value: unknown, max: number): string => (typeof value === 'string' ? value.trim().slice(0, max) : '');

/** The storefront's view of a Catalog row: a picture only with a well-formed key (it names a site path). */
export function toProductView(item: CatalogRow): Product {
  const imageKey = typeof item.imageKey === 'string' && IMAGE_KEY_PATTERN.test(item.imageKey) ? item.imageKey : null;
  return {
    productId: item.productId,
    name: String(item.name ?? item.productId),
    priceCents: Number(item.priceCents),
    currency: 'USD',
    inStock: Number(item.stock) > 0,
    description: words(item.description, CATALOG_TEXT_LIMITS.description),
    category: words(item.category, CATALOG_TEXT_LIMITS.category) || DEFAULT_CATEGORY,
    imageKey,
    imageAlt: imageKey ? words(item.imageAlt, CATALOG_TEXT_LIMITS.imageAlt) : '',
  };
}

export class Catalog {
  private products?: { byId: Map<string, Product>; list: Product[]; loadedAt: number };
  private loading?: Promise<void>;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlMs: number,
    private readonly onStale: (error: unknown) => void,
    private readonly shared: Cache = disabledCache(),
  ) {}

  private get localTtlMs(): number {
    return this.shared.enabled ? Math.min(this.ttlMs, CATALOG_LOCAL_TTL_MS) : this.ttlMs;
  }

  async list(): Promise<Product[]> {
    return (await this.current()).list;
  }

  async get(productId: string): Promise<Product | undefined> {
    return (await this.current()).byId.get(productId);
  }

  /**
   * Forgets the cached copy; with the shared cache also bumps the catalog version, so every task's
   * next refresh reads the table (call after changing the catalog).
   */
  invalidate(): void {
    this.products = undefined;
    if (this.shared.enabled) void this.shared.increment(CATALOG_VERSION_KEY);
  }

  private async current() {
    const fresh = this.products && Date.now() - this.products.loadedAt < this.localTtlMs;
    if (!fresh) {
      this.loading ??= this.load().finally(() => (this.loading = undefined));
      try {
        await this.loading;
      } catch (error) {
        if (!this.products) throw error;
        this.onStale(error);
      }
    }
    return this.products!;
  }

  private async load(): Promise<void> {
    const list = await this.sharedList();
    this.products = { list, byId: new Map(list.map((p) => [p.productId, p])), loadedAt: Date.now() };
  }

  /** The list from the shared cache (cache-aside under the current catalog version), else a Scan. */
  private async sharedList(): Promise<Product[]> {
    if (!this.shared.enabled || this.ttlMs < 1000) return this.scan();
    const version = await this.shared.readCounter(CATALOG_VERSION_KEY);
    if (version === undefined) {
      this.shared.count('cacheFallbacks');
      return this.scan();
    }
    return this.shared.cacheAside(cacheKey('catalog', 'products', version), Math.floor(this.ttlMs / 1000), () =>
      this.scan(),
    );
  }

  private async scan(): Promise<Product[]> {
    const list: Product[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression:
            'productId, #name, priceCents, stock, active, description, imageKey, imageAlt, category',
          ExpressionAttributeNames: { '#name': 'name' },
          ExclusiveStartKey,
        }),
      );
      for (const item of (page.Items ?? []) as CatalogRow[]) {
        if (item.active !== true || typeof item.productId !== 'string') continue;
        list.push(toProductView(item));
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    list.sort((a, b) => a.productId.localeCompare(b.productId));
    return list;
  }
}
