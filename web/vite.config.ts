import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import csp from '@securecart/contracts/csp.json' with { type: 'json' };
import { devRuntimeConfig } from './build/dev-config.ts';
import { sizeBudget } from './build/size-budget.ts';

/** JavaScript the catalog's first visit fetches (entry, its imports, dynamic ones not loaded later), gzip. */
export const INITIAL_JS_BUDGET_BYTES = 100 * 1024;

/**
 * Dynamic imports the catalog's first visit does not make: the other pages (routes.tsx, lazy), the
 * sign-in library (auth.ts loads it for a session or a sign-in only) and the clickstream recorder
 * (track.ts loads it on the first event; viewing the catalog records none). Every other dynamic
 * import counts against the budget.
 */
export const loadedLater = (moduleId: string): boolean =>
  /\/src\/pages\/(?!CatalogPage\.)[^/]+\.tsx$/.test(moduleId) ||
  /\/node_modules\/oidc-client-ts\//.test(moduleId) ||
  /\/src\/clickstream\.ts$/.test(moduleId);

const checkoutUrl = process.env.CHECKOUT_URL ?? 'http://127.0.0.1:8080';
const apiProxy = { '/api': { target: checkoutUrl, changeOrigin: false } };

export default defineConfig({
  plugins: [
    react(),
    devRuntimeConfig(),
    sizeBudget({ initialJsGzipBudgetBytes: INITIAL_JS_BUDGET_BYTES, loadedLater }),
  ],
  server: { port: 5173, proxy: apiProxy },
  // `vite preview` serves the build with the production CSP, to check it in a browser.
  preview: { port: 4173, proxy: apiProxy, headers: { 'content-security-policy': csp.contentSecurityPolicy } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Nothing inlined as data: URIs (only images may be, under the CSP); no source maps published.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
    restoreMocks: true,
    testTimeout: 30_000,
  },
});
