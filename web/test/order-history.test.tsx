import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { OrderView } from '@securecart/contracts/http-api';
import type { OrderStatus } from '@securecart/contracts/status';
import { PRODUCTS, answer, mockFetch, renderApp, serviceError } from './helpers';

const view = (
  orderId: string,
  status: OrderStatus,
  createdAt: string,
  items: OrderView['items'] = [{ productId: 'SKU-1', quantity: 2 }],
): OrderView => ({
  orderId,
  status,
  reason: null,
  createdAt,
  updatedAt: createdAt,
  currency: 'USD',
  items,
  shippingAddress: { name: 'Ada', line1: '1 Road', city: 'London', postalCode: 'N1', country: 'GB' },
  clientTotalCents: 2598,
  statusHistory: [],
});

describe('order history page', () => {
  it('names each order by its first item and how many more, with its number, total and status', async () => {
    const api = mockFetch({
      'GET /api/orders': answer('listOrders', {
        orders: [
          view('a1b2c3d4-0000-4000-8000-000000000000', 'FULFILLED', '2026-01-02T09:00:00.000Z', [
            { productId: 'SKU-2', quantity: 1 },
            { productId: 'SKU-1', quantity: 2 },
            { productId: 'SKU-3', quantity: 1 },
          ]),
          view('ffff0000-0000-4000-8000-000000000000', 'CANCELLED', '2026-01-01T09:00:00.000Z', [
            { productId: 'SKU-GONE', quantity: 1 },
          ]),
        ],
      }),
      'GET /api/products/SKU-2': answer('getProduct', PRODUCTS[1]),
      'GET /api/products/SKU-GONE': serviceError(404, 'Not Found', 'Product not found'),
    });
    renderApp('/orders', { fetch: api.fetch });
    const list = await screen.findByRole('list', { name: 'Your orders' });
    const rows = within(list).getAllByRole('listitem');
    expect(await within(rows[0]).findByRole('link', { name: 'Ceramic mug and 2 more' })).toHaveAttribute(
      'href',
      '/orders/a1b2c3d4-0000-4000-8000-000000000000',
    );
    expect(rows[0]).toHaveTextContent('Order A1B2C3D4');
    expect(rows[0]).toHaveTextContent('4 items');
    expect(rows[0]).toHaveTextContent('$25.98');
    expect(rows[0]).toHaveTextContent('Fulfilled — on its way');
    expect(within(rows[1]).getByRole('link', { name: 'SKU-GONE' })).toBeInTheDocument();
    expect(rows[1]).toHaveTextContent('1 item');
    expect(rows[1]).toHaveTextContent('Cancelled');
    // Only the first item of each order is looked up.
    expect(api.callsTo('GET /api/products/SKU-1')).toHaveLength(0);
  });

  it('lists the customer’s orders with their status and pages through older ones', async () => {
    const api = mockFetch({
      'GET /api/orders': (call) =>
        call.path.includes('cursor=c1')
          ? answer('listOrders', { orders: [view('o-1', 'CANCELLED', '2026-01-01T09:00:00.000Z')] })
          : answer('listOrders', { orders: [view('o-2', 'PAID', '2026-01-02T09:00:00.000Z')], nextCursor: 'c1' }),
    });
    renderApp('/orders', { fetch: api.fetch });

    const list = await screen.findByRole('list', { name: 'Your orders' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    expect(within(list).getByRole('link')).toHaveAttribute('href', '/orders/o-2');
    expect(within(list).getByText('Payment taken')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Show older orders' }));
    expect(await within(list).findByText('Cancelled')).toBeInTheDocument();
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    expect(screen.queryByRole('button', { name: 'Show older orders' })).not.toBeInTheDocument();
    expect(api.callsTo('GET /api/orders').map((c) => c.path)).toEqual(['/api/orders', '/api/orders?cursor=c1']);
  });

  it('shows an expired session as a prompt to sign in again', async () => {
    const api = mockFetch({ 'GET /api/orders': serviceError(401, 'Unauthorized', 'The bearer token is not valid') });
    renderApp('/orders', { fetch: api.fetch });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('We could not load your orders. Your session has expired. Please sign in again.');
    expect(within(alert).getByRole('button', { name: 'Sign in again' })).toBeInTheDocument();
  });
});
