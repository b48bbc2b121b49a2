/**
 * GET /api/products/{id}/recommendations and GET /api/recommendations/popular (issue 21) through
 * the running service, over a ProductAffinity stand-in that answers Query the way DynamoDB does
 * (key condition, sort-key order, pages); and the ranking itself (src/recommendations.ts) with a
 * fixed clock, at the window's edges.
 */
import { AFFINITY_KEYS, CLICKSTREAM_LIMITS, windowDays } from '@securecart/contracts/clickstream';
import { HTTP_API, RecommendationsSchema, routePath } from '@securecart/contracts/http-api';
import type { Product } from '../src/catalog';
import { Recommender } from '../src/recommendations';
import type { AffinityCounts, ViewCount } from '../src/recommendations';
import { useService } from './helpers/harness';
import type { TestService } from './helpers/harness';

const AFFINITY_TABLE = 'securecart-test-product-affinity';
let service: TestService;

useService({ PRODUCT_AFFINITY_TABLE_NAME: AFFINITY_TABLE }, (started) => ({ service } = started));

interface AffinityItem {
  pk: string;
  sk: string;
  views: number;
}

interface QueryInput {
  TableName: string;
  KeyConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, string>;
  ExclusiveStartKey?: { pk: string; sk: string };
}

/**
 * ProductAffinity as Query sees it: the items of one partition, in sort-key order, `sk BETWEEN`
 * when the condition has one, two items a page (so every read must follow LastEvaluatedKey).
 */
function affinityTable(items: AffinityItem[]) {
  const queries: QueryInput[] = [];
  service.ddb.on(service.bundle.aws.QueryCommand).callsFake((input: QueryInput) => {
    queries.push(input);
    expect(input.TableName).toBe(AFFINITY_TABLE);
    const v = input.ExpressionAttributeValues;
    const between = /BETWEEN/.test(input.KeyConditionExpression);
    const rows = items
      .filter((i) => i.pk === v[':pk'] && (!between || (i.sk >= v[':from'] && i.sk <= v[':to'])))
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
    const start = input.ExclusiveStartKey ? rows.findIndex((r) => r.sk === input.ExclusiveStartKey!.sk) + 1 : 0;
    const page = rows.slice(start, start + 2);
    const last = page.at(-1);
    return {
      Items: page.map((i) => ({ sk: i.sk, views: i.views })),
      ...(start + 2 < rows.length && last ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}),
    };
  });
  return queries;
}

const catalogRow = (productId: string, active = true) => ({
  productId,
  name: `Product ${productId}`,
  priceCents: 1000,
  stock: 5,
  active,
});

function catalog(rows: ReturnType<typeof catalogRow>[]) {
  service.ddb.on(service.bundle.aws.ScanCommand).resolves({ Items: rows });
  service.handle.catalog.invalidate();
}

const coView = (product: string, day: string, other: string, views: number): AffinityItem => ({
  pk: AFFINITY_KEYS.coViewPk(product),
  sk: AFFINITY_KEYS.coViewSk(day, other),
  views,
});
const popular = (day: string, product: string, views: number): AffinityItem => ({
  pk: AFFINITY_KEYS.popularPk(day),
  sk: AFFINITY_KEYS.popularSk(product),
  views,
});

const recommendationsOf = (id: string) => service.client.get(routePath(HTTP_API.getRecommendations.path, { id }));
const summary = (body: unknown) => RecommendationsSchema.parse(body).products.map((p) => `${p.productId}:${p.basis}`);

// Days well inside the window (yesterday to five days ago) and well outside it, so a test that
// runs across midnight UTC still sees the same window.
const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);

beforeEach(() => service.ddb.reset());

test('co-viewed products are summed over the window’s days, ranked, then filled up with the most popular', async () => {
  catalog(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'gone'].map((id) => catalogRow(id, id !== 'gone')));
  const queries = affinityTable([
    coView('a', day(1), 'b', 2),
    coView('a', day(3), 'b', 2), // b: 4 over two days
    coView('a', day(2), 'c', 3), // c: 3, more than b on any one day, less than b's sum
    coView('a', day(5), 'gone', 50), // inactive: never shown
    coView('a', day(9), 'd', 100), // outside the window
    coView('b', day(1), 'e', 70), // another product's co-views
    popular(day(1), 'a', 90), // the product itself: never recommended
    popular(day(1), 'c', 40), // already co-viewed: not twice
    popular(day(1), 'f', 5),
    popular(day(4), 'f', 5), // f: 10
    popular(day(2), 'g', 9),
    popular(day(2), 'h', 1),
    popular(day(2), 'd', 1),
    popular(day(9), 'e', 1000), // outside the window
  ]);
  const answer = await recommendationsOf('a');
  expect(answer.status).toBe(200);
  expect(summary(answer.body)).toEqual([
    'b:co_viewed',
    'c:co_viewed',
    'f:popular',
    'g:popular',
    'd:popular', // tie with h (1 view each): by product id
    'h:popular',
  ]);
  expect(answer.body.products).toHaveLength(CLICKSTREAM_LIMITS.maxRecommendations);
  // Each one is the catalog's ProductView of it, with its basis.
  expect(answer.body.products[0]).toEqual({
    productId: 'b',
    name: 'Product b',
    priceCents: 1000,
    currency: 'USD',
    inStock: true,
    description: '',
    category: expect.any(String),
    imageKey: null,
    imageAlt: '',
    basis: 'co_viewed',
  });
  expect(answer.headers['cache-control']).toBe('public, max-age=30');
  // The popularity partitions of exactly the window's days, each read to its last page.
  const popularPks = queries.filter((q) => q.ExpressionAttributeValues[':pk'].startsWith('popular#'));
  expect(new Set(popularPks.map((q) => q.ExpressionAttributeValues[':pk']))).toEqual(
    new Set(windowDays(new Date()).map(AFFINITY_KEYS.popularPk)),
  );
  expect(queries.filter((q) => q.ExclusiveStartKey).length).toBeGreaterThan(0);
});

test('an unknown or inactive product is a 404 like GET /api/products/{id}; no counts: only popular ones', async () => {
  catalog([catalogRow('a'), catalogRow('b'), catalogRow('off', false)]);
  affinityTable([popular(day(1), 'b', 3), popular(day(1), 'a', 2)]);
  for (const id of ['nope', 'off']) {
    const [recommendations, product] = await Promise.all([
      recommendationsOf(id),
      service.client.get(routePath(HTTP_API.getProduct.path, { id })),
    ]);
    expect({ id, status: recommendations.status, body: recommendations.body }).toEqual({
      id,
      status: product.status,
      body: product.body,
    });
    expect(recommendations.status).toBe(404);
  }
  expect(summary((await recommendationsOf('a')).body)).toEqual(['b:popular']);
  expect(summary((await recommendationsOf('b')).body)).toEqual(['a:popular']);
});

test('GET /api/recommendations/popular: the most viewed active products over the window', async () => {
  catalog(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => catalogRow(id, id !== 'h')));
  affinityTable([
    ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id, i) => popular(day(2), id, 10 + i)),
    popular(day(9), 'a', 1000),
    popular(day(3), 'zz-not-in-catalog', 500),
  ]);
  const answer = await service.client.get(HTTP_API.getPopular.path);
  expect(answer.status).toBe(200);
  expect(answer.headers['cache-control']).toBe('public, max-age=30');
  expect(summary(answer.body)).toEqual(['g:popular', 'f:popular', 'e:popular', 'd:popular', 'c:popular', 'b:popular']);
});

test('a table that cannot be read is a 500 in words, not a list that pretends nobody viewed anything', async () => {
  catalog([catalogRow('a')]);
  service.ddb.on(service.bundle.aws.QueryCommand).rejects(new Error('ProvisionedThroughputExceededException'));
  const answer = await service.client.get(HTTP_API.getPopular.path);
  expect(answer.status).toBe(500);
  expect(answer.text).not.toContain('ProvisionedThroughput');
});

describe('the ranking (Recommender) with a fixed clock', () => {
  const NOW = new Date('2026-12-07T23:59:59.999Z');
  const product = (productId: string): Product => ({
    productId,
    name: productId,
    priceCents: 1,
    currency: 'USD',
    inStock: true,
    description: '',
    category: 'Other',
    imageKey: null,
    imageAlt: '',
  });
  const active = (ids: string[]) => ({ get: async (id: string) => (ids.includes(id) ? product(id) : undefined) });

  /** Counts per day; a request names the days it wants, as the table is queried. */
  function counts(co: Record<string, Record<string, ViewCount[]>>, pop: Record<string, ViewCount[]>) {
    const asked: string[][] = [];
    const sum = (lists: ViewCount[][]) => {
      const totals = new Map<string, number>();
      for (const c of lists.flat()) totals.set(c.productId, (totals.get(c.productId) ?? 0) + c.views);
      return [...totals].map(([productId, views]) => ({ productId, views }));
    };
    const source: AffinityCounts = {
      coViewed: async (id, days) => (asked.push([...days]), sum(days.map((d) => co[id]?.[d] ?? []))),
      popular: async (days) => (asked.push([...days]), sum(days.map((d) => pop[d] ?? []))),
    };
    return { source, asked };
  }

  test('reads exactly the last windowDays UTC days, today included', async () => {
    const { source, asked } = counts(
      {
        a: {
          '2026-12-01': [{ productId: 'oldest-in', views: 1 }],
          '2026-11-30': [{ productId: 'just-out', views: 100 }],
        },
      },
      {},
    );
    const ids = await new Recommender(source, active(['a', 'oldest-in', 'just-out']), () => NOW).forProduct('a');
    expect(ids?.map((p) => p.productId)).toEqual(['oldest-in']);
    expect(asked[0]).toEqual([
      '2026-12-07',
      '2026-12-06',
      '2026-12-05',
      '2026-12-04',
      '2026-12-03',
      '2026-12-02',
      '2026-12-01',
    ]);
  });

  test('at most maxRecommendations, co-views before popular ones whatever their counts, no duplicates', async () => {
    const co = { a: { '2026-12-07': ['b', 'c', 'd'].map((productId) => ({ productId, views: 1 })) } };
    const pop = { '2026-12-07': ['c', 'e', 'f', 'g', 'h', 'i', 'a'].map((productId) => ({ productId, views: 99 })) };
    const { source } = counts(co, pop);
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const got = await new Recommender(source, active(all), () => NOW).forProduct('a');
    expect(got?.map((p) => `${p.productId}:${p.basis}`)).toEqual([
      'b:co_viewed',
      'c:co_viewed',
      'd:co_viewed',
      'e:popular',
      'f:popular',
      'g:popular',
    ]);
  });

  test('without the table (null counts): an empty list for a known product, undefined for an unknown one', async () => {
    const recommender = new Recommender(null, active(['a']), () => NOW);
    expect(await recommender.forProduct('a')).toEqual([]);
    expect(await recommender.forProduct('b')).toBeUndefined();
    expect(await recommender.popular()).toEqual([]);
  });
});
