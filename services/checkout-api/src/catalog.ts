/**
 * The product catalog, read from the DynamoDB Catalog table and cached in the process for a short
 * TTL (one Scan per TTL per task, shared by concurrent requests). When a refresh fails and a
 * cached copy exists, the stale copy is served and the failure logged.
 */
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { CATALOG_TEXT_LIMITS, DEFAULT_CATEGORY, IMAGE_KEY_PATTERN } from '@securecart/contracts/catalog';
import type { ProductView } from '@securecart/contracts/http-api';
import type { CatalogItem } from '@securecart/contracts/tables';

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
  ) {}

  async list(): Promise<Product[]> {
    return (await this.current()).list;
  }

  async get(productId: string): Promise<Product | undefined> {
    return (await this.current()).byId.get(productId);
  }

  /** Forgets the cached copy (tests; an operator hook if ever needed). */
  invalidate(): void {
    this.products = undefined;
  }

  private async current() {
    const fresh = this.products && Date.now() - this.products.loadedAt < this.ttlMs;
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
    this.products = { list, byId: new Map(list.map((p) => [p.productId, p])), loadedAt: Date.now() };
  }
}
