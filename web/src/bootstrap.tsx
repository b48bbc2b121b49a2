/**
 * Start-up: read /config.json, then mount the storefront, or a readable error page when the
 * configuration is missing or invalid. Everything from outside is injectable for tests.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { Root } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { Api } from './api';
import { createOidcAuth } from './auth';
import type { AuthService } from './auth';
import { loadRuntimeConfig } from './config';
import type { RuntimeConfig } from './config';
import { Spinner } from './components/Spinner';
import { ConfigErrorPage } from './pages/ConfigErrorPage';
import { AppProviders } from './providers';
import { AppRoutes } from './routes';

export interface BootstrapOptions {
  readonly fetch?: typeof fetch;
  readonly origin?: string;
  readonly createAuth?: (config: RuntimeConfig) => AuthService;
}

export async function bootstrap(container: HTMLElement, options: BootstrapOptions = {}): Promise<Root> {
  const fetchFn = options.fetch ?? window.fetch.bind(window);
  const root = createRoot(container);
  // The header's frame (same height as the real one) while /config.json loads: nothing moves after.
  root.render(
    <>
      <header className="site-header">
        <div className="site-header__inner">
          <span className="brand">SecureCart</span>
        </div>
      </header>
      <main id="main" className="site-main">
        <Spinner label="Loading SecureCart…" />
      </main>
    </>,
  );

  const result = await loadRuntimeConfig(fetchFn, options.origin ?? window.location.origin);
  if (!result.ok) {
    console.error('SecureCart configuration problem:', result.problems.join('; '));
    root.render(<ConfigErrorPage problems={result.problems} />);
    return root;
  }

  const auth = (options.createAuth ?? createOidcAuth)(result.config);
  const api = new Api({ fetch: fetchFn, getAccessToken: () => auth.getAccessToken() });
  root.render(
    <StrictMode>
      <BrowserRouter>
        <AppProviders api={api} auth={auth}>
          <AppRoutes />
        </AppProviders>
      </BrowserRouter>
    </StrictMode>,
  );
  return root;
}
