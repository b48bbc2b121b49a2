/**
 * SecureCart browser journey: a customer in real Chromium, from the catalog to a FULFILLED order,
 * against the deployed pipeline, with no cloud (LocalStack or the emulator) — `npm run e2e`.
 *
 *   npm run e2e -- [--outputs FILE] [--profile NAME | --stack NAME [--data-stack NAME]] [--order-timeout SECONDS]
 *
 * (`node --import tsx test/e2e/journey.ts`: one process, so Ctrl-C reaches the clean-up; the tsx
 * CLI's wrapper process kills a child that does not acknowledge a signal within 30 ms.)
 *
 * Stack outputs, endpoint, region and credentials are found exactly as `npm run smoke` finds them,
 * by the same code (test/smoke/runner.ts: DescribeStacks of SecureCart-<profile>-Pipeline and -Data,
 * profile `localstack` by default, or --outputs FILE; AWS_ENDPOINT_URL, AWS_REGION, ... from the
 * environment). On this machine it runs:
 *
 * - a local managed login (provider.ts) standing in for Cognito: login form, authorization code
 *   with PKCE, refresh tokens, revocation, logout, JWKS;
 * - the checkout service's bundle, started as the smoke suite starts it (test/smoke/checkout.ts),
 *   verifying that provider's tokens;
 * - the storefront's production build (`vite build`, cached by content) behind a CloudFront
 *   stand-in (storefront-server.ts): /config.json, SPA routing, /api/* to the service, the
 *   production response headers and CSP (with the managed-login host swapped for the local one);
 * - Chromium (CHROMIUM_PATH or /usr/bin/chromium) driven by playwright-core (browser.ts).
 *
 * The customer signs in through the login form, browses, adds to the cart, checks out with the
 * approving test card and watches the order reach FULFILLED with its timeline; then orders again
 * with the declining test card and sees CANCELLED with the reason in words; the order history
 * lists both; the customer signs out. Any CSP violation or uncaught page error fails the run, and so
 * does any axe-core finding (WCAG 2.1 A/AA) on a storefront page it visits. E2E_SCREENSHOTS_DIR=DIR:
 * the README's screenshots (desktop and phone) go there, the demo catalog seeded for them.
 * Prints `PASS|FAIL name (s) detail` per check and `e2e: N passed, M failed`; exits 1 on failure.
 * Screenshots and the service's log go to a temporary directory, printed at the start and the end.
 * The customer's words and page steps are in customer.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storefrontBuild } from '../../lib/constructs/frontend/storefront-build';
import { removeCart, removeCatalogItems } from '../smoke/catalog';
import { startCheckoutService } from '../smoke/checkout';
import type { CheckoutService } from '../smoke/checkout';
import { CheckFailure, describeError, elapsedSince, Report } from '../smoke/report';
import { checkStackOutputs, Cleanups, onInterrupt, runMain, startRun } from '../smoke/runner';
import { pollUntil, truncate } from '../smoke/util';
import { AXE_TAGS, Browser, checkAxe, chromiumPath, DEFAULT_CHROMIUM, screenshotSizes } from './browser';
import { planProducts, seedDemoCatalog, seedProducts } from './catalog';
import {
  awaitTerminal,
  DECLINED_TEXT,
  describeOutcome,
  dollars,
  LABEL,
  placeOrder,
  shortError,
  STEP_TIMEOUT_MS,
  waitForText,
} from './customer';
import { LocalManagedLogin } from './provider';
import { RECOMMENDATION_STEP, viewedTogether } from './recommendations';
import { localContentSecurityPolicy, StorefrontServer } from './storefront-server';

const CLIENT_ID = 'e2e-storefront';
/**
 * Access and ID token lifetime. Short on purpose (Cognito's minimum is 5 minutes): the storefront
 * renews 60 s before expiry, so with 75 s it renews with the refresh token every 15 s, and the
 * journey sees renewed tokens accepted by the service.
 */
const TOKEN_LIFETIME_SECONDS = 75;
async function main(): Promise<number> {
  const start = await startRun('e2e', 120);
  if (typeof start === 'number') return start; // --help, or a bad option
  const { options, runId, started, clients } = start;
  const { orderTimeoutMs } = options;
  const workDir = mkdtempSync(join(tmpdir(), `securecart-e2e-${runId}-`));
  console.log(`e2e: screenshots and logs go to ${workDir}`);
  // Ctrl-C or SIGTERM: stop waiting for the journey, clean up, exit 130. Whatever the abandoned
  // journey still reports (its browser is gone) is not printed.
  let interrupted: NodeJS.Signals | undefined;
  const interruption = new Promise<void>((resolve) =>
    onInterrupt('e2e', (signal) => {
      interrupted = signal;
      resolve();
    }),
  );
  const report = new Report('e2e', (line) => {
    if (!interrupted) console.log(line);
  });
  const cleanups = new Cleanups('e2e', 'last added first');

  let service: CheckoutService | undefined;
  let browser: Browser | undefined;
  /** The first failed step; every later browser step is reported as not run. */
  let broken: string | undefined;
  const screenshots: string[] = [];
  /** The pages axe-core scanned without a violation. */
  const scanned: string[] = [];
  /** E2E_SCREENSHOTS_DIR: where the README's screenshots go (desktop 1280×800 and phone 390×844). */
  const showcaseDir = process.env.E2E_SCREENSHOTS_DIR;

  try {
    await Promise.race([journey(), interruption]);
  } catch (error) {
    report.record('journey', false, 0, `aborted: ${describeError(error)}`);
  } finally {
    await cleanups.run();
  }
  if (interrupted) {
    console.log(
      `e2e: interrupted (${interrupted}) after ${elapsedSince(started).toFixed(1)} s; stopped and removed what it started`,
    );
    console.log(report.summary(1));
    return 130;
  }
  if (report.failed > 0 && service) {
    const problems = service.problems();
    if (problems.length > 0) {
      console.log(`e2e: the checkout service logged ${problems.length} warning(s)/error(s) (log ${service.logFile}):`);
      for (const line of problems.slice(0, 15)) console.log(`  | ${line}`);
    }
  }
  for (const shot of screenshots) console.log(`e2e: screenshot ${shot}`);
  const kept = readdirSync(workDir).length > 0;
  if (!kept) rmSync(workDir, { recursive: true, force: true });
  return report.finish(started, kept ? `; screenshots and logs in ${workDir}` : '');

  async function journey(): Promise<void> {
    // 1. What runs on this machine -------------------------------------------------------------
    const executable = chromiumPath();
    if (!executable) {
      report.record(
        'Chromium',
        false,
        0,
        `no browser at ${process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM}: apt-get install -y chromium (Debian), or set CHROMIUM_PATH`,
      );
      return;
    }
    const o = await checkStackOutputs(report, clients, options);
    if (!o) return;

    let buildDir = '';
    const built = await report.check('storefront build', async () => {
      buildDir = storefrontBuild();
      const assets = readdirSync(join(buildDir, 'assets'));
      return `vite build of web/ (cached by content) in ${buildDir}: index.html + ${assets.length} assets`;
    });

    const user = {
      email: `e2e-${runId}@example.com`,
      password: `Pw-${randomBytes(9).toString('base64url')}-1`,
      sub: randomUUID(),
    };
    const provider = new LocalManagedLogin({ clientId: CLIENT_ID, user, tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS });
    await provider.start();
    cleanups.add('stop the sign-in provider', () => provider.stop());

    const serviceStarted = Date.now();
    try {
      service = await startCheckoutService(o, provider, workDir);
      cleanups.add('stop the checkout service', () => service!.close());
      report.record('checkout service started locally', true, elapsedSince(serviceStarted), service.description);
    } catch (error) {
      report.record('checkout service started locally', false, elapsedSince(serviceStarted), describeError(error));
      return;
    }
    if (!built) return;

    const policy = localContentSecurityPolicy(provider.domain);
    const storefront = await new StorefrontServer({
      root: buildDir,
      apiOrigin: service.url,
      contentSecurityPolicy: policy,
    }).start();
    cleanups.add('stop the storefront server', () => storefront.stop());
    storefront.runtimeConfig = { authority: provider.issuer, clientId: CLIENT_ID, cognitoDomain: provider.domain };
    provider.registerClient(storefront.origin);
    report.record(
      'sign-in provider and storefront started locally',
      true,
      0,
      `storefront ${storefront.origin} (/api/* → ${service.url}); issuer ${provider.issuer}; managed login ${provider.domain}; CSP: ${policy}`,
    );

    const products = planProducts(runId);
    cleanups.add('remove the seeded products', () => removeCatalogItems(clients, o, Object.values(products)));
    cleanups.add("remove the customer's cart", () => removeCart(clients, o, user.sub));
    if (!(await report.check('seed catalog', () => seedProducts(clients, o, products)))) return;
    if (showcaseDir) {
      // The README's screenshots show the demo catalog, added for this run where it is missing.
      const seeded = await report.check('seed the demo catalog for the screenshots', async () => {
        const { added, summary } = await seedDemoCatalog(clients, o);
        cleanups.add('remove the demo products added', () => removeCatalogItems(clients, o, added));
        return summary;
      });
      if (!seeded) return;
    }

    const launched = Date.now();
    try {
      browser = await Browser.launch(executable);
      cleanups.add('close Chromium', () => browser!.close());
      report.record(
        'Chromium started',
        true,
        elapsedSince(launched),
        `${executable} ${browser.version} (playwright-core)`,
      );
    } catch (error) {
      report.record('Chromium started', false, elapsedSince(launched), describeError(error));
      return;
    }
    const page = browser.page;
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const at = (path: string) => `${storefront.origin}${path}`;

    // 2. The journey -------------------------------------------------------------------------------
    await step('storefront loads with the CloudFront headers', async () => {
      const response = await page.goto(at('/'));
      const headers = response?.headers() ?? {};
      const problems: string[] = [];
      if (headers['content-security-policy'] !== policy) problems.push(`CSP ${headers['content-security-policy']}`);
      if (headers['x-frame-options'] !== 'DENY') problems.push(`X-Frame-Options ${headers['x-frame-options']}`);
      if (headers['x-content-type-options'] !== 'nosniff') problems.push('no X-Content-Type-Options: nosniff');
      if (problems.length) throw new CheckFailure(problems.join('; '));
      await page.getByRole('heading', { name: 'Catalog' }).waitFor();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      // The CSP detector's canary: the issuer host (where a discovery request would go) is not in
      // connect-src, so a fetch to it is refused and reported, as console message and as event.
      const observed = browser!.observed.cspViolations;
      const fetched = await page.evaluate(
        `fetch(${JSON.stringify(`${provider.issuer}/.well-known/openid-configuration`)}).then(() => 'fetched', () => 'refused')`,
      );
      const reported = await pollUntil(Date.now() + 5000, 100, async () =>
        observed.some((v) => v.startsWith('event')) && observed.some((v) => v.startsWith('console')) ? true : undefined,
      );
      if (fetched !== 'refused' || !reported) {
        throw new CheckFailure(
          `CSP canary: a fetch to the issuer was ${fetched}, violations reported: ${observed.join(' | ') || 'none'}`,
        );
      }
      const canary = observed.splice(0).length;
      await scan('the catalog, signed out');
      return `${response?.status()} ${at('/')}: catalog rendered, signed out, production CSP and security headers; CSP canary: a fetch to the issuer host refused and reported (${canary} reports)`;
    });

    await step('sign in through the managed-login form', async () => {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.origin === provider.domain && url.pathname === '/login');
      const form = await page.locator('form').getAttribute('method');
      const title = await page.title();
      // A wrong password first: the form says so and stays.
      await page.getByLabel('Email address').fill(user.email);
      await page.getByLabel('Password').fill(`${user.password}-wrong`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const refused = (await page.getByRole('alert').innerText()).trim();
      if (refused !== 'Incorrect username or password.') throw new CheckFailure(`wrong password: ${refused}`);
      await shoot('managed-login');
      await page.getByLabel('Email address').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.origin === storefront.origin && url.pathname === '/');
      const shown = (await page.locator('.account__name').innerText()).replace(/^Signed in as\s*/, '').trim();
      if (shown !== user.email) throw new CheckFailure(`header shows ${JSON.stringify(shown)}, expected ${user.email}`);
      const s = provider.stats;
      if (s.codeGrants !== 1) throw new CheckFailure(`${s.codeGrants} codes redeemed, expected 1`);
      await page.locator('li.card').first().waitFor();
      await scan('the catalog, signed in');
      await showcase('catalog');
      return `"${title}" form (${form}) at ${provider.domain}/login; wrong password refused; signed in as ${user.email}, code redeemed with PKCE S256 (${s.codesIssued} code, ${s.failedLogins} failed login)`;
    });

    const { approved, declined } = products;
    await step('browse the catalog, open a product, add it to the cart', async () => {
      const card = page.locator('li.card', { has: page.getByRole('link', { name: approved.name, exact: true }) });
      const cardPrice = (await card.locator('.card__price').innerText()).trim();
      if (cardPrice !== dollars(approved.priceCents)) throw new CheckFailure(`catalog price ${cardPrice}`);
      const listed = await page.locator('li.card').count();
      await card.getByRole('link', { name: approved.name, exact: true }).click();
      await page.waitForURL(at(`/products/${encodeURIComponent(approved.productId)}`));
      await page.getByRole('heading', { name: approved.name }).waitFor();
      await scan('a product page');
      await showcase('product');
      const price = (await page.locator('.product__price').innerText()).trim();
      if (price !== dollars(approved.priceCents)) throw new CheckFailure(`product page price ${price}`);
      await page.getByLabel('Quantity').fill('2');
      await page.getByRole('button', { name: 'Add to cart', exact: true }).click();
      await page.locator('.toast').getByText(`Added 2 × ${approved.name} to your cart.`).waitFor();
      await scan('a product page with the add-to-cart toast');
      await waitForText(page.locator('.cart-count'), '(2)');
      return `${listed} products listed, ${approved.name} at ${cardPrice}; product page; 2 added, header cart (2)`;
    });

    let fulfilledOrder = '';
    await step('check out with the approving test card → FULFILLED', async () => {
      await page.getByRole('link', { name: 'Go to your cart' }).click();
      await page.getByRole('heading', { name: 'Your cart' }).waitFor();
      const total = dollars(approved.priceCents * 2);
      await waitForText(page.locator('.cart-total strong'), total);
      await scan('the cart');
      await page.getByRole('link', { name: 'Check out' }).click();
      await page.getByRole('heading', { name: 'Checkout' }).waitFor();
      await scan('the checkout');
      const placed = await placeOrder(page, 'Test card — approves', total);
      fulfilledOrder = placed.orderId;
      const outcome = await awaitTerminal(page, placed.at, orderTimeoutMs);
      await shoot('order-approved');
      await scan('a fulfilled order');
      if (outcome.status !== LABEL.FULFILLED)
        throw new CheckFailure(`order ${placed.orderId}: ${describeOutcome(outcome)}`);
      const success = await page.locator('.alert--success').allInnerTexts();
      if (!success.some((t) => t.includes('Your order is fulfilled and on its way.'))) {
        throw new CheckFailure(`no "fulfilled and on its way" message: ${success.join(' | ')}`);
      }
      const want = [LABEL.PENDING, LABEL.ACCEPTED, LABEL.VALIDATED, LABEL.PAID, LABEL.FULFILLED];
      if (outcome.timeline.join() !== want.join()) {
        throw new CheckFailure(`timeline ${outcome.timeline.join(' → ')}, expected ${want.join(' → ')}`);
      }
      return `order ${placed.orderId} (${total}, 2 × ${approved.productId}) FULFILLED ${outcome.seconds.toFixed(1)} s after placing; timeline ${outcome.timeline.join(' → ')}`;
    });

    let cancelledOrder = '';
    await step('check out with the declining test card → CANCELLED, reason shown', async () => {
      await page.getByRole('link', { name: 'Catalog', exact: true }).click();
      await page.getByRole('button', { name: `Add to cart (${declined.name})` }).click();
      await page.locator('.toast').getByText(`Added ${declined.name} to your cart.`).waitFor();
      await scan('the catalog with the add-to-cart toast');
      await waitForText(page.locator('.cart-count'), '(1)');
      await page.getByRole('link', { name: /^Cart/ }).click();
      await page.getByRole('heading', { name: 'Your cart' }).waitFor();
      const total = dollars(declined.priceCents);
      await waitForText(page.locator('.cart-total strong'), total);
      await page.getByRole('link', { name: 'Check out' }).click();
      const placed = await placeOrder(page, 'Test card — declines', total);
      cancelledOrder = placed.orderId;
      const outcome = await awaitTerminal(page, placed.at, orderTimeoutMs);
      await shoot('order-declined');
      await scan('a cancelled order');
      await showcase('order-cancelled');
      if (outcome.status !== LABEL.CANCELLED)
        throw new CheckFailure(`order ${placed.orderId}: ${describeOutcome(outcome)}`);
      // What happened comes first, right under the heading, and no thank-you anywhere.
      const first = page.locator('.order h1 + *');
      const message = (await first.innerText()).replace(/\s+/g, ' ').trim();
      const lead = `Your order was cancelled. ${DECLINED_TEXT}`;
      if (!(await first.evaluate((e) => e.classList.contains('alert--error'))) || !message.startsWith(lead)) {
        throw new CheckFailure(`under the heading: "${message}", expected the cancellation and "${DECLINED_TEXT}"`);
      }
      if ((await page.locator('.alert--success').count()) > 0)
        throw new CheckFailure('a cancelled order thanks the customer');
      const heading = (await page.locator('.order h1').innerText()).trim();
      const number = placed.orderId.slice(0, 8).toUpperCase();
      if (heading !== `Order ${number}` || (await page.title()) !== `Order ${number} — SecureCart`) {
        throw new CheckFailure(`heading "${heading}", title "${await page.title()}", expected Order ${number}`);
      }
      const reasons = await page.locator('.timeline__reason').allInnerTexts();
      const want = [LABEL.PENDING, LABEL.ACCEPTED, LABEL.VALIDATED, LABEL.CANCELLED];
      if (outcome.timeline.join() !== want.join() || reasons.join() !== DECLINED_TEXT) {
        throw new CheckFailure(
          `timeline ${outcome.timeline.join(' → ')} (reasons: ${reasons.join(' | ') || 'none'}), expected ${want.join(' → ')} with "${DECLINED_TEXT}"`,
        );
      }
      return `order ${placed.orderId} (${total}) CANCELLED ${outcome.seconds.toFixed(1)} s after placing; page: "${message}"; timeline ${outcome.timeline.join(' → ')}`;
    });

    await step(RECOMMENDATION_STEP, () => viewedTogether(page, storefront, at, [approved, declined], scan));

    await step('order history lists both orders', async () => {
      // A direct load of an SPA path: the CloudFront stand-in answers it with index.html.
      await page.goto(at('/orders'));
      await page.getByRole('heading', { name: 'Your orders' }).waitFor();
      const rows = page.locator('.order-list__item');
      await rows.first().waitFor();
      const listed = new Map<string, string>();
      for (const row of await rows.all()) {
        const href = (await row.getByRole('link').getAttribute('href')) ?? '';
        listed.set(
          decodeURIComponent(href.replace(/^\/orders\//, '')),
          (await row.locator('.badge').innerText()).trim(),
        );
      }
      await shoot('order-history');
      await scan('the order history');
      await showcase('order-history');
      const want = new Map([
        [fulfilledOrder, LABEL.FULFILLED],
        [cancelledOrder, LABEL.CANCELLED],
      ]);
      const got = [...listed].map(([id, label]) => `${id}: ${label}`).join(', ');
      if (listed.size !== 2 || [...want].some(([id, label]) => listed.get(id) !== label)) {
        throw new CheckFailure(
          `listed ${got || 'nothing'}, expected ${[...want].map(([i, l]) => `${i}: ${l}`).join(', ')}`,
        );
      }
      return `2 orders: ${got}`;
    });

    await step('tokens: verified by the service, renewed with the refresh token', async () => {
      // The storefront renews 60 s before expiry; wait for a renewal, then load a page that calls the API.
      const deadline = Date.now() + TOKEN_LIFETIME_SECONDS * 1000;
      await pollUntil(deadline, 500, async () => (provider.stats.refreshGrants > 0 ? true : undefined));
      await page.reload();
      await page.locator('.order-list__item').first().waitFor();
      const withToken = storefront.proxied.filter((r) => r.token);
      const byGrant = { authorization_code: 0, refresh_token: 0 };
      const problems: string[] = [];
      for (const r of withToken) {
        const grant = provider.grantOf(r.token!);
        if (!grant) problems.push(`${r.method} ${r.route} sent a token the provider never issued`);
        else if (r.status >= 200 && r.status < 300) byGrant[grant]++;
        else problems.push(`${r.method} ${r.route} → ${r.status} with a ${grant} token`);
      }
      if (byGrant.authorization_code === 0) problems.push('no API call with the token from the sign-in');
      if (byGrant.refresh_token === 0) problems.push('no API call with a renewed token');
      if (provider.stats.jwksRequests === 0) problems.push('the service never fetched the JWKS');
      if (problems.length) throw new CheckFailure(problems.join('; '));
      return `${withToken.length} API calls with a bearer token, all answered 2xx (${byGrant.authorization_code} with the sign-in token, ${byGrant.refresh_token} with renewed ones); ${provider.stats.refreshGrants} refresh grant(s); JWKS fetched ${provider.stats.jwksRequests}×`;
    });

    await step('sign out: refresh token revoked, managed-login session ended', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(at('/signed-out'));
      await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await scan('the signed-out page');
      const s = provider.stats;
      if (s.revocations !== 1 || s.logouts !== 1) {
        throw new CheckFailure(`${s.revocations} revocation(s), ${s.logouts} logout(s); expected 1 and 1`);
      }
      // The session is gone: signing in again asks for the password.
      const pagesBefore = s.loginPages;
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.origin === provider.domain && url.pathname === '/login');
      if (s.loginPages !== pagesBefore + 1 || s.sessionSignIns !== 0) {
        throw new CheckFailure('signing in again did not show the login form');
      }
      return `/oauth2/revoke (refresh token) and /logout → ${at('/signed-out')}; signing in again shows the login form`;
    });

    await report.check(`axe-core (${AXE_TAGS.join(', ')}): no violations on any page scanned`, async () => {
      if (scanned.length === 0) throw new CheckFailure('no page was scanned');
      return `${scanned.length} scans, 0 violations: ${scanned.join('; ')}`;
    });

    const unexpected = provider.stats.refusals;
    await report.check('no CSP violations, no page errors, no refused protocol requests', async () => {
      const { cspViolations, pageErrors, consoleErrors } = browser!.observed;
      const problems = [
        ...cspViolations.map((v) => `CSP: ${v}`),
        ...pageErrors.map((e) => `page error: ${e}`),
        ...unexpected.map((r) => `provider refused: ${r}`),
      ];
      if (problems.length) throw new CheckFailure(truncate(problems.join('; '), 2000));
      const api = storefront.proxied.length;
      const other = consoleErrors.length ? `; other console errors: ${truncate(consoleErrors.join(' | '), 500)}` : '';
      return `0 CSP violations, 0 page errors over ${api} proxied API calls and every page of the journey${other}`;
    });

    // --------------------------------------------------------------------------------------------
    /** axe-core on the page as it is: any WCAG 2.1 A/AA violation fails the step. */
    async function scan(label: string): Promise<void> {
      scanned.push(await checkAxe(page, label));
    }

    async function step(name: string, run: () => Promise<string>): Promise<void> {
      if (broken) {
        report.skip(name, `"${broken}" failed`);
        return;
      }
      const ok = await report.check(name, async () => {
        try {
          return await run();
        } catch (error) {
          throw new CheckFailure(`${shortError(error)} (page ${page.url()})`);
        }
      });
      if (!ok) {
        broken = name;
        await shoot(`failed-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`);
      }
    }
  }

  /** With E2E_SCREENSHOTS_DIR set: the README's screenshots of the page (browser.ts screenshotSizes). */
  async function showcase(name: string): Promise<void> {
    if (browser && showcaseDir) screenshots.push(...(await screenshotSizes(browser.page, showcaseDir, name)));
  }

  async function shoot(name: string): Promise<void> {
    if (!browser) return;
    const path = join(workDir, `${String(screenshots.length + 1).padStart(2, '0')}-${name}.png`);
    try {
      await browser.page.screenshot({ path, fullPage: true, timeout: 10_000 });
      screenshots.push(path);
    } catch (error) {
      console.log(`e2e: no screenshot ${name}: ${describeError(error)}`);
    }
  }
}

runMain('e2e', main);
