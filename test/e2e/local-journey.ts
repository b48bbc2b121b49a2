/**
 * The browser journey against a running `npm run local` (its printed URL), for `npm run local:check`:
 *
 *   node --import tsx test/e2e/local-journey.ts --url URL --email E --password P
 *        [--expect-order ORDER_ID] [--order-timeout SECONDS]
 *
 * In Chromium (CHROMIUM_PATH or /usr/bin/chromium), with the journey's page steps (customer.ts):
 * the storefront loads, the customer signs in through the local development sign-in (its label is
 * checked), then either
 * - orders a demo product with the approving test card and waits for FULFILLED, printing
 *   `local-journey: order <id> FULFILLED`; or, with --expect-order,
 * - finds that order in the order history as fulfilled (the data survived a restart).
 * Prints `PASS|FAIL name (s) detail` per step; exits 1 on a failure.
 */
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { DEMO_PRODUCTS } from '../../scripts/seed-catalog';
import { CheckFailure, Report } from '../smoke/report';
import { Browser, chromiumPath, DEFAULT_CHROMIUM } from './browser';
import {
  awaitTerminal,
  describeOutcome,
  LABEL,
  placeOrder,
  shortError,
  STEP_TIMEOUT_MS,
  waitForText,
} from './customer';

/** The words every page of the local sign-in shows (scripts/local/customers.ts, SIGN_IN_LABEL). */
const SIGN_IN_WORDS = 'Local development sign-in';

async function main(): Promise<number> {
  const started = Date.now();
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      'expect-order': { type: 'string' },
      'order-timeout': { type: 'string', default: '120' },
    },
  });
  if (!values.url || !values.email || !values.password) {
    console.error('usage: local-journey --url URL --email E --password P [--expect-order ID] [--order-timeout S]');
    return 2;
  }
  const { email, password } = values;
  const origin = new URL(values.url).origin;
  const report = new Report('local-journey');
  const executable = chromiumPath();
  if (!executable) {
    report.record('Chromium', false, 0, `no browser at ${process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM}`);
    return report.finish(started);
  }
  const browser = await Browser.launch(executable);
  let stopped = false;
  const close = async () => {
    if (stopped) return;
    stopped = true;
    await browser.close();
  };
  process.once('SIGINT', () => void close().then(() => process.exit(130)));
  process.once('SIGTERM', () => void close().then(() => process.exit(143)));
  const page = browser.page;
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  let broken = '';
  const step = async (name: string, run: () => Promise<string>) => {
    if (broken) return report.skip(name, `"${broken}" failed`);
    const ok = await report.check(name, async () => {
      try {
        return await run();
      } catch (error) {
        throw new CheckFailure(`${shortError(error)} (page ${page.url()})`);
      }
    });
    if (!ok) broken = name;
  };

  try {
    await step('storefront loads (Vite dev server)', async () => {
      const response = await page.goto(`${origin}/`);
      await page.getByRole('heading', { name: 'Catalog' }).waitFor();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      return `${response?.status()} ${origin}/: catalog rendered, signed out`;
    });

    await step('sign in through the local development sign-in', async () => {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.origin !== origin && url.pathname === '/login');
      const label = (await page.locator('[data-label]').innerText()).trim();
      if (!label.startsWith(SIGN_IN_WORDS)) throw new CheckFailure(`the sign-in page says "${label}"`);
      const signIn = new URL(page.url()).origin;
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.origin === origin && url.pathname === '/');
      const shown = (await page.locator('.account__name').innerText()).replace(/^Signed in as\s*/, '').trim();
      if (shown !== email) throw new CheckFailure(`header shows ${JSON.stringify(shown)}, expected ${email}`);
      return `${signIn}/login labelled "${label}"; signed in as ${email}`;
    });

    if (values['expect-order']) {
      const orderId = values['expect-order'];
      await step('the order placed before the restart is in the history, fulfilled', async () => {
        await page.goto(`${origin}/orders`);
        await page.getByRole('heading', { name: 'Your orders' }).waitFor();
        const row = page.locator('.order-list__item', { has: page.locator(`a[href="/orders/${orderId}"]`) });
        await row.waitFor();
        const badge = (await row.locator('.badge').innerText()).trim();
        if (badge !== LABEL.FULFILLED) throw new CheckFailure(`order ${orderId} shows "${badge}"`);
        return `order ${orderId}: ${badge}`;
      });
    } else {
      await step('order a demo product with the approving test card → FULFILLED', async () => {
        const product = DEMO_PRODUCTS[0];
        await page.getByRole('button', { name: `Add to cart (${product.name})` }).click();
        await page.locator('.toast').getByText(`Added ${product.name} to your cart.`).waitFor();
        await page.getByRole('link', { name: /^Cart/ }).click();
        await page.getByRole('heading', { name: 'Your cart' }).waitFor();
        const total = (await page.locator('.cart-total strong').innerText()).trim();
        await page.getByRole('link', { name: 'Check out' }).click();
        const placed = await placeOrder(page, 'Test card — approves', total);
        const outcome = await awaitTerminal(page, placed.at, Number(values['order-timeout']) * 1000);
        if (outcome.status !== LABEL.FULFILLED) {
          throw new CheckFailure(`order ${placed.orderId}: ${describeOutcome(outcome)}`);
        }
        console.log(`local-journey: order ${placed.orderId} FULFILLED`);
        return `order ${placed.orderId} (${total}, ${product.productId}) FULFILLED ${outcome.seconds.toFixed(1)} s after placing; timeline ${outcome.timeline.join(' → ')}`;
      });
      await step('sign out', async () => signOut(page, origin));
    }

    await report.check('no page errors', async () => {
      const { pageErrors } = browser.observed;
      if (pageErrors.length) throw new CheckFailure(pageErrors.join('; '));
      return '0 page errors';
    });
  } finally {
    await close();
  }
  return report.finish(started);
}

async function signOut(page: Page, origin: string): Promise<string> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${origin}/signed-out`);
  await waitForText(page.getByRole('heading', { name: 'You are signed out' }), 'You are signed out');
  return `signed out → ${origin}/signed-out`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`local-journey: ${(error as Error).stack ?? String(error)}`);
    process.exit(2);
  },
);
