import { ApiError, errorMessage } from '../api';
import { useAuth } from '../app-context';
import { useCart } from '../cart';

interface ErrorMessageProps {
  readonly title: string;
  /** An error from the API client, or a message already in words. */
  readonly error: unknown;
  readonly onRetry?: () => void;
}

/** An error in words, announced to screen readers, with a way forward where there is one. */
export function ErrorMessage({ title, error, onRetry }: ErrorMessageProps) {
  const { signIn } = useAuth();
  const needsSignIn = error instanceof ApiError && error.status === 401;
  return (
    <div role="alert" className="alert alert--error">
      <p>
        <strong>{title}</strong> {typeof error === 'string' ? error : errorMessage(error)}
      </p>
      {(onRetry || needsSignIn) && (
        <p className="alert__actions">
          {needsSignIn ? (
            <button type="button" className="button" onClick={() => void signIn()}>
              Sign in again
            </button>
          ) : (
            <button type="button" className="button button--secondary" onClick={onRetry}>
              Try again
            </button>
          )}
        </p>
      )}
    </div>
  );
}

/** The cart's last error (a refused update), until dismissed or the next change. */
export function CartError() {
  const cart = useCart();
  if (!cart.error) return null;
  return (
    <div role="alert" className="alert alert--error">
      <p>{cart.error}</p>
      <p className="alert__actions">
        <button type="button" className="button button--secondary" onClick={cart.dismissError}>
          Dismiss
        </button>
      </p>
    </div>
  );
}
