/**
 * The customer's side of the browser journey (journey.ts): the storefront's words as a customer
 * reads them, and the page steps (placing an order, waiting for its outcome, reading a text), with
 * failures worded for the report.
 */
import type { Locator, Page } from 'playwright-core';
import { CheckFailure, describeError, elapsedSince } from '../smoke/report';
import { pollUntil, truncate } from '../smoke/util';

/** Locator waits (page loads, API answers); the order waits use --order-timeout. */
export const STEP_TIMEOUT_MS = 20_000;

export const ADDRESS = {
  'Full name': 'Ada Lovelace',
  'Address line 1': '12 Analytical Engine Row',
  City: 'London',
  'Postal code': 'NW1 6XE',
};
/** Chosen from the country list (by its ISO 3166-1 code). */
export const COUNTRY = 'GB';

/** The storefront's words (web/src/status-text.ts), which the journey reads as a customer would. */
export const LABEL = {
  PENDING: 'Order received',
  ACCEPTED: 'Accepted',
  VALIDATED: 'Order checked',
  PAID: 'Payment taken',
  FULFILLED: 'Fulfilled — on its way',
  CANCELLED: 'Cancelled',
  FAILED: 'Could not be completed',
};
export const TERMINAL_LABELS = [LABEL.FULFILLED, LABEL.CANCELLED, LABEL.FAILED];
export const DECLINED_TEXT = 'The payment was declined. You have not been charged.';

export const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
export const dollars = (cents: number) => usd.format(cents / 100);

/** Fills the shipping address, picks the test card, places the order; returns its id from the status page. */
export async function placeOrder(page: Page, card: string, total: string): Promise<{ orderId: string; at: number }> {
  await page.getByRole('heading', { name: 'Checkout' }).waitFor();
  for (const [label, value] of Object.entries(ADDRESS)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByLabel('Country', { exact: true }).selectOption(COUNTRY);
  await page.getByLabel(card).check();
  const button = page.getByRole('button', { name: /^Place order/ });
  const text = (await button.innerText()).trim();
  if (text !== `Place order (${total})`)
    throw new CheckFailure(`button says "${text}", expected "Place order (${total})"`);
  await button.click();
  const at = Date.now();
  await page.waitForURL(/\/orders\/[^/]+$/);
  const orderId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  await page.getByText('Thank you! Your order has been received.').waitFor();
  return { orderId, at };
}

export interface Outcome {
  /** The status badge's words when the wait ended ('' if none was shown). */
  readonly status: string;
  readonly timeline: string[];
  readonly seconds: number;
  /** Error messages on the page, if any. */
  readonly errors: string[];
}

/** Waits (bounded) until the order status page shows a terminal status, as the customer sees it. */
export async function awaitTerminal(page: Page, placedAt: number, timeoutMs: number): Promise<Outcome> {
  const badge = page.locator('.order__status .badge');
  let status = '';
  const terminal = await pollUntil(placedAt + timeoutMs, 500, async () => {
    status = (await badge.count()) ? (await badge.innerText()).trim() : '';
    return TERMINAL_LABELS.includes(status) ? status : undefined;
  });
  const seconds = elapsedSince(placedAt);
  if (terminal) {
    // The page stops polling at a terminal status; its spinner goes.
    await page.locator('.polling').waitFor({ state: 'detached' });
  }
  return {
    status,
    timeline: (await page.locator('.timeline__status').allInnerTexts()).map((t) => t.trim()),
    seconds,
    errors: await page.locator('[role="alert"], .alert--error').allInnerTexts(),
  };
}

export function describeOutcome(o: Outcome): string {
  const shown = o.status ? `shows "${o.status}"` : 'shows no status';
  const errors = o.errors.length ? `; errors on the page: ${o.errors.join(' | ')}` : '';
  return `${shown} after ${o.seconds.toFixed(0)} s (timeline ${o.timeline.join(' → ') || 'empty'})${errors}`;
}

/** Waits until the locator's text is exactly `text`. */
export async function waitForText(locator: Locator, text: string, timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
  let last = '';
  const ok = await pollUntil(Date.now() + timeoutMs, 200, async () => {
    last = (await locator.count()) ? (await locator.first().innerText()).trim() : '(absent)';
    return last === text ? true : undefined;
  });
  if (!ok) throw new CheckFailure(`expected "${text}", found "${last}"`);
}

/** Playwright's errors carry a call log after the first lines: keep the message. */
export function shortError(error: unknown): string {
  if (error instanceof CheckFailure) return error.message;
  const text = describeError(error);
  return truncate(text.split(/\n\s*Call log:/)[0].replace(/\s*\n\s*/g, ' '), 400);
}
