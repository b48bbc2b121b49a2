// @vitest-environment node
/**
 * Builds the storefront (as `npm run build:web` does, into a temporary folder) and checks what the
 * CloudFront CSP (@securecart/contracts/csp.json) requires of it, and the initial JavaScript budget.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import type { Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBundle } from '../build/size-budget';
import csp from '@securecart/contracts/csp.json';
import { INITIAL_JS_BUDGET_BYTES, loadedLater } from '../vite.config';

const webRoot = resolve(__dirname, '..');
let outDir: string;
let output: (Rolldown.OutputChunk | Rolldown.OutputAsset)[];

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'securecart-web-'));
  // Vitest runs with NODE_ENV=test, which would build React's development version.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const result = await build({
      root: webRoot,
      configFile: join(webRoot, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
    });
    output = (Array.isArray(result) ? result[0] : (result as Rolldown.RolldownOutput)).output;
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('built storefront', () => {
  it('index.html has no inline script, style or event handler', () => {
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\ssrc="\/assets\/[^"]+\.js"/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i); // nothing from another origin
    expect(html).toMatch(/<link rel="stylesheet"[^>]* href="\/assets\/[^"]+\.css"/);
  });

  it('emits no code that needs unsafe-eval', () => {
    const files = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(1);
    const offenders = files.filter((file) =>
      /\beval\(|new Function\(|\bFunction\(["'`]/.test(readFileSync(join(outDir, 'assets', file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('ships no config.json: each deployment writes its own', () => {
    expect(readdirSync(outDir)).not.toContain('config.json');
  });

  it("keeps the catalog's first visit within the JavaScript budget", () => {
    const bundle = Object.fromEntries(output.map((o) => [o.fileName, o]));
    const report = measureBundle(bundle as Parameters<typeof measureBundle>[0], INITIAL_JS_BUDGET_BYTES, loadedLater);
    expect(report.rows.filter((r) => r.initial).length).toBeGreaterThan(0);
    expect(report.initialJsGzipBytes).toBeLessThanOrEqual(INITIAL_JS_BUDGET_BYTES);
    // oidc-client-ts and the checkout page are loaded when needed, not up front.
    const initialFiles = report.rows.filter((r) => r.initial).map((r) => r.file);
    expect(initialFiles.some((f) => /oidc|Checkout/.test(f))).toBe(false);
  });
});

describe('the first-visit budget', () => {
  const chunk = (fileName: string, code: string, more: object = {}) => ({
    type: 'chunk' as const,
    fileName,
    code,
    isEntry: false,
    imports: [],
    dynamicImports: [],
    facadeModuleId: null,
    ...more,
  });
  const bundle = {
    'index.js': chunk('index.js', 'a'.repeat(100), {
      isEntry: true,
      imports: ['shared.js'],
      dynamicImports: ['Product.js', 'widget.js'],
    }),
    'shared.js': chunk('shared.js', 'b'.repeat(100)),
    'Product.js': chunk('Product.js', 'c', { facadeModuleId: '/w/src/pages/ProductPage.tsx', imports: ['x.js'] }),
    'x.js': chunk('x.js', 'x'),
    'widget.js': chunk('widget.js', 'd', { facadeModuleId: '/w/src/widget.ts' }),
  };

  it('counts the static imports and every dynamic import not declared as loaded later', () => {
    const report = measureBundle(bundle, 1000, loadedLater);
    const counted = report.rows.filter((r) => r.initial).map((r) => r.file);
    expect(counted.sort()).toEqual(['index.js', 'shared.js', 'widget.js']);
    expect(loadedLater('/w/src/pages/CatalogPage.tsx')).toBe(false);
    expect(loadedLater('/w/node_modules/oidc-client-ts/dist/esm/oidc-client-ts.js')).toBe(true);
  });
});

describe('storefront source', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
    );

  it("injects no <style> elements, inline HTML or style rules at run time (style-src 'self')", () => {
    const files = sources(join(webRoot, 'src'));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((file) =>
      /<style\b|dangerouslySetInnerHTML|insertRule\(|createElement\(["'`]style|\.innerHTML\s*=/.test(
        readFileSync(file, 'utf8'),
      ),
    );
    expect(offenders).toEqual([]);
  });
});

describe('Content-Security-Policy (@securecart/contracts/csp.json)', () => {
  const directives = Object.fromEntries(
    csp.contentSecurityPolicy.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );

  it('allows scripts and styles from the site only', () => {
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp.contentSecurityPolicy).not.toMatch(/unsafe-(inline|eval)/);
  });

  it("lets the browser reach Cognito's managed login for tokens and sign-in forms, with valid sources only", () => {
    expect(directives['connect-src']).toEqual(["'self'", 'https://*.amazoncognito.com']);
    // A host wildcard is valid only as the leftmost label (browsers ignore anything else).
    for (const source of Object.values(directives).flat()) {
      expect({ source, valid: !/^https:\/\/.+\.\*\./.test(source) }).toEqual({ source, valid: true });
    }
    expect(directives['form-action']).toEqual(["'self'", 'https://*.amazoncognito.com']);
  });
});
