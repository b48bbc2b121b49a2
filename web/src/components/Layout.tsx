import { Suspense, useEffect, useRef, useState } from 'react';
import type { RefObject } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { useAuth } from '../app-context';
import { useCart } from '../cart';
import { globalPrivacyControl, optedOut, setOptedOut } from '../clickstream-consent';
import { PageErrorBoundary } from './PageErrorBoundary';
import { Spinner } from './Spinner';

function AccountControls() {
  const { state, signIn, signOut } = useAuth();
  // While the sign-in state is read: the signed-out button's space, invisible, so nothing moves.
  if (state.status === 'loading') {
    return (
      <span className="button button--header account__placeholder" aria-hidden="true">
        Sign in
      </span>
    );
  }
  if (state.status === 'signedOut') {
    return (
      <button type="button" className="button button--header" onClick={() => void signIn()}>
        Sign in
      </button>
    );
  }
  return (
    <>
      <span className="account__name">
        <span className="visually-hidden">Signed in as </span>
        {state.user.displayName}
      </span>
      <button type="button" className="button button--header" onClick={() => void signOut()}>
        Sign out
      </button>
    </>
  );
}

/**
 * The site's header: brand, main navigation with the cart's item count, and the account controls,
 * each in its own area of a fixed-height grid (styles.css), so the header is as tall signed in,
 * signed out and while that is being checked, and the page below it never moves.
 */
function SiteHeader() {
  const { items } = useCart();
  const count = items.reduce((n, i) => n + i.quantity, 0);
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link to="/" className="brand">
          SecureCart
        </Link>
        <nav aria-label="Main" className="site-nav">
          <ul>
            <li>
              <NavLink to="/" end>
                Catalog
              </NavLink>
            </li>
            <li>
              <NavLink to="/cart">
                Cart <span className="cart-count">({count})</span>
                <span className="visually-hidden"> {count === 1 ? 'item' : 'items'}</span>
              </NavLink>
            </li>
            <li>
              <NavLink to="/orders">Orders</NavLink>
            </li>
          </ul>
        </nav>
        <div className="account">
          <AccountControls />
        </div>
      </div>
    </header>
  );
}

/**
 * After a client-side navigation: start at the top and move focus to the new page's heading (its
 * h1), so a screen reader announces where the customer is. A page that loads first shows its h1
 * later: focus waits on <main> and moves to the h1 when it appears, unless the customer has moved
 * it elsewhere in the meantime.
 */
function useFocusOnNavigation(pathname: string): RefObject<HTMLElement | null> {
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    window.scrollTo?.(0, 0);
    const root = main.current;
    if (!root) return;
    const focusHeading = (): boolean => {
      const heading = root.querySelector('h1');
      if (!heading) return false;
      const active = document.activeElement;
      if (active && active !== root && active !== document.body && root.contains(active)) return true;
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
      return true;
    };
    root.focus({ preventScroll: true });
    if (focusHeading()) return;
    const observer = new MutationObserver(() => {
      if (focusHeading()) observer.disconnect();
    });
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [pathname]);
  return main;
}

/**
 * The footer's choice about browsing data (recommendations): on unless opted out here, remembered
 * on this device; with Global Privacy Control nothing is recorded, and it says so instead.
 */
function BrowsingDataChoice() {
  const [allowed, setAllowed] = useState(() => !optedOut());
  if (globalPrivacyControl()) {
    return (
      <p className="consent">Your browser asks for privacy (Global Privacy Control): no browsing data is recorded.</p>
    );
  }
  return (
    <p className="consent">
      <label>
        <input
          type="checkbox"
          checked={allowed}
          onChange={(e) => {
            setOptedOut(!e.target.checked);
            setAllowed(e.target.checked);
          }}
        />{' '}
        Record which products I view (anonymously) for recommendations
      </label>
    </p>
  );
}

/** Header, navigation, main landmark and footer around every page. */
export function Layout() {
  const { error: authError } = useAuth();
  const location = useLocation();
  const main = useFocusOnNavigation(location.pathname);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <SiteHeader />
      <main id="main" ref={main} tabIndex={-1} className="site-main">
        {authError && (
          <div role="alert" className="alert alert--error">
            <p>{authError}</p>
          </div>
        )}
        {/* Keyed by path: a failed page does not stay failed once the customer navigates away. */}
        <PageErrorBoundary key={location.pathname}>
          <Suspense fallback={<Spinner label="Loading page…" />}>
            <Outlet />
          </Suspense>
        </PageErrorBoundary>
      </main>
      <footer className="site-footer">
        <p>SecureCart reference storefront. Payments use a simulated provider: no real card is ever charged.</p>
        <BrowsingDataChoice />
      </footer>
    </>
  );
}
