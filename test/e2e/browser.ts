import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { CheckFailure } from '../smoke/report';

/**
 * Debian's Chromium (never a browser Playwright downloads), driven by playwright-core, with a fresh
 * profile directory per run. It records what the journey must fail on: every Content-Security-
 * Policy violation, seen both as the console message Chromium prints ("Refused to ... because it
 * violates the following Content Security Policy directive") and as the page's
 * `securitypolicyviolation` event; and every uncaught page error.
 */

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** The Chromium to use: CHROMIUM_PATH, else Debian's; undefined when neither exists. */
export function chromiumPath(): string | undefined {
  const path = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
  return existsSync(path) ? path : undefined;
}

const VIOLATION_PREFIX = '[e2e:securitypolicyviolation]';

/** Reports each violation event through the console, where the listener below picks it up. */
const VIOLATION_LISTENER = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error(${JSON.stringify(VIOLATION_PREFIX)} + ' ' + JSON.stringify({
    directive: e.effectiveDirective, blocked: e.blockedURI, page: e.documentURI, source: e.sourceFile, line: e.lineNumber,
  }));
});`;

export interface Observed {
  /** CSP violations: Chromium's console messages and `securitypolicyviolation` events. */
  readonly cspViolations: string[];
  /** Uncaught exceptions in a page. */
  readonly pageErrors: string[];
  /** Other console errors (a failed resource load, say): reported, not failed on. */
  readonly consoleErrors: string[];
}

export class Browser {
  readonly observed: Observed = { cspViolations: [], pageErrors: [], consoleErrors: [] };
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly version: string,
    private readonly profileDir: string,
  ) {}

  static async launch(executablePath: string): Promise<Browser> {
    const profileDir = mkdtempSync(join(tmpdir(), 'securecart-e2e-chromium-'));
    let context: BrowserContext | undefined;
    try {
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1280, height: 900 },
        locale: 'en-US',
        timezoneId: 'UTC',
        // Stopping is the journey's job (its clean-up also runs on Ctrl-C).
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      await context.addInitScript({ content: VIOLATION_LISTENER });
      const page = context.pages()[0] ?? (await context.newPage());
      const version = context.browser()?.version() ?? (await versionOf(page));
      const browser = new Browser(context, page, version, profileDir);
      browser.observe(page);
      context.on('page', (p) => browser.observe(p));
      return browser;
    } catch (error) {
      await context?.close().catch(() => undefined);
      rmSync(profileDir, { recursive: true, force: true });
      throw error;
    }
  }

  private observe(page: Page): void {
    page.on('console', (message) => {
      const text = message.text();
      if (text.startsWith(VIOLATION_PREFIX)) {
        this.observed.cspViolations.push(`event ${text.slice(VIOLATION_PREFIX.length).trim()}`);
      } else if (/Content Security Policy/i.test(text)) {
        this.observed.cspViolations.push(`console (${message.location().url || page.url()}): ${text}`);
      } else if (message.type() === 'error') {
        this.observed.consoleErrors.push(`${message.location().url || page.url()}: ${text}`);
      }
    });
    page.on('pageerror', (error) => this.observed.pageErrors.push(`${page.url()}: ${error.message}`));
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}

async function versionOf(page: Page): Promise<string> {
  const agent = String(await page.evaluate('navigator.userAgent'));
  return /Chrome\/([\d.]+)/.exec(agent)?.[1] ?? agent;
}

/** What axe-core checks on every page of the journey: WCAG 2.0 and 2.1, levels A and AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  /** CSS selectors of (up to five of) the offending elements. */
  readonly targets: string[];
}

/**
 * Scans the page as it is now with axe-core (WCAG 2.1 A/AA) and returns the violations. axe-core
 * is evaluated in the page through the DevTools protocol, as Playwright's evaluate does, not added
 * as a <script>: the production CSP (script-src 'self') would refuse an inline script, and the
 * journey fails on every CSP violation. After a full load it is evaluated again; across the SPA's
 * own navigations it stays.
 */
export async function axeScan(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axe.source);
  const options = JSON.stringify({ runOnly: { type: 'tag', values: AXE_TAGS }, resultTypes: ['violations'] });
  return (await page.evaluate(
    `window.axe.run(document, ${options}).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    })))`,
  )) as AxeViolation[];
}

/** Scans the page (axeScan); throws a CheckFailure naming every violation. Returns `label`. */
export async function checkAxe(page: Page, label: string): Promise<string> {
  const violations = await axeScan(page);
  if (violations.length) {
    throw new CheckFailure(
      `axe-core on ${label}: ${violations.length} violation(s): ${describeViolations(violations)}`,
    );
  }
  return label;
}

/** One line per violation: `id (impact): help — targets`. */
export const describeViolations = (violations: readonly AxeViolation[]): string =>
  violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} — ${v.targets.join(', ')}`).join('; ');

/**
 * The page's first screen at desktop (1280×800) and phone (390×844) sizes, as
 * `<dir>/<name>-desktop.png` and `<name>-phone.png` (the README's screenshots); then back to the
 * page's size. Returns the files written.
 */
export async function screenshotSizes(page: Page, dir: string, name: string): Promise<string[]> {
  const size = page.viewportSize();
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [device, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    await page.setViewportSize(viewport);
    // Every picture in the first screen loaded (lazy ones below it are not needed).
    await page.waitForFunction(
      `[...document.images].every((i) => i.complete || i.getBoundingClientRect().top > innerHeight)`,
    );
    const path = join(dir, `${name}-${device}.png`);
    await page.screenshot({ path, timeout: 10_000 });
    written.push(path);
  }
  if (size) await page.setViewportSize(size);
  return written;
}
