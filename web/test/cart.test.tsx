import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { mergeCarts } from '../src/cart';
import { PRODUCTS, answer, cartAnswer, echoCart, mockFetch, renderApp, serviceError } from './helpers';

describe('cart page', () => {
  it('loads the signed-in cart and saves quantity changes and removals with PUT /api/cart', async () => {
    const api = mockFetch({
      'GET /api/products': answer('listProducts', { products: PRODUCTS }),
      'GET /api/cart': cartAnswer([
        { productId: 'SKU-1', quantity: 1 },
        { productId: 'SKU-2', quantity: 3 },
      ]),
      'PUT /api/cart': echoCart,
    });
    renderApp('/cart', { fetch: api.fetch });

    const table = await screen.findByRole('table', { name: 'Products in your cart' });
    expect(within(table).getByRole('rowheader', { name: 'Espresso beans' })).toBeInTheDocument();
    expect(screen.getByText('$38.49')).toBeInTheDocument(); // 12.99 + 3 × 8.50

    await userEvent.click(screen.getByRole('button', { name: 'Increase quantity of Espresso beans' }));
    expect(screen.getByRole('spinbutton', { name: 'Quantity of Espresso beans' })).toHaveValue(2);
    expect(await screen.findByText('$51.48')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Remove Ceramic mug from cart' }));
    expect(within(table).queryByText('Ceramic mug')).not.toBeInTheDocument();

    const puts = api.callsTo('PUT /api/cart');
    expect(puts.map((c) => c.body)).toEqual([
      {
        items: [
          { productId: 'SKU-1', quantity: 2 },
          { productId: 'SKU-2', quantity: 3 },
        ],
      },
      { items: [{ productId: 'SKU-1', quantity: 2 }] },
    ]);
    expect(puts[0].headers.authorization).toBe('Bearer access-token-1');
    expect(screen.getByRole('link', { name: /Cart \(2\)/ })).toBeInTheDocument();
  });

  it('types a quantity and saves it on Enter', async () => {
    const api = mockFetch({
      'GET /api/products': answer('listProducts', { products: PRODUCTS }),
      'GET /api/cart': cartAnswer([{ productId: 'SKU-2', quantity: 1 }]),
      'PUT /api/cart': echoCart,
    });
    renderApp('/cart', { fetch: api.fetch });
    const input = await screen.findByRole('spinbutton', { name: 'Quantity of Ceramic mug' });
    await userEvent.clear(input);
    await userEvent.type(input, '4{Enter}');
    expect(api.callsTo('PUT /api/cart').at(-1)?.body).toEqual({ items: [{ productId: 'SKU-2', quantity: 4 }] });
  });

  it('undoes a change the API refuses and says why', async () => {
    const api = mockFetch({
      'GET /api/products': answer('listProducts', { products: PRODUCTS }),
      'GET /api/cart': cartAnswer([{ productId: 'SKU-1', quantity: 1 }]),
      'PUT /api/cart': serviceError(503, 'Service Unavailable', 'Service Unavailable'),
    });
    renderApp('/cart', { fetch: api.fetch });

    await userEvent.click(await screen.findByRole('button', { name: 'Increase quantity of Espresso beans' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Your cart was not updated. The store could not answer right now (HTTP 503).',
    );
    expect(screen.getByRole('spinbutton', { name: 'Quantity of Espresso beans' })).toHaveValue(1);
  });

  it('shows an empty cart with a way back to the catalog', async () => {
    const api = mockFetch({
      'GET /api/products': answer('listProducts', { products: PRODUCTS }),
      'GET /api/cart': answer('getCart', { items: [], updatedAt: null, expiresAt: null }),
    });
    renderApp('/cart', { fetch: api.fetch });
    expect(await screen.findByText(/Your cart is empty/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Browse the catalog' })).toHaveAttribute('href', '/');
  });

  it('merges what was added while signed out into the customer cart at sign-in', async () => {
    window.localStorage.setItem('securecart.cart', JSON.stringify([{ productId: 'SKU-2', quantity: 2 }]));
    const api = mockFetch({
      'GET /api/products': answer('listProducts', { products: PRODUCTS }),
      'GET /api/cart': cartAnswer([{ productId: 'SKU-2', quantity: 1 }]),
      'PUT /api/cart': echoCart,
    });
    renderApp('/cart', { fetch: api.fetch });
    expect(await screen.findByRole('spinbutton', { name: 'Quantity of Ceramic mug' })).toHaveValue(3);
    expect(api.callsTo('PUT /api/cart')[0].body).toEqual({ items: [{ productId: 'SKU-2', quantity: 3 }] });
    expect(window.localStorage.getItem('securecart.cart')).toBeNull();
  });

  it('mergeCarts adds quantities, caps them at 100 and keeps at most 50 lines', () => {
    expect(mergeCarts([{ productId: 'A', quantity: 99 }], [{ productId: 'A', quantity: 5 }])).toEqual([
      { productId: 'A', quantity: 100 },
    ]);
    const many = Array.from({ length: 60 }, (_, i) => ({ productId: `P${i}`, quantity: 1 }));
    expect(mergeCarts([], many)).toHaveLength(50);
  });
});
