import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { POLL_INTERVAL_MS } from '../src/pages/OrderStatusPage';
import type { OrderView } from '@securecart/contracts/http-api';
import type { OrderStatus, OutcomeReason } from '@securecart/contracts/status';
import { PRODUCTS, answer, cartAnswer, echoCart, mockFetch, renderApp, serviceError } from './helpers';

const T0 = '2026-01-01T10:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

function order(
  status: OrderStatus,
  history: [OrderStatus, number, OutcomeReason?][],
  reason: OutcomeReason | null = null,
) {
  const view: OrderView = {
    orderId: 'order-9',
    status,
    reason,
    createdAt: T0,
    updatedAt: T0,
    currency: 'USD',
    items: [
      { productId: 'SKU-1', quantity: 2 },
      { productId: 'SKU-GONE', quantity: 1 },
    ],
    shippingAddress: { name: 'Ada', line1: '1 Road', city: 'London', postalCode: 'N1', country: 'GB' },
    clientTotalCents: 2598,
    statusHistory: history.map(([s, t, r]) => ({ status: s, reason: r ?? null, occurredAt: at(t) })),
  };
  return answer('getOrder', view);
}

/** Lets timers due within `ms` fire, and React settle. */
const elapse = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

/**
 * testing-library's findBy* wait on setTimeout, which is faked here: instead, move the fake clock
 * in small steps (far below the poll interval) until `query` finds something.
 */
async function settle<T>(query: () => T): Promise<T> {
  for (let i = 0; i < 100; i++) {
    try {
      return query();
    } catch {
      await elapse(1);
    }
  }
  return query();
}

describe('order status page', () => {
  beforeEach(() => {
    // setTimeout only: testing-library's findBy* keep their real polling interval.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => vi.useRealTimers());

  it('polls GET /api/orders/{id} until a terminal status, then stops, and shows the timeline', async () => {
    const api = mockFetch({
      'GET /api/orders/order-9': [
        order('PENDING', [['PENDING', 0]]),
        order('PAID', [
          ['PENDING', 0],
          ['ACCEPTED', 1],
          ['VALIDATED', 2],
          ['PAID', 3],
        ]),
        order('FULFILLED', [
          ['PENDING', 0],
          ['ACCEPTED', 1],
          ['VALIDATED', 2],
          ['PAID', 3],
          ['FULFILLED', 9],
        ]),
      ],
    });
    renderApp('/orders/order-9', { fetch: api.fetch });

    const status = await settle(() => screen.getByText('Status:'));
    expect(status).toHaveAttribute('role', 'status');
    expect(status).toHaveTextContent('Status: Order received');
    expect(screen.getByText('Updating automatically…')).toBeInTheDocument();
    expect(api.callsTo('GET /api/orders/order-9')).toHaveLength(1);

    await elapse(POLL_INTERVAL_MS);
    expect(status).toHaveTextContent('Status: Payment taken');
    expect(api.callsTo('GET /api/orders/order-9')).toHaveLength(2);

    await elapse(POLL_INTERVAL_MS);
    expect(status).toHaveTextContent('Status: Fulfilled — on its way');
    expect(screen.getByText('Your order is fulfilled and on its way.')).toBeInTheDocument();
    expect(screen.queryByText('Updating automatically…')).not.toBeInTheDocument();

    const timeline = screen.getByRole('list', { name: 'Order timeline' });
    expect(
      within(timeline)
        .getAllByRole('listitem')
        .map((li) => li.querySelector('.timeline__status')?.textContent),
    ).toEqual(['Order received', 'Accepted', 'Order checked', 'Payment taken', 'Fulfilled — on its way']);
    expect(within(timeline).getAllByRole('listitem')[4].querySelector('time')).toHaveAttribute('datetime', at(9));

    // Terminal: no more requests, however long the page stays open.
    await elapse(10 * 60_000);
    expect(api.callsTo('GET /api/orders/order-9')).toHaveLength(3);
    expect(api.calls[0].headers.authorization).toBe('Bearer access-token-1');
  });

  it('a cancelled order leads with what happened and what to do, never a thank-you, even just placed', async () => {
    const api = mockFetch({
      'GET /api/cart': cartAnswer([]),
      'PUT /api/cart': echoCart,
      'GET /api/orders/order-9': order(
        'CANCELLED',
        [
          ['PENDING', 0],
          ['CANCELLED', 2, 'PAYMENT_DECLINED'],
        ],
        'PAYMENT_DECLINED',
      ),
    });
    renderApp({ pathname: '/orders/order-9', state: { placed: true } }, { fetch: api.fetch });
    const heading = await settle(() => screen.getByRole('heading', { level: 1 }));
    expect(heading).toHaveTextContent('Order ORDER-9');
    const outcome = await settle(() => screen.getByRole('heading', { level: 2, name: 'Your order was cancelled.' }));
    // Right under the page's heading: the first thing read after it.
    expect(heading.nextElementSibling).toBe(outcome.closest('.alert'));
    expect(outcome.closest('.alert')).toHaveTextContent(
      'Your order was cancelled.The payment was declined. You have not been charged.You can put the items back in your cart and pay with another card.',
    );
    expect(screen.queryByText(/Thank you/)).not.toBeInTheDocument();
    expect(document.querySelector('.alert--success')).toBeNull();
    expect(document.title).toBe('Order ORDER-9 — SecureCart');

    // Putting the items back fills the cart with the order's items and goes there.
    vi.useRealTimers();
    await userEvent.click(screen.getByRole('button', { name: 'Put the items back in your cart' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/cart'));
    expect(api.callsTo('PUT /api/cart').at(-1)?.body).toEqual({
      items: [
        { productId: 'SKU-1', quantity: 2 },
        { productId: 'SKU-GONE', quantity: 1 },
      ],
    });
  });

  it('thanks the customer for an order just placed while it is on its way, and names it by its short number', async () => {
    const api = mockFetch({
      'GET /api/orders/1a2b3c4d-5e6f-4a4b-8c8d-9e9f0a0b1c1d': answer('getOrder', {
        ...order('PAID', [['PAID', 0]]).body,
        orderId: '1a2b3c4d-5e6f-4a4b-8c8d-9e9f0a0b1c1d',
      }),
    });
    renderApp(
      { pathname: '/orders/1a2b3c4d-5e6f-4a4b-8c8d-9e9f0a0b1c1d', state: { placed: true } },
      { fetch: api.fetch },
    );
    expect(await settle(() => screen.getByRole('heading', { level: 1 }))).toHaveTextContent(/^Order 1A2B3C4D$/);
    expect(await settle(() => screen.getByText(/^Thank you! Your order has been received/))).toBeInTheDocument();
    expect(document.title).toBe('Order 1A2B3C4D — SecureCart');
    // The full number is still on the page, for a call to support.
    expect(screen.getByText('1a2b3c4d-5e6f-4a4b-8c8d-9e9f0a0b1c1d')).toBeInTheDocument();
  });

  it('explains why an order was cancelled', async () => {
    const api = mockFetch({
      'GET /api/orders/order-9': order(
        'CANCELLED',
        [
          ['PENDING', 0],
          ['ACCEPTED', 1],
          ['CANCELLED', 2, 'PAYMENT_DECLINED'],
        ],
        'PAYMENT_DECLINED',
      ),
    });
    renderApp('/orders/order-9', { fetch: api.fetch });
    expect(await settle(() => screen.getByText('Your order was cancelled.'))).toBeInTheDocument();
    expect(screen.getAllByText('The payment was declined. You have not been charged.')).toHaveLength(2);
    await elapse(60_000);
    expect(api.callsTo('GET /api/orders/order-9')).toHaveLength(1);
  });

  it('keeps polling through a failed request, with a message, and backs off', async () => {
    const api = mockFetch({
      'GET /api/orders/order-9': [
        order('PENDING', [['PENDING', 0]]),
        serviceError(503, 'Service Unavailable', 'Service Unavailable'),
        order('FAILED', [
          ['PENDING', 0],
          ['FAILED', 5, 'UNEXPECTED_ERROR'],
        ]),
      ],
    });
    renderApp('/orders/order-9', { fetch: api.fetch });
    await settle(() => screen.getByText('Status:'));

    await elapse(POLL_INTERVAL_MS);
    expect(screen.getByRole('alert')).toHaveTextContent(
      'We could not refresh the status. The store could not answer right now (HTTP 503). Please try again in a moment. Trying again automatically…',
    );
    // The next try waits twice as long.
    await elapse(POLL_INTERVAL_MS);
    expect(api.callsTo('GET /api/orders/order-9')).toHaveLength(2);
    await elapse(POLL_INTERVAL_MS);
    expect(api.callsTo('GET /api/orders/order-9')).toHaveLength(3);
    expect(screen.getByRole('status')).toHaveTextContent('Status: Could not be completed');
    expect(screen.queryByText(/We could not refresh/)).not.toBeInTheDocument();
  });

  it('shows each item’s catalog name (not today’s price), linking to the product page', async () => {
    const api = mockFetch({
      'GET /api/orders/order-9': [order('PENDING', [['PENDING', 0]]), order('PAID', [['PAID', 0]])],
      'GET /api/products/SKU-1': answer('getProduct', PRODUCTS[0]),
      'GET /api/products/SKU-GONE': serviceError(404, 'Not Found', 'Product not found'),
    });
    renderApp('/orders/order-9', { fetch: api.fetch });

    const items = await settle(() => screen.getByRole('list', { name: 'Ordered items' }));
    const name = await settle(() => within(items).getByRole('link', { name: 'Espresso beans' }));
    expect(name).toHaveAttribute('href', '/products/SKU-1');
    expect(within(items).getAllByRole('listitem')[0]).toHaveTextContent('2 × Espresso beans');
    expect(within(items).getAllByRole('listitem')[0]).not.toHaveTextContent('$12.99');

    // Unknown to the catalog (404): the id, still a link, and no error on the page.
    expect(within(items).getByRole('link', { name: 'SKU-GONE' })).toHaveAttribute('href', '/products/SKU-GONE');
    expect(within(items).getAllByRole('listitem')[1]).toHaveTextContent(/^1 × SKU-GONE$/);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    // Each product is asked for once, not again on every status poll.
    await elapse(POLL_INTERVAL_MS);
    expect(api.callsTo('GET /api/orders/order-9')).toHaveLength(2);
    expect(api.callsTo('GET /api/products/SKU-1')).toHaveLength(1);
    expect(api.callsTo('GET /api/products/SKU-GONE')).toHaveLength(1);
  });

  it('falls back to the product ids when the catalog cannot be reached', async () => {
    const api = mockFetch({
      'GET /api/orders/order-9': order('FULFILLED', [['FULFILLED', 0]]),
      'GET /api/products/SKU-1': 'network-error',
      'GET /api/products/SKU-GONE': serviceError(503, 'Service Unavailable', 'Service Unavailable'),
    });
    renderApp('/orders/order-9', { fetch: api.fetch });

    const items = await settle(() => screen.getByRole('list', { name: 'Ordered items' }));
    await elapse(10);
    expect(api.callsTo('GET /api/products/SKU-1')).toHaveLength(1);
    expect(api.callsTo('GET /api/products/SKU-GONE')).toHaveLength(1);
    expect(within(items).getByRole('link', { name: 'SKU-1' })).toHaveAttribute('href', '/products/SKU-1');
    expect(within(items).getByRole('link', { name: 'SKU-GONE' })).toHaveAttribute('href', '/products/SKU-GONE');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Status: Fulfilled — on its way');
  });

  it('stops at a 404 and says the order was not found', async () => {
    const api = mockFetch({ 'GET /api/orders/order-9': serviceError(404, 'Not Found', 'Order not found') });
    renderApp('/orders/order-9', { fetch: api.fetch });
    expect(await settle(() => screen.getByRole('alert'))).toHaveTextContent(
      'We could not load this order. Order not found.',
    );
    await elapse(60_000);
    expect(api.callsTo('GET /api/orders/order-9')).toHaveLength(1);
  });
});
