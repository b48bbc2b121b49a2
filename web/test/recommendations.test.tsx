/**
 * Recommendations and browsing data in the pages: "Customers also viewed" on a product page,
 * "Popular now" on the catalog (headings, lists, named links, lazy pictures; nothing when there
 * is nothing to show), the events the pages record, and the footer's opt-out.
 */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ClickBatch } from '@securecart/contracts/clickstream';
import { describe, expect, it } from 'vitest';
import { OPT_OUT_KEY } from '../src/clickstream-consent';
import { sentBeacons } from './beacons';
import { CUSTOMER, PRODUCTS, answer, cartAnswer, echoCart, fakeAuth, mockFetch, renderApp } from './helpers';

const [BEANS, MUG, GRINDER] = PRODUCTS;

const routes = (recommended = [MUG, GRINDER], popular = [GRINDER]) => ({
  'GET /api/products': answer('listProducts', { products: PRODUCTS }),
  'GET /api/products/SKU-1': answer('getProduct', BEANS),
  'GET /api/products/SKU-1/recommendations': answer('getRecommendations', {
    products: recommended.map((p, i) => ({ ...p, basis: i === 0 ? ('co_viewed' as const) : ('popular' as const) })),
  }),
  'GET /api/recommendations/popular': answer('getPopular', {
    products: popular.map((p) => ({ ...p, basis: 'popular' as const })),
  }),
  'GET /api/cart': cartAnswer([]),
  'PUT /api/cart': echoCart,
});

/** The events sent so far, after leaving the page (pagehide sends what the recorder has queued). */
async function sentEvents(): Promise<ClickBatch['events']> {
  window.dispatchEvent(new Event('pagehide'));
  return (await sentBeacons()).flatMap((b) => (JSON.parse(b.body) as ClickBatch).events);
}

describe('"Customers also viewed" on a product page', () => {
  it('lists the recommended products under a heading, each a named link to its page with a lazy picture', async () => {
    const api = mockFetch(routes());
    renderApp('/products/SKU-1', { fetch: api.fetch, auth: fakeAuth(null) });

    const heading = await screen.findByRole('heading', { level: 2, name: 'Customers also viewed' });
    const section = heading.closest('section')!;
    expect(section).toHaveAccessibleName('Customers also viewed');
    const items = within(within(section).getByRole('list')).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(within(items[0]).getByRole('link', { name: 'Ceramic mug' })).toHaveAttribute('href', '/products/SKU-2');
    expect(within(items[0]).getByText('$8.50')).toBeInTheDocument();
    const picture = within(items[0]).getByRole('img', { name: 'A picture of ceramic mug' });
    expect(picture).toHaveAttribute('loading', 'lazy');
    expect(picture).toHaveAttribute('width', '640');
    expect(within(items[1]).getByRole('link', { name: 'Hand grinder' })).toHaveAttribute('href', '/products/SKU-3');
    expect(api.callsTo('GET /api/products/SKU-1/recommendations')).toHaveLength(1);
  });

  it('shows no section when there is nothing to recommend, or the answer fails', async () => {
    const empty = mockFetch(routes([]));
    const { unmount } = renderApp('/products/SKU-1', { fetch: empty.fetch, auth: fakeAuth(null) });
    await screen.findByRole('heading', { level: 1, name: 'Espresso beans' });
    await waitFor(() => expect(empty.callsTo('GET /api/products/SKU-1/recommendations')).toHaveLength(1));
    expect(screen.queryByRole('heading', { name: 'Customers also viewed' })).toBeNull();
    unmount();

    const failing = mockFetch({ ...routes(), 'GET /api/products/SKU-1/recommendations': 'network-error' });
    renderApp('/products/SKU-1', { fetch: failing.fetch, auth: fakeAuth(null) });
    await screen.findByRole('heading', { level: 1, name: 'Espresso beans' });
    await waitFor(() => expect(failing.callsTo('GET /api/products/SKU-1/recommendations')).toHaveLength(1));
    expect(screen.queryByRole('heading', { name: 'Customers also viewed' })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('records product_viewed, and added_to_cart with the signed-in customer’s id', async () => {
    const api = mockFetch(routes());
    renderApp('/products/SKU-1', { fetch: api.fetch, auth: fakeAuth(CUSTOMER) });
    await screen.findByRole('heading', { level: 1, name: 'Espresso beans' });
    await userEvent.click(screen.getByRole('button', { name: 'Add to cart' }));
    await waitFor(() => expect(api.callsTo('PUT /api/cart')).toHaveLength(1));
    await waitFor(async () =>
      expect((await sentEvents()).map((e) => [e.type, e.productIds, e.customerId])).toEqual([
        ['product_viewed', ['SKU-1'], CUSTOMER.subject],
        ['added_to_cart', ['SKU-1'], CUSTOMER.subject],
      ]),
    );
    const [viewed] = await sentEvents();
    expect(viewed.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
  it('records one product_viewed per product shown, also when the sign-in state settles after it', async () => {
    let signIn!: (user: typeof CUSTOMER) => void;
    const auth = {
      ...fakeAuth(CUSTOMER),
      getUser: () => new Promise<typeof CUSTOMER>((resolve) => (signIn = resolve)),
    };
    const api = mockFetch(routes());
    renderApp('/products/SKU-1', { fetch: api.fetch, auth });
    await screen.findByRole('heading', { level: 1, name: 'Espresso beans' });
    signIn(CUSTOMER);
    await screen.findByText(CUSTOMER.displayName);
    await waitFor(async () => expect((await sentEvents()).length).toBeGreaterThan(0));
    expect((await sentEvents()).map((e) => e.type)).toEqual(['product_viewed']);
  });
});

describe('"Popular now" on the catalog', () => {
  it('comes after the products, as a list of named links', async () => {
    const api = mockFetch(routes());
    renderApp('/', { fetch: api.fetch, auth: fakeAuth(null) });
    const heading = await screen.findByRole('heading', { level: 2, name: 'Popular now' });
    const products = screen.getByRole('list', { name: 'Products' });
    // After the grid in the document: it never pushes the products down.
    expect(products.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const list = within(heading.closest('section')!).getByRole('list');
    expect(within(list).getByRole('link', { name: 'Hand grinder' })).toHaveAttribute('href', '/products/SKU-3');
  });

  it('is not there when nothing is popular', async () => {
    const api = mockFetch(routes(undefined, []));
    renderApp('/', { fetch: api.fetch, auth: fakeAuth(null) });
    await screen.findByRole('list', { name: 'Products' });
    await waitFor(() => expect(api.callsTo('GET /api/recommendations/popular')).toHaveLength(1));
    expect(screen.queryByRole('heading', { name: 'Popular now' })).toBeNull();
  });
});

describe('the footer’s browsing-data choice', () => {
  it('is on by default; switched off it is remembered, and the pages send nothing', async () => {
    const api = mockFetch(routes());
    const { unmount } = renderApp('/products/SKU-1', { fetch: api.fetch, auth: fakeAuth(null) });
    const choice = await screen.findByRole('checkbox', { name: /Record which products I view/ });
    expect(choice).toBeChecked();
    await userEvent.click(choice);
    expect(choice).not.toBeChecked();
    expect(localStorage.getItem(OPT_OUT_KEY)).toBe('1');
    unmount();

    renderApp('/products/SKU-1', { fetch: api.fetch, auth: fakeAuth(null) });
    expect(await screen.findByRole('checkbox', { name: /Record which products I view/ })).not.toBeChecked();
    await screen.findByRole('heading', { level: 1, name: 'Espresso beans' });
    await userEvent.click(screen.getByRole('button', { name: 'Add to cart' }));
    await waitFor(() => expect(api.callsTo('PUT /api/cart')).toHaveLength(0)); // signed out: the cart is local
    expect(await sentEvents()).toEqual([]);
  });

  it('under Global Privacy Control says that nothing is recorded, offers no switch, and nothing is sent', async () => {
    Object.defineProperty(navigator, 'globalPrivacyControl', { configurable: true, value: true });
    try {
      const api = mockFetch(routes());
      renderApp('/products/SKU-1', { fetch: api.fetch, auth: fakeAuth(null) });
      await screen.findByRole('heading', { level: 1, name: 'Espresso beans' });
      const footer = screen.getByRole('contentinfo');
      expect(footer).toHaveTextContent('Global Privacy Control');
      expect(within(footer).queryByRole('checkbox')).toBeNull();
      expect(await sentEvents()).toEqual([]);
    } finally {
      Reflect.deleteProperty(navigator, 'globalPrivacyControl');
    }
  });
});
