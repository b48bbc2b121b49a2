import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { safeReturnPath } from '../src/auth';
import { answer, fakeAuth, mockFetch, renderApp } from './helpers';

const ordersApi = () =>
  mockFetch({
    'GET /api/orders': answer('listOrders', { orders: [] }),
    'GET /api/products': answer('listProducts', { products: [] }),
  });

describe('sign-in guard', () => {
  it.each(['/orders', '/orders/order-1', '/checkout'])(
    'sends a signed-out visitor of %s to the sign-in page',
    async (path) => {
      const auth = fakeAuth(null);
      const api = ordersApi();
      renderApp(path, { fetch: api.fetch, auth });

      expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
      expect(screen.getByTestId('location')).toHaveTextContent(`/signin?returnTo=${encodeURIComponent(path)}`);
      expect(api.calls.filter((c) => c.path.startsWith('/api/orders'))).toHaveLength(0);

      await userEvent.click(screen.getByRole('button', { name: 'Continue to sign in' }));
      expect(auth.signIn).toHaveBeenCalledWith(path);
    },
  );

  it('lets a signed-in customer through', async () => {
    renderApp('/orders', { fetch: ordersApi().fetch });
    expect(await screen.findByRole('heading', { name: 'Your orders' })).toBeInTheDocument();
    expect(screen.getByText(/You have no orders yet/)).toBeInTheDocument();
  });

  it('waits, with a progress message, while the session is being read', async () => {
    const auth = { ...fakeAuth(null), getUser: vi.fn(() => new Promise<null>(() => undefined)) };
    renderApp('/orders', { fetch: ordersApi().fetch, auth });
    expect(await screen.findByText('Checking your sign-in…')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/orders');
  });

  it('header: signs in and out', async () => {
    const signedOut = fakeAuth(null);
    const first = renderApp('/', { fetch: ordersApi().fetch, auth: signedOut });
    await userEvent.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(signedOut.signIn).toHaveBeenCalledWith('/');
    first.unmount();

    const signedIn = fakeAuth();
    renderApp('/', { fetch: ordersApi().fetch, auth: signedIn });
    expect(await screen.findByText('ada@example.com')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(signedIn.signOut).toHaveBeenCalled();
  });

  it('completes the sign-in on the callback and returns to the page asked for', async () => {
    const auth = { ...fakeAuth(), completeSignIn: vi.fn(async () => '/orders') };
    renderApp('/auth/callback?code=abc&state=xyz', { fetch: ordersApi().fetch, auth });
    expect(await screen.findByRole('heading', { name: 'Your orders' })).toBeInTheDocument();
    expect(auth.completeSignIn).toHaveBeenCalledTimes(1);
  });

  it('says so when the sign-in cannot be completed', async () => {
    const auth = {
      ...fakeAuth(null),
      completeSignIn: vi.fn(async () => Promise.reject(new Error('No matching state found in storage'))),
    };
    renderApp('/auth/callback?code=abc&state=xyz', { fetch: ordersApi().fetch, auth });
    expect(await screen.findByRole('heading', { name: 'Sign-in did not complete' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('No matching state found in storage');
  });

  it('only returns to paths on this site', () => {
    expect(safeReturnPath('/orders/1?x=2')).toBe('/orders/1?x=2');
    expect(safeReturnPath('//evil.example/')).toBe('/');
    expect(safeReturnPath('https://evil.example/')).toBe('/');
    expect(safeReturnPath('/\\evil.example')).toBe('/');
    expect(safeReturnPath(undefined)).toBe('/');
  });
});
