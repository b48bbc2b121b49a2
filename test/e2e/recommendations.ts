import type { Page } from 'playwright-core';
import type { CatalogItem } from '@securecart/contracts/tables';
import { CheckFailure, elapsedSince } from '../smoke/report';
import { pollUntil } from '../smoke/util';
import type { StorefrontServer } from './storefront-server';

/*
 * The browser journey's recommendation step (journey.ts): the product viewed next in the session
 * shows under "Customers also viewed" on the first one's page — the storefront's beacon, the
 * service's local forwarder, the clickstream's stream, its consumer, ProductAffinity and back
 * through GET /api/products/{id}/recommendations.
 */

export const RECOMMENDATION_STEP = 'recommendations: the product viewed next shows under "Customers also viewed"';
/** The stream, the consumer's batching window and the answers' Cache-Control (30 s) together. */
const RECOMMENDATION_TIMEOUT_MS = 90_000;

/** A batch of the storefront's clickstream, taken (202) by the service's forwarder. */
const isEvents = (r: { method: string; route: string; status: number }) =>
  r.method === 'POST' && r.route === '/api/events' && r.status === 202;

type Product = Pick<CatalogItem, 'productId' | 'name'>;

/**
 * With `first`'s page viewed earlier in this tab (session): views `second`'s page, stays until
 * its batch has been sent, then reloads `first`'s page until `second` is listed under "Customers
 * also viewed". Returns the step's detail; throws a CheckFailure when it is not listed in time.
 */
export async function viewedTogether(
  page: Page,
  storefront: Pick<StorefrontServer, 'proxied'>,
  at: (path: string) => string,
  [first, second]: readonly [Product, Product],
  /** axe-core on the page (journey.ts scan), once the recommendation shows. */
  scan: (label: string) => Promise<void>,
): Promise<string> {
  const started = Date.now();
  const beaconsBefore = storefront.proxied.filter(isEvents).length;
  await page.goto(at(`/products/${encodeURIComponent(second.productId)}`));
  await page.getByRole('heading', { name: second.name }).waitFor();
  // Stay until the page's batch (this view) has gone, as a customer reading the page would (the
  // recorder sends it 3 s after its first event); leaving at once could lose it.
  const sent = await pollUntil(Date.now() + 15_000, 200, async () =>
    storefront.proxied.filter(isEvents).length > beaconsBefore ? true : undefined,
  );
  if (!sent) throw new CheckFailure(`no POST /api/events within 15 s of viewing ${second.productId}`);
  const recommended = page
    .getByRole('region', { name: 'Customers also viewed' })
    .getByRole('link', { name: second.name, exact: true });
  // Each visit sends what the page recorded (pagehide) and asks again once the answer's max-age has passed.
  const shown = await pollUntil(started + RECOMMENDATION_TIMEOUT_MS, 2000, async () => {
    await page.goto(at(`/products/${encodeURIComponent(first.productId)}`));
    await page.getByRole('heading', { name: first.name }).waitFor();
    return recommended.waitFor({ timeout: 3000 }).then(
      () => true,
      () => undefined,
    );
  });
  if (!shown)
    throw new CheckFailure(
      `${second.name} not under "Customers also viewed" on ${first.name}'s page within ${RECOMMENDATION_TIMEOUT_MS / 1000} s`,
    );
  await scan('a product page with recommendations');
  const href = await recommended.getAttribute('href');
  return `viewed ${first.productId}, then ${second.productId}: the second listed on the first's page after ${elapsedSince(started).toFixed(1)} s, linking to ${href}`;
}
