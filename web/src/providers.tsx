import type { ReactNode } from 'react';
import type { Api } from './api';
import { CoreProviders } from './app-context';
import type { AuthService } from './auth';
import { CartProvider } from './cart';

/** Everything the pages read from context: the API client, the sign-in state and the cart. */
export function AppProviders({ api, auth, children }: { api: Api; auth: AuthService; children: ReactNode }) {
  return (
    <CoreProviders api={api} auth={auth}>
      <CartProvider>{children}</CartProvider>
    </CoreProviders>
  );
}
