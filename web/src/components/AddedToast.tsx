import { Link } from 'react-router';

/**
 * What adding to the cart did, shown next to the button that did it, over the page rather than in
 * it (absolutely positioned: nothing moves). It follows the button in the tab order, so its link
 * and its Dismiss button are the next stops; screen readers hear the same words from the page's
 * live region (LiveRegion), which exists before anything is added, so the change is announced.
 */
export function AddedToast({ message, onDismiss }: { message: string; onDismiss: () => void }) {
  return (
    <div className="toast">
      <p className="toast__message">{message}</p>
      <p className="toast__actions">
        <Link to="/cart">Go to your cart</Link>
        <button type="button" className="button button--link toast__dismiss" onClick={onDismiss}>
          Dismiss
        </button>
      </p>
    </div>
  );
}

/** A polite live region, always in the page: what it says is read out when it changes. */
export function LiveRegion({ message }: { message: string }) {
  return (
    <p role="status" className="visually-hidden">
      {message}
    </p>
  );
}
