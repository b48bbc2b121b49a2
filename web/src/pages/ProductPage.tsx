import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApi } from '../app-context';
import { useCart } from '../cart';
import { ORDER_LIMITS } from '../contracts';
import type { ProductView } from '../contracts';
import { CartError, ErrorMessage } from '../components/ErrorMessage';
import { Spinner } from '../components/Spinner';
import { formatCents } from '../money';
import { useAsync, usePageTitle } from '../hooks';

export default function ProductPage() {
  const { productId = '' } = useParams();
  const api = useApi();
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
  return <ProductDetails product={state.data} />;
}

function ProductDetails({ product }: { product: ProductView }) {
  const cart = useCart();
  const [announcement, setAnnouncement] = useState('');
  const add = async (quantity: number) => {
    const ok = await cart.add(product.productId, quantity);
    setAnnouncement(ok ? `Added ${quantity} × ${product.name} to your cart.` : '');
  };

  return (
    <article aria-labelledby="product-title" className="product">
      <p>
        <Link to="/">← Catalog</Link>
      </p>
      <h1 id="product-title">{product.name}</h1>
      <p className="product__price">{formatCents(product.priceCents)}</p>
      <p className={product.inStock ? 'stock stock--in' : 'stock stock--out'}>
        {product.inStock ? 'In stock' : 'Out of stock'}
      </p>
      <QuantityForm available={product.inStock} onAdd={add} />
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

/** How many to add: a whole number the order contract accepts (1 to ORDER_LIMITS.maxQuantity). */
function QuantityForm({ available, onAdd }: { available: boolean; onAdd: (quantity: number) => Promise<void> }) {
  const [quantity, setQuantity] = useState('1');
  const [quantityError, setQuantityError] = useState<string | null>(null);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const n = Number(quantity);
    if (!Number.isInteger(n) || n < 1 || n > ORDER_LIMITS.maxQuantity) {
      setQuantityError(`Quantity must be a whole number from 1 to ${ORDER_LIMITS.maxQuantity}.`);
      return;
    }
    setQuantityError(null);
    await onAdd(n);
  };

  return (
    <form className="product__form" noValidate onSubmit={(e) => void submit(e)}>
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
        max={ORDER_LIMITS.maxQuantity}
        value={quantity}
        aria-invalid={quantityError ? true : undefined}
        aria-describedby={quantityError ? 'quantity-error' : undefined}
        onChange={(e) => setQuantity(e.target.value)}
      />
      <button type="submit" className="button" disabled={!available}>
        Add to cart
      </button>
    </form>
  );
}
