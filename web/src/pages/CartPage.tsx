import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../app-context';
import { useCart } from '../cart';
import { ORDER_LIMITS } from '../contracts';
import type { OrderItem, ProductView } from '../contracts';
import { CartError, ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { formatCents, formatPrice } from '../money';
import { useAsync, usePageTitle } from '../hooks';

export interface PricedItem extends OrderItem {
  readonly product?: ProductView;
}

/** Cart lines with their catalog entries; the total counts only what can be ordered. */
export function priceCart(items: readonly OrderItem[], products: readonly ProductView[]) {
  const byId = new Map(products.map((p) => [p.productId, p]));
  const lines: PricedItem[] = items.map((i) => ({ ...i, product: byId.get(i.productId) }));
  const unavailable = lines.filter((l) => !l.product?.inStock);
  const totalCents = lines.reduce((sum, l) => sum + (l.product ? l.product.priceCents * l.quantity : 0), 0);
  return { lines, unavailable, totalCents };
}

function QuantityField({ line, name }: { line: PricedItem; name: string }) {
  const cart = useCart();
  const [draft, setDraft] = useState(String(line.quantity));
  useEffect(() => setDraft(String(line.quantity)), [line.quantity]);
  const id = `qty-${line.productId}`;
  const commit = () => {
    const n = Math.floor(Number(draft));
    if (!Number.isFinite(n) || n < 1) return setDraft(String(line.quantity));
    if (n !== line.quantity) void cart.setQuantity(line.productId, n);
  };
  return (
    <div className="quantity">
      <button
        type="button"
        className="button button--icon"
        aria-label={`Decrease quantity of ${name}`}
        disabled={line.quantity <= 1}
        onClick={() => void cart.setQuantity(line.productId, line.quantity - 1)}
      >
        −
      </button>
      <label htmlFor={id} className="visually-hidden">
        Quantity of {name}
      </label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={1}
        max={ORDER_LIMITS.maxQuantity}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      <button
        type="button"
        className="button button--icon"
        aria-label={`Increase quantity of ${name}`}
        disabled={line.quantity >= ORDER_LIMITS.maxQuantity}
        onClick={() => void cart.setQuantity(line.productId, line.quantity + 1)}
      >
        +
      </button>
    </div>
  );
}

export default function CartPage() {
  usePageTitle('Your cart');
  const api = useApi();
  const cart = useCart();
  const [products, reload] = useAsync(useCallback((signal: AbortSignal) => api.listProducts(signal), [api]));

  if (!cart.ready && !cart.error) return <Spinner label="Loading your cart…" />;

  return (
    <section aria-labelledby="cart-title">
      <h1 id="cart-title">Your cart</h1>
      <CartError />
      {cart.saving && <Spinner label="Saving your cart…" inline />}
      {!cart.ready && cart.error && (
        <p>
          <button type="button" className="button button--secondary" onClick={cart.reload}>
            Try loading your cart again
          </button>
        </p>
      )}
      {cart.ready && !cart.items.length && (
        <p>
          Your cart is empty. <Link to="/">Browse the catalog</Link>.
        </p>
      )}
      {cart.ready && cart.items.length > 0 && products.status === 'loading' && <Spinner label="Loading prices…" />}
      {cart.ready && cart.items.length > 0 && products.status === 'error' && (
        <ErrorMessage title="We could not load the prices." error={products.error} onRetry={reload} />
      )}
      {cart.ready && cart.items.length > 0 && products.status === 'ready' && <CartLines products={products.data} />}
    </section>
  );
}

function CartLineRow({ line }: { line: PricedItem }) {
  const cart = useCart();
  const name = line.product?.name ?? line.productId;
  return (
    <tr>
      <th scope="row" data-label="Product">
        {line.product ? <Link to={`/products/${encodeURIComponent(line.productId)}`}>{name}</Link> : name}
        {!line.product?.inStock && <span className="stock stock--out"> — no longer available</span>}
      </th>
      <td data-label="Price">{line.product ? formatPrice(line.product.priceCents, line.product.currency) : '—'}</td>
      <td data-label="Quantity">
        <QuantityField line={line} name={name} />
      </td>
      <td data-label="Subtotal">
        {line.product ? formatPrice(line.product.priceCents * line.quantity, line.product.currency) : '—'}
      </td>
      <td>
        <button
          type="button"
          className="button button--link"
          aria-label={`Remove ${name} from cart`}
          onClick={() => void cart.remove(line.productId)}
        >
          Remove
        </button>
      </td>
    </tr>
  );
}

function CartLines({ products }: { products: readonly ProductView[] }) {
  const cart = useCart();
  const { lines, unavailable, totalCents } = priceCart(cart.items, products);
  return (
    <>
      <table className="cart-table">
        <caption className="visually-hidden">Products in your cart</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Price</th>
            <th scope="col">Quantity</th>
            <th scope="col">Subtotal</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <CartLineRow key={line.productId} line={line} />
          ))}
        </tbody>
      </table>
      <p className="cart-total">
        Total: <strong>{formatCents(totalCents)}</strong>
      </p>
      {unavailable.length > 0 ? (
        <p className="alert alert--warning">Remove the products that are no longer available to check out.</p>
      ) : (
        <p>
          <Link to="/checkout" className="button">
            Check out
          </Link>
        </p>
      )}
    </>
  );
}
