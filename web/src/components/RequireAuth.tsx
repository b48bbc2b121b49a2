import { Navigate, Outlet, useLocation } from 'react-router';
import { useAuth } from '../app-context';
import { Spinner } from './Spinner';

/** Pages for signed-in customers only: everyone else goes to the sign-in page, and comes back. */
export function RequireAuth() {
  const { state } = useAuth();
  const location = useLocation();
  if (state.status === 'loading') return <Spinner label="Checking your sign-in…" />;
  if (state.status === 'signedOut') {
    const returnTo = `${location.pathname}${location.search}`;
    return <Navigate to={`/signin?returnTo=${encodeURIComponent(returnTo)}`} replace />;
  }
  return <Outlet />;
}
