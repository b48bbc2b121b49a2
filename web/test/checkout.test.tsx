import { screen, waitFor, within } from '@testing-library/react';
import type { ClickBatch } from '@securecart/contracts/clickstream';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { attemptFor, validateAddress } from '../src/checkout';
import { EMPTY_ADDRESS } from '../src/checkout';
import type { CreateOrderBody, OrderView } from '@securecart/contracts/http-api';
import { sentBeacons } from './beacons';
import { CUSTOMER, PRODUCTS, answer, cartAnswer, echoCart, mockFetch, renderApp, serviceError } from './helpers';

const CART_ITEMS = [{ productId: 'SKU-1', quantity: 2 }];
const ACCEPTED = answer('createOrder', { orderId: 'order-123', status: 'PENDING' });
const PLACED: OrderView = {
  orderId: 'order-123',
  status: 'PENDING',
  reason: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  currency: 'USD',
  items: CART_ITEMS,
  shippingAddress: {
    name: 'Ada Lovelace',
    line1: '12 St James Square',
    city: 'London',
    postalCode: 'SW1Y 4JH',
    country: 'GB',
  },
  clientTotalCents: 2598,
  statusHistory: [{ status: 'PENDING', reason: null, occurredAt: '2026-01-01T10:00:00.000Z' }],
};

function checkoutApi(orders: Parameters<typeof mockFetch>[0][string]) {
  return mockFetch({
    'GET /api/products': answer('listProducts', { products: PRODUCTS }),
    'GET /api/cart': cartAnswer(CART_ITEMS),
    'PUT /api/cart': echoCart,
    'POST /api/orders': orders,
    'GET /api/orders/order-123': answer('getOrder', PLACED),
  });
}

async function fillAddress(overrides: Partial<Record<string, string>> = {}) {
  const values = {
    'Full name': 'Ada Lovelace',
    'Address line 1': '12 St James Square',
    City: 'London',
    'Postal code': 'SW1Y 4JH',
    Country: 'GB',
    ...overrides,
  };
  for (const [label, value] of Object.entries(values)) {
    const input = screen.getByLabelText(label);
    if (input instanceof HTMLSelectElement) {
      await userEvent.selectOptions(input, value);
      continue;
    }
    await userEvent.clear(input);
    if (value) await userEvent.type(input, value);
  }
}

const placeOrder = () => userEvent.click(screen.getByRole('button', { name: /Place order/ }));

describe('checkout page', () => {
  it('offers only the simulated provider’s test cards, clearly labelled', async () => {
    renderApp('/checkout', { fetch: checkoutApi(ACCEPTED).fetch });
    const payment = await screen.findByRole('group', { name: /Payment TEST MODE/ });
    const cards = within(payment).getAllByRole('radio');
    expect(cards.map((c) => (c as HTMLInputElement).value)).toEqual([
      'tok_approve',
      'tok_decline',
      'tok_transient',
      'tok_timeout',
    ]);
    expect(within(payment).getByLabelText(/Test card — approves/)).toBeChecked();
    expect(within(payment).getByLabelText(/Test card — declines/)).not.toBeChecked();
  });

  it('validates the address with the contract schema; every message names its field', async () => {
    const api = checkoutApi(ACCEPTED);
    renderApp('/checkout', { fetch: api.fetch });
    await screen.findByRole('heading', { name: 'Checkout' });

    await placeOrder();
    const summary = await screen.findByRole('alert');
    expect(within(summary).getByRole('heading')).toHaveTextContent('There is a problem with your details');
    const messages = within(summary)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(messages).toEqual([
      'Full name is required.',
      'Address line 1 is required.',
      'City is required.',
      'Postal code is required.',
      'Choose the country to ship to.',
    ]);
    expect(screen.getByLabelText('Full name')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Full name')).toHaveAccessibleDescription('Full name is required.');
    expect(screen.getByLabelText('Address line 2 (optional)')).not.toHaveAttribute('aria-invalid');
    expect(api.callsTo('POST /api/orders')).toHaveLength(0);

    await fillAddress({ 'Postal code': 'X'.repeat(21) });
    await placeOrder();
    const again = within(await screen.findByRole('alert'))
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(again).toEqual(['Postal code must be at most 20 characters.']);
    expect(api.callsTo('POST /api/orders')).toHaveLength(0);
  });

  it('offers every ISO 3166-1 country by name and remembers the last choice', async () => {
    window.localStorage.removeItem('securecart.country');
    const first = renderApp('/checkout', { fetch: checkoutApi(ACCEPTED).fetch });
    const country = (await screen.findByRole('combobox', { name: 'Country' })) as HTMLSelectElement;
    expect(country.value).toBe('');
    const options = within(country).getAllByRole('option');
    expect(options).toHaveLength(250); // "Choose a country" and 249 countries
    expect(within(country).getByRole('option', { name: 'Germany' })).toHaveValue('DE');
    expect(within(country).getByRole('option', { name: 'United Kingdom' })).toHaveValue('GB');
    await userEvent.selectOptions(country, 'DE');
    first.unmount();

    renderApp('/checkout', { fetch: checkoutApi(ACCEPTED).fetch });
    expect(((await screen.findByRole('combobox', { name: 'Country' })) as HTMLSelectElement).value).toBe('DE');
  });

  it('places the order with an Idempotency-Key and goes to its status page', async () => {
    const api = checkoutApi(ACCEPTED);
    renderApp('/checkout', { fetch: api.fetch });
    await screen.findByRole('heading', { name: 'Checkout' });
    await fillAddress();
    await userEvent.click(screen.getByLabelText(/Test card — declines/));
    await placeOrder();

    expect(await screen.findByRole('heading', { name: /Order ORDER-12/ })).toBeInTheDocument();
    const [post] = api.callsTo('POST /api/orders');
    expect(post.headers['idempotency-key']).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
    expect(post.headers.authorization).toBe('Bearer access-token-1');
    expect(post.body).toEqual({
      items: [{ productId: 'SKU-1', quantity: 2 }],
      shippingAddress: {
        name: 'Ada Lovelace',
        line1: '12 St James Square',
        city: 'London',
        postalCode: 'SW1Y 4JH',
        country: 'GB',
      },
      payment: { token: 'tok_decline' },
      clientTotalCents: 2598,
    });
    // The cart is emptied once the order is accepted.
    expect(api.callsTo('PUT /api/cart').at(-1)?.body).toEqual({ items: [] });
    expect(screen.getByTestId('location')).toHaveTextContent('/orders/order-123');
  });

  it('records checkout_started when the form opens and order_placed once the order is accepted', async () => {
    const api = checkoutApi(ACCEPTED);
    renderApp('/checkout', { fetch: api.fetch });
    await screen.findByRole('heading', { name: 'Checkout' });
    await fillAddress();
    await placeOrder();
    await screen.findByRole('heading', { name: /Order ORDER-12/ });
    await waitFor(async () => {
      window.dispatchEvent(new Event('pagehide'));
      const events = (await sentBeacons()).flatMap((b) => (JSON.parse(b.body) as ClickBatch).events);
      expect(events.map((e) => [e.type, e.productIds, e.customerId])).toEqual([
        ['checkout_started', ['SKU-1'], CUSTOMER.subject],
        ['order_placed', ['SKU-1'], CUSTOMER.subject],
      ]);
    });
  });

  it('reuses the Idempotency-Key when the same attempt is retried after a failure', async () => {
    const api = checkoutApi([
      'network-error',
      serviceError(503, 'Service Unavailable', 'Service Unavailable'),
      ACCEPTED,
    ]);
    renderApp('/checkout', { fetch: api.fetch });
    await screen.findByRole('heading', { name: 'Checkout' });
    await fillAddress();

    await placeOrder();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not confirm your order. We could not reach the store. Check your connection and try again. ' +
        'Placing it again is safe: you will not be charged twice.',
    );
    await placeOrder();
    expect(await screen.findByText(/\(HTTP 503\)/)).toBeInTheDocument();
    await placeOrder();
    await screen.findByRole('heading', { name: /Order ORDER-12/ });

    const keys = api.callsTo('POST /api/orders').map((c) => c.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
  });

  it('uses a new Idempotency-Key when the order changes between attempts, and after a 409', async () => {
    const api = checkoutApi([
      { status: 503, body: {} },
      serviceError(409, 'Conflict', 'This Idempotency-Key was already used with a different request body'),
      ACCEPTED,
    ]);
    renderApp('/checkout', { fetch: api.fetch });
    await screen.findByRole('heading', { name: 'Checkout' });
    await fillAddress();
    await placeOrder();
    await screen.findByRole('alert');

    await fillAddress({ City: 'Cambridge' });
    await placeOrder();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'This checkout attempt was already used with different details. Check your order and place it again.',
    );
    await placeOrder();
    await screen.findByRole('heading', { name: /Order ORDER-12/ });

    const keys = api.callsTo('POST /api/orders').map((c) => c.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(3);
  });

  it('shows the service’s 400 next to the field it names', async () => {
    const problem = 'body.shippingAddress.postalCode: Too big: expected string to have <=20 characters';
    const api = checkoutApi(serviceError(400, 'Bad Request', problem, [problem]));
    renderApp('/checkout', { fetch: api.fetch });
    await screen.findByRole('heading', { name: 'Checkout' });
    await fillAddress();
    await placeOrder();

    expect(
      await screen.findByText(`Postal code: Too big: expected string to have <=20 characters`, {
        selector: '.field__error',
      }),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Postal code')).toHaveAttribute('aria-invalid', 'true');
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(alerts.some((t) => t?.includes(`The store did not accept the order. ${problem}.`))).toBe(true);
  });

  it('explains a 413 in words', async () => {
    const api = checkoutApi(serviceError(413, 'Payload Too Large', 'Request body is too large'));
    renderApp('/checkout', { fetch: api.fetch });
    await screen.findByRole('heading', { name: 'Checkout' });
    await fillAddress();
    await placeOrder();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Your order was not placed. This request is too large for the store. Remove some items and try again.',
    );
  });
});

describe('checkout logic', () => {
  const body: CreateOrderBody = {
    items: [{ productId: 'SKU-1', quantity: 1 }],
    shippingAddress: { name: 'A', line1: 'B', city: 'C', postalCode: 'D', country: 'US' },
    payment: { token: 'tok_approve' },
    clientTotalCents: 100,
  };

  it('attemptFor keeps the key for the same body and makes a new one for another', () => {
    let n = 0;
    const key = () => `key-${++n}-abcdef`;
    const first = attemptFor(null, body, key);
    expect(attemptFor(first, { ...body }, key)).toBe(first);
    expect(attemptFor(first, { ...body, clientTotalCents: 200 }, key).key).toBe('key-2-abcdef');
  });

  it('validateAddress trims, upper-cases the country and drops an empty second line', () => {
    const result = validateAddress({
      ...EMPTY_ADDRESS,
      name: ' Ada ',
      line1: '1 Road',
      line2: '  ',
      city: 'Paris',
      postalCode: '75001',
      country: 'fr',
    });
    expect(result).toEqual({
      ok: true,
      address: { name: 'Ada', line1: '1 Road', city: 'Paris', postalCode: '75001', country: 'FR' },
    });
  });

  it('validateAddress uses the contract’s SafeText: NFC-normalised, and a character no store accepts named', () => {
    const address = {
      ...EMPTY_ADDRESS,
      name: 'Ada',
      line1: '1 Road',
      city: 'Paris',
      postalCode: '75001',
      country: 'FR',
    };
    expect(validateAddress({ ...address, name: 'Jose\u0301' })).toMatchObject({ ok: true, address: { name: 'José' } });
    expect(validateAddress({ ...address, name: 'Ada\uffff' })).toEqual({
      ok: false,
      errors: { name: expect.stringContaining('contains U+FFFF at character 4: a noncharacter') },
    });
    expect(validateAddress({ ...address, city: 'Par\u0000is' })).toEqual({
      ok: false,
      errors: { city: expect.stringContaining('contains U+0000') },
    });
  });
});
