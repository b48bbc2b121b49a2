import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { OrderView } from '@securecart/contracts/http-api';
import type { OrderStatus } from '@securecart/contracts/status';
import { answer, mockFetch, renderApp, serviceError } from './helpers';

const view = (orderId: string, status: OrderStatus, createdAt: string): OrderView => ({
  orderId,
  status,
  reason: null,
  createdAt,
  updatedAt: createdAt,
  currency: 'USD',
  items: [{ productId: 'SKU-1', quantity: 2 }],
  shippingAddress: { name: 'Ada', line1: '1 Road', city: 'London', postalCode: 'N1', country: 'GB' },
  clientTotalCents: 2598,
  statusHistory: [],
});

describe('order history page', () => {
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
