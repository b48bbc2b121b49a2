import { Navigate, useSearchParams } from 'react-router';
import { useAuth } from '../app-context';
import { safeReturnPath } from '../auth';
import { Spinner } from '../components/Spinner';
import { usePageTitle } from '../hooks';

/** Where pages for signed-in customers send everyone else. */
export default function SignInPage() {
  usePageTitle('Sign in');
  const { state, signIn } = useAuth();
  const [params] = useSearchParams();
  const returnTo = safeReturnPath(params.get('returnTo') ?? '/');

  if (state.status === 'loading') return <Spinner label="Checking your sign-in…" />;
  if (state.status === 'signedIn') return <Navigate to={returnTo} replace />;
  return (
    <section aria-labelledby="signin-title" className="narrow">
      <h1 id="signin-title">Sign in</h1>
      <p>Sign in to see your cart on every device, check out and follow your orders.</p>
      <p>
        <button type="button" className="button button--primary" onClick={() => void signIn(returnTo)}>
          Continue to sign in
        </button>
      </p>
      <p className="field__hint">You will be taken to our secure sign-in page and brought back here.</p>
    </section>
  );
}
