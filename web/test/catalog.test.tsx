import { screen, within } from '@testing-library/react';
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
    expect(screen.getByRole('button', { name: 'Add Hand grinder to cart' })).toBeDisabled();
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

    await userEvent.click(await screen.findByRole('button', { name: 'Add Ceramic mug to cart' }));
    await userEvent.click(screen.getByRole('button', { name: 'Add Ceramic mug to cart' }));

    expect(screen.getByText('Added Ceramic mug to your cart.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Cart \(2\)/ })).toBeInTheDocument();
    expect(JSON.parse(window.localStorage.getItem('securecart.cart')!)).toEqual([{ productId: 'SKU-2', quantity: 2 }]);
    expect(api.callsTo('PUT /api/cart')).toHaveLength(0);
  });

  it('product page: adds the chosen quantity, and names the problem with a bad one', async () => {
    const api = mockFetch({ 'GET /api/products/SKU-1': answer('getProduct', PRODUCTS[0]) });
    renderApp('/products/SKU-1', { fetch: api.fetch, auth: fakeAuth(null) });

    expect(await screen.findByRole('heading', { level: 1, name: 'Espresso beans' })).toBeInTheDocument();
    const quantity = screen.getByRole('spinbutton', { name: 'Quantity' });
    await userEvent.clear(quantity);
    await userEvent.type(quantity, '0');
    await userEvent.click(screen.getByRole('button', { name: 'Add to cart' }));
    expect(quantity).toHaveAccessibleDescription('Quantity must be a whole number from 1 to 100.');

    await userEvent.clear(quantity);
    await userEvent.type(quantity, '3');
    await userEvent.click(screen.getByRole('button', { name: 'Add to cart' }));
    expect(screen.getByText('Added 3 × Espresso beans to your cart.')).toBeInTheDocument();
    expect(quantity).not.toHaveAttribute('aria-invalid');
    expect(JSON.parse(window.localStorage.getItem('securecart.cart')!)).toEqual([{ productId: 'SKU-1', quantity: 3 }]);
  });

  it('product page: says so when the product does not exist', async () => {
    const api = mockFetch({ 'GET /api/products/nope': serviceError(404, 'Not Found', 'Product not found') });
    renderApp('/products/nope', { fetch: api.fetch, auth: fakeAuth(null) });
    expect(await screen.findByRole('alert')).toHaveTextContent('We could not load this product. Product not found.');
  });
});
