import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { PRODUCTS, answer, fakeAuth, json, mockFetch, renderApp, serviceError } from './helpers';

describe('catalog page', () => {
  it('shows a labelled progress indicator while the products load, then the products', async () => {
    let answer!: (r: Response) => void;
    const api = mockFetch({ 'GET /api/products': new Promise<Response>((resolve) => (answer = resolve)) });
    renderApp('/', { fetch: api.fetch, auth: fakeAuth(null) });

    const progress = await screen.findByText('Loading products…');
    expect(progress.closest('[role="status"]')).not.toBeNull();

    answer(json({ products: PRODUCTS }));
    const list = await screen.findByRole('list', { name: 'Products' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(within(items[0]).getByRole('link', { name: 'Espresso beans' })).toHaveAttribute('href', '/products/SKU-1');
    expect(within(items[0]).getByText('$12.99')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add to cart (Hand grinder)' })).toBeDisabled();
    // Pictures from the site's own /images/, sized (no layout shift), the first screen eager, the rest lazy.
    const beans = within(items[0]).getByRole('img', { name: 'A picture of espresso beans' });
    expect(beans).toHaveAttribute('src', '/images/products/beans.0a1b2c3d.svg');
    expect(beans).toHaveAttribute('width', '640');
    expect(beans).toHaveAttribute('height', '480');
    expect(beans).toHaveAttribute('loading', 'eager');
    expect(within(items[2]).queryByRole('img')).toBeNull();
    expect(within(items[2]).getByText('Out of stock')).toBeInTheDocument();
    expect(screen.queryByText('Loading products…')).not.toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Catalog' })).toBeInTheDocument();
  });

  it('shows an API error in words and recovers on "Try again"', async () => {
    const api = mockFetch({
      'GET /api/products': [
        serviceError(500, 'Internal Server Error', 'Internal Server Error'),
        answer('listProducts', { products: PRODUCTS }),
      ],
    });
    renderApp('/', { fetch: api.fetch, auth: fakeAuth(null) });

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('We could not load the catalog.');
    expect(alert).toHaveTextContent('The store could not answer right now (HTTP 500). Please try again in a moment.');

    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('link', { name: 'Ceramic mug' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(api.callsTo('GET /api/products')).toHaveLength(2);
  });

  it('says so when the API cannot be reached at all', async () => {
    const api = mockFetch({ 'GET /api/products': 'network-error' });
    renderApp('/', { fetch: api.fetch, auth: fakeAuth(null) });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not reach the store. Check your connection and try again.',
    );
  });

  it('adds a product to a signed-out cart (kept in the browser) and announces it', async () => {
    const api = mockFetch({ 'GET /api/products': answer('listProducts', { products: PRODUCTS }) });
    renderApp('/', { fetch: api.fetch, auth: fakeAuth(null) });

    const add = await screen.findByRole('button', { name: 'Add to cart (Ceramic mug)' });
    // The visible words begin the accessible name (WCAG 2.5.3 "label in name").
    expect(add.textContent).toBe('Add to cart (Ceramic mug)');
    expect(add).toHaveAccessibleName(expect.stringMatching(/^Add to cart/));
    await userEvent.click(add);
    await userEvent.click(add);

    // Announced by the page's live region, shown as a toast in the product's card.
    expect(screen.getByRole('status')).toHaveTextContent('Added Ceramic mug to your cart.');
    const card = add.closest('li')!;
    const toast = card.querySelector('.toast') as HTMLElement;
    expect(toast).toHaveTextContent('Added Ceramic mug to your cart.');
    expect(within(toast).getByRole('link', { name: 'Go to your cart' })).toHaveAttribute('href', '/cart');
    await userEvent.tab();
    expect(within(toast).getByRole('link', { name: 'Go to your cart' })).toHaveFocus();
    await userEvent.click(within(toast).getByRole('button', { name: 'Dismiss' }));
    expect(card.querySelector('.toast')).toBeNull();
    expect(screen.getByRole('link', { name: /Cart \(2\)/ })).toBeInTheDocument();
    expect(JSON.parse(window.localStorage.getItem('securecart.cart')!)).toEqual([{ productId: 'SKU-2', quantity: 2 }]);
    expect(api.callsTo('PUT /api/cart')).toHaveLength(0);
  });

  it('filters by category, in the address, and says how many are shown', async () => {
    const api = mockFetch({ 'GET /api/products': answer('listProducts', { products: PRODUCTS }) });
    renderApp('/', { fetch: api.fetch, auth: fakeAuth(null) });
    // The filter is drawn before the products arrive (its row keeps its height); its options come with them.
    await screen.findByRole('list', { name: 'Products' });
    const filter = screen.getByRole('combobox', { name: 'Category' });
    expect(
      within(filter)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['All products', 'Coffee', 'Kitchen']);
    await userEvent.selectOptions(filter, 'Coffee');
    const list = screen.getByRole('list', { name: 'Products in Coffee' });
    expect(
      within(list)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Espresso beans', 'Hand grinder']);
    expect(screen.getByRole('status')).toHaveTextContent('2 products in Coffee.');
    expect(screen.getByTestId('location')).toHaveTextContent('/?category=Coffee');
    await userEvent.selectOptions(filter, '');
    expect(within(screen.getByRole('list', { name: 'Products' })).getAllByRole('listitem')).toHaveLength(3);
  });

  it('product page: adds the chosen quantity, and names the problem with a bad one', async () => {
    const api = mockFetch({ 'GET /api/products/SKU-1': answer('getProduct', PRODUCTS[0]) });
    renderApp('/products/SKU-1', { fetch: api.fetch, auth: fakeAuth(null) });

    expect(await screen.findByRole('heading', { level: 1, name: 'Espresso beans' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'A picture of espresso beans' })).toHaveAttribute('loading', 'eager');
    expect(screen.getByText('Espresso beans: what the product page says about it.')).toBeInTheDocument();
    expect(screen.getByText('$12.99')).toBeInTheDocument();
    expect(screen.getByText('In stock')).toBeInTheDocument();
    const quantity = screen.getByRole('spinbutton', { name: 'Quantity' });
    await userEvent.clear(quantity);
    await userEvent.type(quantity, '0');
    await userEvent.click(screen.getByRole('button', { name: 'Add to cart' }));
    expect(quantity).toHaveAccessibleDescription('Quantity must be a whole number from 1 to 100.');

    await userEvent.clear(quantity);
    await userEvent.type(quantity, '3');
    await userEvent.click(screen.getByRole('button', { name: 'Add to cart' }));
    expect(screen.getByRole('status')).toHaveTextContent('Added 3 × Espresso beans to your cart.');
    expect(document.querySelector('.toast')).toHaveTextContent('Added 3 × Espresso beans to your cart.');
    expect(quantity).not.toHaveAttribute('aria-invalid');
    expect(JSON.parse(window.localStorage.getItem('securecart.cart')!)).toEqual([{ productId: 'SKU-1', quantity: 3 }]);
  });

  it("after a route change, focus moves to the new page's heading once it is there", async () => {
    const api = mockFetch({
      'GET /api/products': answer('listProducts', { products: PRODUCTS }),
      'GET /api/products/SKU-1': answer('getProduct', PRODUCTS[0]),
    });
    renderApp('/', { fetch: api.fetch, auth: fakeAuth(null) });
    await userEvent.click(await screen.findByRole('link', { name: 'Espresso beans' }));
    const heading = await screen.findByRole('heading', { level: 1, name: 'Espresso beans' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(heading).toHaveAttribute('tabindex', '-1');
  });

  it('product page: says so when the product does not exist', async () => {
    const api = mockFetch({ 'GET /api/products/nope': serviceError(404, 'Not Found', 'Product not found') });
    renderApp('/products/nope', { fetch: api.fetch, auth: fakeAuth(null) });
    expect(await screen.findByRole('alert')).toHaveTextContent('We could not load this product. Product not found.');
  });
});
