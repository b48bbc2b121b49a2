import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useAuth } from '../app-context';
import { Spinner } from '../components/Spinner';
import { usePageTitle } from '../hooks';

/** The OIDC redirect URI: exchanges the code (with the PKCE verifier) for tokens. */
export default function AuthCallbackPage() {
  usePageTitle('Signing in');
  const { service } = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    // The code can be redeemed once: never twice, even under StrictMode's double effects.
    if (started.current) return;
    started.current = true;
    service.completeSignIn().then(
      (returnTo) => navigate(returnTo, { replace: true }),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [service, navigate]);

  if (!error) return <Spinner label="Signing you in…" />;
  return (
    <section className="narrow">
      <h1>Sign-in did not complete</h1>
      <div role="alert" className="alert alert--error">
        <p>{error}</p>
      </div>
      <p>
        <Link to="/signin">Try signing in again</Link> or <Link to="/">go to the catalog</Link>.
      </p>
    </section>
  );
}
