/**
 * Recommendations (issue 21): GET /api/products/{id}/recommendations and
 * GET /api/recommendations/popular, from the clickstream consumer's daily counts in the
 * ProductAffinity table (contracts/clickstream.ts AFFINITY_KEYS), summed over the last
 * CLICKSTREAM_LIMITS.windowDays UTC days.
 *
 * - For a product: the products viewed in the same sessions (basis `co_viewed`), most co-views
 *   first, then filled up with the most viewed products (basis `popular`); never the product
 *   itself, only active catalog products, at most CLICKSTREAM_LIMITS.maxRecommendations.
 * - Popular: the most viewed active products (basis `popular`).
 * Ties are broken by product id, so the same counts always give the same answer.
 *
 * The table is read through AffinityCounts, a small interface a cache can wrap (cache-aside keyed
 * by the question and its days) without touching the ranking. Without the table (its variable
 * unset: tests and local runs without the clickstream), there are no counts, and both routes
 * answer an empty list: nothing is called "popular" that nobody was seen viewing, and the
 * storefront shows no section for an empty list.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AFFINITY_KEYS, CLICKSTREAM_LIMITS, windowDays } from '@securecart/contracts/clickstream';
import type { RecommendedProduct } from '@securecart/contracts/http-api';
import type { Product } from './catalog';

/** A product and how often it was viewed (alone, or together with the product asked about). */
export interface ViewCount {
  readonly productId: string;
  readonly views: number;
}

/**
 * The read path of the aggregates: summed counts over the given UTC days (YYYY-MM-DD, newest
 * first, as windowDays() gives them), in any order. A cache wraps this interface.
 */
export interface AffinityCounts {
  /** The products co-viewed with `productId` on `days`, with their summed co-view counts. */
  coViewed(productId: string, days: readonly string[]): Promise<ViewCount[]>;
  /** The products viewed on `days`, with their summed view counts. */
  popular(days: readonly string[]): Promise<ViewCount[]>;
}

/** The catalog as the recommender needs it: an active product by id (catalog.ts Catalog). */
export interface ActiveProducts {
  get(productId: string): Promise<Product | undefined>;
}

const K = AFFINITY_KEYS;

/** Adds `views` to `productId`'s total (a non-numeric or negative count adds nothing). */
function add(totals: Map<string, number>, productId: unknown, views: unknown): void {
  const n = Number(views);
  if (typeof productId !== 'string' || !productId || !Number.isFinite(n) || n <= 0) return;
  totals.set(productId, (totals.get(productId) ?? 0) + n);
}

const toCounts = (totals: Map<string, number>): ViewCount[] =>
  [...totals].map(([productId, views]) => ({ productId, views }));

/** AffinityCounts read from the ProductAffinity table with Query (the task role may Query and GetItem only). */
export class DynamoAffinityCounts implements AffinityCounts {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async coViewed(productId: string, days: readonly string[]): Promise<ViewCount[]> {
    if (!days.length) return [];
    const wanted = new Set(days);
    const sorted = [...days].sort();
    const totals = new Map<string, number>();
    // Sort keys `<day>#<other>`: every key of the window lies between `<oldest>#` and `<newest>$`
    // ('$' sorts right after '#'); a day inside that range but not asked for is skipped.
    for await (const item of this.query({
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': K.partitionKey, '#sk': K.sortKey, '#views': K.countAttribute },
      ExpressionAttributeValues: { ':pk': K.coViewPk(productId), ':from': `${sorted[0]}#`, ':to': `${sorted.at(-1)}$` },
    })) {
      const sk = String(item[K.sortKey] ?? '');
      const separator = sk.indexOf('#');
      if (separator < 0 || !wanted.has(sk.slice(0, separator))) continue;
      add(totals, sk.slice(separator + 1), item[K.countAttribute]);
    }
    return toCounts(totals);
  }

  async popular(days: readonly string[]): Promise<ViewCount[]> {
    const totals = new Map<string, number>();
    const perDay = await Promise.all(
      days.map(async (day) => {
        const items: Record<string, unknown>[] = [];
        for await (const item of this.query({
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': K.partitionKey, '#sk': K.sortKey, '#views': K.countAttribute },
          ExpressionAttributeValues: { ':pk': K.popularPk(day) },
        }))
          items.push(item);
        return items;
      }),
    );
    for (const item of perDay.flat()) add(totals, item[K.sortKey], item[K.countAttribute]);
    return toCounts(totals);
  }

  /** Every item a Query answers, page by page (only the key and the count are read). */
  private async *query(input: {
    KeyConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, string>;
  }): AsyncGenerator<Record<string, unknown>> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.tableName,
          ProjectionExpression: '#sk, #views',
          ...input,
          ExclusiveStartKey,
        }),
      );
      yield* (page.Items ?? []) as Record<string, unknown>[];
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
}

/** Most views first; equal counts by product id (a stable answer for the same counts). */
const byViews = (a: ViewCount, b: ViewCount) =>
  b.views - a.views || (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0);

export class Recommender {
  constructor(
    /** null: no ProductAffinity table configured; every list is empty. */
    private readonly counts: AffinityCounts | null,
    private readonly catalog: ActiveProducts,
    private readonly now: () => Date = () => new Date(),
    private readonly limit: number = CLICKSTREAM_LIMITS.maxRecommendations,
  ) {}

  /** Recommendations for a product, or undefined when the catalog has no such active product. */
  async forProduct(productId: string): Promise<RecommendedProduct[] | undefined> {
    if (!(await this.catalog.get(productId))) return undefined;
    if (!this.counts) return [];
    const days = windowDays(this.now());
    const [coViewed, popular] = await Promise.all([this.counts.coViewed(productId, days), this.counts.popular(days)]);
    const chosen = await this.pick(coViewed, 'co_viewed', [], new Set([productId]));
    return this.pick(popular, 'popular', chosen, new Set([productId, ...chosen.map((p) => p.productId)]));
  }

  /** The most viewed active products over the window. */
  async popular(): Promise<RecommendedProduct[]> {
    if (!this.counts) return [];
    return this.pick(await this.counts.popular(windowDays(this.now())), 'popular', [], new Set());
  }

  /** Appends to `chosen` the best-ranked active products of `counts` not in `exclude`, up to the limit. */
  private async pick(
    counts: readonly ViewCount[],
    basis: RecommendedProduct['basis'],
    chosen: RecommendedProduct[],
    exclude: Set<string>,
  ): Promise<RecommendedProduct[]> {
    const out = [...chosen];
    for (const { productId } of [...counts].sort(byViews)) {
      if (out.length >= this.limit) break;
      if (exclude.has(productId)) continue;
      const product = await this.catalog.get(productId);
      if (!product) continue;
      exclude.add(productId);
      out.push({ ...product, basis });
    }
    return out;
  }
}
