import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { isAvailable } from '../api';
import { useApi } from '../app-context';
import { MAX_QUANTITY, useCart } from '../cart';
import { CartError, ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { formatCents } from '../money';
import { useAsync, usePageTitle } from '../hooks';

export default function ProductPage() {
  const { productId = '' } = useParams();
  const api = useApi();
  const cart = useCart();
  const [quantity, setQuantity] = useState('1');
  const [quantityError, setQuantityError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [state, reload] = useAsync(
    useCallback((signal: AbortSignal) => api.getProduct(productId, signal), [api, productId]),
  );
  usePageTitle(state.status === 'ready' ? state.data.name : 'Product');

  if (state.status === 'loading') return <Spinner label="Loading product…" />;
  if (state.status === 'error') {
    return (
      <section>
        <h1>Product</h1>
        <ErrorMessage title="We could not load this product." error={state.error} onRetry={reload} />
        <p>
          <Link to="/">Back to the catalog</Link>
        </p>
      </section>
    );
  }

  const product = state.data;
  const available = isAvailable(product);
  const add = async (event: React.FormEvent) => {
    event.preventDefault();
    const n = Number(quantity);
    if (!Number.isInteger(n) || n < 1 || n > MAX_QUANTITY) {
      setQuantityError(`Quantity must be a whole number from 1 to ${MAX_QUANTITY}.`);
      return;
    }
    setQuantityError(null);
    const ok = await cart.add(product.productId, n);
    setAnnouncement(ok ? `Added ${n} × ${product.name} to your cart.` : '');
  };

  return (
    <article aria-labelledby="product-title" className="product">
      <p>
        <Link to="/">← Catalog</Link>
      </p>
      <h1 id="product-title">{product.name}</h1>
      <p className="product__price">{formatCents(product.priceCents)}</p>
      <p className={available ? 'stock stock--in' : 'stock stock--out'}>{available ? 'In stock' : 'Out of stock'}</p>
      <form className="product__form" noValidate onSubmit={(e) => void add(e)}>
        <label htmlFor="quantity">Quantity</label>
        {quantityError && (
          <p id="quantity-error" className="field__error">
            {quantityError}
          </p>
        )}
        <input
          id="quantity"
          name="quantity"
          type="number"
          inputMode="numeric"
          min={1}
          max={MAX_QUANTITY}
          value={quantity}
          aria-invalid={quantityError ? true : undefined}
          aria-describedby={quantityError ? 'quantity-error' : undefined}
          onChange={(e) => setQuantity(e.target.value)}
        />
        <button type="submit" className="button" disabled={!available}>
          Add to cart
        </button>
      </form>
      <p role="status" className="announcement">
        {announcement}
      </p>
      <CartError />
      {announcement && (
        <p>
          <Link to="/cart">Go to your cart</Link>
        </p>
      )}
    </article>
  );
}
