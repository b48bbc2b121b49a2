import { useCallback, useEffect, useRef, useState } from 'react';
import type { ComponentType } from 'react';
import { Link, useParams } from 'react-router';
import { useApi } from '../app-context';
import { useCart } from '../cart';
import { ORDER_LIMITS } from '../contracts';
import type { ProductView } from '../contracts';
import { AddedToast, LiveRegion } from '../components/AddedToast';
import { CartError, ErrorMessage } from '../components/ErrorMessage';
import { ProductImage } from '../components/ProductImage';
import type { RecommendationsProps } from '../components/Recommendations';
import { Spinner } from '../components/Spinner';
import { formatPrice } from '../money';
import { useAsync, usePageTitle } from '../hooks';
import { useTrack } from '../track';

/**
 * `Recommendations` (components/Recommendations.tsx) is handed in by routes.tsx rather than
 * imported: imported by this page's chunk as well as by the catalog's, it makes Rolldown split the
 * code they share into four initial chunks (+2.5 KB gzip on the first visit, measured).
 */
export default function ProductPage({ Recommendations }: { Recommendations: ComponentType<RecommendationsProps> }) {
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
  return <ProductDetails product={state.data} Recommendations={Recommendations} />;
}

function ProductDetails({
  product,
  Recommendations,
}: {
  product: ProductView;
  Recommendations: ComponentType<RecommendationsProps>;
}) {
  const api = useApi();
  const cart = useCart();
  const track = useTrack();
  const { productId } = product;
  // Once per product shown (not again when the sign-in state settles and `track` changes).
  const viewed = useRef('');
  useEffect(() => {
    if (viewed.current === productId) return;
    viewed.current = productId;
    track('product_viewed', [productId]);
  }, [track, productId]);
  const loadRecommendations = useCallback(
    (signal: AbortSignal) => api.getRecommendations(productId, signal),
    [api, productId],
  );
  const [announcement, setAnnouncement] = useState('');
  const [toast, setToast] = useState('');
  const add = async (quantity: number) => {
    const ok = await cart.add(product.productId, quantity);
    const message = ok ? `Added ${quantity} × ${product.name} to your cart.` : '';
    setAnnouncement(message);
    setToast(message);
  };

  return (
    <article aria-labelledby="product-title" className="product">
      <p className="product__back">
        <Link to="/">← Catalog</Link>
      </p>
      <div className="product__layout">
        <ProductImage product={product} eager />
        <div className="product__info">
          <h1 id="product-title">{product.name}</h1>
          <p className="product__category">{product.category}</p>
          <p className="product__price">{formatPrice(product.priceCents, product.currency)}</p>
          <p className={product.inStock ? 'stock stock--in' : 'stock stock--out'}>
            {product.inStock ? 'In stock' : 'Out of stock'}
          </p>
          <div className="product__buy">
            <QuantityForm available={product.inStock} onAdd={add} />
            {toast && <AddedToast message={toast} onDismiss={() => setToast('')} />}
          </div>
          <LiveRegion message={announcement} />
          <CartError />
          {product.description && <p className="product__description">{product.description}</p>}
        </div>
      </div>
      <Recommendations title="Customers also viewed" load={loadRecommendations} />
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
