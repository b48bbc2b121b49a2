/**
 * npm run test:lighthouse — Lighthouse (npm `lighthouse`, pinned) on the storefront's production
 * build, served as CloudFront serves it: the production response headers and Content-Security-Policy
 * (contracts/csp.json, unchanged), SPA routing, Brotli or gzip, `/images/*` cached a year (the browser
 * journey's CloudFront stand-in, test/e2e/storefront-server.ts). `/api/*` goes to a small fixture
 * API answering the demo catalog (scripts/seed-catalog.ts) as the checkout service would.
 *
 * Pages: the catalog, a product page and the cart (holding two products); each on mobile
 * (Lighthouse's default: a phone, simulated slow 4G and 4× CPU slowdown, the slowdown calibrated to
 * the host's BenchmarkIndex before each run: test/lighthouse/cpu.ts) and desktop, 3 runs each,
 * the median taken per figure. Prints a table and exits 1 below a threshold:
 *   performance ≥ 90 on mobile, accessibility 100, best practices 100, CLS ≤ 0.05 (every row),
 *   and the catalog's first visit fetches ≤ 100 KB of JavaScript (what Chromium transferred).
 *
 * Chromium: CHROME_PATH, else CHROMIUM_PATH, else Debian's /usr/bin/chromium — never a downloaded
 * browser. Lighthouse launches it (chrome-launcher, its own dependency, headless); the cart's
 * contents are put in its localStorage through playwright-core before each cart run, with the HTTP
 * cache cleared, since Lighthouse is told not to reset that page's storage.
 *
 * LIGHTHOUSE_RUNS=N changes the number of runs per row (default 3); LIGHTHOUSE_REPORTS_DIR=DIR keeps
 * every run's JSON report there.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { DEFAULT_CATEGORY } from '@securecart/contracts/catalog';
import csp from '@securecart/contracts/csp.json';
import type { ProductView } from '@securecart/contracts/http-api';
import type { CatalogItem } from '@securecart/contracts/tables';
import { storefrontBuild } from '../../lib/constructs/frontend/storefront-build';
import { DEMO_PRODUCTS } from '../../scripts/seed-catalog';
import { CHROMIUM_ARGS } from '../e2e/browser';
import { measureBenchmarkIndex, mobileCpuSlowdown } from './cpu';
import { StorefrontServer } from '../e2e/storefront-server';

export const THRESHOLDS = {
  mobilePerformance: 90,
  accessibility: 100,
  bestPractices: 100,
  cls: 0.05,
  /** The catalog's first visit, JavaScript transferred (web/vite.config.ts INITIAL_JS_BUDGET_BYTES). */
  catalogJsBytes: 100 * 1024,
} as const;

type FormFactor = 'mobile' | 'desktop';
interface PageCase {
  readonly name: string;
  readonly path: string;
  /** The cart's contents (localStorage), kept through the run. */
  readonly cart?: { productId: string; quantity: number }[];
}

export interface RunFigures {
  readonly performance: number;
  readonly accessibility: number;
  readonly bestPractices: number;
  readonly cls: number;
  readonly lcpMs: number;
  readonly jsBytes: number;
  /** Failed audits of the scored categories other than performance, by id (for the report). */
  readonly failing: string[];
}

const PAGES: PageCase[] = [
  { name: 'catalog', path: '/' },
  { name: 'product', path: `/products/${DEMO_PRODUCTS[3].productId}` },
  {
    name: 'cart',
    path: '/cart',
    cart: [
      { productId: DEMO_PRODUCTS[0].productId, quantity: 2 },
      { productId: DEMO_PRODUCTS[3].productId, quantity: 1 },
    ],
  },
];

/** The checkout service's view of a Catalog item (services/checkout-api/src/catalog.ts toProductView). */
export function productView(item: CatalogItem): ProductView {
  return {
    productId: item.productId,
    name: item.name,
    priceCents: item.priceCents,
    currency: 'USD',
    inStock: item.stock > 0,
    description: item.description ?? '',
    category: item.category ?? DEFAULT_CATEGORY,
    imageKey: item.imageKey ?? null,
    imageAlt: item.imageAlt ?? '',
  };
}

/** GET /api/products, /api/products/{id} and the recommendations from the demo catalog, POST /api/events accepted; anything else 404, as JSON. */
function fixtureApi(): http.Server {
  const products = DEMO_PRODUCTS.map(productView);
  return http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/live(?=\/)/, '');
    const send = (status: number, body: unknown) =>
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'public, max-age=60' })
        .end(JSON.stringify(body));
    const one = /^\/api\/products\/([^/]+)$/.exec(path);
    const product = one && products.find((p) => p.productId === decodeURIComponent(one[1]));
    const forProduct = /^\/api\/products\/([^/]+)\/recommendations$/.exec(path);
    // Recommendations as the service answers them with counts (the first products, none the one asked about).
    const recommended = (except?: string) =>
      products
        .filter((p) => p.productId !== except)
        .slice(0, 6)
        .map((p) => ({ ...p, basis: 'popular' }));
    if (req.method === 'GET' && path === '/api/products') send(200, { products });
    else if (req.method === 'GET' && product) send(200, product);
    else if (req.method === 'GET' && path === '/api/recommendations/popular') send(200, { products: recommended() });
    else if (req.method === 'GET' && forProduct)
      send(200, { products: recommended(decodeURIComponent(forProduct[1])) });
    // The clickstream's beacon (API Gateway's Kinesis integration in the cloud): accepted, counted, dropped.
    else if (req.method === 'POST' && path === '/api/events') send(202, { received: 1 });
    else send(404, { statusCode: 404, error: 'Not Found', message: 'Not found' });
  });
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The figures of one Lighthouse result (its JSON report). */
export function figuresOf(lhr: any): RunFigures {
  const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const requests: any[] = lhr.audits['network-requests']?.details?.items ?? [];
  const failing = ['accessibility', 'best-practices'].flatMap((category) =>
    (lhr.categories[category]?.auditRefs ?? [])
      .filter((ref: any) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1)
      .map((ref: any) => ref.id as string),
  );
  return {
    performance: score('performance'),
    accessibility: score('accessibility'),
    bestPractices: score('best-practices'),
    cls: lhr.audits['cumulative-layout-shift']?.numericValue ?? Number.NaN,
    lcpMs: lhr.audits['largest-contentful-paint']?.numericValue ?? Number.NaN,
    jsBytes: requests.filter((r) => r.resourceType === 'Script').reduce((n, r) => n + (r.transferSize ?? 0), 0),
    failing,
  };
}

export interface Row {
  readonly page: string;
  readonly formFactor: FormFactor;
  readonly runs: RunFigures[];
}

/** Median of each figure over a row's runs. */
export function medianOf(runs: readonly RunFigures[]): RunFigures {
  const m = (pick: (r: RunFigures) => number) => median(runs.map(pick));
  return {
    performance: m((r) => r.performance),
    accessibility: m((r) => r.accessibility),
    bestPractices: m((r) => r.bestPractices),
    cls: m((r) => r.cls),
    lcpMs: m((r) => r.lcpMs),
    jsBytes: m((r) => r.jsBytes),
    failing: [...new Set(runs.flatMap((r) => r.failing))],
  };
}

/** What falls short in a row (its medians), in words; empty when it passes. */
export function shortfalls(row: Row): string[] {
  const f = medianOf(row.runs);
  const out: string[] = [];
  if (row.formFactor === 'mobile' && f.performance < THRESHOLDS.mobilePerformance)
    out.push(`performance ${f.performance} < ${THRESHOLDS.mobilePerformance}`);
  if (f.accessibility < THRESHOLDS.accessibility) out.push(`accessibility ${f.accessibility}`);
  if (f.bestPractices < THRESHOLDS.bestPractices) out.push(`best practices ${f.bestPractices}`);
  if (!(f.cls <= THRESHOLDS.cls)) out.push(`CLS ${f.cls.toFixed(3)} > ${THRESHOLDS.cls}`);
  if (row.page === 'catalog' && f.jsBytes > THRESHOLDS.catalogJsBytes)
    out.push(`catalog JavaScript ${(f.jsBytes / 1024).toFixed(1)} KB > ${THRESHOLDS.catalogJsBytes / 1024} KB`);
  if (f.failing.length) out.push(`failing audits: ${f.failing.join(', ')}`);
  return out;
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['page', 'form factor', 'performance', 'accessibility', 'best practices', 'CLS', 'LCP', 'JS fetched'];
  const lines = rows.map((row) => {
    const f = medianOf(row.runs);
    return [
      row.page,
      row.formFactor,
      String(f.performance),
      String(f.accessibility),
      String(f.bestPractices),
      f.cls.toFixed(3),
      `${(f.lcpMs / 1000).toFixed(2)} s`,
      `${(f.jsBytes / 1024).toFixed(1)} KB`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

function chromePath(): string | undefined {
  const path = process.env.CHROME_PATH || process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  return existsSync(path) ? path : undefined;
}

async function main(): Promise<number> {
  const started = Date.now();
  const chromePathFound = chromePath();
  if (!chromePathFound) {
    console.error('test:lighthouse: no Chromium (set CHROME_PATH, or apt-get install -y chromium)');
    return 1;
  }
  const runs = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
  const root = storefrontBuild();
  const api = fixtureApi();
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const storefront = await new StorefrontServer({
    root,
    apiOrigin: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    contentSecurityPolicy: csp.contentSecurityPolicy,
  }).start();
  storefront.runtimeConfig = {
    authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Lighthouse',
    clientId: 'lighthouse',
    cognitoDomain: 'https://securecart-lighthouse.auth.eu-west-1.amazoncognito.com',
  };

  const { default: lighthouse } = await import('lighthouse');
  const { default: desktopConfig } = await import('lighthouse/core/config/desktop-config.js');
  const { throttling } = await import('lighthouse/core/config/constants.js');
  const chromeLauncher = await import('chrome-launcher');
  const chrome = await chromeLauncher.launch({
    chromePath: chromePathFound,
    chromeFlags: CHROMIUM_ARGS.map((a) => (a === '--headless' ? '--headless=new' : a)),
  });
  const cdpUrl = `http://127.0.0.1:${chrome.port}`;
  const reports = process.env.LIGHTHOUSE_REPORTS_DIR;
  if (reports) mkdirSync(reports, { recursive: true });
  const rows: Row[] = [];
  try {
    console.log(
      `test:lighthouse: ${storefront.origin} (production headers and CSP), ${chromePathFound}, ${runs} run(s) per row`,
    );
    for (const formFactor of ['mobile', 'desktop'] as const) {
      for (const page of PAGES) {
        const row: Row = { page: page.name, formFactor, runs: [] };
        const slowdowns: number[] = [];
        for (let i = 0; i < runs; i++) {
          if (page.cart) await prepareCart(cdpUrl, storefront.origin, page.cart);
          // Mobile: Lighthouse's slow 4G, with the CPU slowdown this host needs to simulate its phone (cpu.ts).
          const slowdown = formFactor === 'mobile' ? mobileCpuSlowdown(await measureBenchmarkIndex(cdpUrl)) : 1;
          slowdowns.push(slowdown);
          const result = await lighthouse(
            `${storefront.origin}${page.path}`,
            {
              port: chrome.port,
              output: 'json',
              logLevel: 'error',
              onlyCategories: ['performance', 'accessibility', 'best-practices'],
              disableStorageReset: page.cart !== undefined,
              ...(formFactor === 'mobile'
                ? { throttling: { ...throttling.mobileSlow4G, cpuSlowdownMultiplier: slowdown } }
                : {}),
              // Unscored and slow: screenshots and the back/forward-cache check (it navigates away and back).
              skipAudits: ['full-page-screenshot', 'screenshot-thumbnails', 'final-screenshot', 'bf-cache'],
            },
            formFactor === 'desktop' ? desktopConfig : undefined,
          );
          if (!result) throw new Error(`no Lighthouse result for ${page.name} (${formFactor})`);
          row.runs.push(figuresOf(result.lhr));
          if (reports) writeFileSync(join(reports, `${page.name}-${formFactor}-${i + 1}.json`), String(result.report));
        }
        rows.push(row);
        const f = medianOf(row.runs);
        console.log(
          `  ${page.name} ${formFactor}: performance ${row.runs.map((r) => r.performance).join('/')} (CPU slowdown ${slowdowns.map((x) => `${x}×`).join('/')}), CLS ${f.cls.toFixed(3)} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
        );
      }
    }
  } finally {
    chrome.kill();
    await storefront.stop();
    await new Promise((resolve) => api.close(resolve));
  }

  console.log(`\nLighthouse ${runs > 1 ? `(median of ${runs} runs)` : ''}\n${formatTable(rows)}\n`);
  const catalog = rows.find((r) => r.page === 'catalog' && r.formFactor === 'mobile');
  if (catalog) {
    console.log(
      `catalog's first visit: ${(medianOf(catalog.runs).jsBytes / 1024).toFixed(1)} KB of JavaScript transferred (Brotli, as CloudFront sends it), budget ${THRESHOLDS.catalogJsBytes / 1024} KB`,
    );
  }
  const problems = rows.flatMap((row) => shortfalls(row).map((s) => `${row.page} ${row.formFactor}: ${s}`));
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (problems.length) {
    console.log(`test:lighthouse: FAIL (${seconds} s)\n  ${problems.join('\n  ')}`);
    return 1;
  }
  console.log(
    `test:lighthouse: PASS in ${seconds} s (mobile performance ≥ ${THRESHOLDS.mobilePerformance}, accessibility and best practices 100, CLS ≤ ${THRESHOLDS.cls})`,
  );
  return 0;
}

/**
 * Puts `cart` in the storefront's localStorage (signed out, the cart lives there) and empties the
 * HTTP cache, through playwright-core connected for this only: it is gone before Lighthouse loads
 * the page, so it instruments nothing Lighthouse measures.
 */
async function prepareCart(cdpUrl: string, origin: string, cart: { productId: string; quantity: number }[]) {
  const browser = await chromium.connectOverCDP(cdpUrl);
  try {
    const context = browser.contexts()[0] ?? (await browser.newContext());
    const page = await context.newPage();
    await page.goto(`${origin}/config.json`);
    await page.evaluate(`localStorage.setItem('securecart.cart', ${JSON.stringify(JSON.stringify(cart))})`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
    await cdp.detach();
    await page.close();
  } finally {
    await browser.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`test:lighthouse: ${(error as Error).stack ?? error}`);
      process.exit(1);
    },
  );
}
